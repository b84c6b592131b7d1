"""eBay connector: Trading API XML and Fulfillment JSON parsers, errors, paging, replies."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk.connectors import connector_for
from helpdesk.connectors.base import ChannelSettings, OutgoingReply, PermanentError, RateLimited, TransientError
from helpdesk.connectors.ebay import EbayConnector, order_status
from helpdesk.connectors.ebay_xml import NS, build_request
from helpdesk.simulator.register import channel_specs
from helpdesk.simulator.simulation import Simulation
from helpdesk.simulator.testing import serve

FIXTURES = Path(__file__).parent / "fixtures" / "marketplaces"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def offline(handler: Callable[[httpx.Request], httpx.Response]) -> EbayConnector:
    """A connector whose HTTP goes to `handler` (a stand-in for eBay serving the fixtures)."""
    connector = EbayConnector(ChannelSettings(platform="ebay", credentials={"user_token": "t"}))
    connector.client.close()
    connector.client = httpx.Client(transport=httpx.MockTransport(handler))
    return connector


def trading_fixtures(request: httpx.Request) -> httpx.Response:
    call = request.headers["X-EBAY-API-CALL-NAME"]
    if call == "GetMyMessages":
        detail = ET.fromstring(request.content).findtext(f"{{{NS}}}DetailLevel")
        name = "headers" if detail == "ReturnHeaders" else "messages"
        return httpx.Response(200, content=fixture(f"ebay-trading-GetMyMessages-{name}-response.xml"))
    return httpx.Response(200, content=fixture("ebay-trading-GetMemberMessages-response.xml"))


@pytest.fixture
def sim() -> Simulation:
    return Simulation(7, messages=0)


@pytest.fixture
def ebay(sim: Simulation) -> Iterator[tuple[EbayConnector, str]]:
    with serve(sim) as base:
        spec = next(s for s in channel_specs(sim, base, imap_port=1, smtp_port=1) if s["platform"] == "ebay")
        spec["settings"]["page_size"] = 5
        connector = connector_for(ChannelSettings(platform="ebay", settings=spec["settings"],
                                                  credentials=spec["credentials"]))
        assert isinstance(connector, EbayConnector)
        with connector:
            yield connector, base


def drain(connector: EbayConnector, cursor: dict[str, Any] | None = None) -> tuple[list[Any], list[Any], dict[str, Any]]:
    messages, failures, cursor = [], [], cursor or {}
    for _ in range(50):
        page = connector.fetch_messages(cursor)
        messages += page.messages
        failures += page.failures
        cursor = page.cursor
        if not page.has_more:
            break
    return messages, failures, cursor


def test_get_my_messages_fixture_parses_plain_content_and_order_id() -> None:
    page = offline(trading_fixtures).fetch_messages({})
    first = next(m for m in page.messages if m.external_id == "1000000001")
    assert (first.buyer.kind, first.buyer.value) == ("ebay_user", "anna_k_2019")
    assert first.body_text == "Hallo, wo bleibt meine Bestellung 12-34567-89012?"
    assert first.order_id == "12-34567-89012"
    assert first.reply_to["call"] == "AddMemberMessageAAQToPartner"


def test_question_in_both_calls_is_returned_once_with_rtq_reply_facts() -> None:
    page = offline(trading_fixtures).fetch_messages({})
    questions = [m for m in page.messages if m.external_id == "1000000002"]
    assert len(questions) == 1
    assert questions[0].reply_to == {
        "call": "AddMemberMessageRTQ", "item_id": "384758392099", "parent_message_id": "1000000002",
        "recipient_id": "tom.b", "message_id": "91000000002",
    }


def test_exchange_without_creation_date_is_a_failure_and_the_page_goes_on() -> None:
    page = offline(trading_fixtures).fetch_messages({})
    assert [f.external_id for f in page.failures] == ["1000000003"]
    assert len(page.messages) == 2


def test_ack_failure_931_is_permanent() -> None:
    connector = offline(lambda _r: httpx.Response(200, content=fixture("ebay-trading-error-931-response.xml")))
    with pytest.raises(PermanentError, match="931"):
        connector.fetch_messages({})


def test_ack_failure_518_is_rate_limited() -> None:
    connector = offline(lambda _r: httpx.Response(200, content=fixture("ebay-trading-error-518-response.xml")))
    with pytest.raises(RateLimited):
        connector.fetch_messages({})


def test_system_error_classification_is_transient() -> None:
    body = fixture("ebay-trading-error-518-response.xml").replace(b"518", b"10007")
    connector = offline(lambda _r: httpx.Response(200, content=body))
    with pytest.raises(TransientError):
        connector.fetch_messages({})


def test_fulfillment_order_fixture_parses_string_amounts_as_decimal() -> None:
    data = json.loads(fixture("ebay-fulfillment-getOrders-response.json"))
    order = EbayConnector.parse_order(data["orders"][0])
    assert order.total == Decimal("64.88")
    assert order.lines[0].unit_price == Decimal("29.99")
    assert (order.status, order.ship_postcode, order.buyer and order.buyer.value) == (
        "partially_shipped", "50674", "anna_k_2019")


def test_fulfillment_page_with_one_bad_order_returns_it_as_failure() -> None:
    connector = offline(lambda _r: httpx.Response(200, content=fixture("ebay-fulfillment-getOrders-response.json")))
    page = connector.fetch_orders({})
    assert [o.external_id for o in page.orders] == ["12-34567-89012"]
    assert [f.external_id for f in page.failures] == ["12-34567-89999"]
    assert page.has_more and page.cursor["offset"] == 2


@pytest.mark.parametrize(
    ("fulfillment", "payment", "cancel", "expected"),
    [("NOT_STARTED", "PAID", None, "unshipped"), ("FULFILLED", "PAID", None, "shipped"),
     ("NOT_STARTED", "PENDING", None, "pending"), ("NOT_STARTED", "FULLY_REFUNDED", None, "refunded"),
     ("NOT_STARTED", "PAID", "CANCELED", "cancelled")],
)
def test_order_status_maps_onto_order_status_values(fulfillment: str, payment: str, cancel: str | None,
                                                    expected: str) -> None:
    assert order_status(fulfillment, payment, cancel) == expected


def test_request_xml_escapes_buyer_text() -> None:
    hostile = "</Body><Injected>x</Injected> & <![CDATA[y]]>"
    root = ET.fromstring(build_request("AddMemberMessageRTQ", [("MemberMessage", {"Body": hostile})]))
    assert root.findtext(f"{{{NS}}}MemberMessage/{{{NS}}}Body") == hostile


def test_simulated_messages_are_paged_and_each_returned_once(ebay: tuple[EbayConnector, str], sim: Simulation) -> None:
    connector, _base = ebay
    for n in range(12):
        sim.inject("ebay", f"Frage Nummer {n}")
    messages, failures, cursor = drain(connector)
    assert len({m.external_id for m in messages}) == 12
    assert failures == []
    again, _, _ = drain(connector, cursor)
    assert again == []


def test_malformed_simulated_message_is_a_failure_with_its_id(ebay: tuple[EbayConnector, str], sim: Simulation) -> None:
    connector, _base = ebay
    sim.malformed = 1.0
    sim.limit = 400
    broken = None
    while broken is None:
        candidate = sim.publish_next()
        assert candidate is not None
        if candidate.platform == "ebay":
            broken = candidate
    messages, failures, _ = drain(connector)
    assert broken.external_id in {f.external_id for f in failures}
    assert broken.external_id not in {m.external_id for m in messages}


def test_question_reply_goes_by_rtq_with_the_idempotency_key(ebay: tuple[EbayConnector, str], sim: Simulation) -> None:
    connector, _base = ebay
    question = sim.inject("ebay", "Is it waterproof?")
    messages, _, _ = drain(connector)
    inbound = next(m for m in messages if m.external_id == question.external_id)
    assert inbound.reply_to["call"] == "AddMemberMessageRTQ"
    reply = OutgoingReply(idempotency_key="reply-1", body_text="Yes, IPX4.", reply_to=inbound.reply_to)
    first = connector.send_reply(reply)
    second = connector.send_reply(reply)
    assert (first.duplicate, second.duplicate) == (False, True)
    truth = sim.snapshot()
    assert (truth["replies_received"], truth["retried_replies"], truth["duplicate_replies"]) == (1, 1, 0)
    assert question.answered


def test_order_partner_reply_goes_by_aaq(ebay: tuple[EbayConnector, str], sim: Simulation) -> None:
    connector, _base = ebay
    order = sim.worlds["ebay-de"].orders[0]
    sim.inject("ebay", "Wo ist mein Paket?", order_id=order.order_id)
    messages, _, _ = drain(connector)
    inbound = next(m for m in messages if m.order_id == order.order_id)
    assert inbound.reply_to["call"] == "AddMemberMessageAAQToPartner"
    result = connector.send_reply(OutgoingReply(idempotency_key="aaq-1", body_text="Unterwegs.", reply_to=inbound.reply_to))
    assert result.external_id == "aaq-1"
    assert sim.truth.has_reply("ebay", "aaq-1")


def test_orders_are_paged_by_offset(ebay: tuple[EbayConnector, str], sim: Simulation) -> None:
    connector, _base = ebay
    seen, cursor, pages = [], {}, 0
    while True:
        page = connector.fetch_orders(cursor)
        pages += 1
        seen += [o.external_id for o in page.orders]
        cursor = page.cursor
        if not page.has_more:
            break
    assert pages == 3  # 45 orders, 20 a page
    assert sorted(seen) == sorted(o.order_id for o in sim.worlds["ebay-de"].orders)


def test_wrong_token_is_permanent(sim: Simulation) -> None:
    with serve(sim) as base:
        connector = EbayConnector(ChannelSettings(platform="ebay", settings={"trading_url": f"{base}/ebay/ws/api.dll"},
                                                  credentials={"user_token": "wrong"}))
        with connector, pytest.raises(PermanentError, match="931"):
            connector.fetch_messages({})
