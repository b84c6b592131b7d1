"""The engine and sessions: SQLite in WAL mode with a busy timeout, or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from helpdesk.config import Config


def make_engine(url: URL, *, busy_timeout_ms: int = 5000, **kwargs: Any) -> Engine:
    """Create an engine; SQLite connections get WAL, a busy timeout and foreign keys."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)

    if url.database and url.database != ":memory:":
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
        # BEGIN IMMEDIATE can be used for writers (see begin below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Writers (see writer_sessions) BEGIN IMMEDIATE: they take the write lock at once, so a
        # transaction that reads and then writes waits for the busy timeout instead of failing
        # with SQLITE_BUSY when another process wrote in between. Readers stay DEFERRED and,
        # in WAL mode, never block a writer.
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_begin") == "immediate" else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for background writers (pollers, the outbox relay, the sweeper)."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="immediate")
    return sessionmaker(engine, expire_on_commit=False)


class Database:
    """Holds the engine and the session factory; bound to an app by init_app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.sessions: sessionmaker[Session] | None = None
        self.writer_sessions: sessionmaker[Session] | None = None

    def configure(self, config: Config) -> None:
        """Create the engine and session factory from the configuration."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.writer_sessions = writer_sessions(self.engine)

    def init_app(self, app: Flask, config: Config) -> None:
        """Bind to the app: one session per request, closed at teardown."""
        self.configure(config)
        app.extensions["helpdesk_db"] = self
        app.teardown_appcontext(self._close_request_session)

    def new_session(self) -> Session:
        """A session not tied to a request (CLI, background tasks)."""
        if self.sessions is None:
            raise RuntimeError("Database is not configured")
        return self.sessions()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session closed on exit; the caller commits."""
        session = self.new_session()
        try:
            yield session
        finally:
            session.close()

    @property
    def session(self) -> Session:
        """The current request's session, created on first use."""
        if "db_session" not in g:
            g.db_session = self.new_session()
        return g.db_session

    @staticmethod
    def _close_request_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
