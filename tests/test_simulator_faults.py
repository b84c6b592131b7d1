"""Every simulated fault kind reaches each connector as the contract's error; retries succeed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from helpdesk.connectors import connector_for
from helpdesk.connectors.base import ChannelSettings, Connector, OutgoingReply, RateLimited, TransientError
from helpdesk.simulator.faults import RATE_LIMIT, SERVER_ERROR, SLOW, TIMEOUT
from helpdesk.simulator.register import channel_specs
from helpdesk.simulator.simulation import Simulation
from helpdesk.simulator.testing import serve

HTTP_PLATFORMS = ("ebay", "amazon", "shopify", "aliexpress")
# Each platform's retry hint on throttling: eBay and Amazon give none.
RETRY_AFTER = {"ebay": None, "amazon": None, "shopify": 1.0, "aliexpress": 1.0}


@pytest.fixture
def sim() -> Simulation:
    return Simulation(13, messages=0, slow_seconds=0.05, timeout_seconds=1.0)


@pytest.fixture
def connect(sim: Simulation) -> Iterator[Callable[[str], Connector]]:
    opened: list[Connector] = []
    with serve(sim) as base:
        specs = {s["platform"]: s for s in channel_specs(sim, base, imap_port=1, smtp_port=1, timeout=0.3)}

        def make(platform: str) -> Connector:
            spec = specs[platform]
            connector = connector_for(ChannelSettings(platform=platform, settings=spec["settings"],
                                                      credentials=spec["credentials"]))
            opened.append(connector)
            return connector

        yield make
        for connector in opened:
            connector.close()


def fetch(connector: Connector) -> Any:
    """One HTTP read: messages where the platform's API has them, else stock (one request)."""
    if connector.platform in ("ebay", "aliexpress"):
        return connector.fetch_messages({})
    return connector.fetch_stock({})


def force(sim: Simulation, kind: str) -> None:
    sim.faults.fraction, sim.faults.kinds = 1.0, (kind,)


@pytest.mark.parametrize("platform", HTTP_PLATFORMS)
def test_throttling_is_rate_limited_with_the_platforms_hint(platform: str, sim: Simulation,
                                                            connect: Callable[[str], Connector]) -> None:
    connector = connect(platform)
    force(sim, RATE_LIMIT)
    with pytest.raises(RateLimited) as caught:
        fetch(connector)
    assert caught.value.retry_after == RETRY_AFTER[platform]


@pytest.mark.parametrize("platform", HTTP_PLATFORMS)
def test_server_error_is_transient(platform: str, sim: Simulation, connect: Callable[[str], Connector]) -> None:
    connector = connect(platform)
    force(sim, SERVER_ERROR)
    for _ in range(4):  # both forms of the fault (HTTP 5xx and the platform's own error body)
        with pytest.raises(TransientError):
            fetch(connector)


@pytest.mark.parametrize("platform", HTTP_PLATFORMS)
def test_stalled_response_is_a_transient_timeout(platform: str, sim: Simulation,
                                                 connect: Callable[[str], Connector]) -> None:
    connector = connect(platform)
    force(sim, TIMEOUT)
    with pytest.raises(TransientError, match="timeout"):
        fetch(connector)


@pytest.mark.parametrize("platform", HTTP_PLATFORMS)
def test_slow_response_still_succeeds(platform: str, sim: Simulation, connect: Callable[[str], Connector]) -> None:
    connector = connect(platform)
    force(sim, SLOW)
    assert fetch(connector).failures == []


@pytest.mark.parametrize("platform", HTTP_PLATFORMS)
def test_a_retry_after_a_fault_succeeds(platform: str, sim: Simulation, connect: Callable[[str], Connector]) -> None:
    connector = connect(platform)
    sim.faults.fraction, sim.faults.kinds = 0.5, (RATE_LIMIT, SERVER_ERROR)
    errors = 0
    for _ in range(60):
        try:
            fetch(connector)
            break
        except (RateLimited, TransientError):
            errors += 1
    else:
        pytest.fail("no attempt succeeded")
    assert errors < 60


def test_repeated_headers_and_pages_yield_each_message_once(sim: Simulation,
                                                            connect: Callable[[str], Connector]) -> None:
    for n in range(30):
        sim.inject("ebay", f"question {n}")
        sim.inject("aliexpress", f"question {n}")
    sim.faults.fraction, sim.faults.kinds = 1.0, (SLOW,)  # every list repeats an item too
    for platform in ("ebay", "aliexpress"):
        connector = connect(platform)
        seen: list[str] = []
        cursor: dict[str, Any] = {}
        for _ in range(40):
            page = connector.fetch_messages(cursor)
            seen += [m.external_id for m in page.messages]
            cursor = page.cursor
            if not page.has_more:
                break
        assert len(seen) == len(set(seen)) == 30, platform
    assert sim.faults.injected.get("duplicate", 0) > 0


def test_reply_whose_answer_timed_out_is_recognised_on_retry(sim: Simulation,
                                                             connect: Callable[[str], Connector]) -> None:
    connector = connect("aliexpress")
    sim.inject("aliexpress", "Can you ship faster?")
    message = connector.fetch_messages({}).messages[0]
    reply = OutgoingReply(idempotency_key="k-timeout", body_text="Yes.", reply_to=message.reply_to)
    force(sim, TIMEOUT)
    with pytest.raises(TransientError):
        connector.send_reply(reply)
    sim.faults.fraction = 0.0
    assert connector.send_reply(reply).duplicate is True
    truth = sim.snapshot()
    assert (truth["replies_received"], truth["retried_replies"], truth["duplicate_replies"]) == (1, 1, 0)


def test_amazon_order_items_failing_now_and_then_do_not_sink_the_page(sim: Simulation,
                                                                     connect: Callable[[str], Connector]) -> None:
    connector = connect("amazon")
    sim.faults.fraction, sim.faults.kinds = 0.2, (SERVER_ERROR,)
    for _ in range(20):
        try:
            page = connector.fetch_orders({})
            break
        except TransientError:
            continue
    else:
        pytest.fail("getOrders never succeeded")
    assert len(page.orders) == len(sim.worlds["amazon-de"].orders)
    assert all(order.lines for order in page.orders)
