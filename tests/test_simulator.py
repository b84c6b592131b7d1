"""The marketplace simulator: inject and truth endpoints, seeded traffic, e-mail, --register."""

from __future__ import annotations

import re
import smtplib
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from helpdesk.models.channel import Channel
from helpdesk.simulator.cli import simulate
from helpdesk.simulator.mail import MailServer
from helpdesk.simulator.phrases import LANGUAGES
from helpdesk.simulator.register import channel_specs, register_channels
from helpdesk.simulator.simulation import Simulation
from helpdesk.simulator.testing import serve
from helpdesk.simulator.traffic import BuyerMessage, generate
from helpdesk.simulator.world import build_world


@pytest.fixture
def sim() -> Simulation:
    return Simulation(21, messages=0)


@pytest.fixture
def base(sim: Simulation) -> Iterator[str]:
    with serve(sim) as url:
        yield url


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


def content(m: BuyerMessage | None) -> tuple[object, ...]:
    """A message without its wall-clock time."""
    assert m is not None
    return (m.store, m.external_id, m.buyer.key, m.language, m.intent, m.subject, m.text, m.order_id, m.malformed)


def test_inject_answers_with_the_external_id(base: str, sim: Simulation) -> None:
    response = httpx.post(f"{base}/_sim/inject", json={"platform": "ebay", "text": "Is this still available?"})
    assert response.status_code == 201
    external_id = response.json()["external_id"]
    assert sim.message("ebay-de", external_id) is not None


def test_inject_counts_in_truth(base: str) -> None:
    for platform in ("ebay", "aliexpress"):
        httpx.post(f"{base}/_sim/inject", json={"platform": platform, "text": "hello"})
    truth = httpx.get(f"{base}/_sim/truth").json()
    assert (truth["messages_published"], truth["malformed_published"]) == (2, 0)
    assert (truth["replies_received"], truth["duplicate_replies"]) == (0, 0)


def test_inject_uses_the_given_order_and_buyer(base: str, sim: Simulation) -> None:
    order = sim.worlds["aliexpress"].orders[0]
    body = httpx.post(f"{base}/_sim/inject", json={"platform": "aliexpress", "text": "Where?", "subject": "Parcel",
                                                   "order_id": order.order_id}).json()
    assert (body["order_id"], body["buyer"]) == (order.order_id, order.buyer.login)


def test_inject_rejects_an_unknown_platform(base: str) -> None:
    response = httpx.post(f"{base}/_sim/inject", json={"platform": "walmart", "text": "hi"})
    assert response.status_code == 400


def test_inject_rejects_a_missing_text(base: str) -> None:
    response = httpx.post(f"{base}/_sim/inject", json={"platform": "ebay"})
    assert response.status_code == 400


def test_truth_counts_malformed_messages() -> None:
    sim = Simulation(3, messages=20, malformed=1.0)
    while sim.publish_next() is not None:
        pass
    truth = sim.snapshot()
    assert truth["messages_published"] == truth["malformed_published"] == 20


def test_messages_bound_stops_generated_traffic() -> None:
    sim = Simulation(3, messages=5)
    published = [sim.publish_next() for _ in range(8)]
    assert sum(m is not None for m in published) == 5
    assert sim.snapshot()["messages_published"] == 5


def test_publisher_thread_publishes_up_to_the_bound() -> None:
    sim = Simulation(3, messages=12, rate=0)
    sim.start()
    try:
        for _ in range(200):
            if sim.published_count() >= 12:
                break
            time.sleep(0.05)
    finally:
        sim.stop()
    assert sim.published_count() == 12


def test_same_seed_gives_the_same_messages() -> None:
    first, second = Simulation(42, messages=60), Simulation(42, messages=60)
    a = [content(first.publish_next()) for _ in range(60)]
    b = [content(second.publish_next()) for _ in range(60)]
    assert a == b


def test_same_seed_gives_the_same_orders_and_stock() -> None:
    a, b = build_world(42), build_world(42)
    for key in a:
        assert [(o.order_id, o.buyer.key, o.state, [(p.sku, q) for p, q in o.lines]) for o in a[key].orders] == [
            (o.order_id, o.buyer.key, o.state, [(p.sku, q) for p, q in o.lines]) for o in b[key].orders]
        assert [(s.product.sku, s.warehouse, s.on_hand) for s in a[key].stock] == [
            (s.product.sku, s.warehouse, s.on_hand) for s in b[key].stock]


def test_different_seeds_give_different_messages() -> None:
    worlds_a, worlds_b = build_world(1), build_world(2)
    now = Simulation(1, messages=0).started
    a = [generate(1, n, worlds_a, 0.01, now).text for n in range(20)]
    b = [generate(2, n, worlds_b, 0.01, now).text for n in range(20)]
    assert a != b


def test_traffic_speaks_ten_languages_in_every_store() -> None:
    sim = Simulation(8, messages=600)
    messages = [sim.publish_next() for _ in range(600)]
    assert {m.language for m in messages if m} >= set(LANGUAGES)
    assert {m.store for m in messages if m} == set(sim.worlds)


def test_order_ids_have_each_platforms_format() -> None:
    world = build_world(5)
    patterns = {"amazon-de": r"\d{3}-\d{7}-\d{7}", "ebay-de": r"\d{2}-\d{5}-\d{5}", "shopify-eu": r"#\d{4}",
                "aliexpress": r"\d{16}"}
    for key, pattern in patterns.items():
        assert all(re.fullmatch(pattern, o.order_id) for o in world[key].orders), key


def test_amazon_mail_comes_from_a_relay_with_the_order_in_the_subject(mail: MailServer) -> None:
    sim = Simulation(4, messages=0, mail=mail)
    order = sim.worlds["amazon-de"].orders[0]
    message = sim.inject("amazon", "Bitte um Rechnung", order_id=order.order_id)
    parsed = BytesParser(policy=default_policy).parsebytes(sim.email_bytes(message))
    assert parsed["From"].addresses[0].domain == "marketplace.amazon.de"
    assert order.order_id in parsed["Subject"]
    assert parsed["Message-ID"] == message.external_id


def _send(mail: MailServer, key: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = "support@gadgetwerk.example"
    msg["To"] = "buyer@mail.example"
    msg["Subject"] = "Re: your order"
    msg["Message-ID"] = key
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", mail.smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)


def test_smtp_reply_sent_again_with_the_same_message_id_is_a_retry(mail: MailServer) -> None:
    sim = Simulation(4, messages=0, mail=mail)
    _send(mail, "<r1@gadgetwerk.example>", "We refunded you.")
    _send(mail, "<r1@gadgetwerk.example>", "We refunded you.")
    truth = sim.snapshot()["by_platform"]["email"]
    assert (truth["replies_received"], truth["retried_replies"], truth["duplicate_replies"]) == (1, 1, 0)


def test_same_reply_under_a_new_key_is_a_duplicate(mail: MailServer) -> None:
    sim = Simulation(4, messages=0, mail=mail)
    _send(mail, "<r1@gadgetwerk.example>", "We refunded you.")
    _send(mail, "<r2@gadgetwerk.example>", "We refunded you.")
    assert sim.snapshot()["duplicate_replies"] == 1


def test_register_adds_one_channel_per_store_and_is_idempotent(migrated_engine: Engine) -> None:
    sim = Simulation(6, messages=0)
    specs = channel_specs(sim, "http://127.0.0.1:8900", imap_port=1143, smtp_port=1025)
    try:
        with Session(migrated_engine) as session:
            first = register_channels(session, specs)
        with Session(migrated_engine) as session:
            second = register_channels(session, specs)
            channels = session.scalars(select(Channel)).all()
            settings = {c.platform.value: c.settings for c in channels}
        assert [created for _c, created in first] == [True] * len(sim.worlds)
        assert [created for _c, created in second] == [False] * len(sim.worlds)
        assert len(channels) == len(sim.worlds)
        assert settings["ebay"]["trading_url"] == "http://127.0.0.1:8900/ebay/ws/api.dll"
        assert settings["amazon"]["imap_port"] == 1143
    finally:
        with Session(migrated_engine) as session:
            for channel in session.scalars(select(Channel)):
                session.delete(channel)
            session.commit()


def test_stores_endpoint_lists_settings_without_credentials(base: str) -> None:
    stores = httpx.get(f"{base}/_sim/stores").json()
    assert {s["platform"] for s in stores} == {"ebay", "amazon", "shopify", "aliexpress", "email"}
    assert all("credentials" not in s for s in stores)


def test_cli_rejects_a_fault_fraction_above_one() -> None:
    result = CliRunner().invoke(simulate, ["--faults", "1.5"])
    assert result.exit_code != 0
    assert "--faults" in result.output


def test_injected_unknown_buyers_get_their_own_conversations(sim: Simulation) -> None:
    first = sim.inject("aliexpress", "hi", buyer="alice_01")
    second = sim.inject("aliexpress", "hi", buyer="bobby_02")
    assert first.thread != second.thread
    assert sim.inject("aliexpress", "again", buyer="alice_01").thread == first.thread
