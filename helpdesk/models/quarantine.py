"""Payloads a connector could not parse, kept whole with the reason for an admin."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, utcnow


class QuarantinedPayload(Base):
    """A malformed marketplace payload: nothing is lost, an admin can re-process it."""

    __tablename__ = "quarantined_payloads"
    __table_args__ = (
        sa.Index("ix_quarantined_payloads_resolved_received", "resolved", "received_at"),
        # A payload re-read in the next poll's overlap window is quarantined once.
        sa.UniqueConstraint("channel_id", "kind", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="message")  # message, order, stock
    external_id: Mapped[str | None] = mapped_column(sa.String(255))
    raw: Mapped[str] = mapped_column(sa.Text)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # sha256 of the raw payload
    error: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[bool] = mapped_column(default=False)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))
