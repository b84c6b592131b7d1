"""Domain events, published after commit; listeners (the Socket.IO adapter, the bot) subscribe.

Services call `publish` only once their transaction has committed, so a listener never
sees a row that a rollback later takes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
TICKET_ASSIGNED = "ticket.assigned"
MESSAGE_CREATED = "message.created"
DRAFT_READY = "draft.ready"
OUTBOX_SENT = "outbox.sent"
OUTBOX_FAILED = "outbox.failed"
SLA_WARNING = "sla.warning"
SLA_BREACHED = "sla.breached"


@dataclass(frozen=True)
class Event:
    """Something that happened, with ids (not ORM objects) in its payload."""

    name: str
    payload: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call `listener` for every published event (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    """Stop calling `listener`."""
    if listener in _listeners:
        _listeners.remove(listener)


def publish(events: list[Event]) -> None:
    """Deliver committed events; a failing listener is logged and does not stop the others."""
    for event in events:
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:
                log.exception("event listener %r failed on %s", listener, event.name)
