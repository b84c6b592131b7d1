"""A ticket's SLA clocks, moved on every event: buyer message, agent reply, pending, no response needed.

The marketplace clock (Amazon, Walmart) runs per buyer message, on the wall clock, never
pauses and is stopped only by an agent's reply (not an auto-reply) or "no response
needed". The company clock counts first response, next response and resolution in the
policy's business hours and pauses while the ticket waits on the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from helpdesk.models import Channel, Direction, Message, SlaState, Ticket, TicketStatus
from helpdesk.services.sla.clock import PolicySpec, State, read_clock
from helpdesk.services.sla.policies import policies_for, spec_of

CLOSED = (TicketStatus.SOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class TicketPolicies:
    """The two policies that apply to a channel's tickets, with their row ids."""

    marketplace: PolicySpec | None
    company: PolicySpec | None
    marketplace_id: int | None
    company_id: int | None

    @property
    def message_minutes(self) -> int | None:
        """The marketplace's time to answer each buyer message."""
        if self.marketplace is None:
            return None
        return self.marketplace.next_response_minutes or self.marketplace.first_response_minutes


def policies_for_channel(session: Session, channel: Channel) -> TicketPolicies:
    """Load the policies of a channel once (ingest calls this once per page)."""
    marketplace, company = policies_for(session, channel)
    return TicketPolicies(
        marketplace=spec_of(marketplace) if marketplace else None, company=spec_of(company) if company else None,
        marketplace_id=marketplace.id if marketplace else None, company_id=company.id if company else None,
    )


def message_due(policies: TicketPolicies, sent_at: datetime) -> datetime | None:
    """When the marketplace wants this buyer message answered."""
    minutes = policies.message_minutes
    return policies.marketplace.due(sent_at, minutes) if policies.marketplace and minutes else None


def on_buyer_messages(ticket: Ticket, sent_ats: list[datetime], policies: TicketPolicies, now: datetime) -> None:
    """New buyer messages start (or keep) the clocks."""
    ticket.marketplace_policy_id, ticket.sla_policy_id = policies.marketplace_id, policies.company_id
    first = min(sent_ats)
    ticket.first_inbound_at = ticket.first_inbound_at or first
    due = message_due(policies, first)
    if due is not None:
        ticket.marketplace_due_at = min(filter(None, (ticket.marketplace_due_at, due)))
    company = policies.company
    if company is not None:
        if ticket.first_response_at is None:
            if ticket.first_response_due_at is None and company.first_response_minutes:
                ticket.first_response_due_at = company.due(ticket.first_inbound_at, company.first_response_minutes)
        elif ticket.next_response_due_at is None and company.next_response_minutes:
            ticket.next_response_due_at = company.due(first, company.next_response_minutes)
        if ticket.resolution_due_at is None and company.resolution_minutes:
            ticket.resolution_due_at = company.due(ticket.first_inbound_at, company.resolution_minutes)
    refresh(ticket, policies, now)


def on_agent_reply(session: Session, ticket: Ticket, policies: TicketPolicies, now: datetime) -> None:
    """An agent answered: every waiting buyer message counts as responded; response clocks stop."""
    session.execute(
        update(Message)
        .where(Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND,
               Message.responded_at.is_(None), Message.no_response_needed.is_(False))
        .values(responded_at=now).execution_options(synchronize_session=False)
    )
    if ticket.marketplace_due_at is not None and now > ticket.marketplace_due_at:
        ticket.marketplace_breached = True
    if ticket.first_response_at is None:
        if ticket.first_response_due_at is not None and now > ticket.first_response_due_at:
            ticket.first_response_breached = True
        ticket.first_response_at = now
    if ticket.next_response_due_at is not None and now > ticket.next_response_due_at:
        ticket.next_response_breached = True
    ticket.marketplace_due_at = None
    ticket.next_response_due_at = None
    refresh(ticket, policies, now)


def on_no_response_needed(session: Session, ticket: Ticket, policies: TicketPolicies, now: datetime) -> None:
    """The waiting buyer messages need no answer: they leave the marketplace measure."""
    session.execute(
        update(Message)
        .where(Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND, Message.responded_at.is_(None))
        .values(no_response_needed=True).execution_options(synchronize_session=False)
    )
    ticket.marketplace_due_at = None
    ticket.next_response_due_at = None
    if ticket.first_response_at is None:
        ticket.first_response_due_at = None
    refresh(ticket, policies, now)


def on_status_change(ticket: Ticket, old: TicketStatus, new: TicketStatus, policies: TicketPolicies,
                     now: datetime) -> None:
    """Pending pauses the company clock; leaving pending shifts its due times by the pause."""
    company = policies.company
    if new == TicketStatus.PENDING and old != TicketStatus.PENDING:
        if company is not None and company.pause_when_pending:
            ticket.sla_paused_at = now
    elif old == TicketStatus.PENDING and new != TicketStatus.PENDING and ticket.sla_paused_at is not None:
        if company is not None:
            for column in ("first_response_due_at", "next_response_due_at", "resolution_due_at"):
                due = getattr(ticket, column)
                if due is not None:
                    setattr(ticket, column, company.shift(due, ticket.sla_paused_at, now))
        ticket.sla_paused_at = None
    if new in CLOSED and ticket.resolution_due_at is not None and now > ticket.resolution_due_at:
        ticket.resolution_breached = True
    refresh(ticket, policies, now)


def _active_clocks(ticket: Ticket, policies: TicketPolicies) -> list[tuple[datetime, datetime]]:
    """(due, warn) of every clock still running."""
    clocks = []
    market = policies.marketplace
    if ticket.marketplace_due_at is not None and market is not None and policies.message_minutes:
        clocks.append((ticket.marketplace_due_at, market.warn_before(ticket.marketplace_due_at, policies.message_minutes)))
    company = policies.company
    if company is None or ticket.sla_paused_at is not None:
        return clocks
    if ticket.first_response_at is None and ticket.first_response_due_at and company.first_response_minutes:
        clocks.append((ticket.first_response_due_at, company.warn_before(ticket.first_response_due_at, company.first_response_minutes)))
    if ticket.next_response_due_at and company.next_response_minutes:
        clocks.append((ticket.next_response_due_at, company.warn_before(ticket.next_response_due_at, company.next_response_minutes)))
    if ticket.status not in CLOSED and ticket.resolution_due_at and company.resolution_minutes:
        clocks.append((ticket.resolution_due_at, company.warn_before(ticket.resolution_due_at, company.resolution_minutes)))
    return clocks


def refresh(ticket: Ticket, policies: TicketPolicies, now: datetime) -> None:
    """Recompute the tightest due time, its warning point and the state the inbox shows."""
    clocks = _active_clocks(ticket, policies)
    if not clocks:
        ticket.sla_due_at = ticket.sla_warn_at = None
        ticket.sla_state = SlaState.NONE
        return
    ticket.sla_due_at = min(due for due, _ in clocks)
    ticket.sla_warn_at = min(warn for _, warn in clocks)
    reading = read_clock(ticket.sla_due_at, ticket.sla_warn_at, now)
    ticket.sla_state = {State.OK: SlaState.OK, State.AT_RISK: SlaState.AT_RISK, State.BREACHED: SlaState.BREACHED}[reading.state]
