"""The outbox: replies waiting to be sent to a platform, exactly once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, enum_type, utcnow


class OutboxState(StrEnum):
    """Where an outbox item is."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxItem(Base):
    """One thing to send through a connector, written in the same transaction as its message."""

    __tablename__ = "outbox_items"
    __table_args__ = (sa.Index("ix_outbox_items_state_next_attempt", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="RESTRICT"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id", ondelete="SET NULL"), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), default="reply")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Sent to the platform (or recorded by it) so that a retry after an unknown outcome is not a second send.
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    state: Mapped[OutboxState] = mapped_column(enum_type(OutboxState, "outbox_state"), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    external_id: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
