"""Socket.IO handlers: who may connect, which rooms they join, presence and typing.

Every handler re-checks the signed-in agent and what it may see; malformed frames are dropped.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room

from helpdesk.extensions import db, socketio
from helpdesk.models import Role
from helpdesk.presence import Presence
from helpdesk.realtime_adapter import (
    INBOX_ROOM,
    SUPERVISOR_ROOM,
    channel_room,
    ticket_room,
)
from helpdesk.services.access import visible_channel_ids, visible_ticket

log = logging.getLogger(__name__)

MAX_TICKET_ID = 2**53
TYPING_KINDS = ("reply", "note")


# Replaced by create_app with the deployment's presence (shared through Redis when configured).
presence: Presence = Presence()


def _ticket_id(data: Any) -> int | None:
    """The ticket id of a frame, or None when the frame is malformed."""
    if not isinstance(data, dict):
        return None
    value = data.get("ticket_id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_TICKET_ID:
        return None
    return value


def origin_allowed(origin: str | None) -> bool:
    """Same origin as the request, or one configured in HELPDESK_ALLOWED_ORIGINS; no Origin (not a browser) passes."""
    if not origin:
        return True
    allowed = set(current_app.config["HELPDESK_CONFIG"].allowed_origins)
    host = urlsplit(request.host_url)
    allowed.add(f"{host.scheme}://{host.netloc}")
    return origin.rstrip("/") in allowed


def _signed_in() -> bool:
    return bool(current_user.is_authenticated)


def _announce(ticket_id: int) -> list[dict[str, Any]]:
    """Tell the ticket's room and the inbox who views the ticket now; return that list."""
    viewers = presence.viewers(ticket_id)
    socketio.emit("presence", {"ticket_id": ticket_id, "viewers": viewers}, to=ticket_room(ticket_id))
    socketio.emit("inbox.presence", {"ticket_id": ticket_id, "viewers": viewers}, to=INBOX_ROOM)
    return viewers


@socketio.on("connect")
def on_connect(_auth: object = None) -> bool:
    """Refuse sockets without a valid session or from a foreign Origin; join the agent's rooms."""
    if not _signed_in() or not origin_allowed(request.headers.get("Origin")):
        return False
    join_room(INBOX_ROOM)
    if current_user.role.includes(Role.SUPERVISOR):
        join_room(SUPERVISOR_ROOM)
    from helpdesk.realtime_adapter import current

    broadcaster = current()
    if broadcaster is not None:
        visible = visible_channel_ids(db.session, current_user)
        for channel_id in broadcaster.restricted_channels(db.session):
            if visible is None or channel_id in visible:
                join_room(channel_room(channel_id))
    return True


@socketio.on("disconnect")
def on_disconnect(*_args: object) -> None:
    """Forget the socket's views and tell the other viewers."""
    for ticket_id in presence.remove(request.sid):  # type: ignore[attr-defined]
        _announce(ticket_id)


@socketio.on("join_ticket")
def on_join_ticket(data: Any) -> dict[str, Any]:
    """Join a ticket's room if the agent may see it; answer who else is viewing."""
    ticket_id = _ticket_id(data)
    if ticket_id is None or not _signed_in() or visible_ticket(db.session, current_user, ticket_id) is None:
        return {"ok": False, "error": "not found"}
    join_room(ticket_room(ticket_id))
    presence.add(request.sid, ticket_id, current_user.id, current_user.name)  # type: ignore[attr-defined]
    return {"ok": True, "viewers": _announce(ticket_id)}


@socketio.on("leave_ticket")
def on_leave_ticket(data: Any) -> None:
    """Leave a ticket's room."""
    ticket_id = _ticket_id(data)
    if ticket_id is None:
        return
    leave_room(ticket_room(ticket_id))
    if presence.remove(request.sid, ticket_id):  # type: ignore[attr-defined]
        _announce(ticket_id)


@socketio.on("typing")
def on_typing(data: Any) -> None:
    """Tell the ticket's other viewers that this agent is writing a reply or a note."""
    ticket_id = _ticket_id(data)
    if ticket_id is None or not _signed_in() or not presence.viewing(request.sid, ticket_id):  # type: ignore[attr-defined]
        return
    kind = data.get("kind")
    if kind not in TYPING_KINDS or visible_ticket(db.session, current_user, ticket_id) is None:
        return
    emit("typing", {"ticket_id": ticket_id, "agent": {"id": current_user.id, "name": current_user.name},
                    "kind": kind, "active": bool(data.get("active"))},
         to=ticket_room(ticket_id), include_self=False)


@socketio.on("viewers")
def on_viewers(_data: Any = None) -> dict[str, Any]:
    """Who views which ticket right now (the inbox asks once after connecting)."""
    if not _signed_in():
        return {"ok": False}
    visible = visible_channel_ids(db.session, current_user)
    viewers = presence.all_viewers()
    if visible is not None:
        from helpdesk.models import Ticket

        ids = set(db.session.scalars(Ticket.__table__.select().with_only_columns(Ticket.id)
                                     .where(Ticket.id.in_(viewers), Ticket.channel_id.in_(visible))))
        viewers = {k: v for k, v in viewers.items() if k in ids}
    return {"ok": True, "viewers": {str(k): v for k, v in viewers.items()}}


@socketio.on_error_default
def on_error(exc: Exception) -> None:
    """A handler failed on a bad frame: log it, keep the server and the socket up."""
    log.warning("socket handler failed: %s", type(exc).__name__)
