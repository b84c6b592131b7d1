"""The web layer: blueprints, access control and security headers."""

from __future__ import annotations

from flask import Flask

from helpdesk.web.security import init_security


def register_web(app: Flask) -> None:
    """Register every blueprint and the security hooks on the app."""
    from helpdesk.web.admin import bp as admin_bp
    from helpdesk.web.auth import bp as auth_bp
    from helpdesk.web.customers import bp as customers_bp
    from helpdesk.web.errors import register_error_pages
    from helpdesk.web.i18n import init_i18n
    from helpdesk.web.inbox import bp as inbox_bp
    from helpdesk.web.tickets import bp as tickets_bp

    init_security(app)
    init_i18n(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    register_error_pages(app)
