"""Ticket views: the page, its JSON for live updates, and the actions (each one service call)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk import events
from helpdesk.extensions import db
from helpdesk.models import BotDraft, DraftState, Ticket, TicketPriority, TicketStatus
from helpdesk.services import tickets as ticket_service
from helpdesk.services.access import visible_ticket
from helpdesk.services.outbox import ReplyError
from helpdesk.services.replies import (
    ReplyConflict,
    discard_draft,
    messages_since,
    send_reply,
)
from helpdesk.services.reply_templates import (
    TEMPLATE_LANGUAGES,
    TemplateError,
    fill_template,
    regenerate_draft,
    template_names,
)
from helpdesk.services.ticket_context import load_ticket_context, message_dict
from helpdesk.web.i18n import agent_zone
from helpdesk.web.tickets import bp


def _visible(ticket_id: int) -> Ticket:
    ticket = visible_ticket(db.session, current_user, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


def _back(ticket_id: int) -> Response:
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


def _run(ticket_id: int, action: Any, *args: Any, **kwargs: Any) -> Response:
    """Run one service call on a visible ticket, publish its events, and go back to the ticket."""
    _visible(ticket_id)
    try:
        events.publish(action(db.session, ticket_id, *args, **kwargs))
    except ticket_service.TicketError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _back(ticket_id)


def draft_dict(draft: BotDraft | None, language: str) -> dict[str, Any] | None:
    """The pending draft as JSON: buyer-language text, the same in the agent's language, and why."""
    if draft is None:
        return None
    text_in = (draft.explanation or {}).get("text_in", {})
    return {"id": draft.id, "language": draft.language, "intent": draft.intent, "action": draft.action.value,
            "rule": draft.rule, "text": draft.text, "text_agent": text_in.get(language) or "",
            "why": list((draft.explanation or {}).get("why", [])), "confidence": round(draft.intent_confidence, 2)}


@bp.route("/tickets/<int:ticket_id>")
def show(ticket_id: int) -> str:
    """The ticket: thread, draft, customer, order and stock, SLA clocks, and what to do next."""
    context = load_ticket_context(db.session, current_user, ticket_id)
    if context is None:
        abort(404)
    return render_template("tickets/show.html", c=context, zone=agent_zone(), statuses=list(TicketStatus)[1:4],
                           priorities=list(TicketPriority), template_names=template_names("en"),
                           template_languages=TEMPLATE_LANGUAGES,
                           draft=draft_dict(context.draft, current_user.ui_language))


@bp.route("/api/tickets/<int:ticket_id>/messages")
def messages(ticket_id: int) -> Response:
    """Messages after a given id (a reconnecting page catches up from the database)."""
    _visible(ticket_id)
    after = request.args.get("after", 0, type=int)
    from sqlalchemy import select

    from helpdesk.models import Message

    rows = db.session.scalars(select(Message).where(Message.ticket_id == ticket_id, Message.id > after)
                              .order_by(Message.id).limit(500))
    zone = agent_zone()
    return jsonify(messages=[message_dict(m, zone) for m in rows],
                   version=db.session.get(Ticket, ticket_id).version)  # type: ignore[union-attr]


@bp.route("/api/tickets/<int:ticket_id>/draft")
def draft(ticket_id: int) -> Response:
    """The pending bot draft, if any."""
    _visible(ticket_id)
    from sqlalchemy import select

    row = db.session.scalars(select(BotDraft).where(BotDraft.ticket_id == ticket_id, BotDraft.state == DraftState.PENDING)
                             .order_by(BotDraft.id.desc()).limit(1)).first()
    return jsonify(draft=draft_dict(row, current_user.ui_language))


@bp.route("/api/tickets/<int:ticket_id>/template")
def template(ticket_id: int) -> Response:
    """A reply template filled from the ticket's order, in the language asked for."""
    _visible(ticket_id)
    language = request.args.get("language", "en")
    if language not in TEMPLATE_LANGUAGES:
        abort(400)
    try:
        return jsonify(text=fill_template(db.session, ticket_id, request.args.get("name", ""), language))
    except TemplateError:
        abort(400)


@bp.route("/tickets/<int:ticket_id>/reply", methods=["POST"])
def reply(ticket_id: int) -> Response | tuple[Response, int]:
    """Queue a reply; 409 with the new messages when someone wrote since the page loaded."""
    _visible(ticket_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        abort(400)
    try:
        sent = send_reply(db.session, ticket_id, data["text"], agent=current_user,
                          seen_version=_int_or_none(data.get("version")), seen_message_id=_int_or_none(data.get("seen_message_id")) or 0,
                          draft_id=_int_or_none(data.get("draft_id")), confirmed=data.get("confirmed") is True)
    except ReplyConflict as conflict:
        db.session.rollback()
        zone = agent_zone()
        return jsonify(conflict=True, version=conflict.version,
                       new_messages=[message_dict(m, zone) for m in conflict.new_messages]), 409
    except ReplyError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 400
    events.publish(sent.events)
    ticket = db.session.get(Ticket, ticket_id)
    return jsonify(ok=True, message_id=sent.message_id, version=ticket.version if ticket else None)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@bp.route("/tickets/<int:ticket_id>/note", methods=["POST"])
def note(ticket_id: int) -> Response:
    """Add an internal note."""
    return _run(ticket_id, ticket_service.add_note, request.form.get("text", ""), agent=current_user)


@bp.route("/tickets/<int:ticket_id>/assign", methods=["POST"])
def assign(ticket_id: int) -> Response:
    """Assign the ticket to an agent, or to nobody."""
    raw = request.form.get("assignee_id", "")
    if raw and not raw.isdigit():
        abort(400)
    return _run(ticket_id, ticket_service.assign_ticket, int(raw) if raw else None, agent=current_user)


@bp.route("/tickets/<int:ticket_id>/claim", methods=["POST"])
def claim(ticket_id: int) -> Response:
    """Assign the ticket to me."""
    return _run(ticket_id, ticket_service.claim_ticket, current_user)


@bp.route("/tickets/<int:ticket_id>/status", methods=["POST"])
def status(ticket_id: int) -> Response:
    """Set open, pending or solved."""
    value = request.form.get("status", "")
    if value not in ("open", "pending", "solved"):
        abort(400)
    return _run(ticket_id, ticket_service.set_status, value, agent=current_user)


@bp.route("/tickets/<int:ticket_id>/priority", methods=["POST"])
def priority(ticket_id: int) -> Response:
    """Set the priority."""
    return _run(ticket_id, ticket_service.set_priority, request.form.get("priority", ""), agent=current_user)


@bp.route("/tickets/<int:ticket_id>/tags", methods=["POST"])
def tags(ticket_id: int) -> Response:
    """Replace the tags (comma-separated)."""
    names = [t for t in request.form.get("tags", "")[:2000].split(",")]
    return _run(ticket_id, ticket_service.set_tags, names, agent=current_user)


@bp.route("/tickets/<int:ticket_id>/no-response-needed", methods=["POST"])
def no_response_needed(ticket_id: int) -> Response:
    """Mark the buyer's waiting messages as needing no answer (Amazon)."""
    return _run(ticket_id, ticket_service.mark_no_response_needed, agent=current_user)


@bp.route("/tickets/<int:ticket_id>/draft/<int:draft_id>/discard", methods=["POST"])
def discard(ticket_id: int, draft_id: int) -> Response:
    """Set the bot's draft aside."""
    _visible(ticket_id)
    events.publish(discard_draft(db.session, ticket_id, draft_id, agent=current_user))
    flash(_("Draft discarded."), "info")
    return _back(ticket_id)


@bp.route("/tickets/<int:ticket_id>/draft/regenerate", methods=["POST"])
def regenerate(ticket_id: int) -> Response:
    """Ask the bot for a new draft with today's facts."""
    _visible(ticket_id)
    try:
        events.publish(regenerate_draft(db.session, ticket_id))
    except TemplateError as exc:
        flash(str(exc), "error")
    return _back(ticket_id)


@bp.route("/api/tickets/<int:ticket_id>/since")
def since(ticket_id: int) -> Response:
    """Buyer and agent messages after an id (the reply conflict check, for the browser)."""
    _visible(ticket_id)
    zone = agent_zone()
    after = request.args.get("after", 0, type=int)
    return jsonify(messages=[message_dict(m, zone) for m in messages_since(db.session, ticket_id, after)])


@bp.app_template_global("tracking_link")
def tracking_link(url: str | None) -> str | None:
    """A carrier's tracking link, only when it is plain http(s)."""
    from helpdesk.services.ticket_context import safe_link

    return safe_link(url)
