"""Inbox views."""

from __future__ import annotations

from flask import render_template

from helpdesk.extensions import db
from helpdesk.services.inbox import list_tickets
from helpdesk.web.inbox import bp


@bp.route("/")
def index() -> str:
    """The inbox: open tickets, most urgent SLA first."""
    rows = list_tickets(db.session)
    return render_template("inbox/index.html", rows=rows)
