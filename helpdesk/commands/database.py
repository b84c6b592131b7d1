"""The database as a command opens it: an engine on a current schema and writer sessions."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from helpdesk.config import Config
from helpdesk.db import make_engine, writer_sessions
from helpdesk.services import schema


def command_sessions(config: Config | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """An engine (the caller disposes it) and writer sessions; SchemaOutOfDate if not upgraded."""
    config = config or Config.from_env()
    engine = make_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
    schema.require_current(engine)
    return engine, writer_sessions(engine)
