"""Amazon SP-API: Login with Amazon, Orders v0 (getOrders, getOrderItems), FBA inventory.

Buyer messages are not here: Amazon relays them by e-mail (see Simulation.email_bytes).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from helpdesk.simulator.faults import RATE_LIMIT
from helpdesk.simulator.http import faulty, simulation
from helpdesk.simulator.world import Order, StoreWorld, address

bp = Blueprint("sim_amazon", __name__, url_prefix="/amazon")
STORE = "amazon-de"
MARKETPLACE = "A1PA6795UKMFR9"  # amazon.de
STATUS = {"new": "Pending", "paid": "Unshipped", "shipped": "Shipped", "delivered": "Shipped", "cancelled": "Canceled"}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    out = Response(json.dumps(body), status=status, content_type="application/json", headers=headers or {})
    out.headers["x-amzn-RequestId"] = hashlib.md5(repr(body).encode()).hexdigest()
    return out


def _errors(status: int, code: str, message: str) -> Response:
    return _json({"errors": [{"code": code, "message": message, "details": ""}]}, status)


def _fault(kind: str) -> Response:
    if kind == RATE_LIMIT:
        return _errors(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    return _errors(503, "ServiceUnavailable", "Service temporarily unavailable.")


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _world() -> StoreWorld:
    return simulation().worlds[STORE]


def _authorised() -> bool:
    return request.headers.get("x-amz-access-token") == simulation().credentials(_world().store)["access_token"]


def _denied() -> Response:
    return _errors(403, "Unauthorized", "Access to requested resource is denied.")


def _token(offset: int, filters: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": filters}).encode()).decode()


def _untoken(token: str) -> tuple[int, str] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["o"]), str(data["f"])
    except (ValueError, KeyError, TypeError):
        return None


def _date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@bp.post("/auth/o2/token")
def lwa_token() -> Response:
    """Login with Amazon: a refresh token for an access token."""
    creds = simulation().credentials(_world().store)
    if request.form.get("grant_type") != "refresh_token" or request.form.get("refresh_token") != creds["refresh_token"]:
        return _json({"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"}, 400)
    return _json({"access_token": creds["access_token"], "token_type": "bearer", "expires_in": 3600,
                  "refresh_token": creds["refresh_token"]})


def order_json(order: Order) -> dict[str, Any]:
    """An Orders v0 Order (money as strings, IsBusinessOrder a real boolean)."""
    status = STATUS[order.state]
    body: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "PurchaseDate": _iso(order.created),
        "LastUpdateDate": _iso(order.updated),
        "OrderStatus": status,
        "FulfillmentChannel": "AFN" if order.number % 3 else "MFN",
        "SalesChannel": "Amazon.de",
        "ShipServiceLevel": "Std DE Dom_1",
        "NumberOfItemsShipped": sum(q for _p, q in order.lines) if status == "Shipped" else 0,
        "NumberOfItemsUnshipped": 0 if status == "Shipped" else sum(q for _p, q in order.lines),
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": MARKETPLACE,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": _iso(order.created),
        "LatestShipDate": _iso(order.created.replace(microsecond=0)),
        "IsBusinessOrder": False,
        "IsPrime": order.number % 2 == 0,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsSoldByAB": False,
        "IsIBA": False,
        "BuyerInfo": {"BuyerEmail": order.buyer.email, "BuyerName": order.buyer.name},
    }
    if status != "Canceled":
        body["OrderTotal"] = {"CurrencyCode": order.currency, "Amount": f"{order.total:.2f}"}
    if status in ("Unshipped", "PartiallyShipped", "Shipped"):
        addr = address(order.buyer)
        body["ShippingAddress"] = {"Name": addr["name"], "AddressLine1": addr["line1"], "City": addr["city"],
                                   "PostalCode": addr["postcode"], "CountryCode": addr["country"]}
    return body


@bp.get("/orders/v0/orders")
@faulty(_fault)
def get_orders() -> Response:
    """getOrders: MarketplaceIds and LastUpdatedAfter (or CreatedAfter), NextToken paging."""
    if not _authorised():
        return _denied()
    marketplaces = request.args.get("MarketplaceIds", "")
    updated_after = request.args.get("LastUpdatedAfter")
    created_after = request.args.get("CreatedAfter")
    if not marketplaces or bool(updated_after) == bool(created_after):
        return _errors(400, "InvalidInput", "MarketplaceIds and exactly one of CreatedAfter or LastUpdatedAfter are required.")
    try:
        per_page = int(request.args.get("MaxResultsPerPage", 100))
        since = _date(updated_after or created_after or "")
    except ValueError:
        return _errors(400, "InvalidInput", "Invalid date or MaxResultsPerPage.")
    if not 1 <= per_page <= 100:
        return _errors(400, "InvalidInput", "MaxResultsPerPage must be between 1 and 100.")
    filters = hashlib.sha256(f"{marketplaces}|{updated_after}|{created_after}|{per_page}".encode()).hexdigest()[:16]
    offset = 0
    if request.args.get("NextToken"):
        decoded = _untoken(request.args["NextToken"])
        if decoded is None or decoded[1] != filters:
            return _errors(400, "InvalidInput", "Invalid NextToken: send it with the same filters as the first request.")
        offset = decoded[0]
    key = (lambda o: o.updated) if updated_after else (lambda o: o.created)
    orders = sorted((o for o in _world().orders if key(o) >= since), key=lambda o: (key(o), o.order_id))
    page = orders[offset : offset + per_page]
    payload: dict[str, Any] = {"Orders": [order_json(o) for o in page]}
    if offset + per_page < len(orders):
        payload["NextToken"] = _token(offset + per_page, filters)
    payload["LastUpdatedBefore" if updated_after else "CreatedBefore"] = _iso(simulation().now())
    return _json({"payload": payload}, headers={"x-amzn-RateLimit-Limit": "0.0167"})


@bp.get("/orders/v0/orders/<order_id>/orderItems")
@faulty(_fault)
def get_order_items(order_id: str) -> Response:
    """getOrderItems: the lines of one order (ItemPrice is the line total)."""
    if not _authorised():
        return _denied()
    order = next((o for o in _world().orders if o.order_id == order_id), None)
    if order is None:
        return _errors(404, "NotFound", f"Order {order_id} not found.")
    items = [
        {"ASIN": p.listing_id, "SellerSKU": p.sku, "OrderItemId": line_id, "Title": p.title, "QuantityOrdered": q,
         "QuantityShipped": q if order.state in ("shipped", "delivered") else 0,
         "ItemPrice": {"CurrencyCode": order.currency, "Amount": f"{p.price * q:.2f}"},
         "IsGift": "false", "ConditionId": "New",
         "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false", "BuyerCancelReason": ""}}
        for (p, q), line_id in zip(order.lines, order.line_ids, strict=True)
    ]
    return _json({"payload": {"AmazonOrderId": order_id, "OrderItems": items}})


@bp.get("/fba/inventory/v1/summaries")
@faulty(_fault)
def get_inventory_summaries() -> Response:
    """getInventorySummaries: FBA stock per SKU, top-level pagination.nextToken."""
    if not _authorised():
        return _denied()
    if request.args.get("granularityType") != "Marketplace" or not request.args.get("granularityId"):
        return _errors(400, "InvalidInput", "granularityType=Marketplace and granularityId are required.")
    levels = sorted(_world().stock, key=lambda s: s.product.sku)
    if request.args.get("startDateTime"):
        try:
            start = _date(request.args["startDateTime"])
        except ValueError:
            return _errors(400, "InvalidInput", "Invalid startDateTime.")
        levels = [s for s in levels if s.updated >= start]
    filters = hashlib.sha256(f"{request.args.get('startDateTime')}".encode()).hexdigest()[:16]
    offset = 0
    if request.args.get("nextToken"):
        decoded = _untoken(request.args["nextToken"])
        if decoded is None or decoded[1] != filters:
            return _errors(400, "InvalidInput", "Invalid nextToken.")
        offset = decoded[0]
    per_page = 50
    page = levels[offset : offset + per_page]
    summaries = [
        {"asin": s.product.listing_id, "fnSku": "X00" + s.product.listing_id[-7:], "sellerSku": s.product.sku,
         "condition": "NewItem",
         "inventoryDetails": {"fulfillableQuantity": s.on_hand - s.reserved, "inboundWorkingQuantity": 0,
                              "inboundShippedQuantity": 0, "inboundReceivingQuantity": 0,
                              "reservedQuantity": {"totalReservedQuantity": s.reserved,
                                                   "pendingCustomerOrderQuantity": s.reserved,
                                                   "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0}},
         "lastUpdatedTime": _iso(s.updated), "productName": s.product.title, "totalQuantity": s.on_hand}
        for s in page
    ]
    body: dict[str, Any] = {"payload": {"granularity": {"granularityType": "Marketplace",
                                                        "granularityId": request.args["granularityId"]},
                                        "inventorySummaries": summaries}}
    if offset + per_page < len(levels):
        body["pagination"] = {"nextToken": _token(offset + per_page, filters)}
    return _json(body)
