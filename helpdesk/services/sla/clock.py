"""Due times and clock states for one policy: pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from helpdesk.services.sla.calendar import (
    ALWAYS_OPEN,
    BusinessHours,
    add_business_time,
    business_time_between,
    subtract_business_time,
)


class Clock(StrEnum):
    """How a policy counts time."""

    WALL = "wall"
    BUSINESS = "business"


class State(StrEnum):
    """Where a clock stands."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"


@dataclass(frozen=True)
class PolicySpec:
    """A policy as plain data: its targets, its clock and its calendar."""

    name: str
    kind: str  # marketplace or company
    clock: Clock = Clock.WALL
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_fraction: float = 0.75
    pause_when_pending: bool = True
    hours: BusinessHours = ALWAYS_OPEN

    def due(self, start: datetime, minutes: int) -> datetime:
        """The due time `minutes` after `start` on this policy's clock."""
        if self.clock == Clock.WALL:
            return start + timedelta(minutes=minutes)
        return add_business_time(start, timedelta(minutes=minutes), self.hours)

    def warn_before(self, due: datetime, minutes: int) -> datetime:
        """When `warn_fraction` of the `minutes` leading to `due` are gone."""
        left = timedelta(minutes=minutes * (1 - self.warn_fraction))
        if self.clock == Clock.WALL:
            return due - left
        return subtract_business_time(due, left, self.hours)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Time counted by this clock between two moments."""
        if self.clock == Clock.WALL:
            return max(end - start, timedelta(0))
        return business_time_between(start, end, self.hours)

    def shift(self, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """A due time pushed back by a pause (only the time this clock counts)."""
        paused = self.elapsed(paused_at, resumed_at)
        if self.clock == Clock.WALL:
            return due + paused
        return add_business_time(due, paused, self.hours) if paused > timedelta(0) else due


@dataclass(frozen=True)
class ClockReading:
    """A clock's state at a moment, and the time left (negative when breached)."""

    state: State
    time_left: timedelta


def read_clock(due: datetime, warn_at: datetime | None, now: datetime) -> ClockReading:
    """OK before the warning point, at risk after it, breached after the due time."""
    if now > due:
        return ClockReading(State.BREACHED, due - now)
    if warn_at is not None and now >= warn_at:
        return ClockReading(State.AT_RISK, due - now)
    return ClockReading(State.OK, due - now)
