"""SLA reports computed from stored timestamps (so a policy change can be re-reported).

Message-level marketplace measures (Amazon's Late Response Rate, average response time)
are aggregated in SQL; first-response percentiles per group are computed from one query's
durations.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from helpdesk.models import Agent, Channel, Direction, Message, Ticket, TicketStatus, utcnow

# Amazon reports 7/30/90 days; Walmart 14/30/60/90.
WINDOWS = (7, 14, 30, 60, 90)
AGE_BUCKETS = ((4, "<4h"), (24, "4-24h"), (72, "1-3d"), (None, ">3d"))
GROUPINGS = ("platform", "channel", "agent", "language", "intent")


def seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """later - earlier in seconds, in the database's own SQL."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return None
    index = max(math.ceil(fraction * len(sorted_values)) - 1, 0)
    return sorted_values[min(index, len(sorted_values) - 1)]


@dataclass
class MarketplaceMeasure:
    """Amazon's (or Walmart's) measure over a window, as the marketplace defines it."""

    platform: str
    channel: str
    days: int
    messages: int
    late: int
    late_response_rate: float | None
    average_response_hours: float | None


@dataclass
class GroupMeasure:
    """First-response figures for one group of tickets."""

    grouping: str
    key: str
    tickets: int
    answered: int
    first_response_p50_hours: float | None
    first_response_p90_hours: float | None
    breached: int


@dataclass
class Report:
    """The whole report."""

    generated_at: str
    days: int
    marketplace: list[MarketplaceMeasure] = field(default_factory=list)
    groups: list[GroupMeasure] = field(default_factory=list)
    backlog: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def marketplace_measures(session: Session, now: datetime, windows: tuple[int, ...] = WINDOWS) -> list[MarketplaceMeasure]:
    """Late Response Rate: of the buyer messages received in the window whose 24 h have run out
    (excluding "no response needed"), the share answered late or not at all. One scan for all windows."""
    response_seconds = seconds_between(session, Message.responded_at, Message.sent_at)
    late = or_(Message.responded_at.is_(None), Message.responded_at > Message.response_due_at)
    columns = []
    for days in windows:
        inside = Message.sent_at >= now - timedelta(days=days)
        columns += [
            func.sum(case((inside, 1), else_=0)),
            func.sum(case((inside & late, 1), else_=0)),
            func.avg(case((inside & Message.responded_at.is_not(None), response_seconds), else_=None)),
        ]
    stmt = (
        select(Channel.platform, Channel.name, *columns)
        .select_from(Message).join(Channel, Channel.id == Message.channel_id)
        .where(Message.direction == Direction.INBOUND, Message.response_due_at.is_not(None),
               Message.no_response_needed.is_(False), Message.sent_at >= now - timedelta(days=max(windows)),
               Message.response_due_at <= now)
        .group_by(Channel.platform, Channel.name)
    )
    out = []
    for row in session.execute(stmt):
        platform, channel, figures = row[0], row[1], row[2:]
        for i, days in enumerate(windows):
            total, late_count, avg_seconds = figures[3 * i], int(figures[3 * i + 1] or 0), figures[3 * i + 2]
            if not total:
                continue
            out.append(MarketplaceMeasure(
                platform=platform.value, channel=channel, days=days, messages=int(total), late=late_count,
                late_response_rate=round(late_count / total, 4),
                average_response_hours=round(avg_seconds / 3600, 2) if avg_seconds is not None else None,
            ))
    out.sort(key=lambda m: (m.days, m.platform, m.channel))
    return out


def group_measures(session: Session, now: datetime, days: int) -> list[GroupMeasure]:
    """First-response p50/p90 and breaches per platform, channel, agent, language and intent."""
    breached = or_(Ticket.first_response_breached, Ticket.next_response_breached, Ticket.resolution_breached,
                   Ticket.marketplace_breached)
    rows = session.execute(
        select(Channel.platform, Channel.name, Agent.name, Ticket.language, Ticket.intent,
               seconds_between(session, Ticket.first_response_at, Ticket.first_inbound_at), breached)
        .select_from(Ticket).join(Channel, Channel.id == Ticket.channel_id)
        .outerjoin(Agent, Agent.id == Ticket.assignee_id)
        .where(Ticket.first_inbound_at >= now - timedelta(days=days))
    )
    buckets: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, [], 0])
    for platform, channel, agent, language, intent, seconds, was_breached in rows:
        keys = (platform.value, channel, agent or "unassigned", language or "unknown", intent or "unknown")
        for grouping, key in zip(GROUPINGS, keys):
            bucket = buckets[(grouping, key)]
            bucket[0] += 1
            if seconds is not None:
                bucket[1].append(seconds / 3600)
            bucket[2] += 1 if was_breached else 0
    out = []
    for (grouping, key), (tickets, durations, breaches) in sorted(buckets.items()):
        durations.sort()
        p50, p90 = percentile(durations, 0.5), percentile(durations, 0.9)
        out.append(GroupMeasure(grouping, key, tickets, len(durations), p50 and round(p50, 2), p90 and round(p90, 2), breaches))
    return out


def backlog_by_age(session: Session, now: datetime) -> dict[str, dict[str, int]]:
    """Open tickets per platform by how long the buyer has been waiting."""
    waiting_hours = seconds_between(session, now, func.coalesce(Ticket.last_inbound_at, Ticket.created_at)) / 3600.0
    bucket = case(*[(waiting_hours < limit, label) for limit, label in AGE_BUCKETS if limit is not None],
                  else_=AGE_BUCKETS[-1][1])
    rows = session.execute(
        select(Channel.platform, bucket, func.count()).select_from(Ticket).join(Channel, Channel.id == Ticket.channel_id)
        .where(Ticket.status.in_((TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)))
        .group_by(Channel.platform, bucket)
    )
    backlog: dict[str, dict[str, int]] = {}
    for platform, label, count in rows:
        backlog.setdefault(platform.value, {label: 0 for _, label in AGE_BUCKETS})[label] = count
    return backlog


def build_report(session: Session, *, days: int = 30, now: datetime | None = None) -> Report:
    """Everything a supervisor reads, from stored timestamps."""
    now = now or utcnow()
    return Report(
        generated_at=now.isoformat(), days=days,
        marketplace=marketplace_measures(session, now, tuple(sorted({*WINDOWS, days}))),
        groups=group_measures(session, now, days),
        backlog=backlog_by_age(session, now),
    )



