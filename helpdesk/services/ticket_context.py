"""Everything the ticket page shows: thread, draft, customer, order and stock, SLA clocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from helpdesk.models import (
    Agent,
    BotDraft,
    Channel,
    Customer,
    CustomerIdentity,
    CustomerMergeSuggestion,
    DraftState,
    Listing,
    MergeSuggestionState,
    Message,
    Order,
    OrderLine,
    Product,
    StockLevel,
    Ticket,
    utcnow,
)
from helpdesk.services.access import ticket_filter, visible_ticket
from helpdesk.services.sla.clock import read_clock

RELATED_LIMIT = 20


@dataclass(frozen=True)
class SlaClock:
    """One due time on the ticket and how it stands."""

    name: str
    due_at: datetime
    state: str
    seconds_left: int


@dataclass(frozen=True)
class StockRow:
    """One warehouse's stock of a SKU."""

    warehouse: str
    on_hand: int
    reserved: int
    available: int


@dataclass(frozen=True)
class LineStock:
    """An order line and the stock of its SKU in every warehouse."""

    line: OrderLine
    sku: str | None
    levels: list[StockRow]
    available: int | None
    warning: str | None  # "oversold", "low", "out" or None


@dataclass
class TicketContext:
    """The ticket page's data, loaded in a handful of queries."""

    ticket: Ticket
    channel: Channel
    customer: Customer
    messages: list[Message]
    draft: BotDraft | None
    identities: list[tuple[CustomerIdentity, str | None]]
    related_tickets: list[tuple[Ticket, Channel]]
    orders: list[tuple[Order, Channel]]
    suggestions: list[tuple[CustomerMergeSuggestion, Customer]]
    order: Order | None
    line_stock: list[LineStock]
    clocks: list[SlaClock]
    agents: list[Agent]
    tags: list[str] = field(default_factory=list)

    @property
    def last_message_id(self) -> int:
        """The newest message the page shows (the reply conflict check starts after it)."""
        return max((m.id for m in self.messages), default=0)


def safe_link(url: str | None) -> str | None:
    """A tracking link only if it is plain http(s); anything else (javascript:, data:) is dropped."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def sla_clocks(ticket: Ticket, now: datetime) -> list[SlaClock]:
    """The ticket's running clocks (marketplace and company), soonest first."""
    clocks = []
    for name, due, breached in (
        ("marketplace", ticket.marketplace_due_at, ticket.marketplace_breached),
        ("first_response", ticket.first_response_due_at, ticket.first_response_breached),
        ("next_response", ticket.next_response_due_at, ticket.next_response_breached),
        ("resolution", ticket.resolution_due_at, ticket.resolution_breached),
    ):
        if due is None:
            continue
        warn = ticket.sla_warn_at if ticket.sla_due_at == due else None
        reading = read_clock(due, warn, now)
        state = "breached" if breached else reading.state.value
        clocks.append(SlaClock(name, due, state, int((due - now).total_seconds())))
    return sorted(clocks, key=lambda c: c.due_at)


def _products_of(session: Session, order: Order) -> dict[int, Product]:
    """Each line's product: its mapped one, else the listing or the SKU of the same name
    (a line synced before the stock import has no product yet)."""
    out: dict[int, Product] = {}
    mapped = {line.product_id for line in order.lines if line.product_id}
    by_id = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(mapped)))} if mapped else {}
    unmapped = {line.channel_sku for line in order.lines if not line.product_id and line.channel_sku}
    by_sku: dict[str, Product] = {}
    if unmapped:
        for listing_sku, product in session.execute(
            select(Listing.channel_sku, Product).join(Product, Product.id == Listing.product_id)
            .where(Listing.channel_id == order.channel_id, Listing.channel_sku.in_(unmapped))
        ):
            by_sku[listing_sku] = product
        for product in session.scalars(select(Product).where(Product.sku.in_(unmapped - set(by_sku)))):
            by_sku[product.sku] = product
    for line in order.lines:
        product = by_id.get(line.product_id) if line.product_id else by_sku.get(line.channel_sku or "")
        if product is not None:
            out[line.id] = product
    return out


def _stock_for(session: Session, order: Order | None) -> list[LineStock]:
    if order is None:
        return []
    products = _products_of(session, order)
    product_ids = {p.id for p in products.values()}
    levels: dict[int, list[StockRow]] = {}
    if product_ids:
        for level in session.scalars(select(StockLevel).where(StockLevel.product_id.in_(product_ids))
                                     .order_by(StockLevel.warehouse)):
            levels.setdefault(level.product_id, []).append(
                StockRow(level.warehouse, level.on_hand, level.reserved, level.available))
    out = []
    for line in order.lines:
        product = products.get(line.id)
        rows = levels.get(product.id, []) if product else []
        available = sum(r.available for r in rows) if rows else None
        warning = None
        if rows and available is not None:
            if any(r.available < 0 for r in rows) or available < 0:
                warning = "oversold"
            elif available == 0:
                warning = "out"
            elif product is not None and available < product.low_stock_threshold:
                warning = "low"
        out.append(LineStock(line, product.sku if product else line.channel_sku, rows, available, warning))
    return out


def load_ticket_context(session: Session, agent: Agent, ticket_id: int) -> TicketContext | None:
    """The page's data, or None when the ticket does not exist or the agent may not see it."""
    ticket = visible_ticket(session, agent, ticket_id)
    if ticket is None:
        return None
    channel, customer = ticket.channel, ticket.customer
    messages = list(session.scalars(select(Message).where(Message.ticket_id == ticket.id)
                                    .order_by(Message.created_at, Message.id)))
    draft = session.scalars(select(BotDraft).where(BotDraft.ticket_id == ticket.id, BotDraft.state == DraftState.PENDING)
                            .order_by(BotDraft.id.desc()).limit(1)).first()
    identity_channel = aliased(Channel)
    identities = [(i, name) for i, name in session.execute(
        select(CustomerIdentity, identity_channel.name)
        .outerjoin(identity_channel, identity_channel.id == CustomerIdentity.channel_id)
        .where(CustomerIdentity.customer_id == customer.id).order_by(CustomerIdentity.kind, CustomerIdentity.id))]
    related = [(t, c) for t, c in session.execute(
        select(Ticket, Channel).join(Channel, Channel.id == Ticket.channel_id)
        .where(Ticket.customer_id == customer.id, Ticket.id != ticket.id, ticket_filter(session, agent))
        .order_by(Ticket.last_activity_at.desc()).limit(RELATED_LIMIT))]
    orders = [(o, c) for o, c in session.execute(
        select(Order, Channel).join(Channel, Channel.id == Order.channel_id).where(Order.customer_id == customer.id)
        .order_by(Order.ordered_at.desc().nulls_last(), Order.id.desc()).limit(RELATED_LIMIT))]
    other = aliased(Customer)
    suggestions = [(s, c) for s, c in session.execute(
        select(CustomerMergeSuggestion, other)
        .join(other, or_(and_(CustomerMergeSuggestion.customer_id == customer.id, other.id == CustomerMergeSuggestion.candidate_id),
                         and_(CustomerMergeSuggestion.candidate_id == customer.id, other.id == CustomerMergeSuggestion.customer_id)))
        .where(CustomerMergeSuggestion.state == MergeSuggestionState.PENDING, other.merged_into_id.is_(None))
        .order_by(CustomerMergeSuggestion.score.desc()).limit(5))]
    order = None
    if ticket.order_id:
        order = session.scalars(select(Order).where(Order.id == ticket.order_id)
                                .options(selectinload(Order.lines), selectinload(Order.shipments))).first()
    agents = list(session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)))
    return TicketContext(
        ticket=ticket, channel=channel, customer=customer, messages=messages, draft=draft, identities=identities,
        related_tickets=related, orders=orders, suggestions=suggestions, order=order, line_stock=_stock_for(session, order),
        clocks=sla_clocks(ticket, utcnow()), agents=agents, tags=[t.name for t in ticket.tags],
    )


def message_dict(message: Message, zone: Any = None) -> dict[str, Any]:
    """A message as JSON for the browser (plain text fields; body_html is already sanitised)."""
    at = message.sent_at or message.created_at
    return {
        "id": message.id, "ticket_id": message.ticket_id, "direction": message.direction.value,
        "author_kind": message.author_kind.value, "author_name": message.author_name, "subject": message.subject,
        "agent_id": message.agent_id,
        "body_text": message.body_text, "is_auto_reply": message.is_auto_reply,
        "attachments": [str(a.get("name", ""))[:255] for a in (message.attachments or []) if isinstance(a, dict)],
        "delivery_state": message.delivery_state.value if message.delivery_state else None,
        "delivery_error": message.delivery_error, "at": at.isoformat(),
        "local_at": at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if zone else at.strftime("%Y-%m-%d %H:%M UTC"),
    }


def money(amount: Decimal | None, currency: str | None) -> str:
    """An amount with its currency, or an empty string."""
    return "" if amount is None else f"{amount:,.2f} {currency or ''}".strip()
