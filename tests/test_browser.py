"""The inbox in headless Chromium against a real `helpdesk run --with-workers` and the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveDesk,
    live_desk,
    needs_chromium,
    sign_in_page,
)

pytestmark = [pytest.mark.slow, needs_chromium]

XSS = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{7*7}}"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDesk]:
    """One live helpdesk for the module's tests."""
    with live_desk(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _inject(desk: LiveDesk, **fields: str) -> dict:
    response = httpx.post(f"{desk.sim_url}/_sim/inject", json=fields, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def _open(page, row) -> None:  # type: ignore[no-untyped-def]
    """Open a ticket from its inbox row and wait until its scripts run and its socket is live."""
    row.click()
    page.wait_for_load_state("load")
    page.wait_for_selector('#live-status[data-state="live"]')


def _order_id(desk: LiveDesk, platform: str) -> str:
    return desk.sim.store_for(platform).orders[0].order_id  # type: ignore[attr-defined]


def test_injected_message_appears_in_the_inbox_without_reload(desk: LiveDesk, browser) -> None:
    page = sign_in_page(browser, desk.base, "ana@example.com")
    page.evaluate("window.__loaded = true")
    _inject(desk, platform="ebay", text="Hello, where is my parcel? Reference Q7-LIVE.", subject="Parcel Q7-LIVE")
    page.wait_for_selector("tr.ticket-row:has-text('Q7-LIVE')", timeout=30_000)
    assert page.evaluate("window.__loaded") is True  # the same page: no reload happened
    page.context.close()


def test_a_draft_arriving_live_can_be_discarded_without_reload(desk: LiveDesk, browser) -> None:
    order_id = desk.sim.store_for("amazon").orders[1].order_id  # type: ignore[attr-defined]
    first = _inject(desk, platform="amazon", text=f"Hello, where is my order {order_id}?", order_id=order_id)
    page = sign_in_page(browser, desk.base, "ana@example.com")
    _open(page, page.wait_for_selector(f"tr.ticket-row:has-text('{order_id}')", timeout=30_000))
    page.wait_for_selector("#draft:not([hidden])", timeout=30_000)
    page.click("#draft-discard button")  # the draft rendered with the page
    page.wait_for_selector('#live-status[data-state="live"]')
    assert page.locator("#draft").is_hidden()
    page.evaluate("window.__loaded = true")
    _inject(desk, platform="amazon", text=f"Can I still change the delivery address of order {order_id}?",
            order_id=order_id, buyer=first["buyer"])
    page.wait_for_selector("#draft:not([hidden])", timeout=30_000)  # arrived over the socket
    assert page.evaluate("window.__loaded") is True
    live_id = page.locator("#draft").get_attribute("data-draft-id")
    assert page.locator("#draft-text").inner_text().strip() and page.locator("#draft-why li").count() >= 1
    assert page.locator("#draft-discard").get_attribute("action").endswith(f"/draft/{live_id}/discard")
    assert page.get_by_role("button", name="Regenerate").is_visible()
    page.click("#draft-discard button")
    page.wait_for_selector('#live-status[data-state="live"]')
    assert page.locator("#draft").is_hidden()
    page.context.close()


def test_buyer_markup_shows_literally_and_runs_nothing(desk: LiveDesk, browser) -> None:
    page = sign_in_page(browser, desk.base, "ana@example.com")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _inject(desk, platform="ebay", text=f"XSS-CHECK {XSS} {TEMPLATE}", subject=f"XSS-CHECK {XSS} {TEMPLATE}")
    row = page.wait_for_selector("tr.ticket-row:has-text('XSS-CHECK')", timeout=30_000)
    assert XSS in row.inner_text() and TEMPLATE in row.inner_text()
    _open(page, row)
    body = page.locator("#thread .message .body").last.inner_text()
    assert XSS in body and TEMPLATE in body and "49" not in body
    assert page.locator("img[src=x]").count() == 0 and dialogs == []
    page.context.close()


def test_ticket_page_shows_draft_order_and_stock(desk: LiveDesk, browser) -> None:
    order_id = _order_id(desk, "amazon")
    _inject(desk, platform="amazon", text=f"Where is my order {order_id}? It has not arrived.", order_id=order_id)
    page = sign_in_page(browser, desk.base, "ana@example.com")
    row = page.wait_for_selector(f"tr.ticket-row:has-text('{order_id}')", timeout=30_000)
    href = row.get_attribute("data-href")
    for _ in range(30):  # the order and stock arrive on their own poll streams; the draft after ingest
        page.goto(desk.base + href)
        if page.locator("#draft").is_visible() and page.locator("#order-panel .order-id").count() \
                and page.locator("#order-panel .stock").count():
            break
        page.wait_for_timeout(1000)
    assert page.locator("#draft-text").inner_text().strip()
    assert page.locator("#order-panel .order-id").inner_text() == order_id
    assert page.locator("#order-panel .stock .wh").count() >= 1
    page.context.close()


def test_sent_reply_reaches_the_simulator(desk: LiveDesk, browser) -> None:
    _inject(desk, platform="ebay", text="Do you ship to Austria? REPLY-CHECK", subject="REPLY-CHECK")
    page = sign_in_page(browser, desk.base, "ana@example.com")
    _open(page, page.wait_for_selector("tr.ticket-row:has-text('REPLY-CHECK')", timeout=30_000))
    before = sum(desk.sim.truth.replies.values())  # type: ignore[attr-defined]
    page.keyboard.press("r")
    page.keyboard.type("Yes, we ship to Austria within 3 days.")
    page.click("#send")
    page.wait_for_selector("#send-status:not(:empty)", timeout=15_000)
    assert page.locator("#send-status").inner_text() == "Queued for sending", page.locator("#send-status").inner_text()
    page.wait_for_selector(".message-outbound:has-text('we ship to Austria')", timeout=15_000)
    for _ in range(60):
        if sum(desk.sim.truth.replies.values()) > before:  # type: ignore[attr-defined]
            break
        page.wait_for_timeout(500)
    assert sum(desk.sim.truth.replies.values()) == before + 1  # type: ignore[attr-defined]
    page.context.close()


def test_second_agent_sees_presence_and_another_agent_replying(desk: LiveDesk, browser) -> None:
    _inject(desk, platform="aliexpress", text="Can I change the colour? PRESENCE-CHECK", subject="PRESENCE-CHECK")
    first = sign_in_page(browser, desk.base, "ana@example.com")
    _open(first, first.wait_for_selector("tr.ticket-row:has-text('PRESENCE-CHECK')", timeout=30_000))
    url = first.url
    second = sign_in_page(browser, desk.base, "bo@example.com")
    second.goto(url)
    second.wait_for_selector('#live-status[data-state="live"]')
    first.wait_for_selector("#viewers .viewer-name:has-text('Bo Second')", timeout=10_000)
    second.click("#reply-text")
    second.keyboard.type("Hello")
    first.wait_for_selector("#replying:has-text('Bo Second')", timeout=10_000)
    second.context.close()
    first.context.close()


def test_chinese_ui_renders_for_a_chinese_agent(desk: LiveDesk, browser, tmp_path: Path) -> None:
    page = sign_in_page(browser, desk.base, "bo@example.com")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "收件箱" in page.locator(".topbar").inner_text() and "全部未结" in page.locator(".views").inner_text()
    page.context.close()


def test_keyboard_help_opens_with_question_mark(desk: LiveDesk, browser) -> None:
    page = sign_in_page(browser, desk.base, "ana@example.com")
    page.keyboard.press("?")
    assert page.locator("dialog#help").is_visible()
    page.context.close()
