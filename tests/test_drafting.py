"""The bot wired into the helpdesk: drafts stored, escalations raised, safe cases auto-sent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import (
    AuthorKind,
    BotDraft,
    DraftAction,
    DraftState,
    Message,
    Order,
    OrderStatus,
    Platform,
    Shipment,
    Ticket,
    TicketPriority,
    utcnow,
)
from helpdesk.services.drafting import draft_replies
from helpdesk.services.ingest import record_inbound_messages
from tests import factories
from tests.inbound import inbound, page

ORDER_ID = "302-1234567-1234567"


def amazon_de(session: Session, **settings: object):  # type: ignore[no-untyped-def]
    channel = factories.make_channel(session, platform=Platform.AMAZON, marketplace="amazon.de", locale="de_DE",
                                     settings=dict(settings))
    order = Order(channel_id=channel.id, external_id=ORDER_ID, status=OrderStatus.SHIPPED, currency="EUR",
                  total_amount=Decimal("39.90"), ordered_at=utcnow() - timedelta(days=3))
    order.shipments = [Shipment(carrier="DHL", tracking_number="00340434161094042557",
                                tracking_url="https://www.dhl.de/de/privatkunden.html?piececode=00340434161094042557",
                                shipped_at=utcnow() - timedelta(days=2), estimated_delivery_at=utcnow() + timedelta(days=1))]
    session.add(order)
    session.commit()
    return channel


def ingest(session: Session, channel_id: int, *messages) -> list[int]:  # type: ignore[no-untyped-def]
    return record_inbound_messages(session, channel_id, page(*messages)).new_message_ids


def test_german_where_is_my_order_gets_a_german_draft_from_the_order_facts(session: Session) -> None:
    channel = amazon_de(session)
    ids = ingest(session, channel.id, inbound(f"Wo ist meine Bestellung {ORDER_ID}?", order_id=ORDER_ID,
                                              kind="amazon_relay", buyer="x@marketplace.amazon.de"))
    events = draft_replies(session, ids)
    draft = session.scalars(select(BotDraft)).one()
    ticket = session.scalars(select(Ticket)).one()
    assert (draft.language, draft.intent, draft.state) == ("de", "where_is_my_order", DraftState.PENDING)
    assert draft.action is DraftAction.DRAFT  # the default seller settings send nothing on their own
    assert "DHL" in draft.text and draft.explanation["text_in"]["en"] != draft.text
    assert (ticket.language, ticket.intent) == ("de", "where_is_my_order")
    assert "draft.ready" in [e.name for e in events]
    assert session.scalars(select(Message).where(Message.direction == "outbound")).first() is None


def test_seller_allowed_intent_is_auto_sent_and_does_not_stop_amazons_clock(session: Session) -> None:
    channel = amazon_de(session, auto_send_intents=["where_is_my_order"])
    ids = ingest(session, channel.id, inbound(f"Wo ist meine Bestellung {ORDER_ID}?", order_id=ORDER_ID,
                                              kind="amazon_relay", buyer="x@marketplace.amazon.de"))
    draft_replies(session, ids)
    draft = session.scalars(select(BotDraft)).one()
    reply = session.scalars(select(Message).where(Message.direction == "outbound")).one()
    assert draft.state is DraftState.AUTO_SENT and draft.sent_message_id == reply.id
    assert reply.author_kind is AuthorKind.BOT and reply.is_auto_reply
    assert session.scalars(select(Ticket)).one().marketplace_due_at is not None


def test_chargeback_threat_is_escalated_and_never_answered(session: Session) -> None:
    channel = amazon_de(session, auto_send_intents=["*"])
    ids = ingest(session, channel.id, inbound("Wenn ich bis morgen kein Geld habe, mache ich eine Rückbuchung bei meiner "
                                              "Bank und gehe zum Anwalt!", order_id=ORDER_ID, kind="amazon_relay",
                                              buyer="x@marketplace.amazon.de"))
    draft_replies(session, ids)
    ticket = session.scalars(select(Ticket)).one()
    assert session.scalars(select(BotDraft.action)).one() is DraftAction.ESCALATE
    assert ticket.escalated and ticket.priority is TicketPriority.URGENT
    assert session.scalars(select(Message).where(Message.direction == "outbound")).first() is None


def test_only_the_newest_message_of_a_ticket_is_drafted_and_older_drafts_are_superseded(session: Session) -> None:
    channel = amazon_de(session)
    first = ingest(session, channel.id, inbound("Hallo, wo ist mein Paket?", order_id=ORDER_ID, kind="amazon_relay",
                                                buyer="x@marketplace.amazon.de", sent_at=utcnow() - timedelta(hours=2)))
    draft_replies(session, first)
    later = ingest(session, channel.id,
                   inbound("Ich möchte die Bestellung stornieren.", order_id=ORDER_ID, kind="amazon_relay",
                           buyer="x@marketplace.amazon.de", sent_at=utcnow() - timedelta(minutes=2)),
                   inbound("Bitte schnell!", order_id=ORDER_ID, kind="amazon_relay",
                           buyer="x@marketplace.amazon.de", sent_at=utcnow() - timedelta(minutes=1)))
    draft_replies(session, later)
    states = session.scalars(select(BotDraft.state).order_by(BotDraft.id)).all()
    assert states == [DraftState.SUPERSEDED, DraftState.PENDING]


def test_a_failing_bot_is_logged_and_the_message_stays(session: Session, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    import bot

    channel = amazon_de(session)
    ids = ingest(session, channel.id, inbound("Hallo", kind="amazon_relay", buyer="x@marketplace.amazon.de"))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("template pack missing")

    monkeypatch.setattr(bot, "draft", broken)
    assert draft_replies(session, ids) == []
    assert "bot failed on message" in caplog.text
    assert session.scalars(select(Message)).one().body_text == "Hallo"


def test_a_regenerated_draft_is_never_sent_even_where_auto_send_is_allowed(session: Session) -> None:
    from helpdesk.services.reply_templates import regenerate_draft

    channel = amazon_de(session, auto_send_intents=["where_is_my_order"])
    ingest(session, channel.id, inbound(f"Wo ist meine Bestellung {ORDER_ID}?", order_id=ORDER_ID,
                                        kind="amazon_relay", buyer="x@marketplace.amazon.de"))
    regenerate_draft(session, session.scalars(select(Ticket.id)).one())
    assert session.scalars(select(BotDraft.state)).one() is DraftState.PENDING
    assert session.scalars(select(Message).where(Message.direction == "outbound")).first() is None


def _asked_before_the_order_synced(session: Session):  # type: ignore[no-untyped-def]
    """An eBay store that may auto-send status answers, a buyer asking about an order not synced yet, its draft."""
    channel = factories.make_channel(session, platform=Platform.EBAY, marketplace="ebay.de",
                                     settings={"auto_send_intents": ["where_is_my_order"]})
    draft_replies(session, ingest(session, channel.id, inbound(f"Wo ist meine Bestellung {ORDER_ID}?", order_id=ORDER_ID)))
    return channel


def _order_arrives(session: Session, channel_id: int) -> list[int]:
    from helpdesk.connectors.base import OrderPage
    from helpdesk.services.orders import record_orders
    from tests.test_orders import snapshot

    shipped = snapshot(ORDER_ID, shipments=(snapshot().shipments[0].__class__(
        carrier="DHL", tracking_number="00340434161094042557", shipped_at=utcnow() - timedelta(days=1),
        estimated_delivery_at=utcnow() + timedelta(days=2)),))
    return record_orders(session, channel_id, OrderPage([shipped], cursor={})).linked_ticket_ids


def test_when_the_order_syncs_after_the_message_the_draft_is_made_again_from_its_facts(session: Session) -> None:
    from helpdesk.services.drafting import redraft_for_linked_orders

    channel = _asked_before_the_order_synced(session)
    first = session.scalars(select(BotDraft)).one()
    assert "DHL" not in first.text and first.state is DraftState.PENDING  # no facts yet: nothing sent
    events = redraft_for_linked_orders(session, _order_arrives(session, channel.id))
    session.expire_all()
    drafts = session.scalars(select(BotDraft).order_by(BotDraft.id)).all()
    assert [d.state for d in drafts] == [DraftState.SUPERSEDED, DraftState.AUTO_SENT]
    assert "DHL" in drafts[1].text and "draft.ready" in [e.name for e in events]
    assert len(session.scalars(select(Message).where(Message.direction == "outbound")).all()) == 1


def test_an_answered_ticket_is_not_drafted_again_when_its_order_syncs(session: Session) -> None:
    from helpdesk.services.drafting import redraft_for_linked_orders
    from helpdesk.services.outbox import queue_reply

    channel = _asked_before_the_order_synced(session)
    ticket = session.scalars(select(Ticket)).one()
    queue_reply(session, ticket.id, "Wir schauen nach.", author_kind=AuthorKind.AGENT)
    assert redraft_for_linked_orders(session, _order_arrives(session, channel.id)) == []
    assert len(session.scalars(select(BotDraft)).all()) == 1
