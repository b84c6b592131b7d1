"""The embedded workers of `helpdesk run --with-workers`: polling, the bot, the SLA sweeper and the
outbox relay as one background task of the web process (helpdesk.polling.run_poller does all four)."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from helpdesk.extensions import db, socketio
from helpdesk.polling import run_poller

log = logging.getLogger(__name__)


def start_workers(app: Flask, *, interval: float = 1.0, workers: int | None = None) -> threading.Event:
    """Start the poll loop as a Socket.IO background task; set the returned event to stop it."""
    stop = threading.Event()
    assert db.writer_sessions is not None, "create_app binds the database first"
    sessions = db.writer_sessions  # on SQLite: BEGIN IMMEDIATE, so read-then-write waits instead of failing
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

