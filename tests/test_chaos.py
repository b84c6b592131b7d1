"""Issue 3's proof: against the simulator with 20% faults, a poller SIGKILLed ten times at random
moments loses nothing and stores nothing twice; replies sent under kills arrive exactly once.
Runs on SQLite, and on PostgreSQL (in its own schema) when HELPDESK_TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from helpdesk.db import make_engine
from helpdesk.models import Channel, OutboxItem, OutboxState, Ticket, utcnow
from helpdesk.services.outbox import queue_reply
from tests.conftest import TEST_DATABASE_URL
from tests.live import free_port

HELPDESK = str(Path(sys.executable).parent / "helpdesk")
MESSAGES = 80


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema in the PostgreSQL test database when one is configured."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'chaos.db'}"
        return
    name = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = make_engine(make_url(TEST_DATABASE_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    yield make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update({"HELPDESK_ENV": "development", "HELPDESK_INSTANCE_PATH": str(tmp_path / "instance"),
                "HELPDESK_DATABASE_URL": database_url, "HELPDESK_POLL_LEASE_SECONDS": "3"})
    return env


def _stats(env: dict[str, str], cwd: Path) -> dict[str, int]:
    out = subprocess.run([HELPDESK, "stats", "--json"], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _kill_pollers(env: dict[str, str], cwd: Path, rng: random.Random, times: int) -> None:
    for _ in range(times):
        proc = subprocess.Popen([HELPDESK, "poll", "--workers", "4"], env=env, cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _drain(env: dict[str, str], cwd: Path, engine, done) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Poll --once (without waiting for backoff) until `done(stats)` or 40 rounds."""
    stats: dict[str, int] = {}
    for _ in range(40):
        with Session(engine) as session:  # the killed pollers' leases are short; skip the backoff waits
            session.execute(update(Channel).values(next_poll_at=None))
            session.execute(update(OutboxItem).where(OutboxItem.state == OutboxState.PENDING).values(next_attempt_at=utcnow()))
            session.commit()
        subprocess.run([HELPDESK, "poll", "--once"], env=env, cwd=cwd, capture_output=True, timeout=300)
        stats = _stats(env, cwd)
        if done(stats):
            break
        time.sleep(1)
    return stats


@pytest.mark.slow
def test_pollers_killed_ten_times_lose_nothing_and_duplicate_nothing(tmp_path: Path, database_url: str) -> None:
    env, rng = _env(tmp_path, database_url), random.Random(20261127)
    assert subprocess.run([HELPDESK, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True).returncode == 0
    port = free_port()
    sim_log = (tmp_path / "sim.log").open("wb")
    sim = subprocess.Popen([HELPDESK, "simulate", "--port", str(port), "--seed", "11", "--messages", str(MESSAGES),
                            "--rate", "40", "--faults", "0.2", "--malformed", "0.05", "--timeout-delay", "1.5",
                            "--register"],
                           env=env, cwd=tmp_path, stdout=sim_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    engine = make_engine(make_url(env["HELPDESK_DATABASE_URL"]))
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/_sim/truth", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with Session(engine) as session:
            for channel in session.scalars(select(Channel)):
                channel.settings = {**channel.settings, "backoff_seconds": 0.5, "timeout": 1.0,
                                    "poll_intervals": {"messages": 1, "orders": 5, "stock": 5}}
            session.commit()

        _kill_pollers(env, tmp_path, rng, 10)
        for _ in range(60):
            if httpx.get(f"{base}/_sim/truth", timeout=5).json()["messages_published"] >= MESSAGES:
                break
            time.sleep(0.5)
        truth = httpx.get(f"{base}/_sim/truth", timeout=5).json()
        expected = truth["messages_published"] - truth["malformed_published"]
        stats = _drain(env, tmp_path, engine, lambda s: s["messages_inbound"] >= expected)
        assert truth["messages_published"] == MESSAGES
        assert stats["messages_inbound"] == expected
        assert stats["quarantined"] == truth["malformed_published"]

        with Session(engine) as session:
            threads = session.execute(
                select(Ticket.channel_id, Ticket.external_thread_id, func.count()).where(Ticket.external_thread_id.is_not(None))
                .group_by(Ticket.channel_id, Ticket.external_thread_id).having(func.count() > 1)).all()
            orders = session.execute(
                select(Ticket.channel_id, Ticket.customer_id, Ticket.order_ref, func.count()).where(Ticket.order_ref.is_not(None))
                .group_by(Ticket.channel_id, Ticket.customer_id, Ticket.order_ref).having(func.count() > 1)).all()
            assert threads == [] and orders == []
            ticket_ids = list(session.scalars(select(Ticket.id)))
            for ticket_id in ticket_ids:
                queue_reply(session, ticket_id, "Thank you for your message, we are on it.")

        _kill_pollers(env, tmp_path, rng, 4)
        stats = _drain(env, tmp_path, engine, lambda s: s["outbox_pending"] == 0)
        truth = httpx.get(f"{base}/_sim/truth", timeout=5).json()
        assert stats["outbox_pending"] == 0
        assert stats["outbox_sent"] + stats["outbox_failed"] == len(ticket_ids)
        assert truth["replies_received"] == stats["outbox_sent"]
        assert truth["duplicate_replies"] == 0
    finally:
        engine.dispose()
        sim.send_signal(signal.SIGTERM)
        try:
            sim.wait(timeout=15)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait()
        sim_log.close()
