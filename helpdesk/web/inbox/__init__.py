"""The agents' ticket inbox."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)

from helpdesk.web.inbox import views  # noqa: F401
