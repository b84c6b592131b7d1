"""Shopify: orders and inventory levels from the Admin REST API; messages by e-mail.

The Admin API has no customer messages; contact-form submissions are e-mailed to the
store, so messages go through the e-mail ``Mailbox`` with the order name (``#1001``)
picked out. Lists page with the ``Link`` header's ``page_info`` (used verbatim; only
``limit`` may be added). A 429 carries ``Retry-After``.
"""

from __future__ import annotations

from dataclasses import replace

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx

from helpdesk.connectors.base import (
    MessagePage,
    BuyerRef,
    ChannelSettings,
    Connector,
    OrderLineSnapshot,
    OrderPage,
    OrderSnapshot,
    PayloadError,
    PayloadFailure,
    PermanentError,
    ShipmentSnapshot,
    StockLevelSnapshot,
    StockPage,
)
from helpdesk.connectors.mail_messages import MailboxMessages
from helpdesk.connectors.wire import (
    SeenWindow,
    chunks,
    iso,
    json_object,
    make_client,
    money,
    now_utc,
    opt_dt,
    parse_dt,
    raw_text,
    send,
)


API_VERSION = "2024-10"
ORDER_NAME = re.compile(r"#\d{4,}\b")
OVERLAP = timedelta(minutes=10)
LOOKBACK = timedelta(days=60)
PAGE_LIMIT = 250
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')


def order_status(item: Mapping[str, Any]) -> str:
    """The OrderStatus value for a REST order's cancel, payment and fulfilment state."""
    if item.get("cancelled_at"):
        return "cancelled"
    financial = item.get("financial_status")
    if financial in ("refunded", "voided"):
        return "refunded"
    fulfillment = item.get("fulfillment_status")
    if fulfillment == "fulfilled":
        return "shipped"
    if fulfillment == "partial":
        return "partially_shipped"
    if financial == "pending":
        return "pending"
    return "unshipped"


def next_page_info(link_header: str | None) -> str | None:
    """The `page_info` of the Link header's rel="next" URL, or None on the last page."""
    if not link_header:
        return None
    for url, rel in _LINK.findall(link_header):
        if rel == "next":
            values = parse_qs(urlsplit(url).query).get("page_info")
            if values:
                return values[0]
    return None


# Shopify's contact-form notification wraps the customer's words in labelled fields.
_CONTACT_FORM = re.compile(r"contact form", re.I)
_FORM_BODY = re.compile(r"^\s*(?:Body|Message|Nachricht|Mensaje|Corps|Messaggio|Bericht|Wiadomość)\s*:\s*$", re.I | re.M)


def contact_form_text(text: str) -> str:
    """The customer's own words out of a contact-form notification (the text itself otherwise)."""
    if not _CONTACT_FORM.search(text[:300]):
        return text
    match = _FORM_BODY.search(text)
    return text[match.end():].strip() or text if match else text


class ShopifyConnector(MailboxMessages, Connector):
    """One Shopify store: Admin REST orders and stock, contact-form mail for messages."""

    platform: ClassVar[str] = "shopify"
    identity_kind: ClassVar[str] = "email"
    order_id_pattern: ClassVar[re.Pattern[str] | None] = ORDER_NAME

    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        """Contact-form mail, with the customer's words taken out of the form's labelled fields."""
        page = super().fetch_messages(cursor)
        return replace(page, messages=[replace(m, body_text=contact_form_text(m.body_text)) for m in page.messages])

    def __init__(self, channel: ChannelSettings) -> None:
        super().__init__(channel)
        s = channel.settings
        shop = str(s.get("shop_url") or f"https://{channel.marketplace}").rstrip("/")
        self.base = f"{shop}/admin/api/{s.get('api_version') or API_VERSION}"
        token = str(channel.credentials.get("access_token") or "")
        self.client = make_client(s, {"X-Shopify-Access-Token": token, "Accept": "application/json"})
        self.page_size = int(s.get("page_size") or PAGE_LIMIT)
        self._locations: dict[int, str] | None = None

    # -- transport -----------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any]) -> httpx.Response:
        response = send(self.client, "GET", f"{self.base}/{path}", params=params)
        if response.status_code >= 400:
            raise PermanentError(f"Shopify HTTP {response.status_code} on {path}")
        return response

    def _list(self, response: httpx.Response, key: str) -> list[Any]:
        data = json_object(response)
        items = data.get(key)
        if not isinstance(items, list):
            raise PayloadError(f"response without {key!r} list", raw=raw_text(response))
        return items

    # -- orders --------------------------------------------------------------------------

    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        """One page of orders updated after the cursor (any status)."""
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=LOOKBACK)
        if cursor.get("page_info"):
            params: dict[str, Any] = {"limit": self.page_size, "page_info": cursor["page_info"]}
        else:
            params = {"status": "any", "limit": self.page_size, "updated_at_min": iso(window.start(now_utc()))}
        response = self._get("orders.json", params)
        items = self._list(response, "orders")
        orders: list[OrderSnapshot] = []
        failures: list[PayloadFailure] = []
        for item in items:
            try:
                order = parse_order(item)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                name = item.get("name") if isinstance(item, Mapping) else None
                failures.append(PayloadFailure(raw=json.dumps(item, default=str)[:200_000], error=str(exc)[:300],
                                               external_id=name, kind="order"))
                continue
            orders.append(order)
            if order.updated_at:
                window.add(order.external_id, order.updated_at)
        page_info = next_page_info(response.headers.get("Link"))
        if page_info:
            state = window.cursor(advance=False)
            state.update(recent=[], page_info=page_info)
            return OrderPage(orders=orders, cursor=state, has_more=True, failures=failures)
        state = window.cursor()
        state["recent"] = []
        return OrderPage(orders=orders, cursor=state, failures=failures)

    # -- stock ---------------------------------------------------------------------------

    def locations(self) -> dict[int, str]:
        """Location id -> name, read once per connector."""
        if self._locations is None:
            items = self._list(self._get("locations.json", {}), "locations")
            self._locations = {int(loc["id"]): str(loc.get("name") or loc["id"]) for loc in items if isinstance(loc, Mapping)}
        return self._locations

    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        """One page of inventory levels at every location, with SKUs and location names."""
        locations = self.locations()
        if not locations:
            return StockPage(levels=[], cursor=dict(cursor))
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=timedelta(days=3650))
        if cursor.get("page_info"):
            params: dict[str, Any] = {"limit": self.page_size, "page_info": cursor["page_info"]}
        else:
            params = {
                "location_ids": ",".join(str(i) for i in sorted(locations)),
                "limit": self.page_size,
                "updated_at_min": iso(window.start(now_utc())),
            }
        response = self._get("inventory_levels.json", params)
        items = self._list(response, "inventory_levels")
        skus = self._skus({i.get("inventory_item_id") for i in items if isinstance(i, Mapping)})
        levels: list[StockLevelSnapshot] = []
        failures: list[PayloadFailure] = []
        for item in items:
            try:
                level = parse_inventory_level(item, skus, locations)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                failures.append(PayloadFailure(raw=json.dumps(item, default=str)[:200_000], error=str(exc)[:300], kind="stock"))
                continue
            levels.append(level)
            if level.updated_at:
                window.add(f"{level.channel_sku}@{level.warehouse}", level.updated_at)
        page_info = next_page_info(response.headers.get("Link"))
        if page_info:
            state = window.cursor(advance=False)
            state.update(recent=[], page_info=page_info)
            return StockPage(levels=levels, cursor=state, has_more=True, failures=failures)
        state = window.cursor()
        state["recent"] = []
        return StockPage(levels=levels, cursor=state, failures=failures)

    def _skus(self, ids: set[Any]) -> dict[int, str]:
        wanted = sorted(i for i in ids if isinstance(i, int))
        skus: dict[int, str] = {}
        for part in chunks(wanted, 100):
            response = self._get("inventory_items.json", {"ids": ",".join(str(i) for i in part), "limit": 100})
            for item in self._list(response, "inventory_items"):
                if isinstance(item, Mapping) and item.get("sku"):
                    skus[int(item["id"])] = str(item["sku"])
        return skus

    def close(self) -> None:
        """Close the HTTP client and the mailbox."""
        self.client.close()
        self.close_mailbox()


def parse_order(item: Mapping[str, Any]) -> OrderSnapshot:
    """A REST order as a snapshot; its `name` (#1001) is the id buyers quote."""
    name = item.get("name") or (f"#{item['order_number']}" if item.get("order_number") else None)
    if not name:
        raise ValueError("order without name")
    customer = item.get("customer") or {}
    email = item.get("email") or item.get("contact_email") or customer.get("email")
    address = dict(item.get("shipping_address") or {})
    ship_name = address.get("name") or " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p) or None
    buyer_name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p) or None
    currency = item.get("currency")
    lines = tuple(
        OrderLineSnapshot(
            external_id=str(line["id"]) if line.get("id") is not None else None,
            channel_sku=line.get("sku") or None,
            title=str(line.get("title") or ""),
            quantity=int(line["quantity"]),
            unit_price=money(line.get("price")),
            currency=currency,
            item_id=str(line["product_id"]) if line.get("product_id") is not None else None,
        )
        for line in item.get("line_items") or []
    )
    shipments = tuple(
        ShipmentSnapshot(
            carrier=f.get("tracking_company"),
            tracking_number=f.get("tracking_number"),
            tracking_url=f.get("tracking_url"),
            shipped_at=opt_dt(f.get("created_at")),
            status=f.get("shipment_status") or f.get("status"),
        )
        for f in item.get("fulfillments") or []
    )
    buyer = None
    if customer.get("id") is not None:
        buyer = BuyerRef(kind="shopify_customer", value=str(customer["id"]), display_name=buyer_name,
                         email=email, phone=item.get("phone") or customer.get("phone"))
    return OrderSnapshot(
        external_id=str(name),
        status=order_status(item),
        platform_status=f"{item.get('financial_status')}/{item.get('fulfillment_status') or 'unfulfilled'}",
        ordered_at=parse_dt(item.get("created_at")),
        updated_at=parse_dt(item.get("updated_at")),
        currency=currency,
        total=money(item.get("total_price")),
        payment_method=", ".join(item.get("payment_gateway_names") or []) or item.get("gateway"),
        buyer=buyer,
        buyer_name=buyer_name,
        buyer_email=email,
        ship_name=ship_name,
        ship_address=address,
        ship_postcode=address.get("zip"),
        ship_country=address.get("country_code"),
        lines=lines,
        shipments=shipments,
    )


def parse_inventory_level(item: Mapping[str, Any], skus: Mapping[int, str], locations: Mapping[int, str]) -> StockLevelSnapshot:
    """An inventory level: `available` units of an inventory item at a location."""
    item_id = int(item["inventory_item_id"])
    location_id = int(item["location_id"])
    available = item.get("available")
    return StockLevelSnapshot(
        channel_sku=skus.get(item_id, str(item_id)),
        warehouse=locations.get(location_id, f"location {location_id}"),
        on_hand=int(available) if available is not None else 0,
        updated_at=opt_dt(item.get("updated_at")),
        item_id=str(item_id),
    )
