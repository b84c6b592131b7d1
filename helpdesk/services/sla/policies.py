"""SLA policies and calendars in the database: loading them as specs, choosing them, editing them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.models import BusinessCalendar, Channel, ClockKind, PolicyKind, SlaPolicy
from helpdesk.services.audit import record_event
from helpdesk.services.sla.calendar import (
    ALWAYS_OPEN,
    BusinessHours,
    CalendarError,
    parse_weekly_hours,
    validate_holiday_country,
)
from helpdesk.services.sla.clock import Clock, PolicySpec

# Which marketplace policy measures ordinary buyer messages on each platform.
# eBay member messages and AliExpress chats have no platform clock (their cases and
# disputes do: ebay-case, aliexpress-dispute), so only the company policy applies there.
MESSAGE_POLICY_BY_PLATFORM = {"amazon": "amazon", "walmart": "walmart"}


class PolicyError(ValueError):
    """A policy or calendar that cannot be used or stored; the message says why."""


def hours_of(calendar: BusinessCalendar | None) -> BusinessHours:
    """A calendar row as BusinessHours (always open when there is none)."""
    if calendar is None:
        return ALWAYS_OPEN
    return BusinessHours(
        timezone=calendar.timezone,
        weekly=parse_weekly_hours(calendar.weekly_hours),
        closed=frozenset(day.day for day in calendar.closed_days),
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
    )


def spec_of(policy: SlaPolicy) -> PolicySpec:
    """A policy row as a PolicySpec."""
    return PolicySpec(
        name=policy.name, kind=policy.kind.value, clock=Clock(policy.clock.value),
        first_response_minutes=policy.first_response_minutes, next_response_minutes=policy.next_response_minutes,
        resolution_minutes=policy.resolution_minutes, warn_fraction=policy.warn_fraction,
        pause_when_pending=policy.pause_when_pending, hours=hours_of(policy.calendar),
    )


def _query() -> Any:
    return select(SlaPolicy).options(selectinload(SlaPolicy.calendar).selectinload(BusinessCalendar.closed_days))


def load_policy(session: Session, name: str) -> PolicySpec:
    """The named policy as a spec; PolicyError if there is no such policy."""
    policy = session.scalars(_query().where(SlaPolicy.name == name)).first()
    if policy is None:
        known = ", ".join(session.scalars(select(SlaPolicy.name).order_by(SlaPolicy.name)))
        raise PolicyError(f"unknown policy {name!r}: configured policies are {known}")
    return spec_of(policy)


def policies_for(session: Session, channel: Channel) -> tuple[SlaPolicy | None, SlaPolicy | None]:
    """(marketplace policy, company policy) for a channel's buyer messages.

    The company policy is the channel's own, else its platform's, else the default one
    (a company policy for no platform and no channel).
    """
    active = list(session.scalars(_query().where(SlaPolicy.active.is_(True))))
    marketplace_name = MESSAGE_POLICY_BY_PLATFORM.get(channel.platform.value)
    marketplace = next((p for p in active if p.name == marketplace_name and p.kind == PolicyKind.MARKETPLACE), None)
    company = [p for p in active if p.kind == PolicyKind.COMPANY]
    chosen = (next((p for p in company if p.channel_id == channel.id), None)
              or next((p for p in company if p.channel_id is None and p.platform == channel.platform.value), None)
              or next((p for p in company if p.channel_id is None and p.platform is None), None))
    return marketplace, chosen


def set_calendar(session: Session, name: str, *, timezone: str, weekly_hours: Mapping[str, Iterable[Iterable[str]]],
                 holiday_country: str | None = None, holiday_subdivision: str | None = None,
                 closed_days: Iterable[date] = (), actor: str = "cli") -> BusinessCalendar:
    """Create or replace a calendar after checking every part; nothing is stored if one is bad."""
    if not name.strip():
        raise PolicyError("the calendar needs a name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"unknown time zone {timezone!r}: use an IANA name such as Europe/Berlin") from None
    try:
        parse_weekly_hours(weekly_hours)
        validate_holiday_country(holiday_country, holiday_subdivision)
    except CalendarError as exc:
        raise PolicyError(str(exc)) from None
    from helpdesk.models import CalendarClosedDay

    calendar = session.scalars(select(BusinessCalendar).where(BusinessCalendar.name == name)).first()
    if calendar is None:
        calendar = BusinessCalendar(name=name.strip())
        session.add(calendar)
    calendar.timezone = timezone
    calendar.weekly_hours = {day: [list(pair) for pair in pairs] for day, pairs in weekly_hours.items()}
    calendar.holiday_country = holiday_country.upper() if holiday_country else None
    calendar.holiday_subdivision = holiday_subdivision
    calendar.closed_days = [CalendarClosedDay(day=day) for day in sorted(set(closed_days))]
    session.flush()
    record_event(session, "sla.calendar_saved", actor=actor, obj=calendar, data={"name": calendar.name})
    session.commit()
    return calendar


def set_policy(session: Session, name: str, *, kind: str, clock: str, calendar: str | None = None,
               first_response_minutes: int | None = None, next_response_minutes: int | None = None,
               resolution_minutes: int | None = None, platform: str | None = None, channel_id: int | None = None,
               warn_fraction: float = 0.75, pause_when_pending: bool = True, actor: str = "cli") -> SlaPolicy:
    """Create or replace a policy after checking it; nothing is stored if anything is wrong."""
    try:
        kind_value, clock_value = PolicyKind(kind), ClockKind(clock)
    except ValueError:
        raise PolicyError("kind is marketplace or company; clock is wall or business") from None
    targets = (first_response_minutes, next_response_minutes, resolution_minutes)
    if all(t is None for t in targets) or any(t is not None and t <= 0 for t in targets):
        raise PolicyError("give at least one target, each a positive number of minutes")
    if not 0 < warn_fraction < 1:
        raise PolicyError("the warning fraction must be between 0 and 1")
    calendar_row = None
    if calendar:
        calendar_row = session.scalars(select(BusinessCalendar).where(BusinessCalendar.name == calendar)).first()
        if calendar_row is None:
            raise PolicyError(f"unknown calendar {calendar!r}")
    elif clock_value == ClockKind.BUSINESS:
        raise PolicyError("a business-hours policy needs a calendar")
    if channel_id is not None and session.get(Channel, channel_id) is None:
        raise PolicyError(f"unknown channel {channel_id}")
    policy = session.scalars(select(SlaPolicy).where(SlaPolicy.name == name)).first()
    if policy is None:
        policy = SlaPolicy(name=name)
        session.add(policy)
    policy.kind, policy.clock, policy.calendar_id = kind_value, clock_value, calendar_row.id if calendar_row else None
    policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes = targets
    policy.platform, policy.channel_id = platform, channel_id
    policy.warn_fraction, policy.pause_when_pending, policy.active = warn_fraction, pause_when_pending, True
    session.flush()
    record_event(session, "sla.policy_saved", actor=actor, obj=policy, data={"name": name})
    session.commit()
    return policy
