"""Error pages that show nothing of the request back."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def register_error_pages(app: Flask) -> None:
    """Render 400/403/404/405/429 as plain pages in the site's layout."""

    def render_error(error: HTTPException) -> tuple[str, int]:
        return render_template("errors/error.html", code=error.code, name=error.name), error.code or 500

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, render_error)
