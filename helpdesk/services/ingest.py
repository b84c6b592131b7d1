"""Recording buyer messages: one page, one transaction — customers, tickets, messages, cursor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import InboundMessage, MessagePage
from helpdesk.events import MESSAGE_CREATED, TICKET_CREATED, TICKET_UPDATED, Event
from helpdesk.models import AuthorKind, Channel, Direction, Message, Order, Ticket, TicketStatus, utcnow
from helpdesk.services.customers import normalise_identity, resolve_customers
from helpdesk.services.quarantine import quarantine_failures
from helpdesk.services.sanitize import sanitize_html
from helpdesk.services.sla.tracking import message_due, on_buyer_messages, on_status_change, policies_for_channel

# A buyer who writes again within this time re-opens their solved ticket instead of starting a new one.
REOPEN_WINDOW = timedelta(days=7)
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
MAX_BODY_CHARS = 100_000
TOKEN_PREFIX = "t"


def ticket_token_ref(ticket_id: int) -> str:
    """The reference a connector signs into replies so the buyer's answer threads back."""
    return f"{TOKEN_PREFIX}{ticket_id}"


def _ticket_id_from_token(ref: str | None) -> int | None:
    if ref and ref.startswith(TOKEN_PREFIX) and ref[len(TOKEN_PREFIX):].isdigit():
        return int(ref[len(TOKEN_PREFIX):])
    return None


@dataclass
class IngestResult:
    """What one recorded page changed."""

    new_message_ids: list[int] = field(default_factory=list)
    created_ticket_ids: list[int] = field(default_factory=list)
    updated_ticket_ids: list[int] = field(default_factory=list)
    reopened_ticket_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    quarantined: int = 0

    def events(self, channel_id: int) -> list[Event]:
        """The domain events to publish once the page is committed."""
        events = [Event(TICKET_CREATED, {"ticket_id": t, "channel_id": channel_id}) for t in self.created_ticket_ids]
        events += [Event(TICKET_UPDATED, {"ticket_id": t, "channel_id": channel_id}) for t in self.updated_ticket_ids]
        events += [Event(MESSAGE_CREATED, {"message_id": m, "channel_id": channel_id}) for m in self.new_message_ids]
        return events


def _buyer_key(message: InboundMessage) -> tuple[str, str]:
    return message.buyer.kind, normalise_identity(message.buyer.kind, message.buyer.value)


def _subject_for(message: InboundMessage) -> str:
    subject = message.subject.strip()
    if not subject:
        first_line = next((line.strip() for line in message.body_text.splitlines() if line.strip()), "")
        subject = first_line[:120]
    return subject[:500]


class _TicketFinder:
    """Finds the ticket each message of a page joins, with one query for the whole page."""

    def __init__(self, session: Session, channel_id: int, customer_ids: set[int], thread_ids: set[str],
                 token_ids: set[int], now: datetime) -> None:
        self.session, self.channel_id, self.now = session, channel_id, now
        live = or_(Ticket.status.in_(OPEN_STATUSES),
                   (Ticket.status == TicketStatus.SOLVED) & (Ticket.solved_at >= now - REOPEN_WINDOW))
        who = [Ticket.customer_id.in_(customer_ids)]
        if token_ids:
            who.append(Ticket.id.in_(token_ids))
        self.tickets: list[Ticket] = list(session.scalars(
            select(Ticket).where(Ticket.channel_id == channel_id, live, or_(*who))
            .order_by(Ticket.last_activity_at.desc())
        ))
        self.by_id = {t.id: t for t in self.tickets}
        self.by_customer: dict[int, list[Ticket]] = {}
        for ticket in self.tickets:
            self.by_customer.setdefault(ticket.customer_id, []).append(ticket)
        self.created: list[Ticket] = []

    def _best(self, candidates: list[Ticket]) -> Ticket | None:
        # Open before solved; then the most recently active.
        return min(candidates, key=lambda t: (t.status == TicketStatus.SOLVED, -t.last_activity_at.timestamp()),
                   default=None)

    def find(self, message: InboundMessage, customer_id: int, order_id: int | None) -> Ticket | None:
        """The ticket this message belongs to, or None for a new one."""
        token_ticket = _ticket_id_from_token(message.ticket_token)
        if token_ticket is not None and token_ticket in self.by_id:
            return self.by_id[token_ticket]
        mine = self.by_customer.get(customer_id, [])
        if message.thread_id:
            # A thread id only counts for the same buyer: e-mail headers can be forged.
            same_thread = [t for t in mine if t.external_thread_id == message.thread_id]
            if same_thread:
                return self._best(same_thread)
        if message.order_id:
            same_order = [t for t in mine if t.order_ref == message.order_id or (order_id and t.order_id == order_id)]
            return self._best(same_order)
        # No order mentioned: the buyer's open conversation on this store, if any.
        return self._best([t for t in mine if t.status in OPEN_STATUSES and not (message.thread_id and t.external_thread_id)])

    def add(self, ticket: Ticket) -> None:
        """Make a new ticket findable by later messages of the same page."""
        self.by_customer.setdefault(ticket.customer_id, []).insert(0, ticket)
        self.created.append(ticket)


def _orders_by_ref(session: Session, channel_id: int, refs: set[str]) -> dict[str, int]:
    if not refs:
        return {}
    rows = session.execute(select(Order.external_id, Order.id).where(Order.channel_id == channel_id, Order.external_id.in_(refs)))
    return {ref: order_id for ref, order_id in rows}


def _latest_orders(session: Session, channel_id: int, customer_ids: set[int]) -> dict[int, tuple[int, str]]:
    """Each customer's most recent order on the channel: (order id, platform order id)."""
    latest: dict[int, tuple[int, str]] = {}
    rows = session.execute(
        select(Order.customer_id, Order.id, Order.external_id)
        .where(Order.channel_id == channel_id, Order.customer_id.in_(customer_ids))
        .order_by(Order.ordered_at.desc().nulls_last(), Order.id.desc())
    )
    for customer_id, order_id, ref in rows:
        if customer_id is not None:
            latest.setdefault(customer_id, (order_id, ref))
    return latest


def record_inbound_messages(session: Session, channel_id: int, page: MessagePage, *, stream: str = "messages",
                            now: datetime | None = None) -> IngestResult:
    """Store one page of buyer messages and advance the channel's cursor, in ONE transaction.

    A message already stored (same channel and external id) is skipped, so replaying a
    page inserts nothing. Malformed items are quarantined once. Only messages inserted
    here appear in the result; the caller publishes `result.events()` after this returns.
    """
    now = now or utcnow()
    result = IngestResult()
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise LookupError(f"unknown channel {channel_id}")

    batch: dict[str, InboundMessage] = {}
    for message in page.messages:
        batch.setdefault(message.external_id[:255], message)
    known = set(session.scalars(
        select(Message.external_id).where(Message.channel_id == channel_id, Message.external_id.in_(batch))
    )) if batch else set()
    fresh = [m for eid, m in batch.items() if eid not in known]
    result.duplicates = len(page.messages) - len(fresh)
    result.quarantined = quarantine_failures(session, channel_id, page.failures)

    if fresh:
        _record_fresh(session, channel, fresh, now, result)

    channel.poll_cursor = {**(channel.poll_cursor or {}), stream: page.cursor}
    session.commit()
    return result


def _record_fresh(session: Session, channel: Channel, fresh: Sequence[InboundMessage], now: datetime,
                  result: IngestResult) -> None:
    channel_id = channel.id
    policies = policies_for_channel(session, channel)
    customers = resolve_customers(session, [m.buyer for m in fresh], channel_id)
    customer_ids = set(customers.values())
    orders = _orders_by_ref(session, channel_id, {m.order_id for m in fresh if m.order_id})
    latest = _latest_orders(session, channel_id, customer_ids)
    finder = _TicketFinder(
        session, channel_id, customer_ids,
        {m.thread_id for m in fresh if m.thread_id},
        {t for t in (_ticket_id_from_token(m.ticket_token) for m in fresh) if t is not None},
        now,
    )
    touched: dict[int, Ticket] = {}
    assigned: list[tuple[Ticket, InboundMessage]] = []
    for inbound in sorted(fresh, key=lambda m: m.sent_at):
        customer_id = customers[_buyer_key(inbound)]
        order_ref = inbound.order_id
        order_id = orders.get(order_ref) if order_ref else None
        if order_ref is None and customer_id in latest:
            order_id, order_ref = latest[customer_id]
        ticket = finder.find(inbound, customer_id, order_id)
        if ticket is None:
            ticket = Ticket(
                channel_id=channel_id, customer_id=customer_id, order_id=order_id, order_ref=order_ref and order_ref[:120],
                external_thread_id=inbound.thread_id and inbound.thread_id[:255], subject=_subject_for(inbound),
                status=TicketStatus.NEW, last_activity_at=inbound.sent_at, created_at=now,
            )
            session.add(ticket)
            finder.add(ticket)
        else:
            if ticket.status == TicketStatus.SOLVED:
                ticket.status, ticket.solved_at = TicketStatus.OPEN, None
                result.reopened_ticket_ids.append(ticket.id)
                on_status_change(ticket, TicketStatus.SOLVED, TicketStatus.OPEN, policies, now)
            elif ticket.status == TicketStatus.PENDING:
                ticket.status = TicketStatus.OPEN  # the buyer answered what we waited for
                on_status_change(ticket, TicketStatus.PENDING, TicketStatus.OPEN, policies, now)
            if ticket.order_id is None and order_id is not None:
                ticket.order_id, ticket.order_ref = order_id, order_ref
            touched[ticket.id] = ticket
        ticket.last_activity_at = max(ticket.last_activity_at, inbound.sent_at)
        ticket.last_inbound_at = max(ticket.last_inbound_at or inbound.sent_at, inbound.sent_at)
        assigned.append((ticket, inbound))
    sent_by_ticket: dict[int, tuple[Ticket, list[datetime]]] = {}
    for ticket, inbound in assigned:
        sent_by_ticket.setdefault(id(ticket), (ticket, []))[1].append(inbound.sent_at)
    for ticket, sent_ats in sent_by_ticket.values():
        on_buyer_messages(ticket, sent_ats, policies, now)
    session.flush()  # new tickets get their ids; then the messages go in as one multi-row INSERT
    rows = [
        {
            "ticket_id": ticket.id, "channel_id": channel_id, "direction": Direction.INBOUND,
            "author_kind": AuthorKind.BUYER, "agent_id": None,
            "author_name": (inbound.buyer.display_name or inbound.buyer.value)[:200],
            "subject": inbound.subject[:500] or None, "body_text": inbound.body_text[:MAX_BODY_CHARS],
            "body_html": sanitize_html(inbound.body_html), "external_id": inbound.external_id[:255],
            "in_reply_to": inbound.in_reply_to and inbound.in_reply_to[:255], "reply_to": dict(inbound.reply_to),
            "attachments": [{"name": a.name[:255], "content_type": a.content_type, "size": a.size}
                            for a in inbound.attachments],
            "language": None, "sent_at": inbound.sent_at, "created_at": now, "is_auto_reply": False,
            "delivery_state": None, "delivery_error": None,
            "response_due_at": message_due(policies, inbound.sent_at), "responded_at": None,
            "no_response_needed": False,
        }
        for ticket, inbound in assigned
    ]
    result.new_message_ids = list(session.scalars(
        insert(Message).returning(Message.id, sort_by_parameter_order=True), rows
    ))
    result.created_ticket_ids = [t.id for t in finder.created]
    result.updated_ticket_ids = [t for t in touched if t not in result.created_ticket_ids]
