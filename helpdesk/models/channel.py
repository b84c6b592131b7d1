"""A channel: one store on one platform, with its poll cursor and last poll status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.models.base import Base, TimestampMixin, enum_type


class Platform(StrEnum):
    """The marketplaces and mail sources a channel can connect to."""

    AMAZON = "amazon"
    EBAY = "ebay"
    ALIEXPRESS = "aliexpress"
    SHOPIFY = "shopify"
    WALMART = "walmart"
    EMAIL = "email"


class PollStatus(StrEnum):
    """How the channel's last poll ended."""

    NEVER = "never"
    OK = "ok"
    RATE_LIMITED = "rate_limited"
    ERROR = "error"


class Channel(TimestampMixin, Base):
    """One store on one platform; the poller owns its cursor and lease."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[Platform] = mapped_column(enum_type(Platform, "platform"))
    name: Mapped[str] = mapped_column(sa.String(120))
    # e.g. "amazon.de", "EBAY_DE", "aliexpress.com", a Shopify shop domain.
    marketplace: Mapped[str | None] = mapped_column(sa.String(120))
    # The buyers' usual locale on this store (e.g. "de_DE"): a prior for language detection.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # API tokens and mailbox passwords: deferred so lists never load them, kept out of repr and logs.
    credentials: Mapped[dict[str, Any]] = mapped_column(default=dict, deferred=True)
    poll_cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sync_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    paused: Mapped[bool] = mapped_column(default=False)
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_poll_status: Mapped[PollStatus] = mapped_column(enum_type(PollStatus, "poll_status"), default=PollStatus.NEVER)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_poll_at: Mapped[datetime | None]
    # A lease so that only one poller works a channel (SQLite; PostgreSQL also locks the row).
    lease_owner: Mapped[str | None] = mapped_column(sa.String(120))
    lease_expires_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.platform.value if self.platform else None} {self.name!r}>"
