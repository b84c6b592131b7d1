"""Agents (the people who sign in) and their sign-in attempts."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, TimestampMixin, enum_type, utcnow


class Role(StrEnum):
    """What an agent may do; each role includes the ones before it."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the hierarchy agent < supervisor < admin."""
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        """True if this role may do what `other` may."""
        return self.rank >= other.rank


UI_LANGUAGES = ("en", "zh")


def new_session_token() -> str:
    """A random token; changing it signs the agent out everywhere."""
    return secrets.token_urlsafe(16)


class Agent(TimestampMixin, Base):
    """A support agent, supervisor or admin who signs in to the inbox."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), default=Role.AGENT)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    ui_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # Part of the sign-in session id: rotating it ends every session of this agent.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    last_login_at: Mapped[datetime | None]

    # What Flask-Login reads from the signed-in user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Deactivated agents cannot sign in or keep a session."""
        return self.active

    def get_id(self) -> str:
        """The session id: agent id plus the session token, so rotating the token signs out."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<Agent {self.id} {self.role.value if self.role else None}>"


class LoginAttempt(Base):
    """One sign-in attempt, kept to rate-limit failures per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_at", "email", "at"),
        sa.Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    address: Mapped[str] = mapped_column(sa.String(64))
    success: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)
