"""`helpdesk demo`: a fresh SQLite database, people to sign in as, the simulated marketplaces
registered as stores, and steady multilingual traffic."""

from __future__ import annotations

import logging
import secrets
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from helpdesk.config import Config
from helpdesk.db import make_engine
from helpdesk.models import Role
from helpdesk.services import schema
from helpdesk.services.agents import create_agent

PEOPLE = (
    ("admin@demo.local", "Ada Admin", Role.ADMIN, "en", "Europe/Berlin"),
    ("supervisor@demo.local", "Sam Supervisor", Role.SUPERVISOR, "en", "Europe/London"),
    ("agent@demo.local", "Li Wei", Role.AGENT, "zh", "Asia/Shanghai"),
    ("agent2@demo.local", "Alex Rivera", Role.AGENT, "en", "America/New_York"),
)


# Seconds between polls in the demo: new buyer messages show up within a few seconds.
DEMO_POLL_INTERVALS = {"messages": 3, "orders": 15, "stock": 30}


@dataclass(frozen=True)
class Login:
    """Who to sign in as."""

    role: str
    email: str
    password: str


def fresh_config(instance: Path) -> Config:
    """A development Config on a new SQLite file in `instance` (the old demo database is removed)."""
    database = instance / "demo.db"
    for path in (database, database.with_name("demo.db-wal"), database.with_name("demo.db-shm")):
        path.unlink(missing_ok=True)
    return Config.from_env({"HELPDESK_ENV": "development", "HELPDESK_SECRET_KEY": secrets.token_hex(32),
                            "HELPDESK_INSTANCE_PATH": str(instance), "HELPDESK_DATABASE_URL": f"sqlite:///{database}"})


def create_people(config: Config) -> list[Login]:
    """Upgrade the schema and add an admin, a supervisor and two agents with random passwords."""
    engine = make_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
    logins = []
    try:
        schema.upgrade(engine)
        with Session(engine) as session:
            for email, name, role, language, zone in PEOPLE:
                password = secrets.token_urlsafe(12)
                agent = create_agent(session, email=email, name=name, role=role, password=password, ui_language=language,
                                     actor="demo")
                agent.timezone = zone
                session.commit()
                logins.append(Login(role.value, email, password))
    finally:
        engine.dispose()
    return logins


def start_simulator(stack: ExitStack, config: Config, *, seed: int, rate: float, host: str = "127.0.0.1") -> str:
    """Serve the simulated marketplaces in this process, register their stores, start the traffic."""
    from helpdesk.simulator.mail import MailServer
    from helpdesk.simulator.register import channel_specs, register_channels
    from helpdesk.simulator.simulation import Simulation
    from helpdesk.simulator.testing import serve

    # The simulated marketplaces' request log would bury the demo's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    mail = MailServer(host=host).start()
    stack.callback(mail.stop)
    sim = Simulation(seed, messages=1_000_000, rate=rate, faults=0.02, malformed=0.005, mail=mail)
    base_url = stack.enter_context(serve(sim, host))
    engine = make_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
    try:
        with Session(engine) as session:
            for channel, _created in register_channels(session, channel_specs(sim, base_url)):
                channel.settings = {**channel.settings, "poll_intervals": DEMO_POLL_INTERVALS}
            session.commit()
    finally:
        engine.dispose()
    sim.start()
    stack.callback(sim.stop)
    return base_url
