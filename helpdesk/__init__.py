"""The helpdesk application: create_app builds it; importing starts nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from helpdesk import (  # realtime declares the Socket.IO handlers
    realtime,
    realtime_adapter,
)
from helpdesk.config import Config
from helpdesk.extensions import csrf, db, login_manager, socketio
from helpdesk.paths import resource_dir
from helpdesk.presence import make_presence
from helpdesk.web import register_web

__version__ = "0.1.0"


def create_app(config: Config | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from a Config (by default read from HELPDESK_* variables)."""
    config = config or Config.from_env()
    app = Flask(
        __name__,
        instance_path=str(config.instance_path),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.from_mapping(config.flask_settings())
    if overrides:
        app.config.update(overrides)
    config.instance_path.mkdir(parents=True, exist_ok=True)
    if config.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies)  # type: ignore[method-assign]

    db.init_app(app, config)
    csrf.init_app(app)
    login_manager.init_app(app)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=config.redis_url,
        # None means same-origin only; extra origins (a proxy's public address) are configured.
        cors_allowed_origins=list(config.allowed_origins) or None,
        max_http_buffer_size=256 * 1024,
    )

    register_web(app)
    realtime.presence = make_presence(config.redis_url)
    realtime_adapter.install(socketio.emit, db.new_session)
    return app
