"""Builders for connector output (what a connector would return), for ingest tests and benches."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from helpdesk.connectors.base import BuyerRef, InboundMessage, MessagePage, PayloadFailure
from helpdesk.models import utcnow

_ids = itertools.count(1)


def inbound(
    text: str = "Wo ist meine Bestellung?",
    *,
    buyer: str = "jana_1987",
    kind: str = "ebay_user",
    external_id: str | None = None,
    sent_at: datetime | None = None,
    **kwargs: Any,
) -> InboundMessage:
    """One buyer message with sensible defaults."""
    email = kwargs.pop("email", None)
    name = kwargs.pop("name", "Jana Nowak")
    return InboundMessage(
        external_id=external_id or f"m-{next(_ids)}",
        buyer=BuyerRef(kind=kind, value=buyer, display_name=name, email=email),
        body_text=text,
        sent_at=sent_at or utcnow() - timedelta(minutes=5),
        **kwargs,
    )


def page(*messages: InboundMessage, cursor: dict[str, Any] | None = None,
         failures: list[PayloadFailure] | None = None) -> MessagePage:
    """A page holding these messages."""
    return MessagePage(messages=list(messages), cursor=cursor or {"since": "x"}, failures=failures or [])
