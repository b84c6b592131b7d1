"""SLA policies and the business calendars they count in."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, TimestampMixin, enum_type


class PolicyKind(StrEnum):
    """Whose clock a policy is: the marketplace's or the seller's own."""

    MARKETPLACE = "marketplace"
    COMPANY = "company"


class ClockKind(StrEnum):
    """How time is counted: every minute, or only business hours."""

    WALL = "wall"
    BUSINESS = "business"


class BusinessCalendar(TimestampMixin, Base):
    """Opening hours per weekday in a time zone, with public and custom closed days."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...}; a missing day is closed.
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Public holidays from the `holidays` package, e.g. "DE" with subdivision "BY".
    holiday_country: Mapped[str | None] = mapped_column(sa.String(2))
    holiday_subdivision: Mapped[str | None] = mapped_column(sa.String(16))

    closed_days: Mapped[list[CalendarClosedDay]] = relationship(
        cascade="all, delete-orphan", order_by="CalendarClosedDay.day"
    )


class CalendarClosedDay(Base):
    """A day the team is closed beyond the public holidays (company party, inventory)."""

    __tablename__ = "calendar_closed_days"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("business_calendars.id", ondelete="CASCADE"))
    day: Mapped[date]
    reason: Mapped[str | None] = mapped_column(sa.String(200))


class SlaPolicy(TimestampMixin, Base):
    """Response and resolution targets for a platform or one channel."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[PolicyKind] = mapped_column(enum_type(PolicyKind, "policy_kind"))
    clock: Mapped[ClockKind] = mapped_column(enum_type(ClockKind, "clock_kind"), default=ClockKind.WALL)
    # Applies to every channel of this platform, or to one channel (the channel wins).
    platform: Mapped[str | None] = mapped_column(sa.String(32))
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    calendar_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_calendars.id", ondelete="RESTRICT"))
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    # Share of the time that may pass before the ticket counts as at risk.
    warn_fraction: Mapped[float] = mapped_column(default=0.75)
    pause_when_pending: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(sa.Text)

    calendar: Mapped[BusinessCalendar | None] = relationship()

    def __repr__(self) -> str:
        return f"<SlaPolicy {self.id} {self.name!r}>"



