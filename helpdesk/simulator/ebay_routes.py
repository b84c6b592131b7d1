"""eBay: the Trading API (XML over POST /ebay/ws/api.dll) and Sell Fulfillment getOrders."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, jsonify, request

from helpdesk.simulator.faults import RATE_LIMIT
from helpdesk.simulator.http import faulty, simulation
from helpdesk.simulator.traffic import BuyerMessage
from helpdesk.simulator.world import Order, StoreWorld, address

bp = Blueprint("sim_ebay", __name__, url_prefix="/ebay")

NS = "urn:ebay:apis:eBLBaseComponents"
Q = "{" + NS + "}"
STORE = "ebay-de"


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _sub(parent: ET.Element, name: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, name)
    if text is not None:
        el.text = ("true" if text else "false") if isinstance(text, bool) else str(text)
    return el


def _response(call: str, build: Any = None, *, ack: str = "Success", errors: tuple[tuple[str, str, str], ...] = (),
              correlation: str | None = None) -> Response:
    root = ET.Element(f"{call}Response", {"xmlns": NS})
    _sub(root, "Timestamp", _iso(simulation().now()))
    _sub(root, "Ack", ack)
    if correlation:
        _sub(root, "CorrelationID", correlation)
    for code, short, classification in errors:
        err = _sub(root, "Errors")
        _sub(err, "ShortMessage", short)
        _sub(err, "LongMessage", short)
        _sub(err, "ErrorCode", code)
        _sub(err, "SeverityCode", "Error")
        _sub(err, "ErrorClassification", classification)
    _sub(root, "Version", "1193")
    _sub(root, "Build", "E1193_CORE_APIMSG_SIM")
    if build is not None:
        build(root)
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(body, content_type="text/xml; charset=utf-8")


def _failure(call: str, code: str, short: str, classification: str = "RequestError") -> Response:
    return _response(call, ack="Failure", errors=((code, short, classification),))


def _trading_fault(kind: str) -> Response:
    call = request.headers.get("X-EBAY-API-CALL-NAME", "GeteBayOfficialTime")
    if kind == RATE_LIMIT:
        return _failure(call, "518", "Call usage limit has been reached.", "SystemError")
    if simulation().faults.coin():
        return Response("<html><body>503 Service Temporarily Unavailable</body></html>", status=503)
    return _failure(call, "10007", "Internal error to the application.", "SystemError")


def _rest_fault(kind: str) -> Response:
    if kind == RATE_LIMIT:
        body = {"errors": [{"errorId": 2001, "domain": "ACCESS", "category": "REQUEST",
                            "message": "Too many requests. The request limit has been reached for the resource."}]}
        return Response(jsonify(body).get_data(), status=429, content_type="application/json",
                        headers={"Retry-After": str(int(simulation().faults.retry_after))})
    return Response(jsonify({"errors": [{"errorId": 10001, "domain": "API_FULFILLMENT", "category": "APPLICATION",
                                         "message": "System error."}]}).get_data(),
                    status=500, content_type="application/json")


def _world() -> StoreWorld:
    return simulation().worlds[STORE]


def _time(root: ET.Element, name: str) -> datetime | None:
    el = root.find(Q + name)
    if el is None or not el.text:
        return None
    return datetime.fromisoformat(el.text.strip().replace("Z", "+00:00"))


def _in_window(message: BuyerMessage, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or message.sent_at >= start) and (end is None or message.sent_at <= end)


@bp.post("/ws/api.dll")
@faulty(_trading_fault)
def trading() -> Response:
    """The Trading API endpoint: the call name is in X-EBAY-API-CALL-NAME."""
    sim = simulation()
    call = request.headers.get("X-EBAY-API-CALL-NAME", "")
    token = request.headers.get("X-EBAY-API-IAF-TOKEN", "")
    if token != sim.credentials(_world().store)["user_token"]:
        return _failure(call or "GeteBayOfficialTime", "931", "Auth token is invalid.")
    try:
        root = ET.fromstring(request.get_data())
    except ET.ParseError:
        return _failure(call, "5", "XML Parse error.")
    if root.tag != f"{Q}{call}Request":
        return _failure(call or "Unknown", "2", "Unsupported API call.")
    handler = CALLS.get(call)
    if handler is None:
        return _failure(call, "2", f"The API call {call!r} is invalid or not supported in this release.")
    return handler(root)


def _header(parent: ET.Element, m: BuyerMessage, world: StoreWorld) -> ET.Element:
    el = _sub(parent, "Message")
    _sub(el, "Sender", m.buyer.login)
    _sub(el, "RecipientUserID", world.store.seller_id)
    _sub(el, "SendToName", world.store.seller_id)
    _sub(el, "Subject", m.subject)
    _sub(el, "MessageID", f"9{m.external_id}")
    _sub(el, "ExternalMessageID", m.external_id)
    return el


def get_my_messages(root: ET.Element) -> Response:
    """GetMyMessages: headers for a time window, or bodies for at most ten ids."""
    world = _world()
    detail = (root.findtext(Q + "DetailLevel") or "").strip()
    if detail not in ("ReturnHeaders", "ReturnMessages", "ReturnSummary"):
        return _failure("GetMyMessages", "37", "Input data for tag <DetailLevel> is invalid or missing.")
    ids = [e.text or "" for e in root.findall(f"{Q}MessageIDs/{Q}MessageID")]
    if len(ids) > 10:
        return _failure("GetMyMessages", "20139", "You can request at most 10 message IDs per call.")
    messages = simulation().visible(STORE)
    if detail == "ReturnSummary":
        def summary(resp: ET.Element) -> None:
            s = _sub(resp, "Summary")
            _sub(s, "NewMessageCount", sum(1 for m in messages if not m.answered))
            _sub(s, "TotalMessageCount", len(messages))
        return _response("GetMyMessages", summary)
    if ids:
        wanted = set(ids)
        chosen = [m for m in messages if f"9{m.external_id}" in wanted]
    elif detail == "ReturnMessages":
        return _failure("GetMyMessages", "20140", "MessageIDs are required with ReturnMessages.")
    else:
        start, end = _time(root, "StartTime"), _time(root, "EndTime")
        chosen = [m for m in messages if _in_window(m, start, end)]
        if chosen and simulation().faults.repeat():
            chosen.append(chosen[len(chosen) // 2])  # the same header twice

    def build(resp: ET.Element) -> None:
        box = _sub(resp, "Messages")
        for m in chosen:
            el = _header(box, m, world)
            if detail == "ReturnMessages":
                _body(el, m)
            else:
                _sub(el, "ReceiveDate", _iso(m.sent_at))
                _sub(el, "ItemID", m.product.listing_id if m.product else None)
                folder = _sub(el, "Folder")
                _sub(folder, "FolderID", 0)
                _sub(el, "MessageType", "AskSellerQuestion" if m.kind == "asq" else "ContactTransactionPartner")
                _sub(el, "Replied", m.answered)

    return _response("GetMyMessages", build)


def _body(el: ET.Element, m: BuyerMessage) -> None:
    """The ReturnMessages part of a message, in the schema's element order."""
    if m.malformed:
        el.remove(el.find("Sender"))  # type: ignore[arg-type]
    wrapper = ET.Element("div")
    for line in m.text.split("\n"):
        ET.SubElement(wrapper, "p").text = line
    _sub(el, "Text", ET.tostring(wrapper, encoding="unicode", method="html"))
    _sub(el, "Flagged", False)
    _sub(el, "Read", False)
    _sub(el, "CreationDate", _iso(m.sent_at))
    _sub(el, "ReceiveDate", _iso(m.sent_at))
    _sub(el, "ItemID", m.product.listing_id if m.product else None)
    details = _sub(el, "ResponseDetails")
    _sub(details, "ResponseEnabled", True)
    folder = _sub(el, "Folder")
    _sub(folder, "FolderID", 0)
    _sub(el, "Content", m.text)
    _sub(el, "MessageType", "AskSellerQuestion" if m.kind == "asq" else "ContactTransactionPartner")
    if m.kind == "asq":
        _sub(el, "QuestionType", "General")
    _sub(el, "Replied", m.answered)
    if m.product:
        _sub(el, "ItemTitle", m.product.title)


def get_member_messages(root: ET.Element) -> Response:
    """GetMemberMessages: Ask-Seller-a-Question exchanges, paged, MessageStatus on the exchange."""
    world = _world()
    if (root.findtext(Q + "MailMessageType") or "") not in ("AskSellerQuestion", "All"):
        return _failure("GetMemberMessages", "37", "Input data for tag <MailMessageType> is invalid or missing.")
    status = (root.findtext(Q + "MessageStatus") or "").strip()
    start, end = _time(root, "StartCreationTime"), _time(root, "EndCreationTime")
    per_page = int(root.findtext(f"{Q}Pagination/{Q}EntriesPerPage") or 25)
    page = max(1, int(root.findtext(f"{Q}Pagination/{Q}PageNumber") or 1))
    if per_page <= 0 or per_page > 200:
        return _failure("GetMemberMessages", "37", "Input data for tag <Pagination.EntriesPerPage> is invalid.")
    per_page = 25 if per_page < 25 else max(v for v in (25, 50, 100, 200) if v <= per_page)
    questions = [
        m for m in simulation().visible(STORE)
        if m.kind == "asq" and _in_window(m, start, end)
        and (status == "" or (status == "Answered") == m.answered)
    ]
    first = (page - 1) * per_page
    chosen = questions[first : first + per_page]
    if first > 0 and first <= len(questions) and simulation().faults.repeat():
        chosen.insert(0, questions[first - 1])  # the same exchange on two pages
    pages = max(1, -(-len(questions) // per_page))

    def build(resp: ET.Element) -> None:
        box = _sub(resp, "MemberMessage")
        for m in chosen:
            ex = _sub(box, "MemberMessageExchange")
            item = _sub(ex, "Item")
            _sub(item, "ItemID", m.product.listing_id if m.product else None)
            _sub(item, "Title", m.product.title if m.product else None)
            q = _sub(ex, "Question")
            _sub(q, "MessageType", "AskSellerQuestion")
            _sub(q, "QuestionType", "General")
            _sub(q, "DisplayToPublic", False)
            _sub(q, "SenderID", m.buyer.login)
            _sub(q, "RecipientID", world.store.seller_id)
            _sub(q, "Subject", m.subject)
            _sub(q, "Body", m.text)
            _sub(q, "MessageID", m.external_id)
            _sub(ex, "MessageStatus", "Answered" if m.answered else "Unanswered")
            _sub(ex, "CreationDate", _iso(m.sent_at))
            _sub(ex, "LastModifiedDate", _iso(m.sent_at))
        result = _sub(resp, "PaginationResult")
        _sub(result, "TotalNumberOfPages", pages)
        _sub(result, "TotalNumberOfEntries", len(questions))
        _sub(resp, "HasMoreItems", page < pages)

    return _response("GetMemberMessages", build)


def _reply(call: str, root: ET.Element) -> Response:
    sim = simulation()
    key = request.headers.get("X-Idempotency-Key") or root.findtext(Q + "MessageID") or ""
    member = root.find(Q + "MemberMessage")
    if member is None or not (member.findtext(Q + "Body") or "").strip():
        return _failure(call, "37", "Input data for tag <MemberMessage.Body> is invalid or missing.")
    recipient = member.findtext(Q + "RecipientID") or ""
    target: BuyerMessage | None = None
    if call == "AddMemberMessageRTQ":
        parent = member.findtext(Q + "ParentMessageID") or ""
        target = sim.message(STORE, parent)
        if target is None or target.kind != "asq" or target.buyer.login != recipient:
            return _failure(call, "20134", "The parent message ID or recipient is invalid.")
    elif not any(m.buyer.login == recipient for m in sim.visible(STORE)) and not any(
        o.buyer.login == recipient for o in _world().orders
    ):
        return _failure(call, "20135", "The recipient is not a partner of this order.")
    if not key:
        return _failure(call, "37", "MessageID (the idempotency key) is missing.")
    conversation = f"{recipient}:{member.findtext(Q + 'ParentMessageID') or root.findtext(Q + 'ItemID') or ''}"
    duplicate = sim.record_reply("ebay", key, conversation, member.findtext(Q + "Body") or "", target)

    def build(resp: ET.Element) -> None:
        if duplicate:
            dup = _sub(resp, "DuplicateInvocationDetails")
            _sub(dup, "DuplicateInvocationID", key)
            _sub(dup, "Status", "Success")

    return _response(call, build, correlation=key)


def add_rtq(root: ET.Element) -> Response:
    """AddMemberMessageRTQ: answer an Ask-Seller-a-Question message."""
    return _reply("AddMemberMessageRTQ", root)


def add_aaq(root: ET.Element) -> Response:
    """AddMemberMessageAAQToPartner: write to the buyer of an order."""
    return _reply("AddMemberMessageAAQToPartner", root)


CALLS = {
    "GetMyMessages": get_my_messages,
    "GetMemberMessages": get_member_messages,
    "AddMemberMessageRTQ": add_rtq,
    "AddMemberMessageAAQToPartner": add_aaq,
}


# -- Sell Fulfillment REST ---------------------------------------------------------------

FULFILLMENT = {"new": ("NOT_STARTED", "PENDING"), "paid": ("NOT_STARTED", "PAID"), "shipped": ("IN_PROGRESS", "PAID"),
               "delivered": ("FULFILLED", "PAID"), "cancelled": ("NOT_STARTED", "FULLY_REFUNDED")}


def _amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": currency}


def order_json(order: Order) -> dict[str, Any]:
    """A Fulfillment API Order (Amount values are strings)."""
    fulfillment, payment = FULFILLMENT[order.state]
    addr = address(order.buyer)
    return {
        "orderId": order.order_id,
        "legacyOrderId": f"{order.lines[0][0].listing_id}-{order.line_ids[0]}",
        "creationDate": _iso(order.created),
        "lastModifiedDate": _iso(order.updated),
        "orderFulfillmentStatus": fulfillment,
        "orderPaymentStatus": payment,
        "sellerId": "gadgetwerk_de",
        "buyer": {"username": order.buyer.login,
                  "buyerRegistrationAddress": {"fullName": order.buyer.name, "email": order.buyer.email}},
        "pricingSummary": {"priceSubtotal": _amount(order.total, order.currency), "total": _amount(order.total, order.currency)},
        "cancelStatus": {"cancelState": "CANCELED" if order.state == "cancelled" else "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentStartInstructions": [{
            "fulfillmentInstructionsType": "SHIP_TO",
            "shippingStep": {"shippingCarrierCode": "DHL", "shipTo": {
                "fullName": order.buyer.name,
                "contactAddress": {"addressLine1": addr["line1"], "city": addr["city"], "postalCode": addr["postcode"],
                                   "countryCode": addr["country"]},
            }},
        }],
        "fulfillmentHrefs": [],
        "lineItems": [
            {"lineItemId": line_id, "legacyItemId": p.listing_id, "sku": p.sku, "title": p.title, "quantity": q,
             "lineItemCost": _amount(p.price * q, order.currency), "total": _amount(p.price * q, order.currency),
             "lineItemFulfillmentStatus": fulfillment}
            for (p, q), line_id in zip(order.lines, order.line_ids, strict=True)
        ],
    }


@bp.get("/sell/fulfillment/v1/order")
@faulty(_rest_fault)
def get_orders() -> Response:
    """getOrders: lastmodifieddate filter, limit (<=200) and zero-based offset."""
    sim = simulation()
    if request.headers.get("Authorization") != f"Bearer {sim.credentials(_world().store)['user_token']}":
        return Response(jsonify({"errors": [{"errorId": 1001, "domain": "OAuth", "category": "REQUEST",
                                             "message": "Invalid access token"}]}).get_data(), status=401,
                        content_type="application/json")
    try:
        limit = int(request.args.get("limit", 50))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        limit = -1
        offset = 0
    if not 1 <= limit <= 200 or offset < 0:
        return Response(jsonify({"errors": [{"errorId": 30700, "domain": "API_FULFILLMENT", "category": "REQUEST",
                                             "message": "Invalid limit or offset."}]}).get_data(), status=400,
                        content_type="application/json")
    since = None
    flt = request.args.get("filter", "")
    if flt.startswith("lastmodifieddate:[") and ".." in flt:
        since = datetime.fromisoformat(flt[len("lastmodifieddate:["):flt.index("..")].replace("Z", "+00:00"))
    orders = sorted((o for o in _world().orders if since is None or o.updated >= since), key=lambda o: (o.updated, o.order_id))
    page = orders[offset : offset + limit]
    base = request.base_url
    body: dict[str, Any] = {"href": request.url, "limit": limit, "offset": offset, "total": len(orders),
                            "orders": [order_json(o) for o in page]}
    if offset + limit < len(orders):
        body["next"] = f"{base}?limit={limit}&offset={offset + limit}"
    if offset > 0:
        body["prev"] = f"{base}?limit={limit}&offset={max(0, offset - limit)}"
    return jsonify(body)
