"""A ticket: one buyer's case on one channel, with its status, owner and SLA clocks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from helpdesk.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from helpdesk.models.agent import Agent
    from helpdesk.models.channel import Channel
    from helpdesk.models.customer import Customer
    from helpdesk.models.message import Message
    from helpdesk.models.order import Order


class TicketStatus(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the buyer: the company SLA clock pauses
    SOLVED = "solved"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    """How urgent a ticket is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class SlaState(StrEnum):
    """The tighter of a ticket's SLA clocks, as the sweeper last saw it."""

    NONE = "none"
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"


class Ticket(TimestampMixin, Base):
    """One buyer's case on one channel."""

    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_status_last_activity", "status", "last_activity_at"),
        sa.Index("ix_tickets_status_sla_due", "status", "sla_due_at"),
        sa.Index("ix_tickets_assignee_status", "assignee_id", "status"),
        sa.Index("ix_tickets_channel_status", "channel_id", "status"),
        sa.Index("ix_tickets_channel_thread", "channel_id", "external_thread_id"),
        sa.Index("ix_tickets_channel_order_ref", "channel_id", "order_ref"),
        # The small "at risk" and "escalated" views find their rows without scanning every open ticket.
        sa.Index("ix_tickets_sla_state_due", "sla_state", "sla_due_at"),
        sa.Index("ix_tickets_escalated_status", "escalated", "status"),
        # Facet counts (by store, language, intent) read this index alone, never the table.
        sa.Index("ix_tickets_status_facets", "status", "channel_id", "language", "intent"),
        # Sorting by priority reads this index alone (no table lookups for every open ticket).
        sa.Index("ix_tickets_status_priority_due", "status", "priority", "sla_due_at"),
        # The view counts (one pass over every ticket) read this narrow index, not the wide rows.
        sa.Index("ix_tickets_view_counts", "status", "assignee_id", "sla_state", "escalated", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    # The platform order id the buyer mentioned, kept until (and after) the order itself is synced.
    order_ref: Mapped[str | None] = mapped_column(sa.String(120))
    # The platform's conversation id (eBay message thread, AliExpress relation, e-mail thread root).
    external_thread_id: Mapped[str | None] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[TicketStatus] = mapped_column(enum_type(TicketStatus, "ticket_status"), default=TicketStatus.NEW)
    priority: Mapped[TicketPriority] = mapped_column(
        enum_type(TicketPriority, "ticket_priority"), default=TicketPriority.NORMAL
    )
    language: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    intent: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    escalated: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))

    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the buyer first wrote (the platform's time): the start of the first-response clock.
    first_inbound_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # SLA: the company policy (business hours) and the marketplace's own clock.
    sla_policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_policies.id", ondelete="SET NULL"))
    marketplace_policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_policies.id", ondelete="SET NULL"))
    first_response_due_at: Mapped[datetime | None]
    next_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    marketplace_due_at: Mapped[datetime | None]
    # The tightest of the due times above: what the inbox sorts by.
    sla_due_at: Mapped[datetime | None]
    # When the tightest clock passes its warning point (75% of the time gone, by default).
    sla_warn_at: Mapped[datetime | None]
    sla_state: Mapped[SlaState] = mapped_column(enum_type(SlaState, "sla_state"), default=SlaState.NONE)
    sla_paused_at: Mapped[datetime | None]
    first_response_breached: Mapped[bool] = mapped_column(default=False)
    next_response_breached: Mapped[bool] = mapped_column(default=False)
    resolution_breached: Mapped[bool] = mapped_column(default=False)
    marketplace_breached: Mapped[bool] = mapped_column(default=False)

    # Optimistic locking: every UPDATE checks and bumps it (StaleDataError on a lost race).
    version: Mapped[int] = mapped_column(default=1)

    channel: Mapped[Channel] = relationship()
    customer: Mapped[Customer] = relationship()
    order: Mapped[Order | None] = relationship()
    assignee: Mapped[Agent | None] = relationship()
    messages: WriteOnlyMapped[Message] = relationship(back_populates="ticket", order_by="Message.id")
    tags: Mapped[list[TicketTag]] = relationship(cascade="all, delete-orphan", order_by="TicketTag.name")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.status.value if self.status else None}>"


class TicketTag(Base):
    """A free-form label on a ticket."""

    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
