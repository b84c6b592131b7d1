"""A message on a ticket: from the buyer, to the buyer, or an internal note."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, enum_type, utcnow

if TYPE_CHECKING:
    from helpdesk.models.agent import Agent
    from helpdesk.models.ticket import Ticket


class Direction(StrEnum):
    """Which way a message goes."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"


class AuthorKind(StrEnum):
    """Who wrote a message."""

    BUYER = "buyer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class DeliveryState(StrEnum):
    """Where an outbound message is on its way to the platform."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Message(Base):
    """One message; inbound ones are unique per channel by the platform's id."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "external_id"),
        sa.Index("ix_messages_ticket_created", "ticket_id", "created_at"),
        sa.Index("ix_messages_direction_created", "direction", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="RESTRICT"))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"))
    author_kind: Mapped[AuthorKind] = mapped_column(enum_type(AuthorKind, "author_kind"))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    # Display name of the author as the platform gave it (buyer text: escape when shown).
    author_name: Mapped[str | None] = mapped_column(sa.String(200))
    subject: Mapped[str | None] = mapped_column(sa.String(500))
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    # Already sanitised with an allow-list when stored; never the raw HTML.
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    # The platform's id for this message (eBay MessageID, e-mail Message-ID...).
    external_id: Mapped[str | None] = mapped_column(sa.String(255))
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(255))
    # What the connector needs to answer this message (eBay ItemID/ParentMessageID, e-mail address...).
    reply_to: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_at: Mapped[datetime | None]  # when the platform says it was written
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_auto_reply: Mapped[bool] = mapped_column(default=False)
    delivery_state: Mapped[DeliveryState | None] = mapped_column(enum_type(DeliveryState, "delivery_state"))
    delivery_error: Mapped[str | None] = mapped_column(sa.Text)
    # Per inbound message, for the marketplaces that measure each message (Amazon).
    response_due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    no_response_needed: Mapped[bool] = mapped_column(default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    agent: Mapped[Agent | None] = relationship()

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction.value if self.direction else None} ticket={self.ticket_id}>"
