"""Sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from helpdesk.web.auth import views  # noqa: F401
