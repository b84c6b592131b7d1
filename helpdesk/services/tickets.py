"""Changing a ticket: status, assignee, priority, tags, notes, "no response needed" — keeping the SLA clocks right."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk.events import MESSAGE_CREATED, TICKET_ASSIGNED, TICKET_UPDATED, Event
from helpdesk.models import (
    Agent,
    AuthorKind,
    Direction,
    Message,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketTag,
    utcnow,
)
from helpdesk.services.audit import record_event
from helpdesk.services.sla.tracking import (
    on_no_response_needed,
    on_status_change,
    policies_for_channel,
)


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


MAX_NOTE_CHARS = 20_000
MAX_TAGS = 20


def assign_ticket(session: Session, ticket_id: int, assignee_id: int | None, *, agent: Agent | None = None) -> list[Event]:
    """Give a ticket to an active agent, or to nobody (None)."""
    ticket = _ticket(session, ticket_id)
    if assignee_id is not None:
        assignee = session.get(Agent, assignee_id)
        if assignee is None or not assignee.active:
            raise TicketError("no such active agent")
    if ticket.assignee_id == assignee_id:
        return []
    old = ticket.assignee_id
    ticket.assignee_id = assignee_id
    if ticket.status == TicketStatus.NEW and assignee_id is not None:
        on_status_change(ticket, TicketStatus.NEW, TicketStatus.OPEN, policies_for_channel(session, ticket.channel), utcnow())
        ticket.status = TicketStatus.OPEN
    record_event(session, "ticket.assigned", agent=agent, obj=ticket, data={"from": old, "to": assignee_id})
    session.commit()
    return [Event(TICKET_ASSIGNED, {"ticket_id": ticket.id, "assignee_id": assignee_id, "previous_id": old})]


def claim_ticket(session: Session, ticket_id: int, agent: Agent) -> list[Event]:
    """Assign a ticket to the agent who asks."""
    return assign_ticket(session, ticket_id, agent.id, agent=agent)


def set_priority(session: Session, ticket_id: int, priority: TicketPriority | str, *, agent: Agent | None = None) -> list[Event]:
    """Change a ticket's priority (low, normal, high, urgent)."""
    ticket = _ticket(session, ticket_id)
    try:
        new = TicketPriority(priority)
    except ValueError:
        raise TicketError(f"unknown priority {priority!r}") from None
    if ticket.priority == new:
        return []
    record_event(session, "ticket.priority", agent=agent, obj=ticket, data={"from": ticket.priority.value, "to": new.value})
    ticket.priority = new
    session.commit()
    return [Event(TICKET_UPDATED, {"ticket_id": ticket.id})]


def normalise_tag(name: str) -> str:
    """Tags are short, lower-case, single-spaced."""
    return " ".join(name.strip().lower().split())[:64]


def set_tags(session: Session, ticket_id: int, names: list[str], *, agent: Agent | None = None) -> list[Event]:
    """Replace a ticket's tags with `names` (normalised, de-duplicated)."""
    ticket = _ticket(session, ticket_id)
    wanted = list(dict.fromkeys(t for t in (normalise_tag(n) for n in names) if t))
    if len(wanted) > MAX_TAGS:
        raise TicketError(f"at most {MAX_TAGS} tags")
    if [t.name for t in ticket.tags] == sorted(wanted):
        return []
    keep = {t.name: t for t in ticket.tags if t.name in wanted}
    ticket.tags = [keep.get(name) or TicketTag(ticket_id=ticket.id, name=name) for name in sorted(wanted)]
    ticket.updated_at = utcnow()  # bumps the version: the tags are part of the ticket
    record_event(session, "ticket.tags", agent=agent, obj=ticket, data={"tags": sorted(wanted)})
    session.commit()
    return [Event(TICKET_UPDATED, {"ticket_id": ticket.id})]


def add_note(session: Session, ticket_id: int, text: str, *, agent: Agent) -> list[Event]:
    """Add an internal note, which buyers never see and no SLA clock counts."""
    ticket = _ticket(session, ticket_id)
    body = text.strip()
    if not body:
        raise TicketError("the note is empty")
    if len(body) > MAX_NOTE_CHARS:
        raise TicketError(f"the note is too long: at most {MAX_NOTE_CHARS} characters")
    now = utcnow()
    note = Message(ticket_id=ticket.id, channel_id=ticket.channel_id, direction=Direction.NOTE, author_kind=AuthorKind.AGENT,
                   agent_id=agent.id, author_name=agent.name, body_text=body, sent_at=now, created_at=now)
    session.add(note)
    session.flush()
    session.commit()
    return [Event(MESSAGE_CREATED, {"message_id": note.id, "ticket_id": ticket.id})]
