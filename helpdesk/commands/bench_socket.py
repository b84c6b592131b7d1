"""`helpdesk bench socket`: from an ingest commit to the event in 50 Socket.IO clients.

The path measured is the scaled one: this process records buyer messages like a `helpdesk poll`
process and emits through Redis; a `helpdesk run` server relays to the connected clients.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import click
import httpx
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from helpdesk import events
from helpdesk.connectors.base import BuyerRef, InboundMessage, MessagePage
from helpdesk.db import make_engine
from helpdesk.models import Channel, Platform, Role, utcnow
from helpdesk.realtime_adapter import broadcast_from_worker, uninstall
from helpdesk.services import schema
from helpdesk.services.agents import create_agent
from helpdesk.services.ingest import record_inbound_messages


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Clients:
    """N socket clients recording when each bench event arrives (wall clock, same machine)."""

    def __init__(self, n: int, base: str, cookie: str) -> None:
        import socketio

        self.arrivals: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self.clients = []
        for _ in range(n):
            client = socketio.Client(reconnection=False)
            client.on("inbox.ticket", self._on)
            client.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
            self.clients.append(client)

    def _on(self, data: dict[str, Any]) -> None:
        at = time.time()
        subject = data.get("row", {}).get("subject", "")
        if subject.startswith("bench-socket-") and data.get("event") == "ticket.created":
            with self._lock:
                self.arrivals.setdefault(subject, []).append(at)

    def close(self) -> None:
        """Disconnect every client."""
        for client in self.clients:
            client.disconnect()


def _serve(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[bytes]:
    helpdesk = shutil.which("helpdesk", path=str(Path(sys.executable).parent)) or "helpdesk"
    with (cwd / "server.log").open("wb") as log:  # the child keeps its own copy of the handle
        proc = subprocess.Popen([helpdesk, "run", "--host", "127.0.0.1", "--port", str(port), "--threads", "128"],
                                env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise click.ClickException(f"the server did not start: see {cwd / 'server.log'}")


def _cookie(base: str, email: str, password: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as client:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
        assert token is not None
        response = client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
        if response.status_code != 302:
            raise click.ClickException("could not sign in to the bench server")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def run_bench(clients: int, n_events: int, redis_url: str, interval: float) -> dict[str, Any]:
    """Start a server, connect the clients, ingest N messages one commit each; return the latencies."""
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        database = cwd / "socket.db"
        engine = make_engine(URL.create("sqlite", database=str(database)))
        schema.upgrade(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        password = secrets.token_urlsafe(16)
        with sessions() as session:
            create_agent(session, email="bench@bench.local", name="Bench", role=Role.AGENT, password=password)
            channel = Channel(platform=Platform.EBAY, name="bench")
            session.add(channel)
            session.commit()
            channel_id = channel.id
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
        env.update({"HELPDESK_ENV": "development", "HELPDESK_SECRET_KEY": secrets.token_hex(32),
                    "HELPDESK_INSTANCE_PATH": str(cwd / "instance"), "HELPDESK_DATABASE_URL": f"sqlite:///{database}",
                    "HELPDESK_REDIS_URL": redis_url})
        port = _free_port()
        server = _serve(env, cwd, port)
        base = f"http://127.0.0.1:{port}"
        committed: dict[str, float] = {}
        pool = None
        try:
            pool = _Clients(clients, base, _cookie(base, "bench@bench.local", password))
            broadcast_from_worker(redis_url, sessions)
            time.sleep(0.5)
            for i in range(n_events):
                subject = f"bench-socket-{i}"
                page = MessagePage([InboundMessage(external_id=subject, buyer=BuyerRef("ebay_user", f"buyer_{i}", f"Buyer {i}"),
                                                   body_text="Where is my parcel?", subject=subject, sent_at=utcnow())],
                                   cursor={"i": i})
                with Session(engine) as session:
                    result = record_inbound_messages(session, channel_id, page)
                    committed[subject] = time.time()
                    events.publish(result.events(channel_id))
                time.sleep(interval)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and sum(len(v) for v in pool.arrivals.values()) < clients * n_events:
                time.sleep(0.1)
        finally:
            uninstall()
            if pool is not None:
                pool.close()
            server.terminate()
            server.wait(timeout=15)
            engine.dispose()
        latencies = sorted((at - committed[s]) * 1000 for s, ats in pool.arrivals.items() for at in ats)
    received = len(latencies)
    return {
        "clients": clients, "events": n_events, "expected": clients * n_events, "received": received,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(latencies[max(0, int(received * 0.95) - 1)], 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
    }


@click.command("socket")
@click.option("--clients", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--events", "n_events", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--interval", default=0.05, show_default=True, help="Seconds between ingest commits.")
@click.option("--redis-url", default=lambda: os.environ.get("HELPDESK_REDIS_URL") or "redis://127.0.0.1:6379/0",
              show_default="HELPDESK_REDIS_URL or redis://127.0.0.1:6379/0")
@click.option("--json", "as_json", is_flag=True)
def bench_socket(clients: int, n_events: int, interval: float, redis_url: str, as_json: bool) -> None:
    """Start a server on a temporary database, connect N clients, time ingest commit → event received."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"bench socket needs Redis at {redis_url}: {exc}") from None
    figures = run_bench(clients, n_events, redis_url, interval)
    if as_json:
        click.echo(json.dumps(figures))
    else:
        click.echo("\n".join(f"{k:<10} {v}" for k, v in figures.items()))
