"""The ticket page and its actions over HTTP."""

from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import (
    Agent,
    BotDraft,
    Direction,
    DraftAction,
    DraftState,
    Message,
    Order,
    OrderLine,
    OutboxItem,
    Product,
    Shipment,
    StockLevel,
    Ticket,
    TicketPriority,
    TicketStatus,
    utcnow,
)
from tests import factories
from tests.conftest import AuthActions
from tests.web_helpers import page_token, ticket_with_message


def test_ticket_page_shows_the_thread(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    assert "Hallo, wann kommt mein Paket?" in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_ticket_page_shows_the_pending_bot_draft(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    session.add(BotDraft(ticket_id=ticket.id, language="de", intent="where_is_my_order", action=DraftAction.DRAFT,
                         text="Ihre Bestellung ist unterwegs.", rule="wimo_shipped",
                         explanation={"why": ["shipped"], "text_in": {"en": "Your order is on its way."}}))
    session.commit()
    auth.login()
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Ihre Bestellung ist unterwegs." in html and "Your order is on its way." in html


def test_ticket_page_shows_order_lines_and_oversold_stock(client: FlaskClient, auth: AuthActions, agent: Agent,
                                                          session: Session) -> None:
    channel = factories.make_channel(session)
    product = Product(sku="LAMP-1", title="Desk lamp")
    session.add(product)
    session.flush()
    session.add(StockLevel(product_id=product.id, warehouse="FBA:DE", on_hand=2, reserved=5, updated_at=utcnow()))
    order = Order(channel_id=channel.id, external_id="302-1234567-7654321", total_amount=Decimal("39.90"), currency="EUR",
                  payment_method="card", lines=[OrderLine(title="Desk lamp", quantity=1, product_id=product.id, channel_sku="LAMP-1")],
                  shipments=[Shipment(carrier="DHL", tracking_number="JJD000", tracking_url="javascript:alert(1)")])
    session.add(order)
    session.commit()
    ticket = ticket_with_message(session, channel=channel, order_id=order.id, order_ref=order.external_id)
    auth.login()
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Desk lamp" in html and "FBA:DE" in html and "Oversold" in html and "39.90 EUR" in html
    assert "javascript:alert" not in html


def test_unknown_ticket_is_404(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    assert client.get("/tickets/999").status_code == 404


def test_ticket_on_a_restricted_store_is_404(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    other = factories.make_agent(session, email="other@example.com", name="Other")
    ticket = ticket_with_message(session, channel=factories.make_channel(session, settings={"agent_ids": [other.id]}))
    auth.login()
    assert client.get(f"/tickets/{ticket.id}").status_code == 404


def test_reply_is_queued_in_the_outbox(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    last = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id))
    response = client.post(f"/tickets/{ticket.id}/reply", json={"text": "Es ist unterwegs.", "version": ticket.version,
                                                               "seen_message_id": last}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    session.rollback()  # end the test session's read snapshot
    assert session.scalar(select(OutboxItem.payload).where(OutboxItem.ticket_id == ticket.id))["body_text"] == "Es ist unterwegs."


def test_reply_without_csrf_token_is_refused(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    response = client.post(f"/tickets/{ticket.id}/reply", json={"text": "Hallo", "seen_message_id": 0})
    assert response.status_code == 400
    assert session.scalar(select(OutboxItem.id)) is None


def test_reply_after_a_new_buyer_message_asks_to_confirm(client: FlaskClient, auth: AuthActions, agent: Agent,
                                                         session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    seen_version = session.get(Ticket, ticket.id).version
    seen = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id))
    factories.make_message(session, ticket, body_text="Noch da?")
    session.get(Ticket, ticket.id).subject = "Wo bleibt es?"  # the ingest bumps the ticket's version
    session.commit()
    response = client.post(f"/tickets/{ticket.id}/reply", json={"text": "Ja", "version": seen_version, "seen_message_id": seen},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 409
    assert [m["body_text"] for m in response.get_json()["new_messages"]] == ["Noch da?"]
    assert session.scalar(select(OutboxItem.id)) is None


def test_confirmed_reply_is_sent_after_a_conflict(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    factories.make_message(session, ticket, body_text="Noch da?")
    response = client.post(f"/tickets/{ticket.id}/reply", json={"text": "Ja", "version": 0, "seen_message_id": 0,
                                                               "confirmed": True}, headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_sending_the_draft_marks_it_sent(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    draft = BotDraft(ticket_id=ticket.id, language="de", intent="x", action=DraftAction.DRAFT, text="Hallo")
    session.add(draft)
    session.commit()
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/tickets/{ticket.id}/reply", json={"text": "Hallo", "draft_id": draft.id, "seen_message_id": 0,
                                                    "confirmed": True}, headers={"X-CSRFToken": token})
    session.refresh(draft)
    assert draft.state == DraftState.SENT


def test_note_is_added_as_an_internal_message(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/tickets/{ticket.id}/note", data={"text": "Kunde anrufen", "csrf_token": token})
    assert session.scalar(select(Message.body_text).where(Message.direction == Direction.NOTE)) == "Kunde anrufen"


def test_claim_assigns_the_ticket_to_me(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/tickets/{ticket.id}/claim", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Ticket, ticket.id).assignee_id == agent.id


def test_solve_sets_the_status(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/tickets/{ticket.id}/status", data={"status": "solved", "csrf_token": token})
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == TicketStatus.SOLVED


def test_priority_and_tags_are_saved(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/tickets/{ticket.id}/priority", data={"priority": "urgent", "csrf_token": token})
    client.post(f"/tickets/{ticket.id}/tags", data={"tags": "Refund, damaged , refund", "csrf_token": token})
    session.expire_all()
    saved = session.get(Ticket, ticket.id)
    assert saved.priority == TicketPriority.URGENT and [t.name for t in saved.tags] == ["damaged", "refund"]


def test_template_is_filled_from_the_order(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    channel = factories.make_channel(session)
    order = Order(channel_id=channel.id, external_id="302-9999999-1111111")
    session.add(order)
    session.commit()
    ticket = ticket_with_message(session, channel=channel, order_id=order.id)
    auth.login()
    text = client.get(f"/api/tickets/{ticket.id}/template?name=cancel_shipped&language=en").get_json()["text"]
    assert "302-9999999-1111111" in text


def test_buyer_text_is_escaped_on_the_ticket_page(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = factories.make_ticket(session, subject="<img src=x onerror=alert(1)>")
    factories.make_message(session, ticket, body_text="{{7*7}} <script>alert(2)</script>", author_name="<b>Eve</b>")
    auth.login()
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert(2)" not in html and "<b>Eve" not in html
    assert "{{7*7}} &lt;script&gt;" in html and "49" not in html.split("{{7*7}}")[1][:10]


def test_catch_up_returns_messages_after_an_id(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    ticket = ticket_with_message(session)
    first = session.scalar(select(Message.id).where(Message.ticket_id == ticket.id))
    factories.make_message(session, ticket, body_text="Zweite Nachricht")
    auth.login()
    data = client.get(f"/api/tickets/{ticket.id}/messages?after={first}").get_json()
    assert [m["body_text"] for m in data["messages"]] == ["Zweite Nachricht"]


def test_chinese_ui_is_rendered_for_a_chinese_agent(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    factories.make_agent(session, ui_language="zh")
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert "收件箱" in html and "全部未结" in html and 'lang="zh-Hans"' in html


def test_times_are_shown_in_the_agents_time_zone(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    from datetime import UTC, datetime

    factories.make_agent(session, timezone="Asia/Shanghai")
    ticket = factories.make_ticket(session)
    factories.make_message(session, ticket, sent_at=datetime(2026, 1, 5, 2, 30, tzinfo=UTC))
    auth.login()
    assert "2026-01-05 10:30" in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def _suggestion(session: Session):  # type: ignore[no-untyped-def]
    from helpdesk.models import CustomerMergeSuggestion

    keep = factories.make_customer(session, display_name="Jana Nowak")
    other = factories.make_customer(session, display_name="J. Nowak")
    ticket = ticket_with_message(session, customer=keep)
    ticket_with_message(session, customer=other)
    suggestion = CustomerMergeSuggestion(customer_id=keep.id, candidate_id=other.id, score=93.0)
    session.add(suggestion)
    session.commit()
    return ticket, keep, other, suggestion


def test_confirming_a_merge_suggestion_merges_the_customers(client: FlaskClient, auth: AuthActions, agent: Agent,
                                                            session: Session) -> None:
    from helpdesk.models import Customer

    ticket, keep, other, suggestion = _suggestion(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/customers/suggestions/{suggestion.id}/confirm", data={"csrf_token": token, "keep": keep.id,
                                                                         "ticket_id": ticket.id})
    session.expire_all()
    assert session.get(Customer, other.id).merged_into_id == keep.id


def test_rejecting_a_merge_suggestion_keeps_both_customers(client: FlaskClient, auth: AuthActions, agent: Agent,
                                                           session: Session) -> None:
    from helpdesk.models import Customer, CustomerMergeSuggestion, MergeSuggestionState

    ticket, _keep, other, suggestion = _suggestion(session)
    auth.login()
    token = page_token(client, f"/tickets/{ticket.id}")
    client.post(f"/customers/suggestions/{suggestion.id}/reject", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Customer, other.id).merged_into_id is None
    assert session.get(CustomerMergeSuggestion, suggestion.id).state == MergeSuggestionState.REJECTED


def test_inbox_catch_up_lists_tickets_changed_since(client: FlaskClient, auth: AuthActions, agent: Agent,
                                                    session: Session) -> None:
    from datetime import timedelta

    before = utcnow() - timedelta(minutes=1)
    ticket = ticket_with_message(session)
    auth.login()
    rows = client.get("/api/inbox/since", query_string={"since": before.isoformat()}).get_json()["rows"]
    assert [r["id"] for r in rows] == [ticket.id]


def test_inbox_catch_up_refuses_a_time_without_zone(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    assert client.get("/api/inbox/since", query_string={"since": "2026-01-01T00:00:00"}).status_code == 400


def test_inbox_page_keeps_filters_in_view_links(client: FlaskClient, auth: AuthActions, agent: Agent,
                                                session: Session) -> None:
    ticket_with_message(session, language="de")
    auth.login()
    html = client.get("/?view=open&language=de&q=Paket").get_data(as_text=True)
    assert "language=de" in html and "q=Paket" in html


def test_unknown_view_is_a_bad_request(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    assert client.get("/?view=everything").status_code == 400
