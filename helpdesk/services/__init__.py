"""Use cases: plain functions over a session, called by views, the CLI, pollers and tests."""
