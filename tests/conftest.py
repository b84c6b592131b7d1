"""Fixtures: app, client, session, agent, auth, runner. SQLite always; PostgreSQL when
HELPDESK_TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from helpdesk import create_app
from helpdesk.config import Config, parse_database_url
from helpdesk.db import make_engine
from helpdesk.extensions import db
from helpdesk.models import Agent, Base, Role
from helpdesk.services import schema
from helpdesk.services.search import FTS_TABLES, FTS_VIEW
from tests import factories

TEST_DATABASE_URL = os.environ.get("HELPDESK_TEST_DATABASE_URL", "").strip()


def drop_everything(engine: Engine) -> None:
    """Remove every helpdesk table and Alembic's version table."""
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if engine.dialect.name == "sqlite":
            conn.execute(text(f"DROP VIEW IF EXISTS {FTS_VIEW}"))
            for name in FTS_TABLES:  # the search index (its triggers went with their tables)
                conn.execute(text(f"DROP TABLE IF EXISTS {name}"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database the suite runs on: PostgreSQL if configured, else a SQLite file."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'helpdesk-test.db'}"


# Rows the migrations seed (built-in SLA policies and calendars): restored after each test.
SEEDED_TABLES = ("business_calendars", "sla_policies")
_seed: dict[str, list[dict]] = {}


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database built by the migrations (not create_all), once per run."""
    engine = make_engine(parse_database_url(database_url))
    drop_everything(engine)
    schema.upgrade(engine)
    with engine.connect() as conn:
        for name in SEEDED_TABLES:
            _seed[name] = [dict(row._mapping) for row in conn.execute(Base.metadata.tables[name].select())]
    yield engine
    drop_everything(engine)
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        for name in SEEDED_TABLES:
            if _seed.get(name):
                conn.execute(Base.metadata.tables[name].insert(), _seed[name])
                if engine.dialect.name == "postgresql":
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    """A testing Config on the suite's database."""
    return Config.from_env(
        {
            "HELPDESK_ENV": "testing",
            "HELPDESK_DATABASE_URL": database_url,
            "HELPDESK_INSTANCE_PATH": str(tmp_path / "instance"),
            "HELPDESK_SECRET_KEY": "test-secret-key-0123456789",
        }
    )


@pytest.fixture
def app(config: Config, migrated_engine: Engine) -> Iterator[Flask]:
    """A fresh app; every table is emptied after the test."""
    application = create_app(config)
    yield application
    if db.engine is not None:
        db.engine.dispose()
    _empty_tables(migrated_engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A database session outside any request (no app context held open, so that each
    test-client request gets its own app context and request session, as in production)."""
    s = db.new_session()
    yield s
    s.close()


@pytest.fixture
def agent(session: Session) -> Agent:
    """An active agent with the role `agent` and the password factories.PASSWORD."""
    return factories.make_agent(session, role=Role.AGENT)


@pytest.fixture
def admin(session: Session) -> Agent:
    """An active admin."""
    return factories.make_agent(session, email="admin@example.com", name="Ada Admin", role=Role.ADMIN)


def csrf_token(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str = "agent@example.com", password: str = factories.PASSWORD, **kwargs: object):  # type: ignore[no-untyped-def]
        """Post the sign-in form with a valid CSRF token."""
        token = csrf_token(self._client.get("/login").get_data(as_text=True))
        return self._client.post("/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs)

    def logout(self):  # type: ignore[no-untyped-def]
        """Post the sign-out form with the page's CSRF token."""
        token = csrf_token(self._client.get("/").get_data(as_text=True))
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Helpers to sign in and out."""
    return AuthActions(client)


@pytest.fixture
def runner_env(database_url: str, tmp_path: Path, migrated_engine: Engine) -> Iterator[dict[str, str]]:
    """Environment for running CLI commands against the suite's database."""
    yield {
        "HELPDESK_ENV": "testing",
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_INSTANCE_PATH": str(tmp_path / "instance"),
        "HELPDESK_SECRET_KEY": "",
    }
    _empty_tables(migrated_engine)
