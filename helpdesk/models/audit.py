"""The audit trail: who did what, when, to which object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, utcnow


class AuditEvent(Base):
    """One recorded action (sign-in, merge, assignment, SLA breach...)."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    # Who acted when it was not an agent: "cli", "poller", "bot", "sla-sweeper".
    actor: Mapped[str] = mapped_column(sa.String(64), default="system")
    action: Mapped[str] = mapped_column(sa.String(64), index=True)  # e.g. "agent.created"
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
