"""The ticket page and the actions on a ticket."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from helpdesk.web.tickets import views  # noqa: F401
