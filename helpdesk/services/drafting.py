"""The bot in the helpdesk: build the case's facts, ask the bot, store its draft, act on it.

Runs after an ingest page has committed, for the newest new buyer message of each ticket.
A failing bot is logged and never blocks ingest: the message is already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

import bot
from helpdesk.events import DRAFT_READY, TICKET_UPDATED, Event
from helpdesk.models import (
    UI_LANGUAGES,
    AuthorKind,
    BotDraft,
    Channel,
    Direction,
    DraftAction,
    DraftState,
    Message,
    Order,
    OrderStatus,
    StockLevel,
    Ticket,
    TicketPriority,
    utcnow,
)
from helpdesk.services.outbox import queue_reply

log = logging.getLogger(__name__)

EARLIER_MESSAGES = 5
_BOT_STATUS = {
    OrderStatus.PENDING: "unshipped", OrderStatus.UNSHIPPED: "unshipped", OrderStatus.PARTIALLY_SHIPPED: "shipped",
    OrderStatus.SHIPPED: "shipped", OrderStatus.DELIVERED: "delivered", OrderStatus.CANCELLED: "cancelled",
    OrderStatus.RETURNED: "returned", OrderStatus.REFUNDED: "returned",
}


def _day(value: datetime | None):  # type: ignore[no-untyped-def]
    return value.date() if value else None


def order_facts(order: Order) -> bot.OrderFacts:
    """An order row as the bot's plain facts."""
    shipment = next((s for s in reversed(order.shipments) if s.tracking_number or s.shipped_at), None)
    window = None
    if order.return_window_ends_at and order.ordered_at:
        window = max((order.return_window_ends_at - order.ordered_at).days, 0)
    return bot.OrderFacts(
        order_id=order.external_id, status=_BOT_STATUS.get(order.status, "unshipped"),
        ordered_on=_day(order.ordered_at), shipped_on=_day(shipment.shipped_at) if shipment else None,
        dispatch_by=_day(order.latest_ship_at), delivered_on=_day(shipment.delivered_at) if shipment else None,
        estimated_delivery=_day(shipment.estimated_delivery_at) if shipment else None,
        lines=tuple(bot.OrderLine(sku=line.channel_sku or "", title=line.title, quantity=line.quantity,
                                  unit_price=line.unit_price) for line in order.lines),
        total=order.total_amount, currency=order.currency or "EUR",
        carrier=(shipment.carrier or "") if shipment else "", tracking_number=(shipment.tracking_number or "") if shipment else "",
        tracking_url=(shipment.tracking_url or "") if shipment else "",
        return_window_days=window if window is not None else 30, payment_method=order.payment_method or "",
    )


def seller_settings(channel: Channel) -> bot.SellerSettings:
    """The seller's bot settings for a channel: drafts only unless intents are allowed to auto-send."""
    settings = channel.settings or {}
    allowed = frozenset(settings.get("auto_send_intents", []))
    return bot.SellerSettings(store_name=settings.get("store_name", channel.name),
                              signature=settings.get("signature", ""),
                              auto_send={channel.platform.value: allowed} if allowed else {})


def _stock(session: Session, order: Order | None) -> dict[str, int]:
    if order is None:
        return {}
    product_ids = {line.product_id: line.channel_sku for line in order.lines if line.product_id}
    if not product_ids:
        return {}
    stock: dict[str, int] = {}
    for level in session.scalars(select(StockLevel).where(StockLevel.product_id.in_(product_ids))):
        sku = product_ids[level.product_id] or ""
        stock[sku] = stock.get(sku, 0) + level.available
    return stock


def draft_reply(session: Session, message_id: int, *, may_send: bool = True) -> list[Event]:
    """Draft (and, if the seller allows and the bot judges it safe, send) the reply to one buyer message.

    `may_send=False` (an agent asking for a fresh draft) never sends: the agent decides.
    """
    message = session.get(Message, message_id)
    if message is None or message.direction != Direction.INBOUND:
        return []
    ticket = session.get(Ticket, message.ticket_id)
    channel = session.get(Channel, message.channel_id)
    assert ticket is not None and channel is not None
    order = None
    if ticket.order_id:
        order = session.scalars(select(Order).where(Order.id == ticket.order_id)
                                .options(selectinload(Order.lines), selectinload(Order.shipments))).first()
    earlier = list(session.scalars(
        select(Message.body_text).where(Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND,
                                        Message.id != message.id, Message.sent_at <= message.sent_at)
        .order_by(Message.sent_at.desc()).limit(EARLIER_MESSAGES)
    ))[::-1]
    inquiry = bot.Inquiry(text=message.body_text, subject=message.subject or "", platform=channel.platform.value,
                          marketplace=channel.marketplace or "", locale=channel.locale or "",
                          earlier_messages=tuple(earlier), buyer_name=message.author_name or "")
    context = bot.CaseContext(order=order_facts(order) if order else None, stock=_stock(session, order),
                              settings=seller_settings(channel), today=utcnow().date())
    draft = bot.draft(inquiry, context)

    session.execute(update(BotDraft).where(BotDraft.ticket_id == ticket.id, BotDraft.state == DraftState.PENDING)
                    .values(state=DraftState.SUPERSEDED).execution_options(synchronize_session=False))
    row = BotDraft(
        ticket_id=ticket.id, message_id=message.id, language=draft.language[:8],
        language_confidence=draft.language_confidence, intent=draft.intent[:40], intent_confidence=draft.intent_confidence,
        action=DraftAction(draft.action.value), text=draft.text, rule=draft.rule[:120],
        explanation={"why": list(draft.why), "outcome": draft.outcome,
                     "text_in": {lang: draft.text_in(lang) for lang in UI_LANGUAGES}},
        missing_facts=list(draft.missing_facts),
    )
    session.add(row)
    message.language = draft.language[:8]
    ticket.language, ticket.intent = draft.language[:8], draft.intent[:40]
    if draft.action == bot.Action.ESCALATE:
        ticket.escalated = True
        ticket.priority = TicketPriority.URGENT
    session.commit()
    events = [Event(DRAFT_READY, {"ticket_id": ticket.id, "draft_id": row.id}), Event(TICKET_UPDATED, {"ticket_id": ticket.id})]
    if may_send and draft.action == bot.Action.AUTO_SEND and draft.text.strip():
        queued = queue_reply(session, ticket.id, draft.text, author_kind=AuthorKind.BOT, is_auto_reply=True)
        row.state, row.sent_message_id, row.decided_at = DraftState.AUTO_SENT, queued.message_id, utcnow()
        session.commit()
        events += queued.events
    return events


def draft_replies(session: Session, message_ids: Iterable[int]) -> list[Event]:
    """Draft for the newest of the given buyer messages on each ticket; one failure does not stop the rest."""
    newest: dict[int, tuple[datetime, int]] = {}
    for message_id, ticket_id, sent_at in session.execute(
        select(Message.id, Message.ticket_id, Message.sent_at).where(Message.id.in_(list(message_ids)))
    ):
        if ticket_id not in newest or (sent_at, message_id) > newest[ticket_id]:
            newest[ticket_id] = (sent_at, message_id)
    events: list[Event] = []
    for _, message_id in newest.values():
        events += _draft_or_log(session, message_id)
    return events


def _draft_or_log(session: Session, message_id: int) -> list[Event]:
    """draft_reply, but a failing bot is logged and the message stays for an agent."""
    try:
        return draft_reply(session, message_id)
    except Exception:
        session.rollback()
        log.exception("bot failed on message %s; the message is stored, an agent will answer it", message_id)
        return []


def redraft_for_linked_orders(session: Session, ticket_ids: Iterable[int]) -> list[Event]:
    """Draft again for tickets whose order has just synced, so the reply can use its facts.

    Only while the bot's draft is still pending and nobody has answered the newest buyer
    message: an agent's edit, a sent reply or a discarded draft is never overridden. The new
    draft may be sent, if the seller allows it and it is safe, exactly as at ingest.
    """
    events: list[Event] = []
    for ticket_id in ticket_ids:
        newest = session.execute(
            select(Message.id, Message.sent_at).where(Message.ticket_id == ticket_id, Message.direction == Direction.INBOUND)
            .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
        ).first()
        if newest is None:
            continue
        answered = session.scalar(select(Message.id).where(
            Message.ticket_id == ticket_id, Message.direction == Direction.OUTBOUND, Message.sent_at >= newest.sent_at).limit(1))
        pending = session.scalar(select(BotDraft.id).where(
            BotDraft.ticket_id == ticket_id, BotDraft.message_id == newest.id, BotDraft.state == DraftState.PENDING).limit(1))
        if answered is None and pending is not None:
            events += _draft_or_log(session, newest.id)
    return events
