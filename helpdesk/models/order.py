"""Orders, their lines and shipments, as synced from each channel."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, enum_type, utcnow

if TYPE_CHECKING:
    from helpdesk.models.product import Product

Money = sa.Numeric(14, 2)


class OrderStatus(StrEnum):
    """An order's state, normalised across platforms (the raw one is kept too)."""

    PENDING = "pending"
    UNSHIPPED = "unshipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class Order(Base):
    """An order on one channel."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "external_id"),
        sa.Index("ix_orders_customer_ordered", "customer_id", "ordered_at"),
        sa.Index("ix_orders_channel_ordered", "channel_id", "ordered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="RESTRICT"))
    # The platform's order id: "302-1234567-1234567", "12-34567-89012", a Shopify name...
    external_id: Mapped[str] = mapped_column(sa.String(120))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="SET NULL"))
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, "order_status"), default=OrderStatus.PENDING)
    platform_status: Mapped[str | None] = mapped_column(sa.String(64))
    ordered_at: Mapped[datetime | None]
    platform_updated_at: Mapped[datetime | None]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    total_amount: Mapped[Decimal | None] = mapped_column(Money)
    payment_method: Mapped[str | None] = mapped_column(sa.String(64))
    buyer_name: Mapped[str | None] = mapped_column(sa.String(200))
    buyer_email: Mapped[str | None] = mapped_column(sa.String(320))
    ship_name: Mapped[str | None] = mapped_column(sa.String(200))
    ship_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ship_postcode: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    ship_country: Mapped[str | None] = mapped_column(sa.String(2))
    latest_ship_at: Mapped[datetime | None]
    return_window_ends_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )

    def __repr__(self) -> str:
        return f"<Order {self.id} channel={self.channel_id}>"


class OrderLine(Base):
    """One line of an order: a channel SKU, mapped to our SKU when a listing says so."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(120))
    channel_sku: Mapped[str | None] = mapped_column(sa.String(120))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(500), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(sa.String(3))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


class Shipment(Base):
    """A parcel of an order, with its carrier and tracking."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str | None] = mapped_column(sa.String(80))
    service: Mapped[str | None] = mapped_column(sa.String(80))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    tracking_url: Mapped[str | None] = mapped_column(sa.String(1000))
    shipped_at: Mapped[datetime | None]
    estimated_delivery_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    status: Mapped[str | None] = mapped_column(sa.String(64))

    order: Mapped[Order] = relationship(back_populates="shipments")
