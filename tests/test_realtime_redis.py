"""Redis as Socket.IO's message queue: two web processes and a separate `helpdesk poll` reach every browser."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
import socketio

from tests.browser import HELPDESK, PASSWORD, prepare_database
from tests.live import NO_REDIS, REDIS, free_port, redis_up, running_server, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not redis_up(), reason=NO_REDIS)]


class Listener:
    """A Socket.IO client signed in to one server, collecting inbox updates."""

    def __init__(self, base: str, cookie: str) -> None:
        self.events: list[dict] = []
        self.arrived = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("inbox.ticket", self._on)
        self.client.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)

    def _on(self, data: dict) -> None:
        self.events.append(data)
        self.arrived.set()

    def subjects(self) -> list[str]:
        """Subjects of the tickets heard about."""
        return [e["row"]["subject"] for e in self.events]


def _cookie(base: str, email: str = "ana@example.com") -> str:
    with sign_in(base, email, PASSWORD) as client:
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


@contextmanager
def _poll_process(env: dict[str, str], cwd: Path) -> Iterator[None]:
    log = (cwd / "poll.log").open("wb")
    proc = subprocess.Popen([HELPDESK, "poll"], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def _wait_for(predicate, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_poll_process_and_both_web_processes_reach_every_browser(tmp_path: Path) -> None:
    from helpdesk.simulator.mail import MailServer
    from helpdesk.simulator.simulation import Simulation
    from helpdesk.simulator.testing import serve

    database_url = f"sqlite:///{tmp_path / 'redis.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update({"HELPDESK_ENV": "development", "HELPDESK_SECRET_KEY": "redis-test-secret-key-0123456789",
                "HELPDESK_INSTANCE_PATH": str(tmp_path / "instance"), "HELPDESK_DATABASE_URL": database_url,
                "HELPDESK_REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0"})
    with ExitStack() as stack:
        mail = MailServer(host="127.0.0.1").start()
        stack.callback(mail.stop)
        sim = Simulation(23, messages=0, rate=0, faults=0.0, malformed=0.0, mail=mail)
        sim_url = stack.enter_context(serve(sim))
        prepare_database(database_url, sim_url, sim)
        first = stack.enter_context(running_server([HELPDESK], env, tmp_path, free_port()))
        second = stack.enter_context(running_server([HELPDESK], env, tmp_path, free_port()))
        listeners = [Listener(first, _cookie(first)), Listener(second, _cookie(second))]
        for listener in listeners:
            stack.callback(listener.client.disconnect)
        stack.enter_context(_poll_process(env, tmp_path))

        httpx.post(f"{sim_url}/_sim/inject", json={"platform": "ebay", "text": "Hello REDIS-CHECK", "subject": "REDIS-CHECK"},
                   timeout=10).raise_for_status()
        assert _wait_for(lambda: all("REDIS-CHECK" in listener.subjects() for listener in listeners)), \
            [listener.subjects() for listener in listeners]

        # An agent's action on one web process reaches the browser on the other.
        ticket_id = next(e["row"]["id"] for e in listeners[1].events if e["row"]["subject"] == "REDIS-CHECK")
        listeners[1].events.clear()
        with sign_in(first, "ana@example.com", PASSWORD) as client:
            token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
            assert client.post(f"/tickets/{ticket_id}/claim", data={"csrf_token": token}).status_code == 302
        assert _wait_for(lambda: any(e["row"]["assignee_name"] == "Ana First" for e in listeners[1].events), 15)

        # Presence is shared: an agent viewing the ticket through one process is seen from the other.
        viewer = socketio.Client(reconnection=False)
        viewer.connect(second, headers={"Cookie": _cookie(second, "bo@example.com")}, transports=["websocket"], wait_timeout=10)
        stack.callback(viewer.disconnect)
        assert listeners[0].client.call("join_ticket", {"ticket_id": ticket_id}, timeout=10)["ok"]
        ack = viewer.call("join_ticket", {"ticket_id": ticket_id}, timeout=10)
        assert sorted(v["name"] for v in ack["viewers"]) == ["Ana First", "Bo Second"], ack
        seen = listeners[1].client.call("viewers", {}, timeout=10)["viewers"]
        assert sorted(v["name"] for v in seen[str(ticket_id)]) == ["Ana First", "Bo Second"], seen
