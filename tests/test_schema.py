"""Migrations build exactly what the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from helpdesk.db import make_engine
from helpdesk.models import Base
from helpdesk.services import schema
from tests.conftest import TEST_DATABASE_URL


def _sqlite_engine(tmp_path: Path) -> Engine:
    return make_engine(make_url(f"sqlite:///{tmp_path / 'migrations.db'}"))


NO_POSTGRES = "PostgreSQL not configured: set HELPDESK_TEST_DATABASE_URL=postgresql+psycopg://..."


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason=NO_POSTGRES)),
    ]
)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
        return
    name = f"migr_{uuid.uuid4().hex[:12]}"
    admin = make_engine(make_url(TEST_DATABASE_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine = make_engine(make_url(TEST_DATABASE_URL), connect_args={"options": f"-csearch_path={name}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def test_upgrade_creates_every_model_table(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_agree(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    assert schema.pending_model_changes(empty_engine) == []


def test_comparison_notices_a_model_change_without_migration(tmp_path: Path) -> None:
    engine = _sqlite_engine(tmp_path)
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_tickets_status_sla_due"))
    changes = schema.pending_model_changes(engine)
    assert any("ix_tickets_status_sla_due" in repr(change) for change in changes)


def test_upgrade_is_idempotent_and_records_head(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    schema.upgrade(empty_engine)
    assert schema.current_revision(empty_engine) == schema.head_revision(empty_engine)
    schema.require_current(empty_engine)


def test_downgrade_to_base_removes_every_table(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    schema.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_require_current_names_the_fix_on_an_empty_database(tmp_path: Path) -> None:
    with pytest.raises(schema.SchemaOutOfDate, match="helpdesk db upgrade"):
        schema.require_current(_sqlite_engine(tmp_path))
