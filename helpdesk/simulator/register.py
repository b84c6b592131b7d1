"""`--register`: one channel per simulated store in the configured database (idempotent)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.models.channel import Channel, Platform
from helpdesk.simulator.amazon_routes import MARKETPLACE
from helpdesk.simulator.simulation import Simulation

CONNECT_TIMEOUT = 5.0  # the simulator's timeout fault stalls longer than this


def channel_specs(
    sim: Simulation, base_url: str, *, mail_host: str = "127.0.0.1", imap_port: int | None = None,
    smtp_port: int | None = None, timeout: float = CONNECT_TIMEOUT,
) -> list[dict[str, Any]]:
    """Name, platform, settings and credentials of a channel for each simulated store."""
    if sim.mail is not None:
        imap_port = imap_port or sim.mail.imap_port
        smtp_port = smtp_port or sim.mail.smtp_port
    specs = []
    for world in sim.worlds.values():
        store = world.store
        settings: dict[str, Any] = {"simulator": store.key, "timeout": timeout}
        if store.platform == "ebay":
            settings.update(trading_url=f"{base_url}/ebay/ws/api.dll", api_url=f"{base_url}/ebay", site_id="77",
                            marketplace_id=store.marketplace, seller_user_id=store.seller_id)
        elif store.platform == "amazon":
            settings.update(endpoint=f"{base_url}/amazon", lwa_url=f"{base_url}/amazon/auth/o2/token",
                            marketplace_id=MARKETPLACE)
        elif store.platform == "shopify":
            settings.update(shop_url=f"{base_url}/shopify", api_version="2024-10", buyer_from_reply_to=True)
        elif store.platform == "aliexpress":
            settings.update(gateway_url=f"{base_url}/aliexpress/sync", sign_method="sha256",
                            seller_login_id=store.seller_id)
        if store.mail_user:
            settings.update(imap_host=mail_host, imap_port=imap_port, imap_ssl=False, imap_folder="INBOX",
                            smtp_host=mail_host, smtp_port=smtp_port, smtp_ssl=False, smtp_starttls=False,
                            from_address=store.mail_address)
        specs.append({"key": store.key, "platform": store.platform, "name": store.name,
                      "marketplace": store.marketplace, "locale": store.locale, "settings": settings,
                      "credentials": sim.credentials(store)})
    return specs


def register_channels(session: Session, specs: list[dict[str, Any]]) -> list[tuple[Channel, bool]]:
    """Create or update one channel per spec, matched on settings.simulator; (channel, created)."""
    existing: dict[tuple[str, str], Channel] = {}
    for channel in session.scalars(select(Channel)):
        key = (channel.settings or {}).get("simulator")
        if key:
            existing[(channel.platform.value, str(key))] = channel
    out = []
    for spec in specs:
        channel = existing.get((spec["platform"], spec["key"]))
        created = channel is None
        if channel is None:
            channel = Channel(platform=Platform(spec["platform"]), name=spec["name"])
            session.add(channel)
        channel.name = spec["name"]
        channel.marketplace = spec["marketplace"]
        channel.locale = spec["locale"]
        channel.settings = dict(spec["settings"])
        channel.credentials = dict(spec["credentials"])
        out.append((channel, created))
    session.commit()
    return out
