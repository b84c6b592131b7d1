"""Groups of `helpdesk` sub-commands that live beside the features they drive."""
