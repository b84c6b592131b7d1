"""`helpdesk simulate`."""

from __future__ import annotations

import click


@click.command("simulate")
def simulate() -> None:
    """Serve simulated marketplaces (eBay, Amazon, Shopify, AliExpress, e-mail) until stopped."""
    raise click.ClickException("not built yet")
