"""Shopify connector: REST parsers on Shopify's SDK fixtures, Link paging, 429, contact mail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpdesk.connectors.base import ChannelSettings, OutgoingReply, PermanentError, RateLimited
from helpdesk.connectors.shopify import ShopifyConnector, next_page_info, order_status, parse_inventory_level, parse_order
from helpdesk.simulator.faults import RATE_LIMIT
from helpdesk.simulator.mail import MailServer
from helpdesk.simulator.register import channel_specs
from helpdesk.simulator.simulation import Simulation
from helpdesk.simulator.testing import serve

FIXTURES = Path(__file__).parent / "fixtures" / "marketplaces"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def shopify_channel(sim: Simulation, base: str, **extra: Any) -> ChannelSettings:
    spec = next(s for s in channel_specs(sim, base) if s["platform"] == "shopify")
    spec["settings"].update(extra)
    return ChannelSettings(platform="shopify", marketplace=spec["marketplace"], settings=spec["settings"],
                           credentials=spec["credentials"])


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture
def sim(mail: MailServer) -> Simulation:
    return Simulation(5, messages=0, mail=mail)


def test_sdk_order_fixture_parses_name_money_and_customer() -> None:
    order = parse_order(fixture("shopify-rest-orders-list-response.json")["orders"][0])
    assert (order.external_id, order.total, order.currency) == ("#1001", Decimal("598.94"), "USD")
    assert order.buyer_email == "bob.norman@hostmail.com"
    assert order.buyer is not None and order.buyer.kind == "shopify_customer"
    assert order.ordered_at is not None and order.ordered_at.utcoffset() is not None


def test_single_order_fixture_parses() -> None:
    order = parse_order(fixture("shopify-rest-order-response.json")["order"])
    assert order.external_id == "#1001"


def test_inventory_levels_fixture_parses_with_sku_and_location_names() -> None:
    levels = fixture("shopify-rest-inventory_levels-list-response.json")["inventory_levels"]
    item = fixture("shopify-rest-inventory_item-response.json")["inventory_item"]
    parsed = [parse_inventory_level(lv, {item["id"]: item["sku"]}, {487838322: "Ottawa"}) for lv in levels]
    assert ("IPOD2008PINK", "Ottawa", 9) in {(p.channel_sku, p.warehouse, p.on_hand) for p in parsed}
    assert ("39072856", "location 905684977", 3) in {(p.channel_sku, p.warehouse, p.on_hand) for p in parsed}


def test_page_info_is_taken_from_the_next_link_only() -> None:
    header = ('<https://shop.myshopify.com/admin/api/2024-10/orders.json?page_info=prev1&limit=3>; rel="previous", '
              '<https://shop.myshopify.com/admin/api/2024-10/orders.json?page_info=next2&limit=3>; rel="next"')
    assert next_page_info(header) == "next2"
    assert next_page_info(None) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [({"cancelled_at": "2026-01-01T00:00:00Z"}, "cancelled"), ({"financial_status": "refunded"}, "refunded"),
     ({"financial_status": "paid", "fulfillment_status": "fulfilled"}, "shipped"),
     ({"financial_status": "paid", "fulfillment_status": "partial"}, "partially_shipped"),
     ({"financial_status": "pending"}, "pending"), ({"financial_status": "paid"}, "unshipped")],
)
def test_order_status_maps_onto_order_status_values(fields: dict[str, str], expected: str) -> None:
    assert order_status(fields) == expected


def test_429_carries_retry_after_into_rate_limited(sim: Simulation) -> None:
    sim.faults.fraction, sim.faults.kinds = 1.0, (RATE_LIMIT,)
    with serve(sim) as base, ShopifyConnector(shopify_channel(sim, base)) as connector:
        with pytest.raises(RateLimited) as caught:
            connector.fetch_orders({})
    assert caught.value.retry_after == pytest.approx(1.0)


def test_wrong_access_token_is_permanent(sim: Simulation) -> None:
    with serve(sim) as base:
        channel = shopify_channel(sim, base)
        bad = ChannelSettings(platform="shopify", settings=channel.settings, credentials={"access_token": "nope"})
        with ShopifyConnector(bad) as connector, pytest.raises(PermanentError):
            connector.fetch_orders({})


def test_orders_are_paged_with_page_info(sim: Simulation) -> None:
    with serve(sim) as base, ShopifyConnector(shopify_channel(sim, base, page_size=20)) as connector:
        seen, cursor, pages = [], {}, 0
        while True:
            page = connector.fetch_orders(cursor)
            pages += 1
            seen += [o.external_id for o in page.orders]
            cursor = page.cursor
            if not page.has_more:
                break
    assert pages == 3
    assert set(seen) == {o.order_id for o in sim.worlds["shopify-eu"].orders}


def test_stock_is_read_per_location_with_skus(sim: Simulation) -> None:
    with serve(sim) as base, ShopifyConnector(shopify_channel(sim, base)) as connector:
        levels = connector.fetch_stock({}).levels
    expected = {(s.product.sku, s.warehouse, s.on_hand - s.reserved) for s in sim.worlds["shopify-eu"].stock}
    assert {(lv.channel_sku, lv.warehouse, lv.on_hand) for lv in levels} == expected


def test_contact_form_mail_is_a_message_from_the_customer_with_the_order_name(sim: Simulation) -> None:
    order = sim.worlds["shopify-eu"].orders[0]
    injected = sim.inject("shopify", "Where is my parcel?", order_id=order.order_id)
    with serve(sim) as base, ShopifyConnector(shopify_channel(sim, base)) as connector:
        page = connector.fetch_messages({})
        message = next(m for m in page.messages if m.external_id == injected.external_id)
        connector.send_reply(OutgoingReply(idempotency_key="shop-1", body_text="Shipped today.",
                                           reply_to=message.reply_to))
    assert (message.buyer.kind, message.buyer.value) == ("email", order.buyer.email)
    assert message.order_id == order.order_id
    assert message.body_text.endswith("Where is my parcel?") and "contact form" not in message.body_text
    assert sim.snapshot()["by_platform"]["shopify"]["replies_received"] == 1


def test_text_without_a_contact_form_is_left_alone() -> None:
    from helpdesk.connectors.shopify import contact_form_text

    assert contact_form_text("Body: my parcel is late") == "Body: my parcel is late"
    assert contact_form_text("You received a new message from your online store's contact form.\n\nName:\nA\n\nBody:\nHallo!") == "Hallo!"
