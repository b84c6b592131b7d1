"""Shopify Admin REST: orders, locations, inventory levels and items, Link-header paging.

Customer messages are not here: the contact form e-mails the store (Simulation.email_bytes).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from helpdesk.simulator.faults import RATE_LIMIT
from helpdesk.simulator.http import faulty, simulation
from helpdesk.simulator.world import Order, StoreWorld, address

bp = Blueprint("sim_shopify", __name__, url_prefix="/shopify/admin/api/<version>")
STORE = "shopify-eu"
PAGED_PARAMS = {"limit", "page_info", "fields"}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    out = Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8", headers=headers or {})
    out.headers["X-Shopify-Shop-Api-Call-Limit"] = "1/40"
    return out


def _fault(kind: str) -> Response:
    if kind == RATE_LIMIT:
        return _json({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                                "uninterrupted service."}, 429,
                     {"Retry-After": f"{simulation().faults.retry_after:.1f}"})
    return _json({"errors": "Internal Server Error"}, 500 if simulation().faults.coin() else 502)


def _world() -> StoreWorld:
    return simulation().worlds[STORE]


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _denied() -> Response | None:
    token = simulation().credentials(_world().store)["access_token"]
    if request.headers.get("X-Shopify-Access-Token") != token:
        return _json({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, 401)
    return None


class BadRequest(Exception):
    """A request Shopify would answer with 400."""


def _query() -> tuple[dict[str, str], int, int]:
    """The filters, offset and limit: from the query, or from a page_info cursor (verbatim)."""
    try:
        limit = int(request.args.get("limit", 50))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 250:
        raise BadRequest("limit must be between 1 and 250")
    if "page_info" not in request.args:
        return {k: v for k, v in request.args.items() if k != "limit"}, 0, limit
    extra = set(request.args) - PAGED_PARAMS
    if extra:
        raise BadRequest(f"page_info cannot be combined with {', '.join(sorted(extra))}")
    try:
        state = json.loads(base64.urlsafe_b64decode(request.args["page_info"].encode()))
        return dict(state["q"]), int(state["offset"]), limit
    except (ValueError, KeyError, TypeError):
        raise BadRequest("page_info is invalid") from None


def _page(items: list[Any], serialise: Any, key: str, query: dict[str, str], offset: int, limit: int) -> Response:
    """A page of `items` with the Link header (page_info carries the filters)."""
    chosen = items[offset : offset + limit]
    if offset > 0 and offset <= len(items) and simulation().faults.repeat():
        chosen = [items[offset - 1], *chosen]  # the same record on two pages
    links = []
    base = request.base_url

    def token(at: int) -> str:
        return base64.urlsafe_b64encode(json.dumps({"offset": at, "q": query}).encode()).decode()

    if offset + limit < len(items):
        links.append(f'<{base}?limit={limit}&page_info={token(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?limit={limit}&page_info={token(max(0, offset - limit))}>; rel="previous"')
    headers = {"Link": ", ".join(links)} if links else {}
    return _json({key: [serialise(i) for i in chosen]}, headers=headers)


FINANCIAL = {"new": "pending", "paid": "paid", "shipped": "paid", "delivered": "paid", "cancelled": "refunded"}
FULFILLMENT = {"new": None, "paid": None, "shipped": "fulfilled", "delivered": "fulfilled", "cancelled": None}


def order_json(order: Order) -> dict[str, Any]:
    """A REST order in the 2024 shape (money as strings, ids as integers)."""
    addr = address(order.buyer)
    shipped = order.state in ("shipped", "delivered")
    return {
        "id": 5_600_000_000_000 + order.number,
        "name": order.order_id,
        "order_number": int(order.order_id.lstrip("#")),
        "email": order.buyer.email,
        "contact_email": order.buyer.email,
        "created_at": _iso(order.created),
        "updated_at": _iso(order.updated),
        "processed_at": _iso(order.created),
        "cancelled_at": _iso(order.updated) if order.state == "cancelled" else None,
        "cancel_reason": "customer" if order.state == "cancelled" else None,
        "financial_status": FINANCIAL[order.state],
        "fulfillment_status": FULFILLMENT[order.state],
        "currency": order.currency,
        "total_price": f"{order.total:.2f}",
        "subtotal_price": f"{order.total:.2f}",
        "total_tax": "0.00",
        "payment_gateway_names": ["shopify_payments"],
        "customer": {"id": int(order.buyer.login), "email": order.buyer.email, "first_name": order.buyer.first_name,
                     "last_name": order.buyer.last_name},
        "shipping_address": {"first_name": order.buyer.first_name, "last_name": order.buyer.last_name,
                             "name": order.buyer.name, "address1": addr["line1"], "city": addr["city"],
                             "zip": addr["postcode"], "country_code": addr["country"]},
        "line_items": [
            {"id": int(line_id), "product_id": int(p.listing_id), "variant_id": int(p.listing_id) + 1, "title": p.title,
             "sku": p.sku, "quantity": q, "price": f"{p.price:.2f}",
             "fulfillment_status": "fulfilled" if shipped else None}
            for (p, q), line_id in zip(order.lines, order.line_ids, strict=True)
        ],
        "fulfillments": [
            {"id": 4_100_000_000 + order.number, "status": "success", "created_at": _iso(order.updated),
             "tracking_company": "DHL Express", "tracking_number": f"JD0146000{order.number:08d}",
             "tracking_url": f"https://www.dhl.com/track?AWB=JD0146000{order.number:08d}",
             "shipment_status": "delivered" if order.state == "delivered" else "in_transit"}
        ] if shipped else [],
    }


def _since(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@bp.get("/orders.json")
@faulty(_fault)
def orders(version: str) -> Response:
    """orders.json: status=any, updated_at_min, limit <= 250, page_info paging."""
    denied = _denied()
    if denied:
        return denied
    try:
        query, offset, limit = _query()
        since = _since(query.get("updated_at_min"))
    except (BadRequest, ValueError) as exc:
        return _json({"errors": str(exc)}, 400)
    status = query.get("status", "open")
    items = [o for o in _world().orders if since is None or o.updated >= since]
    if status == "open":
        items = [o for o in items if o.state in ("new", "paid")]
    items.sort(key=lambda o: (o.updated, o.number))
    return _page(items, order_json, "orders", query, offset, limit)


@bp.get("/locations.json")
@faulty(_fault)
def locations(version: str) -> Response:
    """locations.json: the store's warehouses."""
    denied = _denied()
    if denied:
        return denied
    seen: dict[int, str] = {}
    for level in _world().stock:
        seen.setdefault(level.location_id, level.warehouse)
    return _json({"locations": [{"id": i, "name": n, "active": True} for i, n in seen.items()]})


@bp.get("/inventory_levels.json")
@faulty(_fault)
def inventory_levels(version: str) -> Response:
    """inventory_levels.json: available units per inventory item and location."""
    denied = _denied()
    if denied:
        return denied
    try:
        query, offset, limit = _query()
        since = _since(query.get("updated_at_min"))
    except (BadRequest, ValueError) as exc:
        return _json({"errors": str(exc)}, 400)
    wanted = {int(i) for i in query.get("location_ids", "").split(",") if i.strip().isdigit()}
    if not wanted and not query.get("inventory_item_ids"):
        return _json({"errors": {"base": ["location_ids or inventory_item_ids is required"]}}, 422)
    levels = [s for s in _world().stock if (not wanted or s.location_id in wanted)
              and (since is None or s.updated >= since)]
    levels.sort(key=lambda s: (s.location_id, s.product.inventory_item_id))
    return _page(levels, lambda s: {"inventory_item_id": s.product.inventory_item_id, "location_id": s.location_id,
                                    "available": s.on_hand - s.reserved, "updated_at": _iso(s.updated)},
                 "inventory_levels", query, offset, limit)


@bp.get("/inventory_items.json")
@faulty(_fault)
def inventory_items(version: str) -> Response:
    """inventory_items.json?ids=...: SKUs of inventory items."""
    denied = _denied()
    if denied:
        return denied
    wanted = {int(i) for i in request.args.get("ids", "").split(",") if i.strip().isdigit()}
    items = [p for p in _world().products if p.inventory_item_id in wanted]
    return _json({"inventory_items": [{"id": p.inventory_item_id, "sku": p.sku, "tracked": True,
                                       "created_at": _iso(simulation().started), "updated_at": _iso(simulation().started)}
                                      for p in items]})
