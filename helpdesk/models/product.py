"""Products (our SKUs), their stock per warehouse, and channel listings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.models.base import Base, TimestampMixin


class Product(TimestampMixin, Base):
    """One SKU the seller stocks, whatever it is called on each channel."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500), default="")
    # Below this many available units the ticket's stock panel warns.
    low_stock_threshold: Mapped[int] = mapped_column(default=5)

    stock_levels: Mapped[list[StockLevel]] = relationship(back_populates="product", order_by="StockLevel.warehouse")


class StockLevel(Base):
    """How many units of a SKU one warehouse holds and has promised."""

    __tablename__ = "stock_levels"
    __table_args__ = (sa.UniqueConstraint("product_id", "warehouse"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    # e.g. "FBA:DE", a Shopify location name, "Shenzhen-1".
    warehouse: Mapped[str] = mapped_column(sa.String(120))
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(sa.String(32), default="import")
    updated_at: Mapped[datetime]

    product: Mapped[Product] = relationship(back_populates="stock_levels")

    @property
    def available(self) -> int:
        """Units that can still be sold (negative when oversold)."""
        return self.on_hand - self.reserved


class Listing(Base):
    """Maps a channel's SKU (and item id: ASIN, eBay item) to our SKU."""

    __tablename__ = "listings"
    __table_args__ = (sa.UniqueConstraint("channel_id", "channel_sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    channel_sku: Mapped[str] = mapped_column(sa.String(120))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    external_item_id: Mapped[str | None] = mapped_column(sa.String(120))
    title: Mapped[str | None] = mapped_column(sa.String(500))

    product: Mapped[Product] = relationship()
