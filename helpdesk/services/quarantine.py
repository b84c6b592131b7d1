"""Quarantine: malformed payloads kept whole with their reason, once each."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import PayloadFailure
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
