"""Replies through the outbox: written with their message in one transaction, sent exactly once."""

from __future__ import annotations

import hashlib
import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import (
    ChannelSettings,
    Connector,
    OutgoingReply,
    PermanentError,
    RateLimited,
    TransientError,
)
from helpdesk.events import MESSAGE_CREATED, OUTBOX_FAILED, OUTBOX_SENT, TICKET_UPDATED, Event
from helpdesk.models import (
    Agent,
    AuthorKind,
    Channel,
    DeliveryState,
    Direction,
    Message,
    OutboxItem,
    OutboxState,
    Ticket,
    TicketStatus,
    utcnow,
)
from helpdesk.services.ingest import ticket_token_ref
from helpdesk.services.sla.tracking import on_agent_reply, policies_for_channel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# An item left "sending" by a crashed relay is retried (with the same idempotency key) after this.
SEND_LEASE = timedelta(minutes=2)
MAX_REPLY_CHARS = 20_000


class ReplyError(ValueError):
    """A reply that cannot be queued; the message says why."""


@dataclass(frozen=True)
class QueuedReply:
    """The outbound message and its outbox item."""

    message_id: int
    outbox_id: int
    events: list[Event]


def idempotency_key_for(message_id: int, channel_id: int) -> str:
    """A stable key for one outbound message, the same on every retry."""
    return "hd-" + hashlib.sha256(f"{channel_id}:{message_id}".encode()).hexdigest()[:32]


def queue_reply(session: Session, ticket_id: int, body_text: str, *, agent: Agent | None = None,
                author_kind: AuthorKind = AuthorKind.AGENT, is_auto_reply: bool = False) -> QueuedReply:
    """Write an outbound message and its outbox row in one transaction; the relay sends it."""
    text = body_text.strip()
    if not text:
        raise ReplyError("the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyError(f"the reply is too long: at most {MAX_REPLY_CHARS} characters")
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise ReplyError(f"unknown ticket {ticket_id}")
    answered = session.scalars(
        select(Message).where(Message.ticket_id == ticket_id, Message.direction == Direction.INBOUND)
        .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
    ).first()
    if answered is None:
        raise ReplyError("the ticket has no buyer message to answer")
    now = utcnow()
    message = Message(
        ticket_id=ticket_id, channel_id=ticket.channel_id, direction=Direction.OUTBOUND, author_kind=author_kind,
        agent_id=agent.id if agent else None, author_name=agent.name if agent else None,
        subject=_reply_subject(answered.subject or ticket.subject), body_text=text, sent_at=now, created_at=now,
        is_auto_reply=is_auto_reply, delivery_state=DeliveryState.QUEUED,
    )
    session.add(message)
    session.flush()
    item = OutboxItem(
        channel_id=ticket.channel_id, ticket_id=ticket_id, message_id=message.id, kind="reply",
        idempotency_key=idempotency_key_for(message.id, ticket.channel_id), next_attempt_at=now,
        payload={"body_text": text, "subject": message.subject or "", "reply_to": answered.reply_to,
                 "thread_id": ticket.external_thread_id, "order_id": ticket.order_ref,
                 "ticket_token": ticket_token_ref(ticket_id)},
    )
    session.add(item)
    ticket.last_activity_at = now
    if not is_auto_reply:  # an auto-reply is not a response: no clock stops for it
        on_agent_reply(session, ticket, policies_for_channel(session, ticket.channel), now)
        ticket.last_outbound_at = now
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
    session.commit()
    return QueuedReply(message.id, item.id, [Event(MESSAGE_CREATED, {"message_id": message.id, "ticket_id": ticket_id}),
                                             Event(TICKET_UPDATED, {"ticket_id": ticket_id})])


def _reply_subject(subject: str | None) -> str:
    subject = (subject or "").strip()
    if not subject:
        return ""
    return subject if re.match(r"(?i)^re:", subject) else f"Re: {subject}"[:500]


def _backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))
    base = min(2 ** attempts * 5, 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _redact(error: BaseException) -> str:
    """An error for display: no tokens, passwords or e-mail addresses."""
    text = str(error)[:500]
    text = re.sub(r"(?i)(token|password|secret|authorization|signature)([\"'=:\s]+)\S+", r"\1\2[redacted]", text)
    return re.sub(r"[\w.+-]+@[\w-]+\.[\w.-]+", "[address]", text)


def _claim(session: Session, now: datetime, limit: int) -> list[int]:
    """Mark due items as sending (a lease) and return their ids; committed before any send."""
    due = or_(
        (OutboxItem.state == OutboxState.PENDING) & (OutboxItem.next_attempt_at <= now),
        (OutboxItem.state == OutboxState.SENDING) & (OutboxItem.locked_until < now),
    )
    stmt = select(OutboxItem).where(due).order_by(OutboxItem.next_attempt_at, OutboxItem.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    items = list(session.scalars(stmt))
    for item in items:
        item.state, item.locked_until, item.attempts = OutboxState.SENDING, now + SEND_LEASE, item.attempts + 1
    session.commit()
    return [item.id for item in items]


ConnectorFactory = Callable[[ChannelSettings], Connector]


def relay_outbox(session: Session, connector_factory: ConnectorFactory, *, now: datetime | None = None,
                 limit: int = 50) -> list[Event]:
    """Send due outbox items once each; retry transient failures with backoff; return events to publish."""
    now = now or utcnow()
    events: list[Event] = []
    for item_id in _claim(session, now, limit):
        item = session.get(OutboxItem, item_id)
        if item is None:
            continue
        channel = session.get(Channel, item.channel_id)
        message = session.get(Message, item.message_id) if item.message_id else None
        settings = ChannelSettings(platform=channel.platform.value, marketplace=channel.marketplace, locale=channel.locale,
                                   settings=channel.settings, credentials=channel.credentials)
        reply = OutgoingReply(idempotency_key=item.idempotency_key, body_text=item.payload.get("body_text", ""),
                              reply_to=item.payload.get("reply_to") or {}, subject=item.payload.get("subject", ""),
                              thread_id=item.payload.get("thread_id"), order_id=item.payload.get("order_id"),
                              ticket_token=item.payload.get("ticket_token"))
        session.commit()  # hold no transaction (no SQLite write lock) while the platform answers
        try:
            connector = connector_factory(settings)
            try:
                sent = connector.send_reply(reply)
            finally:
                connector.close()
        except (RateLimited, TransientError) as exc:
            retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
            if item.attempts >= MAX_ATTEMPTS:
                _fail(item, message, exc, events)
            else:
                item.state, item.locked_until = OutboxState.PENDING, None
                item.next_attempt_at = utcnow() + _backoff(item.attempts, retry_after)
                item.last_error = _redact(exc)
                log.info("outbox item %s: retry %s after %s", item.id, item.attempts, type(exc).__name__)
        except PermanentError as exc:
            _fail(item, message, exc, events)
        else:
            item.state, item.sent_at, item.locked_until = OutboxState.SENT, utcnow(), None
            item.external_id, item.last_error = sent.external_id, None
            if message is not None:
                message.delivery_state, message.delivery_error = DeliveryState.SENT, None
                message.external_id = message.external_id or (sent.external_id and f"out:{sent.external_id}"[:255])
            events.append(Event(OUTBOX_SENT, {"outbox_id": item.id, "ticket_id": item.ticket_id, "message_id": item.message_id}))
        session.commit()
    return events


def _fail(item: OutboxItem, message: Message | None, exc: BaseException, events: list[Event]) -> None:
    item.state, item.locked_until, item.last_error = OutboxState.FAILED, None, _redact(exc)
    if message is not None:
        message.delivery_state, message.delivery_error = DeliveryState.FAILED, item.last_error
    log.warning("outbox item %s failed: %s", item.id, type(exc).__name__)
    events.append(Event(OUTBOX_FAILED, {"outbox_id": item.id, "ticket_id": item.ticket_id, "message_id": item.message_id}))


def retry_failed(session: Session, outbox_id: int) -> None:
    """Put a failed item back in the queue (an admin fixed the cause); same idempotency key."""
    item = session.get(OutboxItem, outbox_id)
    if item is None or item.state != OutboxState.FAILED:
        raise ReplyError(f"outbox item {outbox_id} is not failed")
    item.state, item.attempts, item.next_attempt_at = OutboxState.PENDING, 0, utcnow()
    session.commit()
