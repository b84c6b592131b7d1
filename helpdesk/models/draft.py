"""A reply the bot drafted for a ticket, with why it chose it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, enum_type, utcnow


class DraftAction(StrEnum):
    """What the bot decided to do with its draft."""

    AUTO_SEND = "auto_send"
    DRAFT = "draft"
    ESCALATE = "escalate"
    NONE = "none"


class DraftState(StrEnum):
    """What became of a draft."""

    PENDING = "pending"
    SENT = "sent"  # sent by an agent, possibly edited
    AUTO_SENT = "auto_sent"
    DISCARDED = "discarded"
    SUPERSEDED = "superseded"


class BotDraft(Base):
    """The bot's proposed reply to one inbound message."""

    __tablename__ = "bot_drafts"
    __table_args__ = (sa.Index("ix_bot_drafts_ticket_state", "ticket_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    language_confidence: Mapped[float] = mapped_column(default=0.0)
    intent: Mapped[str] = mapped_column(sa.String(40))
    intent_confidence: Mapped[float] = mapped_column(default=0.0)
    action: Mapped[DraftAction] = mapped_column(enum_type(DraftAction, "draft_action"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    rule: Mapped[str | None] = mapped_column(sa.String(120))
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    missing_facts: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[DraftState] = mapped_column(enum_type(DraftState, "draft_state"), default=DraftState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))
    sent_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id", ondelete="SET NULL"))
