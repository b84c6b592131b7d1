"""`helpdesk simulate` as a real process: serves, registers its channels once, stops on SIGTERM."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from helpdesk.models.channel import Channel
from tests.live import free_port

pytestmark = pytest.mark.slow


@contextmanager
def simulator(env: dict[str, str], cwd: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run `helpdesk simulate` and yield its base URL once /_sim/truth answers."""
    port = free_port()
    log = cwd / f"simulate-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from helpdesk.cli import main; main()", "simulate", "--port", str(port), *args],
            env={**os.environ, **env}, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(f"simulate exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/_sim/truth", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError(f"simulate did not answer:\n{log.read_text()}")
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def channel_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Channel)) or 0


def test_simulate_registers_each_store_once_across_restarts(runner_env: dict[str, str], tmp_path: Path,
                                                            migrated_engine: Engine) -> None:
    for _ in range(2):
        with simulator(runner_env, tmp_path, "--seed", "4", "--messages", "3", "--rate", "0", "--register"):
            pass
    assert channel_count(migrated_engine) == 5


def test_simulate_publishes_its_messages_and_stops_on_sigterm(runner_env: dict[str, str], tmp_path: Path) -> None:
    with simulator(runner_env, tmp_path, "--seed", "4", "--messages", "3", "--rate", "0") as (base, proc):
        for _ in range(100):
            if httpx.get(f"{base}/_sim/truth", timeout=5).json()["messages_published"] == 3:
                break
            time.sleep(0.1)
        assert httpx.get(f"{base}/_sim/truth", timeout=5).json()["messages_published"] == 3
        proc.terminate()
        assert proc.wait(timeout=15) == 0
