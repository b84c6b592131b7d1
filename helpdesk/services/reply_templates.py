"""The bot's reply templates for agents: pick one by intent and language, filled from the order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import bot
from bot.pack import replies_pack
from bot.replies import facts_for, render
from helpdesk.events import Event
from helpdesk.models import Channel, Direction, Message, Order, Ticket
from helpdesk.services.drafting import draft_reply, order_facts, seller_settings

# Building blocks of every reply, not replies of their own.
_PARTS = frozenset({"greeting", "signoff", "return_steps_by_platform"})
TEMPLATE_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ja", "zh", "ko", "ru", "tr", "ar")


class TemplateError(ValueError):
    """A template that does not exist or cannot be filled."""


def template_names(language: str = "en") -> list[str]:
    """The reply templates (outcomes) a language offers, English ones when it has none."""
    pack = replies_pack(language) or replies_pack("en")
    return [key for key in pack if key not in _PARTS]


def fill_template(session: Session, ticket_id: int, name: str, language: str) -> str:
    """A template rendered in `language` with the ticket's order, store and buyer filled in."""
    if name not in template_names("en"):
        raise TemplateError(f"unknown template {name!r}")
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TemplateError(f"unknown ticket {ticket_id}")
    channel = session.get(Channel, ticket.channel_id)
    assert channel is not None
    order = None
    if ticket.order_id:
        order = session.scalars(select(Order).where(Order.id == ticket.order_id)
                                .options(selectinload(Order.lines), selectinload(Order.shipments))).first()
    buyer = session.scalars(select(Message.author_name).where(Message.ticket_id == ticket_id,
                                                              Message.direction == Direction.INBOUND)
                            .order_by(Message.id.desc()).limit(1)).first()
    inquiry = bot.Inquiry(text="", platform=channel.platform.value, marketplace=channel.marketplace or "",
                          locale=channel.locale or "", buyer_name=buyer or "")
    context = bot.CaseContext(order=order_facts(order) if order else None, settings=seller_settings(channel))
    return render(name, language, facts_for(inquiry, context, language)).text


def regenerate_draft(session: Session, ticket_id: int) -> list[Event]:
    """Ask the bot again for the newest buyer message, with today's order and stock facts."""
    message_id = session.scalars(select(Message.id).where(Message.ticket_id == ticket_id,
                                                          Message.direction == Direction.INBOUND)
                                 .order_by(Message.id.desc()).limit(1)).first()
    if message_id is None:
        raise TemplateError("the ticket has no buyer message")
    return draft_reply(session, message_id, may_send=False)
