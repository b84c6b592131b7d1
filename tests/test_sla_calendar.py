"""Business time and due times, with hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from helpdesk.services.sla.calendar import (
    BusinessHours,
    CalendarError,
    add_business_time,
    business_time_between,
    parse_hours_text,
    parse_weekly_hours,
    subtract_business_time,
    validate_holiday_country,
)
from helpdesk.services.sla.clock import Clock, PolicySpec, State, read_clock


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(tz: str, text: str, country: str | None = None, closed: frozenset[date] = frozenset()) -> BusinessHours:
    return BusinessHours(tz, parse_weekly_hours(parse_hours_text(text)), closed, country)


AMAZON = PolicySpec("amazon", "marketplace", Clock.WALL, 1440, 1440)
EBAY_DAYS = hours("America/Los_Angeles", "mon-fri=00:00-24:00", country="US")
BERLIN = hours("Europe/Berlin", "mon-fri=09:00-17:00")
SHANGHAI = hours("Asia/Shanghai", "mon-fri=09:00-12:00,13:00-18:00")


def test_friday_night_amazon_message_is_due_saturday_night() -> None:
    received = datetime.fromisoformat("2026-11-27T23:30:00+01:00")  # Friday, Berlin
    assert AMAZON.due(received, 1440) == utc(2026, 11, 28, 22, 30)


def test_ebay_return_opened_before_christmas_skips_the_holiday_and_the_weekend() -> None:
    # Wed 23 Dec 10:00 PT: Wed 14 h + Thu 24 h + (Fri 25 holiday, weekend) + Mon 24 h + Tue 10 h = 72 h.
    opened = datetime.fromisoformat("2026-12-23T10:00:00-08:00")
    assert add_business_time(opened, timedelta(days=3), EBAY_DAYS) == utc(2026, 12, 29, 18, 0)


def test_company_clock_over_the_autumn_dst_change_in_berlin() -> None:
    # Fri 23 Oct 16:00 CEST (14:00Z): 1 h on Friday; clocks go back on Sunday; Mon 09:00 CET is 08:00Z; +3 h.
    start = utc(2026, 10, 23, 14, 0)
    assert add_business_time(start, timedelta(hours=4), BERLIN) == utc(2026, 10, 26, 11, 0)


def test_company_clock_over_the_spring_dst_change_in_berlin() -> None:
    # Fri 27 Mar 16:00 CET (15:00Z): 1 h; Mon 30 Mar 09:00 CEST is 07:00Z; +1 h.
    assert add_business_time(utc(2026, 3, 27, 15, 0), timedelta(hours=2), BERLIN) == utc(2026, 3, 30, 8, 0)


def test_shanghai_calendar_on_a_utc_server_with_a_lunch_break_and_midnight() -> None:
    # Mon 30 Nov 17:00 CST (09:00Z): 1 h left today; Tue 09:00-10:00 CST (01:00-02:00Z).
    assert add_business_time(utc(2026, 11, 30, 9, 0), timedelta(hours=2), SHANGHAI) == utc(2026, 12, 1, 2, 0)
    # Mon 11:00 CST: 1 h before lunch, the 13:00-18:00 shift gives the rest: 4 h -> 16:00 CST = 08:00Z.
    assert add_business_time(utc(2026, 11, 30, 3, 0), timedelta(hours=4), SHANGHAI) == utc(2026, 11, 30, 8, 0)


def test_holiday_on_a_weekend_changes_nothing() -> None:
    # 3 Oct 2026 (German Unity Day) is a Saturday: Fri 16:00 CEST + 2 h -> Mon 10:00 CEST.
    with_holidays = hours("Europe/Berlin", "mon-fri=09:00-17:00", country="DE")
    assert add_business_time(utc(2026, 10, 2, 14, 0), timedelta(hours=2), with_holidays) == utc(2026, 10, 5, 8, 0)


def test_public_holiday_on_a_weekday_is_skipped() -> None:
    # Thu 1 Oct 16:00 CEST + 2 h: Fri 2 Oct open; with a custom closed day on Friday -> Mon.
    closed = hours("Europe/Berlin", "mon-fri=09:00-17:00", closed=frozenset({date(2026, 10, 2)}))
    assert add_business_time(utc(2026, 10, 1, 14, 0), timedelta(hours=2), BERLIN) == utc(2026, 10, 2, 8, 0)
    assert add_business_time(utc(2026, 10, 1, 14, 0), timedelta(hours=2), closed) == utc(2026, 10, 5, 8, 0)


def test_message_outside_hours_starts_counting_at_opening() -> None:
    # Sat 22:00Z -> Mon 09:00 CET (08:00Z) + 30 min.
    assert add_business_time(utc(2026, 11, 28, 22, 0), timedelta(minutes=30), BERLIN) == utc(2026, 11, 30, 8, 30)


def test_business_time_between_counts_only_open_hours() -> None:
    assert business_time_between(utc(2026, 10, 23, 14, 0), utc(2026, 10, 26, 11, 0), BERLIN) == timedelta(hours=4)
    assert business_time_between(utc(2026, 10, 26, 11, 0), utc(2026, 10, 23, 14, 0), BERLIN) == timedelta(0)


def test_subtracting_business_time_undoes_adding_it() -> None:
    start = utc(2026, 10, 23, 14, 0)
    due = add_business_time(start, timedelta(hours=4), BERLIN)
    assert subtract_business_time(due, timedelta(hours=4), BERLIN) == start


def test_warning_point_is_three_quarters_of_the_way() -> None:
    due = AMAZON.due(utc(2026, 11, 27, 0, 0), 1440)
    assert AMAZON.warn_before(due, 1440) == utc(2026, 11, 27, 18, 0)


@pytest.mark.parametrize(("now", "state"), [
    (utc(2026, 11, 27, 17, 59), State.OK), (utc(2026, 11, 27, 18, 0), State.AT_RISK), (utc(2026, 11, 28, 0, 1), State.BREACHED),
])
def test_clock_reading_goes_ok_at_risk_breached(now: datetime, state: State) -> None:
    reading = read_clock(utc(2026, 11, 28), utc(2026, 11, 27, 18), now)
    assert reading.state is state and reading.time_left == utc(2026, 11, 28) - now


def test_pause_shifts_a_business_due_time_by_the_business_time_paused() -> None:
    spec = PolicySpec("c", "company", Clock.BUSINESS, 240, hours=BERLIN)
    due = utc(2026, 11, 30, 12, 0)
    # Paused Mon 10:00Z-15:00Z: 5 h wall, but only 10:00-16:00 CET... = 5 h open; due moves 5 business hours.
    assert spec.shift(due, utc(2026, 11, 30, 10, 0), utc(2026, 11, 30, 15, 0)) == utc(2026, 12, 1, 9, 0)


@pytest.mark.parametrize(("text", "message"), [
    ("mon=09:00-12:00,11:00-13:00", "overlap"),
    ("mon=18:00-09:00", "ends before it starts"),
    ("mon=9-17", "bad interval|bad time"),
    ("funday=09:00-17:00", "unknown weekday"),
    ("mon=25:00-26:00", "bad time"),
])
def test_bad_opening_hours_are_refused(text: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_hours_text(text)


def test_calendar_that_is_never_open_is_refused() -> None:
    with pytest.raises(CalendarError, match="never open"):
        parse_weekly_hours({})


def test_unknown_holiday_country_is_refused() -> None:
    with pytest.raises(CalendarError, match="unknown holiday country"):
        validate_holiday_country("XX")
    validate_holiday_country("DE", "BY")
