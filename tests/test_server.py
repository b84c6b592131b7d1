"""`helpdesk db upgrade`, `create-agent` and `run` as real processes: sign in over HTTP, connect a socket."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import socketio

from tests.live import free_port, running_server, sign_in

PASSWORD = "violet-harbour-71-lantern"
HELPDESK = shutil.which("helpdesk", path=str(Path(sys.executable).parent)) or "helpdesk"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update({
        "HELPDESK_ENV": "production",
        "HELPDESK_SECRET_KEY": "a-long-random-production-secret-key",
        "HELPDESK_INSTANCE_PATH": str(tmp_path / "instance"),
        "HELPDESK_SECURE_COOKIES": "0",  # plain http on localhost in this test
    })
    return env


def run_cli(command: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def upgrade_create_and_serve(helpdesk: list[str], env: dict[str, str], cwd: Path) -> None:
    """The README's path: upgrade, create an agent, run; then sign in and open a socket."""
    upgraded = run_cli([*helpdesk, "db", "upgrade"], env, cwd)
    assert upgraded.returncode == 0, upgraded.stderr
    created = run_cli([*helpdesk, "create-agent", "--email", "ops@example.com", "--name", "Olga Ops", "--role", "admin",
                       "--password-stdin"], env, cwd, stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    with running_server(helpdesk, env, cwd, free_port()) as base:
        with sign_in(base, "ops@example.com", PASSWORD) as client:
            inbox = client.get("/")
            assert inbox.status_code == 200 and "No open tickets" in inbox.text
            assert client.get("/static/css/app.css").status_code == 200
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())

        sock = socketio.Client(reconnection=False)
        sock.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
        assert sock.connected
        sock.disconnect()

        anonymous = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            anonymous.connect(base, transports=["websocket"], wait_timeout=10)


@pytest.mark.slow
def test_upgrade_create_agent_run_and_sign_in(tmp_path: Path) -> None:
    upgrade_create_and_serve([HELPDESK], _env(tmp_path), tmp_path)


@pytest.mark.slow
def test_pip_install_from_a_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    """Build the wheel, install it in a fresh virtual environment, run it from elsewhere."""
    root = Path(__file__).resolve().parents[1]
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    work.mkdir()
    built = run_cli([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(root)], dict(os.environ), tmp_path)
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("helpdesk-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = run_cli([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], dict(os.environ), tmp_path)
    assert installed.returncode == 0, installed.stderr

    env = _env(tmp_path)
    probe = run_cli([str(venv / "bin" / "python"), "-c",
                     "from helpdesk.paths import resource_dir as r; print(r('templates')); print(r('static')); print(r('migrations'))"],
                    env, work)
    assert probe.returncode == 0, probe.stderr
    for line in probe.stdout.split():
        assert line.startswith(str(venv)), f"{line} is not inside the installed package"
        assert Path(line).is_dir()

    helpdesk = [str(venv / "bin" / "helpdesk")]
    assert "create-agent" in run_cli([*helpdesk, "--help"], env, work).stdout
    upgrade_create_and_serve(helpdesk, env, work)
