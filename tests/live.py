"""Helpers for tests that run the real `helpdesk` command as a server process."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

REDIS = ("127.0.0.1", 6379)
NO_REDIS = "needs Redis on 127.0.0.1:6379"


def redis_up() -> bool:
    """True when the Redis the tests use answers."""
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(command: Sequence[str], env: dict[str, str], cwd: Path, port: int,
                   extra_args: Sequence[str] = ()) -> Iterator[str]:
    """Start `helpdesk run` and yield its base URL once /healthz answers; stop it after."""
    log = cwd / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*command, "run", "--host", "127.0.0.1", "--port", str(port), *extra_args], env=env, cwd=cwd,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def sign_in(base: str, email: str, password: str) -> Iterator[httpx.Client]:
    """Sign in through the real form; yield the client holding the session cookie."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
        yield _signed_in(client, email, password)


def _signed_in(client: httpx.Client, email: str, password: str) -> httpx.Client:
    page = client.get("/login")
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    assert response.status_code == 302 and response.headers["location"] == "/", (response.status_code, response.text[:500])
    return client
