"""A real helpdesk (`helpdesk run --with-workers`) against the in-process simulator, for browser tests."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from helpdesk.config import parse_database_url
from helpdesk.db import make_engine
from helpdesk.services import schema
from helpdesk.services.agents import create_agent
from tests.live import free_port, running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "amber-falcon-42-meadow"
HELPDESK = shutil.which("helpdesk", path=str(Path(sys.executable).parent)) or "helpdesk"
POLL_INTERVALS = {"messages": 1, "orders": 2, "stock": 2}

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's chromium at {CHROMIUM}")


@dataclass
class LiveDesk:
    """A running helpdesk, its simulator and where they answer."""

    base: str
    sim: object
    sim_url: str


def prepare_database(database_url: str, sim_url: str, sim: object) -> None:
    """Schema, two agents (Ana in English, Bo in Chinese) and the simulator's stores polled every second or two."""
    from helpdesk.simulator.register import channel_specs, register_channels

    engine = make_engine(parse_database_url(database_url))
    try:
        schema.upgrade(engine)
        with Session(engine) as session:
            create_agent(session, email="ana@example.com", name="Ana First", role="agent", password=PASSWORD)
            create_agent(session, email="bo@example.com", name="Bo Second", role="agent", password=PASSWORD,
                         ui_language="zh")
            for channel, _ in register_channels(session, channel_specs(sim, sim_url)):  # type: ignore[arg-type]
                channel.settings = {**channel.settings, "poll_intervals": POLL_INTERVALS}
            session.commit()
    finally:
        engine.dispose()


@contextmanager
def live_desk(tmp_path: Path) -> Iterator[LiveDesk]:
    """Simulator (quiet: messages only when injected) + `helpdesk run --with-workers` on a fresh SQLite."""
    from helpdesk.simulator.mail import MailServer
    from helpdesk.simulator.simulation import Simulation
    from helpdesk.simulator.testing import serve

    database_url = f"sqlite:///{tmp_path / 'live.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update({"HELPDESK_ENV": "development", "HELPDESK_SECRET_KEY": "browser-test-secret-key-0123456789",
                "HELPDESK_INSTANCE_PATH": str(tmp_path / "instance"), "HELPDESK_DATABASE_URL": database_url})
    with ExitStack() as stack:
        mail = MailServer(host="127.0.0.1").start()  # Amazon and Shopify messages arrive by mail
        stack.callback(mail.stop)
        sim = Simulation(11, messages=0, rate=0, faults=0.0, malformed=0.0, mail=mail)
        sim_url = stack.enter_context(serve(sim))
        prepare_database(database_url, sim_url, sim)
        base = stack.enter_context(running_server([HELPDESK], env, tmp_path, free_port(), ["--with-workers"]))
        yield LiveDesk(base, sim, sim_url)


def sign_in_page(browser, base: str, email: str):  # type: ignore[no-untyped-def]
    """A new browser context signed in as `email`; returns its page on the inbox."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#tickets")
    page.wait_for_selector('#live-status[data-state="live"]')
    return page

