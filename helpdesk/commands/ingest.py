"""`helpdesk poll`, `stats`, `stock import` and `quarantine` — the ingest side's commands."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

import click
from sqlalchemy import select

from helpdesk.commands.database import command_sessions
from helpdesk.commands.errors import cli_errors
from helpdesk.config import Config
from helpdesk.models import QuarantinedPayload
from helpdesk.polling import PollOutcome, run_poller
from helpdesk.realtime_adapter import broadcast_from_worker
from helpdesk.services.orders import StockImportError, import_stock_csv
from helpdesk.services.stats import collect_stats


@click.command("poll")
@click.option("--once", is_flag=True, help="Poll every channel (all streams) once, relay the outbox, and exit.")
@click.option("--channel", "channel_id", type=int, help="Only this channel id.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64), help="Channels polled at once.")
@click.option("-v", "--verbose", is_flag=True, help="Print each poll's outcome.")
@cli_errors
def poll(once: bool, channel_id: int | None, workers: int, verbose: bool) -> None:
    """Poll the channels' marketplaces and mailboxes, and send queued replies, until stopped."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config.from_env()
    engine, sessions = command_sessions(config)
    broadcast_from_worker(config.redis_url, sessions)  # with Redis, browsers hear this process's events
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def report(outcome: PollOutcome) -> None:
        if verbose or once:
            click.echo(f"channel {outcome.channel_id}: {outcome.status} new_messages={outcome.new_messages} "
                       f"orders={outcome.orders} stock={outcome.stock_levels} quarantined={outcome.quarantined}"
                       + (f" error={outcome.error}" if outcome.error else ""))

    err = click.get_text_stream("stderr")

    def progress(channel: int, stream: str, pages: int, items: int) -> None:
        if err.isatty() or verbose:  # a first sync can be weeks of history: show it moving
            click.echo(f"\rchannel {channel} {stream}: {pages} page(s), {items} item(s)", nl=not err.isatty(), err=True)

    try:
        run_poller(sessions, once=once, channel_id=channel_id, workers=workers, stop=stop, report=report,
                   progress=progress)
    finally:
        engine.dispose()


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@cli_errors
def stats(as_json: bool) -> None:
    """Counts of tickets, messages, customers, orders, quarantined payloads and outbox items."""
    engine, sessions = command_sessions()
    with sessions() as session:
        numbers = collect_stats(session)
    engine.dispose()
    if as_json:
        click.echo(json.dumps(numbers))
    else:
        for key, value in numbers.items():
            click.echo(f"{key:<18} {value}")


@click.group("stock")
def stock() -> None:
    """Central inventory."""


@stock.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@cli_errors
def stock_import(path: Path) -> None:
    """Import stock levels from a CSV with columns sku,warehouse,on_hand,reserved (all or nothing)."""
    engine, sessions = command_sessions()
    try:
        with sessions() as session:
            total = max(sum(1 for _ in path.open(encoding="utf-8-sig")) - 1, 0)
            with click.progressbar(length=total, label="importing stock", file=click.get_text_stream("stderr")) as bar:
                imported = import_stock_csv(session, path, progress=bar.update)
    except StockImportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"imported {imported} stock level(s)")


@click.group("quarantine")
def quarantine() -> None:
    """Payloads that could not be read."""


@quarantine.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved ones.")
@cli_errors
def quarantine_list(show_all: bool) -> None:
    """List quarantined payloads with their reason (raw text with `quarantine show ID`)."""
    engine, sessions = command_sessions()
    with sessions() as session:
        stmt = select(QuarantinedPayload).order_by(QuarantinedPayload.id)
        if not show_all:
            stmt = stmt.where(QuarantinedPayload.resolved.is_(False))
        for row in session.scalars(stmt):
            click.echo(f"{row.id:>6} channel={row.channel_id} {row.kind:<8} {row.received_at:%Y-%m-%d %H:%M} "
                       f"{row.error[:100]!r}")
    engine.dispose()


@quarantine.command("show")
@click.argument("payload_id", type=int)
@cli_errors
def quarantine_show(payload_id: int) -> None:
    """Print one quarantined payload: its reason and raw text (escaped)."""
    engine, sessions = command_sessions()
    with sessions() as session:
        row = session.get(QuarantinedPayload, payload_id)
        if row is None:
            raise click.ClickException(f"no quarantined payload {payload_id}")
        click.echo(f"error: {row.error}")
        click.echo(json.dumps(row.raw, ensure_ascii=False))
    engine.dispose()


@quarantine.command("reprocess")
@click.argument("payload_id", type=int)
@cli_errors
def quarantine_reprocess(payload_id: int) -> None:
    """Parse a quarantined payload again (after an upgrade fixed its parser) and ingest it."""
    from helpdesk import events
    from helpdesk.connectors import connector_for
    from helpdesk.services.quarantine import ReprocessError, reprocess_quarantined

    engine, sessions = command_sessions()
    try:
        with sessions() as session:
            published = reprocess_quarantined(session, payload_id, connector_for)
    except ReprocessError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    events.publish(published)
    click.echo(f"payload {payload_id} re-processed and resolved")
