"""The poll loop: one lease per channel, pages recorded one transaction at a time, backoff, quarantine.

Kill a poller at any instant: a page is either wholly recorded with its cursor or not at
all, so the next poll re-reads it from the stored cursor and ingest skips what it has.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from helpdesk import events
from helpdesk.connectors import connector_for
from helpdesk.connectors.base import (
    ChannelSettings,
    Connector,
    PayloadError,
    PayloadFailure,
    PermanentError,
    RateLimited,
    TransientError,
)
from helpdesk.models import Channel, PollStatus, utcnow
from helpdesk.services.ingest import IngestResult, record_inbound_messages
from helpdesk.services.orders import record_orders, record_stock
from helpdesk.services.outbox import relay_outbox
from helpdesk.services.quarantine import quarantine_failures
from helpdesk.services.sla.sweeper import sweep_sla

log = logging.getLogger(__name__)

# A lease outlives a crashed poller by at most this long (renewed after every page).
LEASE_TTL = timedelta(seconds=int(os.environ.get("HELPDESK_POLL_LEASE_SECONDS", "120")))
# How often each stream is polled unless the channel's settings say otherwise (seconds).
DEFAULT_INTERVALS = {"messages": 60, "orders": 300, "stock": 900}
MAX_PAGES_PER_POLL = 50
MAX_BACKOFF = timedelta(hours=1)

ConnectorFactory = Callable[[ChannelSettings], Connector]
NewMessagesHook = Callable[[Session, IngestResult], None]
ProgressHook = Callable[[int, str, int, int], None]  # channel id, stream, pages, items so far


def draft_new_messages(session: Session, result: IngestResult) -> None:
    """The default hook after a recorded page: the bot drafts replies, and their events go out."""
    from helpdesk.services.drafting import draft_replies

    events.publish(draft_replies(session, result.new_message_ids))


def worker_id() -> str:
    """This process's name for leases: host, pid and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


@dataclass
class PollOutcome:
    """What one poll of one channel did."""

    channel_id: int
    status: str
    new_messages: int = 0
    orders: int = 0
    stock_levels: int = 0
    quarantined: int = 0
    error: str | None = None
    next_poll_at: datetime | None = None
    streams: list[str] = field(default_factory=list)


def acquire_lease(session: Session, channel_id: int, owner: str, now: datetime) -> bool:
    """Take the channel's lease if it is free, expired or ours: one atomic conditional UPDATE."""
    result = session.execute(
        update(Channel)
        .where(Channel.id == channel_id, Channel.paused.is_(False),
               or_(Channel.lease_owner.is_(None), Channel.lease_expires_at < now, Channel.lease_owner == owner))
        .values(lease_owner=owner, lease_expires_at=now + LEASE_TTL)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_lease(session: Session, channel_id: int, owner: str) -> None:
    """Give the lease back (only if it is still ours)."""
    session.execute(
        update(Channel).where(Channel.id == channel_id, Channel.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None).execution_options(synchronize_session=False)
    )
    session.commit()


def due_channels(session: Session, now: datetime) -> list[int]:
    """Channels not paused whose next poll time has come and whose lease is free."""
    return list(session.scalars(
        select(Channel.id).where(
            Channel.paused.is_(False),
            or_(Channel.next_poll_at.is_(None), Channel.next_poll_at <= now),
            or_(Channel.lease_owner.is_(None), Channel.lease_expires_at < now),
        ).order_by(Channel.next_poll_at.nulls_first(), Channel.id)
    ))


def _interval(channel: Channel, stream: str) -> int:
    intervals: dict[str, Any] = (channel.settings or {}).get("poll_intervals", {})
    return int(intervals.get(stream, DEFAULT_INTERVALS[stream]))


def _due_streams(channel: Channel, now: datetime) -> list[str]:
    state = channel.sync_state or {}
    due = []
    for stream in DEFAULT_INTERVALS:
        last = state.get(stream, {}).get("last_at")
        if last is None or datetime.fromisoformat(last) + timedelta(seconds=_interval(channel, stream)) <= now:
            due.append(stream)
    return due


def backoff_delay(failures: int, retry_after: float | None = None, base: float = 5.0) -> timedelta:
    """Exponential backoff with jitter, at least Retry-After when the platform gave one."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0) * random.uniform(1.0, 1.2))
    seconds = min(base * 2 ** max(failures - 1, 0), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _settings_of(channel: Channel) -> ChannelSettings:
    return ChannelSettings(platform=channel.platform.value, marketplace=channel.marketplace, locale=channel.locale,
                           settings=dict(channel.settings or {}), credentials=dict(channel.credentials or {}))


def _poll_stream(session: Session, connector: Connector, channel_id: int, stream: str, owner: str,
                 outcome: PollOutcome, on_new_messages: NewMessagesHook | None,
                 progress: ProgressHook | None = None) -> None:
    pages = items = 0
    started = utcnow().isoformat()
    for _ in range(MAX_PAGES_PER_POLL):
        channel = session.get(Channel, channel_id)
        cursor = dict((channel.poll_cursor or {}).get(stream, {})) if channel else {}
        session.commit()  # no transaction (and on SQLite no lock) is held during the platform call
        if stream == "messages":
            page = connector.fetch_messages(cursor)
            items += len(page.messages)
            result = record_inbound_messages(session, channel_id, page)
            outcome.new_messages += len(result.new_message_ids)
            outcome.quarantined += result.quarantined
            events.publish(result.events(channel_id))
            if on_new_messages and result.new_message_ids:
                on_new_messages(session, result)
        elif stream == "orders":
            order_page = connector.fetch_orders(cursor)
            items += len(order_page.orders)
            synced = record_orders(session, channel_id, order_page)
            outcome.orders += synced.created + synced.updated
            if on_new_messages is draft_new_messages and synced.linked_ticket_ids:  # the bot drafts: use the order now
                from helpdesk.services.drafting import redraft_for_linked_orders

                events.publish(redraft_for_linked_orders(session, synced.linked_ticket_ids))
            outcome.quarantined += synced.quarantined
            page = order_page  # type: ignore[assignment]
        else:
            stock_page = connector.fetch_stock(cursor)
            items += len(stock_page.levels)
            outcome.stock_levels += record_stock(session, channel_id, stock_page)
            page = stock_page  # type: ignore[assignment]
        pages += 1
        # Progress for the admin page (a first sync can be weeks of history) and the terminal.
        channel = session.get(Channel, channel_id)
        previous = (channel.sync_state or {}).get(stream, {})
        channel.sync_state = {**(channel.sync_state or {}), stream: {
            **previous, "syncing": page.has_more, "started_at": started, "pages": pages, "items": items}}
        acquire_lease(session, channel_id, owner, utcnow())  # renews the lease and commits the progress
        if progress:
            progress(channel_id, stream, pages, items)
        if not page.has_more:
            return


def poll_channel(sessions: sessionmaker[Session], channel_id: int, *, owner: str | None = None,
                 connector_factory: ConnectorFactory = connector_for, now: datetime | None = None,
                 on_new_messages: NewMessagesHook | None = draft_new_messages, force: bool = False,
                 progress: ProgressHook | None = None) -> PollOutcome:
    """Poll one channel's due streams under its lease; record the outcome on the channel row."""
    owner = owner or worker_id()
    now = now or utcnow()
    with sessions() as session:
        if not acquire_lease(session, channel_id, owner, now):
            return PollOutcome(channel_id, "busy")
        outcome = PollOutcome(channel_id, PollStatus.OK.value)
        connector: Connector | None = None
        try:
            channel = session.get(Channel, channel_id)
            assert channel is not None
            streams = list(DEFAULT_INTERVALS) if force else _due_streams(channel, now)
            connector = connector_factory(_settings_of(channel))
            session.commit()
            for stream in streams:
                _poll_stream(session, connector, channel_id, stream, owner, outcome, on_new_messages, progress)
                channel = session.get(Channel, channel_id)
                state = (channel.sync_state or {}).get(stream, {})
                channel.sync_state = {**(channel.sync_state or {}),
                                      stream: {**state, "syncing": False, "last_at": utcnow().isoformat()}}
                session.commit()
                outcome.streams.append(stream)
        except RateLimited as exc:
            session.rollback()
            _record_failure(session, channel_id, outcome, PollStatus.RATE_LIMITED, exc, exc.retry_after)
        except PayloadError as exc:
            session.rollback()
            outcome.quarantined += quarantine_failures(session, channel_id, [PayloadFailure(
                raw=exc.raw or str(exc), error=str(exc), external_id=exc.external_id)])
            _record_failure(session, channel_id, outcome, PollStatus.ERROR, exc)
        except (TransientError, PermanentError) as exc:
            session.rollback()
            _record_failure(session, channel_id, outcome, PollStatus.ERROR, exc,
                            3600.0 if isinstance(exc, PermanentError) else None)
        except Exception as exc:
            # A bug or a database error on one channel must not stop the others: record it, back off.
            log.exception("channel %s poll crashed", channel_id)
            session.rollback()
            _record_failure(session, channel_id, outcome, PollStatus.ERROR, exc)
        else:
            channel = session.get(Channel, channel_id)
            channel.last_poll_at = channel.last_success_at = utcnow()
            channel.last_poll_status, channel.last_error, channel.consecutive_failures = PollStatus.OK, None, 0
            channel.next_poll_at = utcnow() + timedelta(seconds=min(_interval(channel, s) for s in DEFAULT_INTERVALS))
            outcome.next_poll_at = channel.next_poll_at
            session.commit()
        finally:
            if connector is not None:
                connector.close()
            release_lease(session, channel_id, owner)
    return outcome


def _record_failure(session: Session, channel_id: int, outcome: PollOutcome, status: PollStatus, exc: Exception,
                    retry_after: float | None = None) -> None:
    channel = session.get(Channel, channel_id)
    assert channel is not None
    channel.consecutive_failures += 1
    channel.last_poll_at = utcnow()
    channel.last_poll_status = status
    channel.last_error = f"{type(exc).__name__}: {str(exc)[:500]}"
    base = float((channel.settings or {}).get("backoff_seconds", 5.0))
    channel.next_poll_at = utcnow() + backoff_delay(channel.consecutive_failures, retry_after, base)
    outcome.status, outcome.error, outcome.next_poll_at = status.value, channel.last_error, channel.next_poll_at
    log.warning("channel %s poll failed (%s), next at %s", channel_id, type(exc).__name__, channel.next_poll_at)
    session.commit()


def run_poller(sessions: sessionmaker[Session], *, once: bool = False, channel_id: int | None = None,
               workers: int = 4, interval: float = 1.0, stop: threading.Event | None = None,
               connector_factory: ConnectorFactory = connector_for, relay: bool = True, sweep: bool = True,
               on_new_messages: NewMessagesHook | None = draft_new_messages,
               report: Callable[[PollOutcome], None] | None = None, progress: ProgressHook | None = None) -> None:
    """Poll due channels on a small pool (a slow channel never holds up the others), relay the outbox
    and sweep the SLA clocks, every `interval` seconds."""
    stop = stop or threading.Event()
    if on_new_messages is draft_new_messages:
        import bot

        bot.warm_up()  # load the language models and packs now, not on the first buyer's message
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
        while not stop.is_set():
            with sessions() as session:
                ids = [channel_id] if channel_id is not None else due_channels(session, utcnow())
            futures = [pool.submit(poll_channel, sessions, cid, connector_factory=connector_factory,
                                   on_new_messages=on_new_messages, force=once, progress=progress) for cid in ids]
            if relay:
                with sessions() as session:
                    events.publish(relay_outbox(session, connector_factory))
            if sweep:
                with sessions() as session:
                    events.publish(sweep_sla(session))
            for future in futures:
                outcome = future.result()
                if report:
                    report(outcome)
            if once:
                return
            stop.wait(interval)
