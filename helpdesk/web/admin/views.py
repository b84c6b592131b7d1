"""Admin views."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Agent, Role
from helpdesk.web.admin import bp
from helpdesk.web.security import role_required


@bp.route("/agents")
@role_required(Role.ADMIN)
def agents() -> str:
    """List the team's agents with their roles."""
    rows = db.session.scalars(select(Agent).order_by(Agent.name)).all()
    return render_template("admin/agents.html", agents=rows)
