"""Inbox views: the list page and its JSON (next pages, counts, catch-up after a reconnect)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.realtime_adapter import current as current_broadcaster
from helpdesk.services.access import ticket_filter
from helpdesk.services.inbox import (
    SORTS,
    VIEWS,
    InboxQuery,
    InboxQueryError,
    facet_counts,
    inbox_row,
    list_page,
    view_counts,
)
from helpdesk.web.inbox import bp

CATCH_UP_LIMIT = 500


def _query() -> InboxQuery:
    try:
        return InboxQuery.from_args(request.args)
    except InboxQueryError:
        abort(400)


def _remember(rows: list) -> None:  # type: ignore[type-arg]
    broadcaster = current_broadcaster()
    if broadcaster is not None:
        broadcaster.remember(rows)


@bp.route("/")
def index() -> str:
    """The inbox: a view with counts, filters, search and a sort; the first page of rows."""
    query = _query()
    page = list_page(db.session, current_user, query)
    _remember(page.rows)
    return render_template("inbox/index.html", page=page, query=query, views=VIEWS, sorts=SORTS,
                           counts=view_counts(db.session, current_user), facets=facet_counts(db.session, current_user))


@bp.route("/api/inbox/rows")
def rows() -> Response:
    """A page of rows as JSON (the "more" button and the list after a reconnect)."""
    page = list_page(db.session, current_user, _query())
    _remember(page.rows)
    return jsonify(rows=[r.as_dict() for r in page.rows], next_cursor=page.next_cursor)


@bp.route("/api/inbox/counts")
def counts() -> Response:
    """The views' counts and the open tickets' facets."""
    facets = {k: [[v, label, n] for v, label, n in items] for k, items in facet_counts(db.session, current_user).items()}
    return jsonify(views=view_counts(db.session, current_user), facets=facets)


@bp.route("/api/inbox/since")
def since() -> Response:
    """Tickets changed since a time (a reconnecting browser catches up from the database)."""
    raw = request.args.get("since", "")
    try:
        since_at = datetime.fromisoformat(raw)
    except ValueError:
        abort(400)
    if since_at.tzinfo is None:
        abort(400)
    now = utcnow()
    since_at = max(since_at, now - timedelta(days=1))
    ids = db.session.scalars(select(Ticket.id).where(Ticket.updated_at > since_at - timedelta(seconds=2),
                                                     ticket_filter(db.session, current_user))
                             .order_by(Ticket.updated_at.desc()).limit(CATCH_UP_LIMIT))
    found = [r for r in (inbox_row(db.session, i) for i in ids) if r is not None]
    return jsonify(rows=[r.as_dict() for r in found], now=now.isoformat(), complete=len(found) < CATCH_UP_LIMIT)
