"""Reading the inbox: which tickets an agent sees, in what order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models import Agent, Channel, Customer, Ticket, TicketStatus

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox."""

    id: int
    subject: str
    status: TicketStatus
    platform: str
    channel_name: str
    customer_name: str | None
    assignee_name: str | None
    language: str | None
    intent: str | None
    last_activity_at: datetime
    sla_due_at: datetime | None


def list_tickets(session: Session, *, limit: int = 50) -> list[InboxRow]:
    """Open tickets, the soonest SLA due first, then the most recently active."""
    stmt = (
        select(
            Ticket.id, Ticket.subject, Ticket.status, Channel.platform, Channel.name, Customer.display_name,
            Agent.name, Ticket.language, Ticket.intent, Ticket.last_activity_at, Ticket.sla_due_at,
        )
        .join(Channel, Channel.id == Ticket.channel_id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Agent, Agent.id == Ticket.assignee_id)
        .where(Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.sla_due_at.is_(None), Ticket.sla_due_at, Ticket.last_activity_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [
        InboxRow(
            id=r[0], subject=r[1], status=r[2], platform=r[3].value, channel_name=r[4], customer_name=r[5],
            assignee_name=r[6], language=r[7], intent=r[8], last_activity_at=r[9], sla_due_at=r[10],
        )
        for r in session.execute(stmt)
    ]
