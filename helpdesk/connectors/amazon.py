"""Amazon: orders and FBA stock from the Selling Partner API; buyer messages by e-mail.

SP-API has no operation to read or answer buyer messages: Amazon relays them as e-mail
from a per-buyer alias (``...@marketplace.amazon.de``) and forwards answers sent to that
alias. So messages go through the e-mail ``Mailbox`` (IMAP in, SMTP out) with identity
kind ``amazon_relay`` and the order id picked out of subject or body.

Orders v0 ``getOrders`` pages with ``NextToken``, which must be sent back with the same
filters; the cursor keeps the run's ``LastUpdatedAfter`` until the run ends. Each order's
lines come from ``getOrderItems``. FBA ``getInventorySummaries`` pages with a top-level
``pagination.nextToken``. A 429 (``QuotaExceeded``) carries no Retry-After: back off.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from helpdesk.connectors.base import (
    BuyerRef,
    ChannelSettings,
    Connector,
    OrderLineSnapshot,
    OrderPage,
    OrderSnapshot,
    PayloadError,
    PayloadFailure,
    PermanentError,
    RateLimited,
    StockLevelSnapshot,
    StockPage,
    TransientError,
)
from helpdesk.connectors.mail_messages import MailboxMessages
from helpdesk.connectors.wire import (
    SeenWindow,
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


ENDPOINT = "https://sellingpartnerapi-eu.amazon.com"
LWA_URL = "https://api.amazon.com/auth/o2/token"
ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
OVERLAP = timedelta(minutes=10)
LOOKBACK = timedelta(days=30)
ITEM_RETRIES = 4

STATUSES = {
    "Pending": "pending",
    "PendingAvailability": "pending",
    "Unshipped": "unshipped",
    "InvoiceUnconfirmed": "unshipped",
    "PartiallyShipped": "partially_shipped",
    "Shipped": "shipped",
    "Canceled": "cancelled",
    "Unfulfillable": "cancelled",
}


def order_status(platform_status: str | None) -> str:
    """The OrderStatus value for an Orders v0 OrderStatus."""
    if platform_status not in STATUSES:
        raise ValueError(f"unknown OrderStatus {platform_status!r}")
    return STATUSES[platform_status]


def _money(value: Any) -> tuple[Decimal | None, str | None]:
    if not isinstance(value, Mapping):
        return None, None
    return money(value.get("Amount")), value.get("CurrencyCode")


def _errors(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)[:300]
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"


class AmazonConnector(MailboxMessages, Connector):
    """SP-API orders and FBA stock, and the seller's Amazon mailbox for buyer messages."""

    platform: ClassVar[str] = "amazon"
    identity_kind: ClassVar[str] = "amazon_relay"
    order_id_pattern: ClassVar[re.Pattern[str] | None] = ORDER_ID

    def __init__(self, channel: ChannelSettings) -> None:
        super().__init__(channel)
        s = channel.settings
        self.endpoint = str(s.get("endpoint") or ENDPOINT).rstrip("/")
        self.marketplace_id = str(s.get("marketplace_id") or "A1PA6795UKMFR9")
        self.page_size = int(s.get("page_size") or 100)
        self.client = make_client(s)
        self._access_token: str | None = channel.credentials.get("access_token")

    # -- SP-API transport ------------------------------------------------------------------

    def _token(self) -> str:
        if self._access_token:
            return self._access_token
        creds = self.channel.credentials
        if not creds.get("refresh_token"):
            raise PermanentError("no SP-API access_token or refresh_token configured")
        response = send(
            self.client,
            "POST",
            str(self.channel.settings.get("lwa_url") or LWA_URL),
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds["refresh_token"],
                "client_id": creds.get("client_id", ""),
                "client_secret": creds.get("client_secret", ""),
            },
        )
        if response.status_code >= 400:
            raise PermanentError(f"Login with Amazon refused the refresh token (HTTP {response.status_code})")
        token = json_object(response).get("access_token")
        if not isinstance(token, str):
            raise PayloadError("LWA response without access_token", raw=raw_text(response))
        self._access_token = token
        return token

    def _get(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        response = send(
            self.client, "GET", f"{self.endpoint}{path}", params=params, headers={"x-amz-access-token": self._token()}
        )
        if response.status_code >= 400:
            message = _errors(response)
            if response.status_code in (400, 404):
                raise PermanentError(f"SP-API HTTP {response.status_code}: {message}")
            raise TransientError(f"SP-API HTTP {response.status_code}: {message}")
        return json_object(response)

    def _get_with_retries(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A sub-request of a page, retried a few times: one order's items failing must not
        sink a page of a hundred orders (the poller retries whole pages only)."""
        for attempt in range(ITEM_RETRIES):
            try:
                return self._get(path, params)
            except (RateLimited, TransientError) as exc:
                if attempt == ITEM_RETRIES - 1:
                    raise
                wait = exc.retry_after if isinstance(exc, RateLimited) and exc.retry_after else 0.2 * 2**attempt
                time.sleep(min(wait, 2.0))
        raise AssertionError("unreachable")

    # -- orders ----------------------------------------------------------------------------

    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        """One getOrders page updated after the cursor, each order with its items."""
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=LOOKBACK)
        after = cursor.get("after") or iso(window.start(now_utc()))
        params: dict[str, Any] = {"MarketplaceIds": self.marketplace_id, "LastUpdatedAfter": after, "MaxResultsPerPage": self.page_size}
        if cursor.get("next_token"):
            params["NextToken"] = cursor["next_token"]
        data = self._get("/orders/v0/orders", params)
        payload = data.get("payload")
        if not isinstance(payload, Mapping) or not isinstance(payload.get("Orders"), list):
            raise PayloadError("getOrders without payload.Orders", raw=json.dumps(data)[:200_000])
        orders: list[OrderSnapshot] = []
        failures: list[PayloadFailure] = []
        for item in payload["Orders"]:
            oid = item.get("AmazonOrderId") if isinstance(item, Mapping) else None
            try:
                lines = self._order_items(str(oid)) if oid else ()
                order = parse_order(item, lines)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                failures.append(PayloadFailure(raw=json.dumps(item, default=str)[:200_000], error=str(exc)[:300],
                                               external_id=oid, kind="order"))
                continue
            orders.append(order)
            if order.updated_at:
                window.add(order.external_id, order.updated_at)
        next_token = payload.get("NextToken")
        if next_token:
            state = window.cursor(advance=False)
            state.update(recent=[], after=after, next_token=next_token)
            return OrderPage(orders=orders, cursor=state, has_more=True, failures=failures)
        state = window.cursor()
        state["recent"] = []
        return OrderPage(orders=orders, cursor=state, failures=failures)

    def _order_items(self, order_id: str) -> tuple[OrderLineSnapshot, ...]:
        lines: list[OrderLineSnapshot] = []
        token: str | None = None
        for _ in range(20):
            params = {"NextToken": token} if token else {}
            data = self._get_with_retries(f"/orders/v0/orders/{order_id}/orderItems", params)
            payload = data.get("payload")
            if not isinstance(payload, Mapping) or not isinstance(payload.get("OrderItems"), list):
                raise ValueError("getOrderItems without payload.OrderItems")
            lines.extend(parse_order_item(item) for item in payload["OrderItems"])
            token = payload.get("NextToken")
            if not token:
                break
        return tuple(lines)

    # -- stock ------------------------------------------------------------------------------

    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        """One page of FBA inventory summaries changed after the cursor."""
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=timedelta(days=540))
        start = cursor.get("start") or iso(window.start(now_utc()))
        params: dict[str, Any] = {
            "details": "true",
            "granularityType": "Marketplace",
            "granularityId": self.marketplace_id,
            "marketplaceIds": self.marketplace_id,
            "startDateTime": start,
        }
        if cursor.get("next_token"):
            params["nextToken"] = cursor["next_token"]
        data = self._get("/fba/inventory/v1/summaries", params)
        payload = data.get("payload")
        if not isinstance(payload, Mapping) or not isinstance(payload.get("inventorySummaries"), list):
            raise PayloadError("getInventorySummaries without payload.inventorySummaries", raw=json.dumps(data)[:200_000])
        levels: list[StockLevelSnapshot] = []
        failures: list[PayloadFailure] = []
        warehouse = f"FBA {self.marketplace_id}"
        for item in payload["inventorySummaries"]:
            try:
                level = parse_inventory_summary(item, warehouse)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                sku = item.get("sellerSku") if isinstance(item, Mapping) else None
                failures.append(PayloadFailure(raw=json.dumps(item, default=str)[:200_000], error=str(exc)[:300],
                                               external_id=sku, kind="stock"))
                continue
            levels.append(level)
            if level.updated_at:
                window.add(level.channel_sku, level.updated_at)
        next_token = (data.get("pagination") or {}).get("nextToken")
        if next_token:
            state = window.cursor(advance=False)
            state.update(recent=[], start=start, next_token=next_token)
            return StockPage(levels=levels, cursor=state, has_more=True, failures=failures)
        state = window.cursor()
        state["recent"] = []
        return StockPage(levels=levels, cursor=state, failures=failures)

    def close(self) -> None:
        """Close the HTTP client and the mailbox."""
        self.client.close()
        self.close_mailbox()


def parse_order(item: Mapping[str, Any], lines: tuple[OrderLineSnapshot, ...] = ()) -> OrderSnapshot:
    """An Orders v0 Order (and its items) as a snapshot."""
    total, currency = _money(item.get("OrderTotal"))
    buyer_info = item.get("BuyerInfo") or {}
    address = dict(item.get("ShippingAddress") or {})
    email = buyer_info.get("BuyerEmail") or None
    return OrderSnapshot(
        external_id=str(item["AmazonOrderId"]),
        status=order_status(item.get("OrderStatus")),
        platform_status=item.get("OrderStatus"),
        ordered_at=parse_dt(item["PurchaseDate"]),
        updated_at=parse_dt(item["LastUpdateDate"]),
        currency=currency,
        total=total,
        payment_method=item.get("PaymentMethod"),
        buyer=BuyerRef(kind="amazon_relay", value=email.lower(), display_name=buyer_info.get("BuyerName")) if email else None,
        buyer_name=buyer_info.get("BuyerName") or None,
        buyer_email=email,
        ship_name=address.get("Name"),
        ship_address=address,
        ship_postcode=address.get("PostalCode"),
        ship_country=address.get("CountryCode"),
        latest_ship_at=opt_dt(item.get("LatestShipDate")),
        lines=lines,
    )


def parse_order_item(item: Mapping[str, Any]) -> OrderLineSnapshot:
    """An OrderItem as an order line (ItemPrice is the line total: divided by quantity)."""
    quantity = int(item["QuantityOrdered"])
    price, currency = _money(item.get("ItemPrice"))
    return OrderLineSnapshot(
        external_id=str(item["OrderItemId"]),
        channel_sku=item.get("SellerSKU"),
        title=str(item.get("Title") or ""),
        quantity=quantity,
        unit_price=(price / quantity) if price is not None and quantity else price,
        currency=currency,
        item_id=item.get("ASIN"),
    )


def parse_inventory_summary(item: Mapping[str, Any], warehouse: str) -> StockLevelSnapshot:
    """An FBA inventory summary: fulfillable plus reserved on hand, reserved apart."""
    details = item.get("inventoryDetails") or {}
    fulfillable = int(details.get("fulfillableQuantity", item.get("totalQuantity", 0)))
    reserved = int((details.get("reservedQuantity") or {}).get("totalReservedQuantity", 0))
    sku = item["sellerSku"]
    if not isinstance(sku, str) or not sku:
        raise ValueError("inventory summary without sellerSku")
    return StockLevelSnapshot(
        channel_sku=sku,
        warehouse=warehouse,
        on_hand=fulfillable + reserved,
        reserved=reserved,
        updated_at=opt_dt(item.get("lastUpdatedTime")),
        title=item.get("productName"),
        item_id=item.get("asin"),
    )
