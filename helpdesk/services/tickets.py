"""Changing a ticket: status, "no response needed" — each keeping the SLA clocks right."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk.events import TICKET_UPDATED, Event
from helpdesk.models import Agent, Ticket, TicketStatus, utcnow
from helpdesk.services.audit import record_event
from helpdesk.services.sla.tracking import on_no_response_needed, on_status_change, policies_for_channel


class TicketError(ValueError):
    """A change that cannot be made; the message says why."""


def _ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketError(f"unknown ticket {ticket_id}")
    return ticket


def set_status(session: Session, ticket_id: int, status: TicketStatus | str, *, agent: Agent | None = None) -> list[Event]:
    """Move a ticket to open, pending, solved or closed; pending pauses the company SLA clock."""
    ticket = _ticket(session, ticket_id)
    new = TicketStatus(status)
    old = ticket.status
    if new == old:
        return []
    if new == TicketStatus.NEW:
        raise TicketError("a ticket cannot go back to new")
    now = utcnow()
    ticket.status = new
    if new == TicketStatus.SOLVED:
        ticket.solved_at = now
    elif new == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif old == TicketStatus.SOLVED:
        ticket.solved_at = None
    on_status_change(ticket, old, new, policies_for_channel(session, ticket.channel), now)
    record_event(session, "ticket.status", agent=agent, obj=ticket, data={"from": old.value, "to": new.value})
    session.commit()
    return [Event(TICKET_UPDATED, {"ticket_id": ticket.id})]


def mark_no_response_needed(session: Session, ticket_id: int, *, agent: Agent | None = None) -> list[Event]:
    """The buyer's waiting messages need no answer (Amazon): they leave the response-time measure."""
    ticket = _ticket(session, ticket_id)
    on_no_response_needed(session, ticket, policies_for_channel(session, ticket.channel), utcnow())
    record_event(session, "ticket.no_response_needed", agent=agent, obj=ticket)
    session.commit()
    return [Event(TICKET_UPDATED, {"ticket_id": ticket.id})]
