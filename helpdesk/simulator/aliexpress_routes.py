"""AliExpress: the signed TOP/IOP gateway (POST /aliexpress/sync), messages and orders.

The message calls' response fields are not public; these follow the request parameters
and the TOP envelope (``{"<method>_response": {"result": ...}}``), as the connector does.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request

from helpdesk.connectors.aliexpress import sign
from helpdesk.simulator.faults import RATE_LIMIT
from helpdesk.simulator.http import faulty, simulation
from helpdesk.simulator.traffic import BuyerMessage
from helpdesk.simulator.world import Order, StoreWorld

bp = Blueprint("sim_aliexpress", __name__, url_prefix="/aliexpress")
STORE = "aliexpress"
PACIFIC = ZoneInfo("America/Los_Angeles")
STATUS = {"new": "PLACE_ORDER_SUCCESS", "paid": "WAIT_SELLER_SEND_GOODS", "shipped": "WAIT_BUYER_ACCEPT_GOODS",
          "delivered": "FINISH", "cancelled": "FINISH"}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json;charset=UTF-8")


def _error(code: str, msg: str, sub_code: str = "", sub_msg: str = "") -> Response:
    body: dict[str, Any] = {"code": code, "msg": msg, "request_id": f"sim{time.monotonic_ns() % 10**12}"}
    if sub_code:
        body.update(sub_code=sub_code, sub_msg=sub_msg)
    return _json({"error_response": body})


def _fault(kind: str) -> Response:
    if kind == RATE_LIMIT:
        return _error("7", "App Call Limited", "accesscontrol.limited-by-api-access-count",
                      f"This ban will last {simulation().faults.retry_after:.0f} more seconds")
    if simulation().faults.coin():
        return _json({"error": "Bad Gateway"}, 502)
    return _error("15", "Remote service error", "isp.service-unavailable", "The service is temporarily unavailable")


def _world() -> StoreWorld:
    return simulation().worlds[STORE]


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _pacific(dt: datetime) -> str:
    return dt.astimezone(PACIFIC).strftime("%Y-%m-%d %H:%M:%S")


def _respond(method: str, result: dict[str, Any]) -> Response:
    return _json({method.replace(".", "_") + "_response": {"result": result,
                                                          "request_id": f"sim{time.monotonic_ns() % 10**12}"}})


def _int(form: dict[str, str], name: str, default: int) -> int:
    try:
        return int(form.get(name, default))
    except ValueError:
        return default


@bp.post("/sync")
@faulty(_fault)
def gateway() -> Response:
    """The signed gateway: checks app_key, session and sign, then runs `method`."""
    form = request.form.to_dict()
    creds = simulation().credentials(_world().store)
    if form.get("app_key") != creds["app_key"]:
        return _error("InvalidAppKey", "Specified app key is invalid")
    method_name = form.get("sign_method", "sha256")
    if method_name not in ("sha256", "md5") or form.get("sign") != sign(form, creds["app_secret"], method_name):
        return _error("IncompleteSignature", "The request signature does not conform to platform standards")
    if form.get("session") != creds["session"]:
        return _error("IllegalAccessToken", "The specified access token is invalid or expired")
    handler = METHODS.get(form.get("method", ""))
    if handler is None:
        return _error("InvalidApiPath", "The specified API path is invalid")
    return handler(form)


def _conversations() -> dict[str, list[BuyerMessage]]:
    threads: dict[str, list[BuyerMessage]] = {}
    for m in simulation().visible(STORE):
        threads.setdefault(m.thread, []).append(m)
    return threads


def relation_list(form: dict[str, str]) -> Response:
    """querymsgrelationlist: conversations, newest first, paged (page_size <= 100)."""
    page, size = _int(form, "current_page", 1), _int(form, "page_size", 20)
    if not 1 <= size <= 100 or page < 1:
        return _error("isv.invalid-parameter", "Invalid arguments:page_size")
    threads = sorted(_conversations().items(), key=lambda kv: kv[1][-1].sent_at, reverse=True)
    first = (page - 1) * size
    chosen = threads[first : first + size]
    if first > 0 and first <= len(threads) and simulation().faults.repeat():
        chosen.insert(0, threads[first - 1])  # the same conversation on two pages
    relations = []
    for channel_id, msgs in chosen:
        last = msgs[-1]
        relations.append({
            "channel_id": channel_id, "msg_sources": "message_center", "unread_count": sum(not m.answered for m in msgs),
            "read_stat": "0", "deal_stat": "1" if last.answered else "0", "rank": "rank0",
            "other_login_id": last.buyer.login, "other_name": last.buyer.name,
            "last_message_content": last.text[:60], "last_message_id": last.external_id,
            "last_message_is_own": False, "last_message_create_time": _ms(last.sent_at),
            "child_id": last.order_id or "",
        })
    return _respond(M_RELATIONS, {"is_success": True, "total_count": len(threads), "relation_list": relations})


def detail_list(form: dict[str, str]) -> Response:
    """querymsgdetaillist: the messages of one conversation, newest first."""
    channel_id = form.get("channel_id", "")
    page, size = _int(form, "current_page", 1), _int(form, "page_size", 20)
    if not 1 <= size <= 100 or page < 1:
        return _error("isv.invalid-parameter", "Invalid arguments:page_size")
    msgs = list(reversed(_conversations().get(channel_id, [])))
    chosen = msgs[(page - 1) * size : page * size]
    if chosen and simulation().faults.repeat():
        chosen.append(chosen[0])  # a duplicate in the list
    details = []
    for m in chosen:
        detail: dict[str, Any] = {
            "id": int(m.external_id), "gmt_create": _ms(m.sent_at), "sender_login_id": m.buyer.login,
            "sender_name": m.buyer.name, "receiver_login_id": _world().store.seller_id, "content": m.text,
            "message_type": "order" if m.order else "product",
            "type_id": m.order_id or (m.product.listing_id if m.product else None),
            "summary": {"product_name": m.product.title if m.product else None},
        }
        if m.malformed:
            detail["gmt_create"] = "yesterday"
            detail["content"] = None
        details.append(detail)
    return _respond(M_DETAILS, {"is_success": True, "total_count": len(msgs), "message_detail_list": details})


def send_message(form: dict[str, str]) -> Response:
    """sendmsg: a seller message on a conversation, recorded by idempotency key."""
    channel_id = form.get("channel_id", "")
    if channel_id not in _conversations():
        return _error("isv.invalid-parameter", "Invalid arguments:channel_id")
    if not form.get("content", "").strip():
        return _error("isv.invalid-parameter", "Invalid arguments:content")
    key = request.headers.get("X-Idempotency-Key") or form.get("idempotency_key") or ""
    if not key:
        return _error("isv.invalid-parameter", "Missing idempotency_key")
    msgs = _conversations()[channel_id]
    duplicate = simulation().record_reply("aliexpress", key, channel_id, form.get("content", ""))
    for m in msgs:
        m.answered = True
    return _respond(M_SEND, {"is_success": True, "msg_id": "r" + hashlib.sha256(key.encode()).hexdigest()[:12], "duplicate": duplicate})


def mark_processed(form: dict[str, str]) -> Response:
    """updatemsgprocessed: deal_stat 1 marks a conversation processed."""
    if form.get("channel_id", "") not in _conversations():
        return _error("isv.invalid-parameter", "Invalid arguments:channel_id")
    return _respond(M_PROCESSED, {"is_success": True})


def order_dto(order: Order) -> dict[str, Any]:
    """An OrderDto of aliexpress.solution.order.get (times in US Pacific)."""
    return {
        "order_id": int(order.order_id), "gmt_create": _pacific(order.created), "gmt_update": _pacific(order.updated),
        "order_status": STATUS[order.state], "end_reason": "buyer_cancel_order" if order.state == "cancelled" else None,
        "buyer_login_id": order.buyer.login, "buyer_signer_fullname": order.buyer.name,
        "seller_login_id": _world().store.seller_id, "payment_type": "ebanx101",
        "pay_amount": {"amount": f"{order.total:.2f}", "currency_code": order.currency},
        "product_list": {"order_product_dto": [
            {"child_id": int(line_id), "order_id": int(order.order_id), "product_id": int(p.listing_id),
             "product_name": p.title, "product_count": q, "sku_code": p.sku,
             "product_unit_price": {"amount": f"{p.price:.2f}", "currency_code": order.currency}}
            for (p, q), line_id in zip(order.lines, order.line_ids, strict=True)
        ]},
    }


def order_get(form: dict[str, str]) -> Response:
    """aliexpress.solution.order.get: param0 OrderQuery, current_page/page_size paging."""
    try:
        query = json.loads(form.get("param0", "{}"))
        size = int(query.get("page_size", 20))
        page = int(query.get("current_page", 1))
        start = query.get("modified_date_start")
        since = datetime.strptime(start, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PACIFIC) if start else None
    except (ValueError, TypeError, AttributeError):
        return _error("isv.invalid-parameter", "Invalid arguments:param0")
    if not 1 <= size <= 50 or page < 1:
        return _error("isv.invalid-parameter", "Invalid arguments:page_size")
    orders = sorted((o for o in _world().orders if since is None or o.updated >= since), key=lambda o: (o.updated, o.order_id))
    total_page = max(1, -(-len(orders) // size))
    chosen = orders[(page - 1) * size : page * size]
    return _respond(M_ORDERS, {"success": True, "total_count": len(orders), "total_page": total_page,
                               "current_page": page, "page_size": size, "time_stamp": _pacific(simulation().now()),
                               "target_list": {"order_dto": [order_dto(o) for o in chosen]}})


M_RELATIONS = "aliexpress.message.redefining.versiontwo.querymsgrelationlist"
M_DETAILS = "aliexpress.message.redefining.versiontwo.querymsgdetaillist"
M_PROCESSED = "aliexpress.message.redefining.versiontwo.updatemsgprocessed"
M_SEND = "aliexpress.message.redefining.sendmsg"
M_ORDERS = "aliexpress.solution.order.get"
METHODS = {M_RELATIONS: relation_list, M_DETAILS: detail_list, M_SEND: send_message, M_PROCESSED: mark_processed,
           M_ORDERS: order_get}
