"""Sign-in and sign-out views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.services.agents import LoginLimits, authenticate
from helpdesk.web.auth import bp
from helpdesk.web.auth.forms import LoginForm, LogoutForm
from helpdesk.web.security import public


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("inbox.index")


def _limits() -> LoginLimits:
    from datetime import timedelta

    config = current_app.config["HELPDESK_CONFIG"]
    return LoginLimits(
        per_account=config.login_max_failures_per_account,
        per_address=config.login_max_failures_per_address,
        window=timedelta(seconds=config.login_window_seconds),
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form and sign the agent in."""
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(db.session, form.email.data or "", form.password.data or "", request.remote_addr or "", _limits())
        if result.throttled:
            minutes = max(1, round(result.retry_after / 60))
            flash(f"Too many failed sign-ins. Try again in {minutes} minute(s).", "error")
            return render_template("auth/login.html", form=form), 429
        if result.agent is not None:
            login_user(result.agent)
            return redirect(_safe_next(request.args.get("next")))
        flash("Wrong e-mail or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out (POST only, with the CSRF token)."""
    LogoutForm()  # CSRFProtect has already checked the token
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    """Liveness and database check for load balancers."""
    from sqlalchemy import text

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
