"""Ingest: customers, threading, idempotency, quarantine and the cursor in one transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import PayloadFailure
from helpdesk.models import Channel, Customer, CustomerIdentity, Message, Order, QuarantinedPayload, Ticket, TicketStatus, utcnow
from helpdesk.services.ingest import record_inbound_messages, ticket_token_ref
from tests import factories
from tests.inbound import inbound, page


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def tickets(session: Session) -> list[Ticket]:
    session.expire_all()
    return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_first_message_opens_a_ticket_for_a_new_customer(session: Session) -> None:
    channel = factories.make_channel(session)
    result = record_inbound_messages(session, channel.id, page(inbound("Wo bleibt mein Paket?", subject="Lieferung")))
    [ticket] = tickets(session)
    assert ticket.status is TicketStatus.NEW and ticket.subject == "Lieferung"
    assert result.created_ticket_ids == [ticket.id] and len(result.new_message_ids) == 1
    identity = session.scalars(select(CustomerIdentity)).one()
    assert (identity.kind.value, identity.value, identity.customer_id) == ("ebay_user", "jana_1987", ticket.customer_id)


def test_cursor_advances_in_the_same_transaction(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(), cursor={"last_uid": 42}))
    session.expire_all()
    assert session.get(Channel, channel.id).poll_cursor == {"messages": {"last_uid": 42}}


def test_replayed_page_inserts_nothing(session: Session) -> None:
    channel = factories.make_channel(session)
    message = inbound(external_id="EBAY-1")
    record_inbound_messages(session, channel.id, page(message))
    again = record_inbound_messages(session, channel.id, page(message))
    assert again.new_message_ids == [] and again.created_ticket_ids == [] and again.duplicates == 1
    assert count(session, Message) == 1 and count(session, Ticket) == 1


def test_same_message_twice_in_one_page_is_stored_once(session: Session) -> None:
    channel = factories.make_channel(session)
    message = inbound(external_id="dup")
    result = record_inbound_messages(session, channel.id, page(message, message))
    assert len(result.new_message_ids) == 1 and result.duplicates == 1


def test_follow_up_about_the_same_order_joins_the_ticket(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound("Where is it?", order_id="12-34567-89012")))
    result = record_inbound_messages(session, channel.id, page(inbound("Any news??", order_id="12-34567-89012")))
    assert count(session, Ticket) == 1 and len(result.updated_ticket_ids) == 1


def test_message_about_another_order_opens_another_ticket(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(order_id="12-34567-89012"), inbound(order_id="12-99999-00000")))
    assert count(session, Ticket) == 2


def test_two_buyers_get_two_tickets(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(buyer="a"), inbound(buyer="b")))
    assert count(session, Ticket) == 2 and count(session, Customer) == 2


def test_recently_solved_ticket_reopens(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(order_id="1")))
    [ticket] = tickets(session)
    ticket.status, ticket.solved_at = TicketStatus.SOLVED, utcnow() - timedelta(days=2)
    session.commit()
    result = record_inbound_messages(session, channel.id, page(inbound("still broken", order_id="1")))
    [ticket] = tickets(session)
    assert ticket.status is TicketStatus.OPEN and result.reopened_ticket_ids == [ticket.id]


def test_long_solved_ticket_stays_solved_and_a_new_one_opens(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(order_id="1")))
    [ticket] = tickets(session)
    ticket.status, ticket.solved_at = TicketStatus.SOLVED, utcnow() - timedelta(days=30)
    session.commit()
    record_inbound_messages(session, channel.id, page(inbound(order_id="1")))
    assert [t.status for t in tickets(session)] == [TicketStatus.SOLVED, TicketStatus.NEW]


def test_closed_ticket_never_reopens(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(order_id="1")))
    [ticket] = tickets(session)
    ticket.status = TicketStatus.CLOSED
    session.commit()
    record_inbound_messages(session, channel.id, page(inbound(order_id="1")))
    assert [t.status for t in tickets(session)] == [TicketStatus.CLOSED, TicketStatus.NEW]


def test_buyer_answer_moves_a_pending_ticket_back_to_open(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound()))
    [ticket] = tickets(session)
    ticket.status = TicketStatus.PENDING
    session.commit()
    record_inbound_messages(session, channel.id, page(inbound("here is the photo")))
    assert tickets(session)[0].status is TicketStatus.OPEN


def test_platform_thread_id_joins_the_conversation(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(thread_id="conv-1", order_id="A")))
    record_inbound_messages(session, channel.id, page(inbound(thread_id="conv-1")))
    assert count(session, Ticket) == 1


def test_forged_thread_id_from_another_buyer_opens_their_own_ticket(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(buyer="victim", thread_id="<abc@shop>")))
    record_inbound_messages(session, channel.id, page(inbound(buyer="attacker", thread_id="<abc@shop>")))
    owners = {t.customer_id for t in tickets(session)}
    assert count(session, Ticket) == 2 and len(owners) == 2


def test_verified_reply_token_threads_to_its_ticket(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(order_id="1")))
    [ticket] = tickets(session)
    record_inbound_messages(session, channel.id, page(inbound("re", order_id="2", ticket_token=ticket_token_ref(ticket.id))))
    assert count(session, Ticket) == 1


def test_malformed_item_is_quarantined_once_and_the_rest_is_stored(session: Session) -> None:
    channel = factories.make_channel(session)
    bad = PayloadFailure(raw="<Message><Text>broken", error="XML not well-formed", external_id="EBAY-9")
    first = record_inbound_messages(session, channel.id, page(inbound(), failures=[bad]))
    second = record_inbound_messages(session, channel.id, page(failures=[bad]))
    assert (first.quarantined, second.quarantined) == (1, 0)
    stored = session.scalars(select(QuarantinedPayload)).one()
    assert stored.raw == "<Message><Text>broken" and "not well-formed" in stored.error
    assert count(session, Message) == 1


def test_buyer_html_is_sanitised_before_storage(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(
        "hi", body_html='<p onclick="x()">Hi<script>alert(1)</script><img src="https://evil/t.gif"></p>')))
    html = session.scalars(select(Message.body_html)).one()
    assert "script" not in html and "onclick" not in html and "evil" not in html and "Hi" in html


def test_message_links_to_the_order_it_mentions(session: Session) -> None:
    channel = factories.make_channel(session)
    order = Order(channel_id=channel.id, external_id="302-1234567-1234567")
    session.add(order)
    session.commit()
    record_inbound_messages(session, channel.id, page(inbound(order_id="302-1234567-1234567")))
    assert tickets(session)[0].order_id == order.id


def test_message_without_order_links_to_the_buyers_latest_order(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound("hello")))
    [ticket] = tickets(session)
    older = Order(channel_id=channel.id, external_id="A-1", customer_id=ticket.customer_id, ordered_at=utcnow() - timedelta(days=9))
    newer = Order(channel_id=channel.id, external_id="A-2", customer_id=ticket.customer_id, ordered_at=utcnow() - timedelta(days=1))
    session.add_all([older, newer])
    ticket.status = TicketStatus.CLOSED
    session.commit()
    record_inbound_messages(session, channel.id, page(inbound("where is my stuff")))
    assert tickets(session)[1].order_id == newer.id


def test_same_verified_email_on_two_platforms_is_one_customer(session: Session) -> None:
    ebay = factories.make_channel(session, name="eBay DE")
    shop = factories.make_channel(session, name="Shop")
    record_inbound_messages(session, ebay.id, page(inbound(buyer="jana_1987", email="Jana@Example.com")))
    record_inbound_messages(session, shop.id, page(inbound(kind="email", buyer="jana@example.com")))
    assert count(session, Customer) == 1
    assert {t.channel_id for t in tickets(session)} == {ebay.id, shop.id}


def test_same_name_without_strong_key_stays_two_customers(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(buyer="a", name="Jana Nowak"), inbound(buyer="b", name="Jana Nowak")))
    assert count(session, Customer) == 2


def test_strong_key_match_inside_one_page_is_one_customer(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(
        inbound(buyer="jana_1987", email="jana@example.com"),
        inbound(kind="email", buyer="jana@example.com"),
        inbound(kind="amazon_relay", buyer="x1@marketplace.amazon.de", email="JANA@example.com"),
    ))
    assert count(session, Customer) == 1
    assert {i.customer_id for i in session.scalars(select(CustomerIdentity))} == {tickets(session)[0].customer_id}
