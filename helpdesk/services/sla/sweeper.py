"""The SLA sweeper: marks tickets at risk and breached, records each breach once, emits events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.events import SLA_BREACHED, SLA_WARNING, Event
from helpdesk.models import SlaState, Ticket, TicketStatus, utcnow
from helpdesk.services.audit import record_event

LIVE = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED)
BATCH = 500


def _mark_breaches(ticket: Ticket, now: datetime) -> list[str]:
    """Set the breach flag of every clock past due; return the clocks newly breached."""
    newly = []
    checks = [
        ("marketplace", "marketplace_breached", ticket.marketplace_due_at),
        ("first_response", "first_response_breached", ticket.first_response_due_at if ticket.first_response_at is None else None),
        ("next_response", "next_response_breached", ticket.next_response_due_at),
        ("resolution", "resolution_breached",
         ticket.resolution_due_at if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED) else None),
    ]
    for clock, flag, due in checks:
        if due is not None and due < now and not getattr(ticket, flag):
            setattr(ticket, flag, True)
            newly.append(clock)
    return newly


def sweep_sla(session: Session, now: datetime | None = None) -> list[Event]:
    """One pass: at-risk and breached transitions since the last pass; commits; returns events to publish."""
    now = now or utcnow()
    events: list[Event] = []
    at_risk = select(Ticket).where(
        Ticket.status.in_(LIVE), Ticket.sla_state == SlaState.OK, Ticket.sla_warn_at <= now, Ticket.sla_due_at >= now
    ).limit(BATCH)
    for ticket in session.scalars(at_risk):
        ticket.sla_state = SlaState.AT_RISK
        events.append(Event(SLA_WARNING, {"ticket_id": ticket.id, "due_at": ticket.sla_due_at.isoformat()}))
    overdue = select(Ticket).where(
        Ticket.status.in_(LIVE), Ticket.sla_state.in_((SlaState.OK, SlaState.AT_RISK)), Ticket.sla_due_at < now
    ).limit(BATCH)
    for ticket in session.scalars(overdue):
        ticket.sla_state = SlaState.BREACHED
        clocks = _mark_breaches(ticket, now)
        record_event(session, "sla.breached", actor="sla-sweeper", obj=ticket,
                     data={"clocks": clocks, "due_at": ticket.sla_due_at.isoformat()})
        events.append(Event(SLA_BREACHED, {"ticket_id": ticket.id, "clocks": clocks}))
    session.commit()
    return events
