"""Fixtures for the bot's tests: a fixed day, orders in each state, seller settings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot import CaseContext, Inquiry, OrderFacts, OrderLine, SellerSettings

TODAY = date(2026, 11, 27)


def order(**overrides: object) -> OrderFacts:
    """A shipped order with carrier, tracking and an estimate three days ahead, plus overrides."""
    values: dict[str, object] = {
        "order_id": "302-1234567-7654321", "status": "shipped", "ordered_on": TODAY - timedelta(days=5),
        "shipped_on": TODAY - timedelta(days=3), "dispatch_by": TODAY - timedelta(days=3),
        "estimated_delivery": TODAY + timedelta(days=3), "carrier": "DHL", "tracking_number": "JJD000390007788",
        "tracking_url": "https://tracking.example/JJD000390007788", "total": Decimal("1249.90"), "currency": "EUR",
        "lines": (OrderLine("SKU-1", "USB-C charger"),),
    }
    values.update(overrides)
    return OrderFacts(**values)  # type: ignore[arg-type]


def context(order_facts: OrderFacts | None = None, auto: bool = True, **settings: object) -> CaseContext:
    """A case on TODAY; `auto` lets the seller auto-send every intent the rules allow."""
    settings.setdefault("auto_send", {"*": frozenset({"*"})} if auto else {})
    seller = SellerSettings(store_name="Acme", **settings)  # type: ignore[arg-type]
    return CaseContext(order=order_facts, settings=seller, today=TODAY)


def inquiry(text: str, marketplace: str = "amazon.com", **fields: object) -> Inquiry:
    """A buyer message from a marketplace (the platform is the part before the first dot)."""
    return Inquiry(text=text, platform=marketplace.split(".")[0], marketplace=marketplace, **fields)  # type: ignore[arg-type]


@pytest.fixture
def shipped() -> OrderFacts:
    """A shipped order with tracking."""
    return order()
