"""Quarantine: malformed payloads kept whole with their reason, once each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import ChannelSettings, Connector, MessagePage, PayloadError, PayloadFailure
from helpdesk.events import Event
from helpdesk.models import QuarantinedPayload

MAX_RAW_CHARS = 1_000_000


def fingerprint(raw: str) -> str:
    """The sha256 of a raw payload: how a re-read payload is recognised."""
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def quarantine_failures(session: Session, channel_id: int | None, failures: list[PayloadFailure]) -> int:
    """Add quarantine rows for failures not already quarantined (caller commits); return how many are new."""
    if not failures:
        return 0
    by_key: dict[tuple[str, str], PayloadFailure] = {}
    for failure in failures:
        by_key.setdefault((failure.kind, fingerprint(failure.raw)), failure)
    known = set(
        session.execute(
            select(QuarantinedPayload.kind, QuarantinedPayload.fingerprint).where(
                QuarantinedPayload.channel_id == channel_id,
                QuarantinedPayload.fingerprint.in_([fp for _, fp in by_key]),
            )
        )
    )
    added = 0
    for (kind, fp), failure in by_key.items():
        if (kind, fp) in known:
            continue
        session.add(
            QuarantinedPayload(
                channel_id=channel_id,
                kind=kind,
                external_id=(failure.external_id or None) and failure.external_id[:255],
                raw=failure.raw[:MAX_RAW_CHARS],
                fingerprint=fp,
                error=failure.error[:2000],
            )
        )
        added += 1
    return added


class ReprocessError(ValueError):
    """A quarantined payload that cannot be re-processed; the message says why."""


def reprocess_quarantined(session: Session, payload_id: int, connector_factory: Callable[[ChannelSettings], Connector],
                          *, actor: str = "cli") -> list[Event]:
    """Parse a quarantined payload again (after a parser fix) and record what it yields.

    On success the payload is resolved and its message goes through ingest like any other
    (a duplicate is skipped); if it is still unreadable its reason is updated. Returns the
    events to publish.
    """
    from helpdesk.models import Channel, utcnow
    from helpdesk.services.audit import record_event
    from helpdesk.services.ingest import record_inbound_messages

    payload = session.get(QuarantinedPayload, payload_id)
    if payload is None:
        raise ReprocessError(f"no quarantined payload {payload_id}")
    if payload.resolved:
        raise ReprocessError(f"payload {payload_id} is already resolved")
    channel = session.get(Channel, payload.channel_id) if payload.channel_id else None
    if channel is None:
        raise ReprocessError(f"payload {payload_id} belongs to no channel")
    settings = ChannelSettings(platform=channel.platform.value, marketplace=channel.marketplace, locale=channel.locale,
                               settings=dict(channel.settings or {}), credentials=dict(channel.credentials or {}))
    payload.attempts += 1
    connector = connector_factory(settings)
    try:
        page = connector.reparse(payload.kind, payload.raw, payload.external_id)
    except NotImplementedError as exc:
        session.rollback()
        raise ReprocessError(str(exc)) from None
    except PayloadError as exc:
        payload.error = str(exc)[:2000]
        session.commit()
        raise ReprocessError(f"payload {payload_id} is still unreadable: {exc}") from None
    finally:
        connector.close()
    if not isinstance(page, MessagePage):
        session.rollback()
        raise ReprocessError("only message payloads can be re-processed yet")
    stream_cursor = dict((channel.poll_cursor or {}).get("messages", {}))
    payload.resolved, payload.resolved_at = True, utcnow()
    record_event(session, "quarantine.reprocessed", actor=actor, obj=payload)
    result = record_inbound_messages(session, channel.id, MessagePage(page.messages, cursor=stream_cursor))
    return result.events(channel.id)
