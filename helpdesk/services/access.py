"""What an agent may see: stores restricted to named agents, and the tickets and customers on them.

A channel whose settings carry `agent_ids` is visible only to those agents (and to every
supervisor and admin); a channel without it is visible to every agent. Anything an agent
may not see is treated as if it did not exist (404), over HTTP and over sockets.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from helpdesk.models import Agent, Channel, Customer, Role, Ticket


def visible_channel_ids(session: Session, agent: Agent) -> set[int] | None:
    """The channels the agent may see, or None when it may see every channel."""
    if agent.role.includes(Role.SUPERVISOR):
        return None
    rows = session.execute(select(Channel.id, Channel.settings)).all()
    restricted = [(cid, settings.get("agent_ids")) for cid, settings in rows if (settings or {}).get("agent_ids")]
    if not restricted:
        return None
    hidden = {cid for cid, ids in restricted if agent.id not in {int(i) for i in ids}}
    return {cid for cid, _ in rows if cid not in hidden}


def ticket_filter(session: Session, agent: Agent) -> ColumnElement[bool]:
    """A WHERE clause limiting tickets to the ones the agent may see."""
    channels = visible_channel_ids(session, agent)
    return true() if channels is None else Ticket.channel_id.in_(channels)


def visible_ticket(session: Session, agent: Agent, ticket_id: int) -> Ticket | None:
    """The ticket if it exists and the agent may see it, else None."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    channels = visible_channel_ids(session, agent)
    return ticket if channels is None or ticket.channel_id in channels else None


def visible_customer(session: Session, agent: Agent, customer_id: int) -> Customer | None:
    """The customer if it exists and has a ticket the agent may see (or the agent sees all)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    channels = visible_channel_ids(session, agent)
    if channels is None:
        return customer
    seen = session.scalar(select(Ticket.id).where(Ticket.customer_id == customer_id, Ticket.channel_id.in_(channels)).limit(1))
    return customer if seen is not None else None
