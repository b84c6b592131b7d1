"""A customer (one person) and their identities on every platform."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from helpdesk.models.agent import Agent


class IdentityKind(StrEnum):
    """The kinds of key a platform knows a buyer by."""

    EMAIL = "email"
    PHONE = "phone"
    EBAY_USER = "ebay_user"
    AMAZON_RELAY = "amazon_relay"
    AMAZON_BUYER = "amazon_buyer"
    ALIEXPRESS_BUYER = "aliexpress_buyer"
    SHOPIFY_CUSTOMER = "shopify_customer"
    WALMART_CUSTOMER = "walmart_customer"


class MergeSuggestionState(StrEnum):
    """Where a suggested merge of two customers stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Customer(TimestampMixin, Base):
    """One buyer, whatever platforms they buy on."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Set when this customer was merged into another; kept so a merge can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True)

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", foreign_keys="CustomerIdentity.customer_id"
    )

    def __repr__(self) -> str:
        return f"<Customer {self.id}>"


class CustomerIdentity(Base):
    """A platform's key for a buyer: eBay user id, Amazon relay address, e-mail..."""

    __tablename__ = "customer_identities"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(enum_type(IdentityKind, "identity_kind"))
    # Normalised (e-mail lower-cased, phone in E.164) so that lookups are exact.
    value: Mapped[str] = mapped_column(sa.String(320))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    verified: Mapped[bool] = mapped_column(default=False)
    # The customer this identity first belonged to, so an unmerge can give it back.
    original_customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="SET NULL"))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities", foreign_keys=[customer_id])

    def __repr__(self) -> str:
        return f"<CustomerIdentity {self.id} {self.kind.value if self.kind else None}>"


class CustomerMergeSuggestion(Base):
    """Two customers that look like one person, for an agent to confirm or reject."""

    __tablename__ = "customer_merge_suggestions"
    __table_args__ = (sa.UniqueConstraint("customer_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    score: Mapped[float]
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[MergeSuggestionState] = mapped_column(
        enum_type(MergeSuggestionState, "merge_suggestion_state"), default=MergeSuggestionState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))

    decided_by: Mapped[Agent | None] = relationship()
