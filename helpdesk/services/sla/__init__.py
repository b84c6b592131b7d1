"""Response SLAs: business calendars, due times, ticket clocks, the sweeper and reports."""
