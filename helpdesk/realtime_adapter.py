"""The one adapter from domain events to Socket.IO: after commit, tell the right rooms what changed.

Rooms: `inbox` (every agent; tickets on stores open to all), `channel:<id>` (stores restricted
to named agents), `ticket:<id>` (its viewers), `supervisor` (SLA warnings and breaches).
Inbox counts move by deltas: the adapter remembers which counts each ticket was in; when it
has not seen a ticket before, browsers are told to re-read their counts (one small query).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from helpdesk import events
from helpdesk.events import (
    DRAFT_READY,
    MESSAGE_CREATED,
    OUTBOX_FAILED,
    OUTBOX_SENT,
    SLA_BREACHED,
    SLA_WARNING,
    TICKET_ASSIGNED,
    TICKET_CREATED,
    TICKET_UPDATED,
    Event,
)
from helpdesk.models import Channel, Message, Ticket
from helpdesk.services.inbox import InboxRow, inbox_row, membership, mine_owner
from helpdesk.services.ticket_context import message_dict

log = logging.getLogger(__name__)

INBOX_ROOM = "inbox"
SUPERVISOR_ROOM = "supervisor"
CACHE_SIZE = 100_000
Emit = Callable[..., Any]


def ticket_room(ticket_id: int) -> str:
    """The room of a ticket's viewers."""
    return f"ticket:{ticket_id}"


def channel_room(channel_id: int) -> str:
    """The inbox room of a store restricted to named agents."""
    return f"channel:{channel_id}"


class Broadcaster:
    """Turns committed domain events into emits; one per process."""

    def __init__(self, emit: Emit, sessions: Callable[[], Session]) -> None:
        self._emit = emit
        self._sessions = sessions
        self._lock = threading.Lock()
        self._known: OrderedDict[int, tuple[tuple[str, ...], int | None]] = OrderedDict()
        self._restricted: tuple[float, set[int]] = (0.0, set())

    def remember(self, rows: list[InboxRow]) -> None:
        """Note the counts these rows are in now (a page just rendered them)."""
        with self._lock:
            for row in rows:
                self._store(row.id, (tuple(membership(row)), mine_owner(row)))

    def _store(self, ticket_id: int, state: tuple[tuple[str, ...], int | None]) -> None:
        self._known[ticket_id] = state
        self._known.move_to_end(ticket_id)
        while len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)

    def restricted_channels(self, session: Session) -> set[int]:
        """Stores visible only to named agents (read at most every few seconds)."""
        at, ids = self._restricted
        if time.monotonic() - at > 5:
            ids = {cid for cid, s in session.execute(select(Channel.id, Channel.settings)) if (s or {}).get("agent_ids")}
            self._restricted = (time.monotonic(), ids)
        return ids

    def inbox_room_of(self, session: Session, channel_id: int) -> str:
        """Where a ticket's inbox updates go."""
        return channel_room(channel_id) if channel_id in self.restricted_channels(session) else INBOX_ROOM

    def __call__(self, event: Event) -> None:
        """Handle one event (called by helpdesk.events.publish after commit)."""
        with self._sessions() as session:
            if event.name == MESSAGE_CREATED:
                self._message(session, event)
            elif event.name in (TICKET_CREATED, TICKET_UPDATED, TICKET_ASSIGNED, OUTBOX_SENT, OUTBOX_FAILED, DRAFT_READY,
                                SLA_WARNING, SLA_BREACHED):
                self._ticket(session, event)

    def _message(self, session: Session, event: Event) -> None:
        message = session.get(Message, event.payload.get("message_id"))
        if message is None:
            return
        self._emit("message.created", {"message": message_dict(message)}, to=ticket_room(message.ticket_id))

    def _ticket(self, session: Session, event: Event) -> None:
        ticket_id = event.payload.get("ticket_id")
        if ticket_id is None:
            return
        row = inbox_row(session, int(ticket_id))
        if row is None:
            return
        state = (tuple(membership(row)), mine_owner(row))
        with self._lock:
            before = self._known.get(row.id)
            self._store(row.id, state)
        payload: dict[str, Any] = {"event": event.name, "row": row.as_dict()}
        if event.name == TICKET_CREATED or before is not None:
            old_keys, old_mine = before if before is not None else ((), None)
            delta = {k: 1 for k in state[0] if k not in old_keys}
            delta.update({k: -1 for k in old_keys if k not in state[0]})
            payload["delta"], payload["mine"] = delta, [old_mine, state[1]]
        else:
            payload["recount"] = True
        version = session.scalar(select(Ticket.version).where(Ticket.id == row.id))
        self._emit("inbox.ticket", payload, to=self.inbox_room_of(session, row.channel_id))
        self._emit("ticket.changed", {"event": event.name, "row": row.as_dict(), "version": version,
                                      "draft_id": event.payload.get("draft_id")}, to=ticket_room(row.id))
        if event.name in (SLA_WARNING, SLA_BREACHED):
            self._emit(event.name, {"row": row.as_dict()}, to=SUPERVISOR_ROOM)


_broadcaster: Broadcaster | None = None


def _on_event(event: Event) -> None:
    if _broadcaster is not None:
        _broadcaster(event)


def install(emit: Emit, sessions: Callable[[], Session]) -> Broadcaster:
    """Make this process's broadcaster and subscribe it to domain events (idempotent)."""
    global _broadcaster
    _broadcaster = Broadcaster(emit, sessions)
    events.subscribe(_on_event)
    return _broadcaster


def uninstall() -> None:
    """Stop broadcasting from this process."""
    global _broadcaster
    _broadcaster = None
    events.unsubscribe(_on_event)


def current() -> Broadcaster | None:
    """This process's broadcaster, if installed."""
    return _broadcaster


def broadcast_from_worker(redis_url: str | None, sessions: sessionmaker[Session]) -> Broadcaster | None:
    """In a `helpdesk poll` process: emit through Redis to every web process's browsers."""
    if not redis_url:
        return None
    from flask_socketio import SocketIO

    external = SocketIO(message_queue=redis_url)  # write-only: no app, no server
    return install(external.emit, sessions)
