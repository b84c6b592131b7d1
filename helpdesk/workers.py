"""The embedded workers of `helpdesk run --with-workers`: polling, the bot, the SLA sweeper and the
outbox relay as one background task of the web process (helpdesk.polling.run_poller does all four)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask
from sqlalchemy import event, false, update
from sqlalchemy.orm import Session, sessionmaker

from helpdesk.extensions import db, socketio
from helpdesk.models import Agent
from helpdesk.polling import run_poller

log = logging.getLogger(__name__)


def start_workers(app: Flask, *, interval: float = 1.0, workers: int | None = None) -> threading.Event:
    """Start the poll loop as a Socket.IO background task; set the returned event to stop it."""
    stop = threading.Event()
    assert db.engine is not None, "create_app binds the database first"
    sessions = worker_sessions(db.engine)
    if workers is None:
        # SQLite has one writer at a time: one polling thread avoids lock conflicts between pages.
        workers = 1 if app.config["HELPDESK_CONFIG"].is_sqlite else 4

    def loop() -> None:
        while not stop.is_set():
            try:
                run_poller(sessions, stop=stop, interval=interval, workers=workers)
            except Exception:  # a crash in one pass must not end polling for the life of the server
                log.exception("poll loop failed; restarting in 5 s")
                stop.wait(5)

    socketio.start_background_task(loop)
    log.info("workers started: polling, bot drafts, SLA sweeper, outbox relay")
    return stop


def worker_sessions(engine: Any) -> sessionmaker[Session]:
    """Sessions for the embedded workers; on SQLite each transaction takes the write lock first.

    The web process and its workers share one SQLite file. A transaction that reads and then
    writes fails at once (no busy wait) if another connection committed in between; taking the
    write lock at the start turns that into a wait. The cost: a poll holds the lock while it
    fetches a page, so agents' writes may wait that long (PostgreSQL has no such limit).
    """
    sessions = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite":
        @event.listens_for(sessions, "after_begin")
        def _write_lock(session: Session, _transaction: Any, connection: Any) -> None:
            connection.execute(update(Agent).where(false()).values(id=Agent.id))

    return sessions
