"""Ticket clocks on every event, the sweeper on a frozen clock, and the report on a seeded history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.cli import main
from helpdesk.models import AuditEvent, Message, Platform, SlaState, Ticket, TicketStatus
from helpdesk.services.ingest import record_inbound_messages
from helpdesk.services.outbox import queue_reply
from helpdesk.services.sla.report import build_report, percentile
from helpdesk.services.sla.sweeper import sweep_sla
from helpdesk.services.tickets import mark_no_response_needed, set_status
from tests import factories
from tests.inbound import inbound, page

FRIDAY_NIGHT = datetime.fromisoformat("2026-11-27T23:30:00+01:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def reload(session: Session, ticket_id: int) -> Ticket:
    session.rollback()
    session.expire_all()
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    return ticket


@pytest.fixture
def amazon_ticket(session: Session) -> Ticket:
    channel = factories.make_channel(session, platform=Platform.AMAZON, marketplace="amazon.de")
    record_inbound_messages(session, channel.id, page(inbound("Wo ist meine Bestellung?", sent_at=FRIDAY_NIGHT,
                                                              kind="amazon_relay", buyer="x1@marketplace.amazon.de")),
                            now=FRIDAY_NIGHT + timedelta(minutes=1))
    return session.scalars(select(Ticket)).one()


def test_amazon_message_gets_a_24_hour_clock_and_the_inbox_shows_the_tighter_one(session: Session, amazon_ticket: Ticket) -> None:
    message = session.scalars(select(Message)).one()
    assert message.response_due_at == utc(2026, 11, 28, 22, 30)
    assert amazon_ticket.marketplace_due_at == utc(2026, 11, 28, 22, 30)
    # The company default (office hours Mon-Fri 09-18 UTC, 4 h) is due Monday 13:00: Amazon's is tighter.
    assert amazon_ticket.first_response_due_at == utc(2026, 11, 30, 13, 0)
    assert amazon_ticket.sla_due_at == utc(2026, 11, 28, 22, 30)
    assert amazon_ticket.sla_warn_at == utc(2026, 11, 28, 16, 30)


def test_auto_reply_does_not_stop_amazons_clock(session: Session, amazon_ticket: Ticket) -> None:
    queue_reply(session, amazon_ticket.id, "Danke, wir melden uns.", is_auto_reply=True)
    ticket = reload(session, amazon_ticket.id)
    assert ticket.marketplace_due_at == utc(2026, 11, 28, 22, 30)
    assert session.scalars(select(Message.responded_at).where(Message.direction == "inbound")).one() is None


def test_agent_reply_stops_the_response_clocks(session: Session, amazon_ticket: Ticket) -> None:
    agent = factories.make_agent(session)
    queue_reply(session, amazon_ticket.id, "Ihr Paket kommt morgen.", agent=agent)
    ticket = reload(session, amazon_ticket.id)
    assert ticket.marketplace_due_at is None and ticket.first_response_at is not None
    assert session.scalars(select(Message.responded_at).where(Message.direction == "inbound")).one() is not None
    assert ticket.sla_due_at == ticket.resolution_due_at  # only the resolution clock still runs


def test_no_response_needed_removes_the_message_and_a_new_message_starts_a_new_clock(session: Session, amazon_ticket: Ticket) -> None:
    mark_no_response_needed(session, amazon_ticket.id)
    ticket = reload(session, amazon_ticket.id)
    assert ticket.marketplace_due_at is None
    assert session.scalars(select(Message.no_response_needed)).one() is True
    later = FRIDAY_NIGHT + timedelta(days=1)
    record_inbound_messages(session, ticket.channel_id, page(inbound("Und?", sent_at=later, kind="amazon_relay",
                                                                     buyer="x1@marketplace.amazon.de")), now=later)
    assert reload(session, ticket.id).marketplace_due_at == later + timedelta(hours=24)


def test_pending_pauses_the_company_clock_but_not_amazons(session: Session, amazon_ticket: Ticket) -> None:
    before = reload(session, amazon_ticket.id)
    first_due, market_due = before.first_response_due_at, before.marketplace_due_at
    set_status(session, amazon_ticket.id, TicketStatus.PENDING)
    paused = reload(session, amazon_ticket.id)
    assert paused.sla_paused_at is not None and paused.sla_due_at == market_due
    # Resume: the company due time moves by the office-hours time spent pending (none at the weekend,
    # so only the seconds of this test) and the pause ends.
    set_status(session, amazon_ticket.id, TicketStatus.OPEN)
    resumed = reload(session, amazon_ticket.id)
    assert resumed.sla_paused_at is None and resumed.marketplace_due_at == market_due
    assert resumed.first_response_due_at >= first_due


def test_company_due_time_moves_by_the_business_hours_spent_pending(session: Session) -> None:
    channel = factories.make_channel(session, platform=Platform.EBAY, marketplace="EBAY_DE")
    monday_9 = utc(2026, 11, 30, 9, 0)
    record_inbound_messages(session, channel.id, page(inbound(sent_at=monday_9)), now=monday_9)
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.marketplace_due_at is None and ticket.first_response_due_at == utc(2026, 11, 30, 13, 0)
    from helpdesk.services.sla.tracking import on_status_change, policies_for_channel

    policies = policies_for_channel(session, channel)
    on_status_change(ticket, TicketStatus.OPEN, TicketStatus.PENDING, policies, utc(2026, 11, 30, 10, 0))
    on_status_change(ticket, TicketStatus.PENDING, TicketStatus.OPEN, policies, utc(2026, 11, 30, 12, 0))
    assert ticket.first_response_due_at == utc(2026, 11, 30, 15, 0)


def test_sweeper_warns_once_then_records_one_breach(session: Session, amazon_ticket: Ticket) -> None:
    assert sweep_sla(session, now=utc(2026, 11, 28, 12, 0)) == []
    warned = sweep_sla(session, now=utc(2026, 11, 28, 17, 0))
    assert [e.name for e in warned] == ["sla.warning"]
    assert sweep_sla(session, now=utc(2026, 11, 28, 18, 0)) == []
    breached = sweep_sla(session, now=utc(2026, 11, 28, 22, 31))
    assert [e.name for e in breached] == ["sla.breached"] and breached[0].payload["clocks"] == ["marketplace"]
    assert sweep_sla(session, now=utc(2026, 11, 29, 9, 0)) == []
    ticket = reload(session, amazon_ticket.id)
    assert ticket.sla_state is SlaState.BREACHED and ticket.marketplace_breached and not ticket.first_response_breached
    assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "sla.breached")).all()) == 1


def test_report_computes_amazons_late_response_rate_exactly(session: Session) -> None:
    channel = factories.make_channel(session, platform=Platform.AMAZON, name="Acme DE")
    agent = factories.make_agent(session)
    now = utc(2026, 11, 27, 12, 0)
    # Four buyers: answered in 2 h, answered after 30 h (late), never answered (late), marked no response needed.
    for i, (hours_ago, answer_after) in enumerate([(50, 2), (60, 30), (70, None), (80, "nrn")]):
        sent = now - timedelta(hours=hours_ago)
        record_inbound_messages(session, channel.id, page(inbound(sent_at=sent, kind="amazon_relay", buyer=f"b{i}@marketplace.amazon.de")), now=sent)
        ticket_id = session.scalars(select(Ticket.id).order_by(Ticket.id.desc())).first()
        if answer_after == "nrn":
            mark_no_response_needed(session, ticket_id)
        elif answer_after is not None:
            queue_reply(session, ticket_id, "answer", agent=agent)
            session.execute(Message.__table__.update().where(Message.ticket_id == ticket_id, Message.direction == "inbound")
                            .values(responded_at=sent + timedelta(hours=answer_after)))
            session.execute(Ticket.__table__.update().where(Ticket.id == ticket_id)
                            .values(first_response_at=sent + timedelta(hours=answer_after)))
            session.commit()
    # A message from an hour ago is still inside its 24 h: not measured yet.
    record_inbound_messages(session, channel.id, page(inbound(sent_at=now - timedelta(hours=1), kind="amazon_relay", buyer="new@marketplace.amazon.de")), now=now)
    report = build_report(session, days=7, now=now)
    week = next(m for m in report.marketplace if m.days == 7)
    assert (week.messages, week.late, week.late_response_rate) == (3, 2, round(2 / 3, 4))
    assert week.average_response_hours == 16.0
    platform = next(g for g in report.groups if g.grouping == "platform")
    assert (platform.tickets, platform.answered, platform.first_response_p50_hours) == (5, 2, 2.0)
    assert report.backlog["amazon"]["<4h"] >= 1


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0 and percentile([1.0, 2.0, 3.0, 4.0], 0.9) == 4.0
    assert percentile([], 0.5) is None


def test_sla_due_command_prints_iso_utc(runner_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["sla", "due", "--policy", "amazon", "--received", "2026-11-27T23:30:00+01:00"], env=runner_env)
    assert result.exit_code == 0 and result.output.strip() == "2026-11-28T22:30:00Z"


@pytest.mark.parametrize(("args", "message"), [
    (["--policy", "nope", "--received", "2026-11-27T10:00:00Z"], "unknown policy 'nope'"),
    (["--policy", "amazon", "--received", "2026-11-27T10:00:00"], "no time zone"),
    (["--policy", "amazon", "--received", "27/11/2026"], "not an ISO 8601"),
])
def test_sla_due_command_refuses_bad_input(runner_env: dict[str, str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sla", "due", *args], env=runner_env)
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--hours", "mon=09:00-12:00,11:00-13:00"], "overlap"),
    (["--hours", "mon=17:00-09:00"], "ends before it starts"),
    (["--hours", "mon=09:00-17:00", "--country", "XX"], "unknown holiday country"),
    (["--hours", "mon=09:00-17:00", "--timezone", "Mars/Base"], "unknown time zone"),
])
def test_bad_calendar_is_refused_and_nothing_is_stored(runner_env: dict[str, str], session: Session, args: list[str], message: str) -> None:
    from helpdesk.models import BusinessCalendar

    full = ["sla", "calendar", "berlin", "--timezone", "Europe/Berlin", *args]
    result = CliRunner().invoke(main, full, env=runner_env)
    assert result.exit_code == 1 and message in result.output
    assert session.scalars(select(BusinessCalendar).where(BusinessCalendar.name == "berlin")).first() is None
