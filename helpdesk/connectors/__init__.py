"""Channel connectors: one module per platform, listed in one explicit registry."""

from __future__ import annotations

from importlib import import_module

from helpdesk.connectors.base import ChannelSettings, Connector

# platform value -> "module:Class". Imported on first use, so a deployment that only
# sells on eBay never imports the IMAP code, and each platform module stays independent.
REGISTRY: dict[str, str] = {
    "ebay": "helpdesk.connectors.ebay:EbayConnector",
    "amazon": "helpdesk.connectors.amazon:AmazonConnector",
    "shopify": "helpdesk.connectors.shopify:ShopifyConnector",
    "aliexpress": "helpdesk.connectors.aliexpress:AliExpressConnector",
    "email": "helpdesk.connectors.email:EmailConnector",
}


def connector_class(platform: str) -> type[Connector]:
    """The connector class for a platform value."""
    try:
        target = REGISTRY[platform]
    except KeyError:
        raise LookupError(f"no connector for platform {platform!r}") from None
    module_name, _, class_name = target.partition(":")
    cls: type[Connector] = getattr(import_module(module_name), class_name)
    return cls


def connector_for(channel: ChannelSettings) -> Connector:
    """Build the connector for a channel."""
    return connector_class(channel.platform)(channel)
