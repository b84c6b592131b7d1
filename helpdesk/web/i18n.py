"""UI language and time zone per agent (Flask-Babel), English by default."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, request
from flask_login import current_user

from helpdesk.extensions import babel
from helpdesk.models import UI_LANGUAGES
from helpdesk.paths import PACKAGE_DIR


def select_locale() -> str:
    """The signed-in agent's UI language, else the browser's best match."""
    if current_user and current_user.is_authenticated and current_user.ui_language in UI_LANGUAGES:
        return current_user.ui_language
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def select_timezone() -> str:
    """The signed-in agent's time zone (UTC when unknown)."""
    if current_user and current_user.is_authenticated:
        return current_user.timezone or "UTC"
    return "UTC"


def agent_zone() -> ZoneInfo:
    """The agent's time zone as a ZoneInfo."""
    try:
        return ZoneInfo(select_timezone())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel with the catalogs shipped in helpdesk/translations."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PACKAGE_DIR / "translations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.add_template_filter(local_time, "local")
    app.add_template_global(select_locale, "ui_language")
    app.add_template_global(rendered_at, "rendered_at")


def local_time(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in the agent's time zone."""
    from datetime import datetime

    if not isinstance(value, datetime):
        return ""
    return value.astimezone(agent_zone()).strftime(fmt)


def rendered_at() -> str:
    """The server's time as the page renders (where a browser's catch-up starts)."""
    from helpdesk.models import utcnow

    return utcnow().isoformat()
