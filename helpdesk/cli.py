"""The `helpdesk` command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from helpdesk import __version__
from helpdesk.commands.errors import cli_errors
from helpdesk.config import Config
from helpdesk.db import make_engine
from helpdesk.services import schema
from helpdesk.services.agents import create_agent


@contextmanager
def _engine(config: Config) -> Iterator[Engine]:
    """An engine for one command, its connections closed at the end."""
    engine = make_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
    try:
        yield engine
    finally:
        engine.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="helpdesk")
def main() -> None:
    """Helpdesk: one inbox for every marketplace store.

    Configuration comes from HELPDESK_* environment variables (see the README).
    """


@main.group()
def bench() -> None:
    """Measure speed (benchmarks, not tests): bot, ingest, inbox, socket."""


@main.group()
def db() -> None:
    """Create, upgrade and inspect the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Migration to upgrade to.")
@cli_errors
def db_upgrade(revision: str) -> None:
    """Create the schema or bring it up to date."""
    config = Config.from_env()
    with _engine(config) as engine:
        schema.upgrade(engine, revision)
        current = schema.current_revision(engine)
    click.echo(f"database at {current} ({config.database_url.render_as_string(hide_password=True)})")


@db.command("downgrade")
@click.argument("revision")
@cli_errors
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ("base" removes every table)."""
    with _engine(Config.from_env()) as engine:
        schema.downgrade(engine, revision)
        current = schema.current_revision(engine)
    click.echo(f"database at {current or 'base'}")


@db.command("current")
@cli_errors
def db_current() -> None:
    """Print the database's migration and the newest one available."""
    with _engine(Config.from_env()) as engine:
        click.echo(f"current: {schema.current_revision(engine) or 'none'}")
        click.echo(f"head:    {schema.head_revision(engine)}")


@db.command("check")
@cli_errors
def db_check() -> None:
    """Fail if the models differ from what the migrations create."""
    with _engine(Config.from_env()) as engine:
        schema.require_current(engine)
        changes = schema.pending_model_changes(engine)
    if changes:
        for change in changes:
            click.echo(f"  {change}", err=True)
        raise click.ClickException(f"{len(changes)} model change(s) have no migration: run `helpdesk db revision`")
    click.echo("models and migrations agree")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
@cli_errors
def db_revision(message: str) -> None:
    """Write a new migration from the difference between models and database (developers)."""
    with _engine(Config.from_env()) as engine:
        schema.make_revision(engine, message)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, default="", show_default=False)


@main.command("create-agent")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--name", required=True, help="Name shown to colleagues.")
@click.option("--role", default="agent", show_default=True, help="agent, supervisor or admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--ui-language", default="en", show_default=True, help="en or zh.")
@cli_errors
def create_agent_command(email: str, name: str, role: str, password_stdin: bool, ui_language: str) -> None:
    """Add an agent who can sign in."""
    with _engine(Config.from_env()) as engine:
        schema.require_current(engine)
        password = _read_password(password_stdin)
        with Session(engine) as session:
            agent = create_agent(session, email=email, name=name, role=role, password=password, ui_language=ui_language)
            click.echo(f"created {agent.role.value} {agent.email} (id {agent.id})")


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=64, show_default=True, type=click.IntRange(4, 1024), help="Concurrent requests and sockets.")
@click.option("--with-workers", is_flag=True, help="Also poll the stores, draft with the bot, sweep SLA clocks and send replies.")
@cli_errors
def run_command(host: str, port: int, threads: int, with_workers: bool) -> None:
    """Serve the inbox (HTTP and Socket.IO) until stopped."""
    from helpdesk import create_app
    from helpdesk.server import serve
    from helpdesk.workers import start_workers

    config = Config.from_env()
    with _engine(config) as engine:
        schema.require_current(engine)
    app = create_app(config)
    click.echo(f"helpdesk {__version__} serving on http://{host}:{port}/" + (" with workers" if with_workers else ""), err=True)
    serve(app, host, port, threads, on_worker_start=(lambda: start_workers(app)) if with_workers else None)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--instance", type=click.Path(file_okay=False, path_type=Path), default=Path("instance-demo"), show_default=True)
@click.option("--seed", default=7, show_default=True, help="The simulated world and its traffic.")
@click.option("--rate", default=0.5, show_default=True, type=click.FloatRange(0.01, 50), help="Buyer messages per second.")
@cli_errors
def demo_command(host: str, port: int, instance: Path, seed: int, rate: float) -> None:
    """Start a fresh demo: new SQLite database, people to sign in as, simulated marketplaces with
    steady multilingual traffic, and the inbox served with its workers."""
    from contextlib import ExitStack

    from helpdesk import create_app
    from helpdesk.demo import create_people, fresh_config, start_simulator
    from helpdesk.server import serve
    from helpdesk.workers import start_workers

    config = fresh_config(instance.resolve())
    logins = create_people(config)
    with ExitStack() as stack:
        sim_url = start_simulator(stack, config, seed=seed, rate=rate, host=host)
        lines = "\n".join(f"  {login.role:<10} {login.email:<24} {login.password}" for login in logins)
        click.echo(f"\nHelpdesk demo: open http://{host}:{port}/ and sign in as\n{lines}\n\n"
                   f"Simulated marketplaces at {sim_url} (inject a message: POST {sim_url}/_sim/inject)\n")
        app = create_app(config)
        serve(app, host, port, on_worker_start=lambda: start_workers(app))


# Feature command groups live beside their features.
from helpdesk.commands.bench_inbox import bench_inbox  # noqa: E402
from helpdesk.commands.bench_ingest import bench_ingest  # noqa: E402
from helpdesk.commands.bench_sla import bench_sla  # noqa: E402
from helpdesk.commands.bench_socket import bench_socket  # noqa: E402
from helpdesk.commands.bot import bench_bot, bot  # noqa: E402
from helpdesk.commands.ingest import poll, quarantine, stats, stock  # noqa: E402
from helpdesk.commands.sla import sla  # noqa: E402
from helpdesk.simulator.cli import simulate  # noqa: E402

for command in (bot, simulate, poll, stats, stock, quarantine, sla):
    main.add_command(command)
bench.add_command(bench_bot)
bench.add_command(bench_inbox)
bench.add_command(bench_ingest)
bench.add_command(bench_sla)
bench.add_command(bench_socket)
