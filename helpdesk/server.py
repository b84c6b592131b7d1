"""Serving the app: gunicorn's threaded worker, which carries Flask-SocketIO websockets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """An embedded gunicorn running one app object."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings:  # newer options (control socket) are skipped on older gunicorn
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(app: Flask, host: str, port: int, threads: int = 64, on_worker_start: Callable[[], None] | None = None) -> None:
    """Serve until stopped. One worker process: Socket.IO needs sticky sessions, so scale
    out with several `helpdesk run` processes behind a proxy and Redis as the message queue.
    `on_worker_start` runs inside the worker process (background tasks must start after the fork)."""
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 0,  # websockets stay open; the gthread worker still heartbeats
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
        # gunicorn 23+ opens a control socket in $HOME; several helpdesk processes would share it.
        "control_socket_disable": True,
    }
    if on_worker_start is not None:
        options["post_worker_init"] = lambda _worker: on_worker_start()
    _Gunicorn(app, options).run()
