"""`helpdesk simulate`."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import click
from werkzeug.serving import make_server

from helpdesk.config import Config, ConfigError
from helpdesk.db import make_engine

if TYPE_CHECKING:
    from helpdesk.simulator.simulation import Simulation


@click.command("simulate")
@click.option("--port", default=8900, show_default=True, help="HTTP port of the marketplace APIs (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--seed", default=1, show_default=True, help="The same seed gives the same world and messages.")
@click.option("--messages", default=200, show_default=True, help="Buyer messages to publish in all.")
@click.option("--rate", default=2.0, show_default=True, help="Messages published per second (0: all at once).")
@click.option("--faults", default=0.0, show_default=True, help="Fraction of responses that misbehave transiently.")
@click.option("--malformed", default=0.01, show_default=True, help="Fraction of messages with a broken payload.")
@click.option("--imap-port", default=0, show_default=True, help="IMAP port of the simulated mailboxes (0: any).")
@click.option("--smtp-port", default=0, show_default=True, help="SMTP port for replies to e-mail stores (0: any).")
@click.option("--timeout-delay", default=6.0, show_default=True, help="Seconds a timeout fault stalls.")
@click.option("--register", is_flag=True, help="Add one channel per simulated store to the configured database.")
@click.option("-v", "--verbose", is_flag=True, help="Log every HTTP request.")
def simulate(
    port: int, host: str, seed: int, messages: int, rate: float, faults: float, malformed: float,
    imap_port: int, smtp_port: int, timeout_delay: float, register: bool, verbose: bool,
) -> None:
    """Serve simulated marketplaces (eBay, Amazon, Shopify, AliExpress, e-mail) until stopped."""
    from helpdesk.simulator.app import create_app
    from helpdesk.simulator.mail import MailServer
    from helpdesk.simulator.simulation import Simulation

    for name, value in (("--faults", faults), ("--malformed", malformed)):
        if not 0.0 <= value <= 1.0:
            raise click.BadParameter("must be between 0 and 1", param_hint=name)
    if messages < 0 or rate < 0:
        raise click.BadParameter("must not be negative", param_hint="--messages/--rate")

    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    mail = MailServer(host=host, imap_port=imap_port, smtp_port=smtp_port).start()
    sim = Simulation(seed, messages=messages, rate=rate, faults=faults, malformed=malformed, mail=mail,
                     timeout_seconds=timeout_delay)
    server = make_server(host, port, create_app(sim), threaded=True)
    base_url = f"http://{host}:{server.server_port}"
    try:
        if register:
            _register(sim, base_url)
        click.echo(f"simulator: {base_url} (seed {seed}), IMAP {host}:{mail.imap_port}, SMTP {host}:{mail.smtp_port}")
        click.echo(f"truth: {base_url}/_sim/truth  inject: POST {base_url}/_sim/inject")

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, _stop)
        sim.start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    finally:
        sim.stop()
        server.server_close()
        mail.stop()


def _register(sim: Simulation, base_url: str) -> None:
    """Add or update the simulator's channels in the configured database."""
    from sqlalchemy.orm import Session

    from helpdesk.services import schema
    from helpdesk.simulator.register import channel_specs, register_channels

    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    engine = make_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
    try:
        try:
            schema.require_current(engine)
        except schema.SchemaOutOfDate as exc:
            raise click.ClickException(str(exc)) from None
        with Session(engine) as session:
            results = register_channels(session, channel_specs(sim, base_url))
            for channel, created in results:
                click.echo(f"{'registered' if created else 'updated'} channel {channel.id}: {channel.name}")
    finally:
        engine.dispose()
