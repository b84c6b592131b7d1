"""Access control (deny by default, roles per view), the signed-in user, security headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from helpdesk.extensions import db, login_manager
from helpdesk.models import Agent, Role

F = TypeVar("F", bound=Callable[..., Any])

# Scripts and styles only from our own origin: no inline script, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def public(view: F) -> F:
    """Mark a view as reachable without signing in (sign-in page, health check)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def role_required(role: Role) -> Callable[[F], F]:
    """Require at least `role` for a view (every other view requires a signed-in agent)."""

    def decorate(view: F) -> F:
        view._min_role = role  # type: ignore[attr-defined]
        return view

    return decorate


def required_role(endpoint: str | None) -> Role | None:
    """The least role an endpoint needs, or None when it is public."""
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    if view is None or endpoint == "static" or getattr(view, "_public", False):
        return None
    return getattr(view, "_min_role", Role.AGENT)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def enforce_access() -> Response | None:
    """Before every request: deny unless the view is public or the agent's role suffices."""
    needed = required_role(request.endpoint)
    if needed is None:
        return None
    if not current_user.is_authenticated:
        if _wants_json():
            return jsonify(error="sign-in required"), 401  # type: ignore[return-value]
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.role.includes(needed):
        abort(403)
    return None


def set_security_headers(response: Response) -> Response:
    """Add CSP and the other protective headers to every response."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def use_writer_session() -> None:
    """A state-changing request gets a writer session (BEGIN IMMEDIATE on SQLite) for all its transactions.

    SQLite refuses, without waiting, to turn a read transaction into a write one when another
    connection (the embedded poller) committed in between; a writer takes the lock first and
    waits its turn (busy timeout) instead of failing.
    """
    if request.method in WRITE_METHODS and db.writer_sessions is not None and "db_session" not in g:
        g.db_session = db.writer_sessions()


@login_manager.user_loader
def load_agent(session_id: str) -> Agent | None:
    """Find the signed-in agent from the session id '<agent id>:<session token>'."""
    agent_id, _, token = session_id.partition(":")
    if not agent_id.isdigit() or not token:
        return None
    agent = db.session.scalar(select(Agent).where(Agent.id == int(agent_id)))
    if agent is None or not agent.active or agent.session_token != token:
        return None
    return agent


def init_security(app: Flask) -> None:
    """Wire the sign-in manager, the access check and the headers into the app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # type: ignore[assignment]
    login_manager.session_protection = "basic"
    app.before_request(use_writer_session)  # before anything reads (the access check loads the agent)
    app.before_request(enforce_access)
    app.after_request(set_security_headers)
