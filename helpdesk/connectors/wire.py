"""Shared plumbing of the HTTP connectors: one request wrapper that maps transport and
status failures onto the contract's errors, value parsers, and the overlap-window cursor."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from helpdesk.connectors.base import PayloadError, PermanentError, RateLimited, TransientError

DEFAULT_TIMEOUT = 30.0
RAW_LIMIT = 200_000  # keep at most this much of a broken response for quarantine


def make_client(settings: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> httpx.Client:
    """An httpx client with the channel's timeout (seconds, `timeout` setting)."""
    timeout = float(settings.get("timeout") or DEFAULT_TIMEOUT)
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers=dict(headers or {}),
        follow_redirects=False,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One HTTP exchange; timeouts, resets, 429 and 5xx become the contract's errors.

    4xx other than 429 are returned to the caller, which knows the platform's error body.
    """
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise TransientError(f"timeout: {type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise TransientError(f"connection failed: {type(exc).__name__}") from None
    if response.status_code == 429:
        raise RateLimited(parse_retry_after(response.headers.get("Retry-After")), "HTTP 429")
    if response.status_code >= 500:
        raise TransientError(f"HTTP {response.status_code}")
    if response.status_code in (401, 403):
        raise PermanentError(f"HTTP {response.status_code}: credentials refused")
    return response


def raw_text(response: httpx.Response) -> str:
    """The response body as text, cut to a size fit for quarantine."""
    return response.text[:RAW_LIMIT]


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object, or PayloadError with the raw text."""
    try:
        data = response.json()
    except ValueError:
        raise PayloadError("response is not JSON", raw=raw_text(response)) from None
    if not isinstance(data, dict):
        raise PayloadError("response is not a JSON object", raw=raw_text(response))
    return data


def parse_dt(value: Any) -> datetime:
    """An ISO-8601 timestamp (Z or offset) as aware UTC; ValueError if it is not one."""
    if isinstance(value, datetime):
        dt = value
    else:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"not a timestamp: {value!r}")
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"timestamp without zone: {value!r}")
    return dt.astimezone(UTC)


def opt_dt(value: Any) -> datetime | None:
    """parse_dt, or None for an absent value."""
    if value in (None, ""):
        return None
    return parse_dt(value)


def iso(dt: datetime) -> str:
    """UTC ISO-8601 with milliseconds and Z, as the platforms write it."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def money(value: Any) -> Decimal | None:
    """A decimal from a string or number amount; ValueError if it is not one."""
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


def find_order_id(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """The first order id the pattern finds in the texts, in order."""
    for text in texts:
        if text:
            match = pattern.search(text)
            if match:
                return match.group(0)
    return None


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SeenWindow:
    """A time cursor that re-reads an overlap window and remembers the ids it returned there.

    Re-reading the window catches items that show up late with an older timestamp; the
    remembered ids keep a page from filling with items already returned, so a window with
    more items than one page still makes progress.
    """

    def __init__(self, cursor: Mapping[str, Any] | None, *, overlap: timedelta, lookback: timedelta) -> None:
        cursor = cursor or {}
        self.overlap = overlap
        self.lookback = lookback
        try:
            self.since: datetime | None = opt_dt(cursor.get("since"))
        except ValueError:
            self.since = None
        self.recent: dict[str, datetime] = {}
        for entry in cursor.get("recent") or ():
            try:
                self.recent[str(entry[0])] = parse_dt(entry[1])
            except (ValueError, IndexError, TypeError):
                continue
        self.high = self.since

    def start(self, now: datetime) -> datetime:
        """Where the next read begins: the overlap before the cursor, or the first-sync lookback."""
        if self.since is None:
            return now - self.lookback
        return self.since - self.overlap

    def is_new(self, item_id: str) -> bool:
        """True unless this id was already returned inside the window."""
        return item_id not in self.recent

    def add(self, item_id: str, when: datetime) -> None:
        """Remember a returned id and move the high-water mark."""
        self.recent[item_id] = when
        if self.high is None or when > self.high:
            self.high = when

    def cursor(self, *, advance: bool = True) -> dict[str, Any]:
        """The cursor to store; `advance=False` keeps `since` while a paged run goes on."""
        since = self.high if advance else self.since
        keep_after = (since - self.overlap) if since else None
        recent = sorted(
            ((i, w) for i, w in self.recent.items() if keep_after is None or w >= keep_after),
            key=lambda pair: (pair[1], pair[0]),
        )[-2000:]
        out: dict[str, Any] = {"recent": [[i, iso(w)] for i, w in recent]}
        if since is not None:
            out["since"] = iso(since)
        if self.high is not None:
            out["high"] = iso(self.high)
        return out

    @classmethod
    def resume(cls, cursor: Mapping[str, Any] | None, *, overlap: timedelta, lookback: timedelta) -> SeenWindow:
        """Load a cursor, keeping the high-water mark of a run still in progress."""
        window = cls(cursor, overlap=overlap, lookback=lookback)
        try:
            high = opt_dt((cursor or {}).get("high"))
        except ValueError:
            high = None
        if high is not None and (window.high is None or high > window.high):
            window.high = high
        return window


def now_utc() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)
