"""Amazon connector: SP-API parsers on Amazon's own examples, NextToken paging, LWA,
quota errors, and buyer messages through the e-mail relay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk.connectors.amazon import AmazonConnector, parse_inventory_summary, parse_order, parse_order_item
from helpdesk.connectors.base import ChannelSettings, OutgoingReply, PermanentError, RateLimited
from helpdesk.simulator.faults import RATE_LIMIT
from helpdesk.simulator.mail import MailServer
from helpdesk.simulator.register import channel_specs
from helpdesk.simulator.simulation import Simulation
from helpdesk.simulator.testing import serve

FIXTURES = Path(__file__).parent / "fixtures" / "marketplaces"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def offline(handler: Any, **settings: Any) -> AmazonConnector:
    """A connector whose HTTP goes to `handler` (a stand-in for SP-API serving the fixtures)."""
    connector = AmazonConnector(ChannelSettings(platform="amazon", settings=settings,
                                                credentials={"access_token": "Atza|test"}))
    connector.client.close()
    connector.client = httpx.Client(transport=httpx.MockTransport(handler))
    return connector


def amazon_channel(sim: Simulation, base: str, **extra: Any) -> ChannelSettings:
    spec = next(s for s in channel_specs(sim, base) if s["platform"] == "amazon")
    spec["settings"].update(extra)
    return ChannelSettings(platform="amazon", marketplace=spec["marketplace"], settings=spec["settings"],
                           credentials=spec["credentials"])


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture
def sim(mail: MailServer) -> Simulation:
    return Simulation(11, messages=0, mail=mail)


def test_documented_order_example_parses() -> None:
    order = parse_order(fixture("amazon-sp-orders-getOrders-response.json")["payload"]["Orders"][0])
    assert (order.external_id, order.status, order.platform_status) == ("902-3159896-1390916", "pending", "Pending")
    assert (order.ship_postcode, order.ship_country, order.buyer_email) == ("48817", "US", "user@example.com")
    assert order.buyer is not None and order.buyer.kind == "amazon_relay"


def test_order_item_price_is_the_line_total_divided_by_quantity() -> None:
    items = fixture("amazon-sp-orders-getOrderItems-response.json")["payload"]["OrderItems"]
    lines = [parse_order_item(i) for i in items]
    assert (lines[0].channel_sku, lines[0].item_id, lines[0].unit_price, lines[0].currency) == (
        "CBA_OTF_1", "BT0093TELA", Decimal("25.99"), "JPY")
    assert lines[1].unit_price == Decimal("17.95") / 2


def test_fba_sandbox_summaries_parse_with_empty_update_time() -> None:
    summaries = fixture("amazon-sp-fba-inventory-getInventorySummaries-response.sandbox.json")["payload"]
    levels = [parse_inventory_summary(s, "FBA ATVPDKIKX0DER") for s in summaries["inventorySummaries"]]
    assert levels[0].channel_sku == "EMTEC 1 GB"
    assert levels[0].updated_at is None
    assert all(level.on_hand >= level.reserved for level in levels)


def test_next_token_is_sent_back_with_the_same_filters() -> None:
    requests: list[httpx.Request] = []

    def sandbox(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if "orderItems" in request.url.path:
            return httpx.Response(200, json=fixture("amazon-sp-orders-getOrderItems-response.json"))
        name = "page2" if "NextToken" in request.url.params else "page1"
        return httpx.Response(200, json=fixture(f"amazon-sp-orders-getOrders-{name}-response.sandbox.json"))

    connector = offline(sandbox)
    first = connector.fetch_orders({})
    second = connector.fetch_orders(first.cursor)
    order_calls = [r for r in requests if r.url.path.endswith("/orders")]
    assert first.has_more and not second.has_more
    assert order_calls[1].url.params["NextToken"] == "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4"
    assert order_calls[1].url.params["LastUpdatedAfter"] == order_calls[0].url.params["LastUpdatedAfter"]
    assert all(r.headers["x-amz-access-token"] == "Atza|test" for r in requests)


def test_invalid_input_400_is_permanent() -> None:
    connector = offline(lambda _r: httpx.Response(400, json=fixture("amazon-sp-orders-getOrders-400-response.sandbox.json")))
    with pytest.raises(PermanentError, match="InvalidInput"):
        connector.fetch_orders({})


def test_quota_exceeded_is_rate_limited_without_a_retry_after(sim: Simulation) -> None:
    sim.faults.fraction, sim.faults.kinds = 1.0, (RATE_LIMIT,)
    with serve(sim) as base, AmazonConnector(amazon_channel(sim, base)) as connector:
        with pytest.raises(RateLimited) as caught:
            connector.fetch_orders({})
    assert caught.value.retry_after is None


def test_simulated_orders_are_paged_by_next_token_with_their_items(sim: Simulation) -> None:
    with serve(sim) as base, AmazonConnector(amazon_channel(sim, base, page_size=10)) as connector:
        seen, cursor, pages = [], {}, 0
        while True:
            page = connector.fetch_orders(cursor)
            pages += 1
            seen += page.orders
            cursor = page.cursor
            if not page.has_more:
                break
    assert pages == 5
    assert sorted(o.external_id for o in seen) == sorted(o.order_id for o in sim.worlds["amazon-de"].orders)
    assert all(o.lines for o in seen)


def test_refresh_token_is_exchanged_for_an_access_token(sim: Simulation) -> None:
    with serve(sim) as base:
        channel = amazon_channel(sim, base)
        creds = {k: v for k, v in channel.credentials.items() if k != "access_token"}
        connector = AmazonConnector(ChannelSettings(platform="amazon", settings=channel.settings, credentials=creds))
        with connector:
            page = connector.fetch_stock({})
    assert len(page.levels) == len(sim.worlds["amazon-de"].products)


def test_fba_stock_reports_fulfillable_and_reserved(sim: Simulation) -> None:
    with serve(sim) as base, AmazonConnector(amazon_channel(sim, base)) as connector:
        levels = {lv.channel_sku: lv for lv in connector.fetch_stock({}).levels}
    truth = {s.product.sku: s for s in sim.worlds["amazon-de"].stock}
    assert {sku: (lv.on_hand, lv.reserved) for sku, lv in levels.items()} == {
        sku: (s.on_hand, s.reserved) for sku, s in truth.items()}


def test_buyer_message_arrives_by_relay_email_with_its_order_id(sim: Simulation) -> None:
    order = sim.worlds["amazon-de"].orders[3]
    injected = sim.inject("amazon", "Wo ist mein Paket?", order_id=order.order_id)
    with serve(sim) as base, AmazonConnector(amazon_channel(sim, base)) as connector:
        page = connector.fetch_messages({})
    message = next(m for m in page.messages if m.external_id == injected.external_id)
    assert (message.buyer.kind, message.buyer.value) == ("amazon_relay", order.buyer.email)
    assert message.buyer.value.endswith("@marketplace.amazon.de")
    assert message.buyer.display_name == order.buyer.first_name  # "Jules - Amazon Marketplace" is Jules
    assert message.order_id == order.order_id


def test_reply_resent_by_email_with_the_same_key_counts_as_a_retry(sim: Simulation) -> None:
    injected = sim.inject("amazon", "Can I get an invoice?")
    with serve(sim) as base, AmazonConnector(amazon_channel(sim, base)) as connector:
        inbound = next(m for m in connector.fetch_messages({}).messages if m.external_id == injected.external_id)
        reply = OutgoingReply(idempotency_key="amz-reply-1", body_text="Attached.", reply_to=inbound.reply_to)
        connector.send_reply(reply)
        connector.send_reply(reply)
    truth = sim.snapshot()
    amazon = truth["by_platform"]["amazon"]
    assert (amazon["replies_received"], amazon["retried_replies"], amazon["duplicate_replies"]) == (1, 1, 0)


def test_malformed_relay_mail_is_a_failure_and_the_rest_goes_on(sim: Simulation) -> None:
    good = sim.inject("amazon", "Where is my parcel?")
    sim.malformed, sim.limit = 1.0, 400
    broken = None
    while broken is None:
        candidate = sim.publish_next()
        assert candidate is not None
        broken = candidate if candidate.platform == "amazon" else None
    with serve(sim) as base, AmazonConnector(amazon_channel(sim, base)) as connector:
        page = connector.fetch_messages({})
    assert [m.external_id for m in page.messages] == [good.external_id]
    assert len(page.failures) == 1
