"""The outbox: a reply is queued with its message and sent exactly once, with retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import PermanentError, RateLimited, TransientError
from helpdesk.models import Agent, DeliveryState, Message, OutboxItem, OutboxState, Ticket, TicketStatus, utcnow
from helpdesk.services.ingest import record_inbound_messages, ticket_token_ref
from helpdesk.services.outbox import MAX_ATTEMPTS, ReplyError, queue_reply, relay_outbox
from tests import factories
from tests.inbound import inbound, page
from tests.scripted import ScriptedConnector


@pytest.fixture
def ticket(session: Session) -> Ticket:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(
        "Where is my parcel?", subject="Order 12-34567-89012", reply_to={"item_id": "1234", "recipient": "jana_1987"})))
    return session.scalars(select(Ticket)).one()


def item(session: Session) -> OutboxItem:
    session.rollback()  # end the read snapshot
    session.expire_all()
    return session.scalars(select(OutboxItem)).one()


def relay(session: Session, connector: ScriptedConnector, now=None):  # type: ignore[no-untyped-def]
    return relay_outbox(session, lambda _s: connector, now=now)


def test_reply_is_queued_with_its_message_in_one_transaction(session: Session, ticket: Ticket, agent: Agent) -> None:
    queued = queue_reply(session, ticket.id, "It ships tomorrow.", agent=agent)
    message = session.get(Message, queued.message_id)
    outbox = item(session)
    assert message.delivery_state is DeliveryState.QUEUED and message.subject == "Re: Order 12-34567-89012"
    assert outbox.message_id == message.id and outbox.state is OutboxState.PENDING
    assert outbox.payload["reply_to"] == {"item_id": "1234", "recipient": "jana_1987"}
    assert outbox.payload["ticket_token"] == ticket_token_ref(ticket.id)


def test_agent_reply_counts_as_first_response_and_opens_the_ticket(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "On its way.", agent=agent)
    session.expire_all()
    refreshed = session.get(Ticket, ticket.id)
    assert refreshed.first_response_at is not None and refreshed.status is TicketStatus.OPEN


def test_auto_reply_does_not_count_as_a_response(session: Session, ticket: Ticket) -> None:
    queue_reply(session, ticket.id, "Thanks, we are on it.", is_auto_reply=True)
    session.expire_all()
    assert session.get(Ticket, ticket.id).first_response_at is None


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_empty_or_huge_reply_is_refused(session: Session, ticket: Ticket, text: str) -> None:
    with pytest.raises(ReplyError):
        queue_reply(session, ticket.id, text)
    assert session.scalars(select(OutboxItem)).first() is None


def test_relay_sends_once_and_marks_sent(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "It ships tomorrow.", agent=agent)
    connector = ScriptedConnector(None)  # type: ignore[arg-type]
    relay(session, connector)
    relay(session, connector)
    assert len(connector.sent) == 1
    assert connector.sent[0].idempotency_key == item(session).idempotency_key
    assert item(session).state is OutboxState.SENT
    assert session.scalars(select(Message).where(Message.direction == "outbound")).one().delivery_state is DeliveryState.SENT


def test_transient_failure_is_retried_with_the_same_key(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "It ships tomorrow.", agent=agent)
    connector = ScriptedConnector(None, sends=[TransientError("timeout: outcome unknown")])  # type: ignore[arg-type]
    relay(session, connector)
    assert item(session).state is OutboxState.PENDING and "timeout" in item(session).last_error
    relay(session, connector, now=utcnow() + timedelta(hours=2))
    assert item(session).state is OutboxState.SENT
    assert len({r.idempotency_key for r in connector.sent}) == 1 and len(connector.sent) == 2


def test_rate_limited_send_waits_for_retry_after(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "ok", agent=agent)
    relay(session, ScriptedConnector(None, sends=[RateLimited(retry_after=600)]))  # type: ignore[arg-type]
    assert item(session).next_attempt_at >= utcnow() + timedelta(seconds=590)
    connector = ScriptedConnector(None)  # type: ignore[arg-type]
    relay(session, connector)
    assert connector.sent == []


def test_permanent_failure_is_marked_failed_with_a_redacted_reason(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "ok", agent=agent)
    relay(session, ScriptedConnector(None, sends=[PermanentError("refused for jana@example.com token=abc123")]))  # type: ignore[arg-type]
    failed = item(session)
    assert failed.state is OutboxState.FAILED
    assert "jana@example.com" not in failed.last_error and "abc123" not in failed.last_error
    assert session.scalars(select(Message).where(Message.direction == "outbound")).one().delivery_state is DeliveryState.FAILED


def test_gives_up_after_max_attempts(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "ok", agent=agent)
    later = utcnow()
    for _ in range(MAX_ATTEMPTS):
        later += timedelta(days=1)
        relay(session, ScriptedConnector(None, sends=[TransientError("503")]), now=later)  # type: ignore[arg-type]
    assert item(session).state is OutboxState.FAILED and item(session).attempts == MAX_ATTEMPTS


def test_item_left_sending_by_a_crash_is_resent_with_the_same_key(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "ok", agent=agent)
    stuck = item(session)
    stuck.state, stuck.locked_until, stuck.attempts = OutboxState.SENDING, utcnow() - timedelta(seconds=1), 1
    session.commit()
    connector = ScriptedConnector(None)  # type: ignore[arg-type]
    relay(session, connector)
    assert [r.idempotency_key for r in connector.sent] == [stuck.idempotency_key]
    assert item(session).state is OutboxState.SENT


def test_item_being_sent_by_another_relay_is_left_alone(session: Session, ticket: Ticket, agent: Agent) -> None:
    queue_reply(session, ticket.id, "ok", agent=agent)
    busy = item(session)
    busy.state, busy.locked_until = OutboxState.SENDING, utcnow() + timedelta(minutes=1)
    session.commit()
    connector = ScriptedConnector(None)  # type: ignore[arg-type]
    relay(session, connector)
    assert connector.sent == []
