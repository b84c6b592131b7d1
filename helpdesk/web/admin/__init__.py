"""Administration pages (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from helpdesk.web.admin import views  # noqa: F401
