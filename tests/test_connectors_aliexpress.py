"""AliExpress connector: signing, the error envelope, OrderDto parsing, messages and replies."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpdesk.connectors.aliexpress import AliExpressConnector, parse_order, platform_time, raise_for_error, sign
from helpdesk.connectors.base import ChannelSettings, OutgoingReply, PermanentError, RateLimited, TransientError
from helpdesk.simulator.register import channel_specs
from helpdesk.simulator.simulation import Simulation
from helpdesk.simulator.testing import serve

FIXTURES = Path(__file__).parent / "fixtures" / "marketplaces"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def sim() -> Simulation:
    return Simulation(9, messages=0)


@pytest.fixture
def connector(sim: Simulation) -> Iterator[AliExpressConnector]:
    with serve(sim) as base:
        spec = next(s for s in channel_specs(sim, base, imap_port=1, smtp_port=1) if s["platform"] == "aliexpress")
        spec["settings"]["page_size"] = 3
        with AliExpressConnector(ChannelSettings(platform="aliexpress", settings=spec["settings"],
                                                 credentials=spec["credentials"])) as conn:
            yield conn


def drain(connector: AliExpressConnector, cursor: dict[str, Any] | None = None) -> tuple[list[Any], list[Any], dict[str, Any]]:
    messages, failures, cursor = [], [], cursor or {}
    for _ in range(50):
        page = connector.fetch_messages(cursor)
        messages += page.messages
        failures += page.failures
        cursor = page.cursor
        if not page.has_more:
            break
    return messages, failures, cursor


def test_sha256_signature_is_hmac_of_sorted_key_values() -> None:
    params = {"method": "m", "app_key": "123", "timestamp": "1700000000000", "sign_method": "sha256"}
    expected = hmac.new(b"secret", b"app_key123methodmsign_methodsha256timestamp1700000000000",
                        hashlib.sha256).hexdigest().upper()
    assert sign(params, "secret") == expected


def test_md5_signature_wraps_the_secret_around_the_parameters() -> None:
    expected = hashlib.md5(b"secretakbvsecret").hexdigest().upper()
    assert sign({"b": "v", "a": "k"}, "secret", "md5") == expected


def test_flow_control_error_is_rate_limited_with_the_ban_length() -> None:
    with pytest.raises(RateLimited) as caught:
        raise_for_error(fixture("aliexpress-error-flow-control-response.json")["error_response"], "")
    assert caught.value.retry_after == 3.0


def test_invalid_session_is_permanent() -> None:
    with pytest.raises(PermanentError):
        raise_for_error({"code": "IllegalAccessToken", "msg": "The specified access token is invalid"}, "")


def test_isp_error_is_transient() -> None:
    with pytest.raises(TransientError):
        raise_for_error({"code": "15", "msg": "Remote service error", "sub_code": "isp.service-unavailable"}, "")


def test_order_dto_parses_pacific_times_and_unit_prices() -> None:
    dtos = fixture("aliexpress-solution-order-get-response.json")["aliexpress_solution_order_get_response"]
    first, cancelled = (parse_order(d) for d in dtos["result"]["target_list"]["order_dto"])
    assert (first.external_id, first.status, first.total) == ("8123456789012345", "shipped", Decimal("23.40"))
    assert first.ordered_at == datetime(2026, 2, 26, 2, 30, tzinfo=UTC)  # 18:30 PST
    assert (first.lines[0].channel_sku, first.lines[0].quantity, first.lines[0].unit_price) == (
        "BT-SPK-MINI-BLK", 2, Decimal("11.70"))
    assert cancelled.status == "cancelled"


def test_epoch_milliseconds_are_utc() -> None:
    assert platform_time(1_700_000_000_000) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_messages_of_every_conversation_are_paged_and_returned_once(connector: AliExpressConnector,
                                                                     sim: Simulation) -> None:
    world = sim.worlds["aliexpress"]
    injected = [sim.inject("aliexpress", f"message {n}", buyer=world.buyers[n % 7].login) for n in range(10)]
    messages, failures, cursor = drain(connector)
    assert sorted(m.external_id for m in messages) == sorted(m.external_id for m in injected)
    assert failures == []
    assert drain(connector, cursor)[0] == []


def test_message_carries_buyer_conversation_and_order(connector: AliExpressConnector, sim: Simulation) -> None:
    order = sim.worlds["aliexpress"].orders[2]
    sim.inject("aliexpress", "Where is it?", order_id=order.order_id)
    (message,), _, _ = drain(connector)
    assert (message.buyer.kind, message.buyer.value) == ("aliexpress_buyer", order.buyer.login)
    assert message.order_id == order.order_id
    assert message.reply_to["channel_id"] == message.thread_id


def test_malformed_message_is_a_failure_and_the_conversation_goes_on(connector: AliExpressConnector,
                                                                     sim: Simulation) -> None:
    good = sim.inject("aliexpress", "fine")
    broken = sim.inject("aliexpress", "broken")
    broken.malformed = True
    messages, failures, _ = drain(connector)
    assert [m.external_id for m in messages] == [good.external_id]
    assert [f.external_id for f in failures] == [broken.external_id]


def test_reply_retried_with_the_same_key_is_delivered_once(connector: AliExpressConnector, sim: Simulation) -> None:
    sim.inject("aliexpress", "Hello?")
    (message,), _, _ = drain(connector)
    reply = OutgoingReply(idempotency_key="ali-1", body_text="Hi!", reply_to=message.reply_to)
    assert connector.send_reply(reply).duplicate is False
    assert connector.send_reply(reply).duplicate is True
    truth = sim.snapshot()
    assert (truth["replies_received"], truth["retried_replies"], truth["duplicate_replies"]) == (1, 1, 0)


def test_orders_are_paged_by_current_page(connector: AliExpressConnector, sim: Simulation) -> None:
    seen, cursor, pages = [], {}, 0
    while True:
        page = connector.fetch_orders(cursor)
        pages += 1
        seen += [o.external_id for o in page.orders]
        cursor = page.cursor
        if not page.has_more:
            break
    assert pages == 15  # 45 orders, 3 a page
    assert sorted(seen) == sorted(o.order_id for o in sim.worlds["aliexpress"].orders)


def test_wrong_app_secret_is_permanent(sim: Simulation) -> None:
    with serve(sim) as base:
        spec = next(s for s in channel_specs(sim, base, imap_port=1, smtp_port=1) if s["platform"] == "aliexpress")
        creds = dict(spec["credentials"], app_secret="wrong")
        with AliExpressConnector(ChannelSettings(platform="aliexpress", settings=spec["settings"],
                                                 credentials=creds)) as conn, pytest.raises(PermanentError):
            conn.fetch_messages({})
