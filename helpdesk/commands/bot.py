"""`helpdesk bot ...` and `helpdesk bench bot` (the reply bot's commands)."""

from __future__ import annotations

import click


@click.group()
def bot() -> None:
    """Draft replies with the bot and evaluate it on labelled messages."""


@click.command("bot")
def bench_bot() -> None:
    """Drafts per second, p99 latency and memory of the bot."""
    raise click.ClickException("not built yet")
