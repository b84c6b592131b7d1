"""Business time: opening hours per weekday in a time zone, minus public holidays and closed days.

Pure functions over timezone-aware datetimes. Every interval boundary is built in local
time and converted to UTC on its own, so DST changes, midnight crossings and calendars in
a time zone other than the server's come out exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# Never search further than this for open hours (a calendar closed forever is an error).
MAX_SEARCH_DAYS = 3 * 366


class CalendarError(ValueError):
    """A calendar that cannot be used; the message says why."""


def _parse_hhmm(text: str) -> int:
    """Minutes since midnight; '24:00' is the end of the day."""
    if not _HHMM.match(text):
        raise CalendarError(f"bad time {text!r}: use HH:MM (00:00-24:00)")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class BusinessHours:
    """Open intervals per weekday (minutes since local midnight), a zone and closed dates."""

    timezone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # 7 entries, Monday first
    closed: frozenset[date] = field(default_factory=frozenset)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def is_closed_day(self, day: date) -> bool:
        """True on a public holiday or a custom closed day."""
        if day in self.closed:
            return True
        if self.holiday_country:
            return day in _public_holidays(self.holiday_country, self.holiday_subdivision, day.year)
        return False

    def open_intervals(self, start: datetime, end: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC from `start` on (clipped to it), in order, up to `end` if given."""
        zone = self.zone
        local_day = start.astimezone(zone).date()
        for offset in range(MAX_SEARCH_DAYS):
            day = local_day + timedelta(days=offset)
            if end is not None and datetime.combine(day, time(0), zone).astimezone(UTC) >= end:
                return
            if self.is_closed_day(day):
                continue
            for open_min, close_min in self.weekly[day.weekday()]:
                opens = _local_to_utc(day, open_min, zone)
                closes = _local_to_utc(day, close_min, zone)
                if closes <= start:
                    continue
                lo, hi = max(opens, start), closes if end is None else min(closes, end)
                if lo < hi:
                    yield lo, hi
        if end is None:
            raise CalendarError("the calendar has no open hours in the next three years")


def _local_to_utc(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a local date, in UTC. A time that a DST jump skips moves forward."""
    if minutes >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), zone)
    # fold=0 picks the first of two ambiguous times; a non-existent time round-trips forward.
    return local.astimezone(UTC)


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))


def validate_holiday_country(country: str | None, subdivision: str | None = None) -> None:
    """Raise CalendarError for a country (or subdivision) the holidays package does not know."""
    if not country:
        if subdivision:
            raise CalendarError("a holiday subdivision needs a country")
        return
    try:
        holidays_lib.country_holidays(country, subdiv=subdivision, years=2026)
    except NotImplementedError:
        raise CalendarError(f"unknown holiday country {country!r}") from None
    except Exception as exc:  # the package raises plain exceptions for unknown subdivisions
        raise CalendarError(f"unknown holiday subdivision {subdivision!r} for {country}: {exc}") from None


def parse_weekly_hours(spec: Mapping[str, Iterable[Iterable[str]]]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """{"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...} -> sorted minute intervals; checks them."""
    unknown = set(spec) - set(WEEKDAYS)
    if unknown:
        raise CalendarError(f"unknown weekday(s) {', '.join(sorted(unknown))}: use {', '.join(WEEKDAYS)}")
    weekly = []
    for name in WEEKDAYS:
        intervals = []
        for pair in spec.get(name, []) or []:
            pair = list(pair)
            if len(pair) != 2:
                raise CalendarError(f"{name}: each interval is [start, end]")
            start, end = _parse_hhmm(pair[0]), _parse_hhmm(pair[1])
            if start >= end:
                raise CalendarError(f"{name}: {pair[0]}-{pair[1]} ends before it starts")
            intervals.append((start, end))
        intervals.sort()
        for (_, end_a), (start_b, _) in zip(intervals, intervals[1:]):
            if start_b < end_a:
                raise CalendarError(f"{name}: opening hours overlap")
        weekly.append(tuple(intervals))
    if not any(weekly):
        raise CalendarError("the calendar is never open")
    return tuple(weekly)


def parse_hours_text(text: str) -> dict[str, list[list[str]]]:
    """'mon-fri=09:00-12:30,13:30-18:00;sat=10:00-14:00' -> the weekly_hours mapping."""
    result: dict[str, list[list[str]]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days, _, ranges = part.partition("=")
        days = days.strip().lower()
        if "-" in days:
            first, last = days.split("-", 1)
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise CalendarError(f"unknown weekday range {days!r}")
            names = WEEKDAYS[WEEKDAYS.index(first):WEEKDAYS.index(last) + 1]
        else:
            names = (days,)
        intervals = []
        for rng in filter(None, (r.strip() for r in ranges.split(","))):
            start, sep, end = rng.partition("-")
            if not sep:
                raise CalendarError(f"bad interval {rng!r}: use HH:MM-HH:MM")
            intervals.append([start.strip(), end.strip()])
        for name in names:
            result.setdefault(name, []).extend(intervals)
    parse_weekly_hours(result)
    return result


ALWAYS_OPEN = BusinessHours("UTC", tuple(((0, 24 * 60),) for _ in WEEKDAYS))


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The moment `duration` of open time after `start` has passed."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    remaining = duration
    if remaining <= timedelta(0):
        return next(hours.open_intervals(start))[0] if remaining == timedelta(0) else start
    for lo, hi in hours.open_intervals(start.astimezone(UTC)):
        span = hi - lo
        if span >= remaining:
            return lo + remaining
        remaining -= span
    raise CalendarError("the calendar has no open hours left")  # pragma: no cover (open_intervals raises)


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Open time between two moments (zero if end is before start)."""
    if end <= start:
        return timedelta(0)
    return sum((hi - lo for lo, hi in hours.open_intervals(start.astimezone(UTC), end.astimezone(UTC))), timedelta(0))


def subtract_business_time(end: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The moment `duration` of open time before `end` (walking back through open hours)."""
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    remaining = duration
    if remaining <= timedelta(0):
        return end
    end = end.astimezone(UTC)
    zone = hours.zone
    local_day = end.astimezone(zone).date()
    for offset in range(MAX_SEARCH_DAYS):
        day = local_day - timedelta(days=offset)
        if hours.is_closed_day(day):
            continue
        for open_min, close_min in reversed(hours.weekly[day.weekday()]):
            opens, closes = _local_to_utc(day, open_min, zone), _local_to_utc(day, close_min, zone)
            hi = min(closes, end)
            if hi <= opens:
                continue
            span = hi - opens
            if span >= remaining:
                return hi - remaining
            remaining -= span
    raise CalendarError("the calendar has no open hours in the previous three years")
