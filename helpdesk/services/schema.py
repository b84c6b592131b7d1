"""The database schema: Alembic upgrades, and checks that models and migrations agree."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from helpdesk.models import Base
from helpdesk.paths import resource_dir
from helpdesk.services.search import include_object


class SchemaOutOfDate(RuntimeError):
    """The database is not at the latest migration."""


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic config pointing at the packaged migrations and this engine."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def _run(engine: Engine, fn: Any, *args: Any, **kwargs: Any) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        fn(cfg, *args, **kwargs)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision`."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the schema to `revision` ("base" drops everything)."""
    _run(engine, command.downgrade, revision)


def make_revision(engine: Engine, message: str, autogenerate: bool = True) -> None:
    """Write a new migration file (for developers), comparing the models with the database."""
    _run(engine, command.revision, message=message, autogenerate=autogenerate)


def head_revision(engine: Engine) -> str | None:
    """The newest migration shipped with this version."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it has no schema yet."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the newest migration."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        state = "has no schema" if current is None else f"is at migration {current}, not {head}"
        raise SchemaOutOfDate(f"the database {state}: run `helpdesk db upgrade`")


def pending_model_changes(engine: Engine) -> list[Any]:
    """What autogenerate would add to a migration: empty when models and migrations agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        return list(compare_metadata(context, Base.metadata))
