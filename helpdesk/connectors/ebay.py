"""eBay: buyer messages over the Trading API (XML), orders from the Sell Fulfillment API.

Messages come from two calls, each with its own overlap-window cursor:
- ``GetMyMessages``: headers for a time window (``ReturnHeaders``), then bodies for at most
  ten ids per call (``ReturnMessages``); the response has no pagination.
- ``GetMemberMessages``: unanswered Ask-Seller-a-Question exchanges, paged.
An ASQ question shows up in both; its id is the same (GetMyMessages' ``ExternalMessageID``
equals GetMemberMessages' ``MessageID``), so ingest sees one message.
Replies: ``AddMemberMessageRTQ`` answers a question, ``AddMemberMessageAAQToPartner``
writes to an order partner. The idempotency key travels as the request's ``MessageID``
(echoed as ``CorrelationID``) and as an ``X-Idempotency-Key`` header.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from helpdesk.connectors import ebay_xml as X
from helpdesk.connectors.base import (
    BuyerRef,
    ChannelSettings,
    Connector,
    InboundMessage,
    MessagePage,
    OrderLineSnapshot,
    OrderPage,
    OrderSnapshot,
    OutgoingReply,
    PayloadError,
    PayloadFailure,
    PermanentError,
    SendResult,
    ShipmentSnapshot,
    StockPage,
)
from helpdesk.connectors.wire import (
    SeenWindow,
    chunks,
    find_order_id,
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

TRADING_URL = "https://api.ebay.com/ws/api.dll"
API_URL = "https://api.ebay.com"
COMPATIBILITY_LEVEL = "1193"
ORDER_ID = re.compile(r"\b\d{2}-\d{5}-\d{5}\b")
OVERLAP = timedelta(minutes=10)
LOOKBACK = timedelta(days=30)
HEADERS_PER_PAGE = 50
ASQ_PER_PAGE = 25
ORDERS_PER_PAGE = 200
QUESTION_TYPES = ("AskSellerQuestion", "ResponseToASQQuestion")
_TAG = re.compile(r"<[^>]+>")


def order_status(fulfillment: str | None, payment: str | None, cancel_state: str | None) -> str:
    """The OrderStatus value for a Fulfillment API order."""
    if cancel_state == "CANCELED":
        return "cancelled"
    if payment == "FULLY_REFUNDED":
        return "refunded"
    if fulfillment == "FULFILLED":
        return "shipped"
    if fulfillment == "IN_PROGRESS":
        return "partially_shipped"
    if payment in ("PENDING", "FAILED"):
        return "pending"
    return "unshipped"


def _plain(html_text: str) -> str:
    return html.unescape(_TAG.sub(" ", html_text)).strip()


def _raw(el: ET.Element) -> str:
    return ET.tostring(el, encoding="unicode")[:200_000]


class EbayConnector(Connector):
    """eBay Trading API messages and Sell Fulfillment orders for one seller account."""

    platform: ClassVar[str] = "ebay"

    def __init__(self, channel: ChannelSettings) -> None:
        super().__init__(channel)
        s = channel.settings
        self.trading_url = str(s.get("trading_url") or TRADING_URL)
        self.api_url = str(s.get("api_url") or API_URL).rstrip("/")
        self.site_id = str(s.get("site_id", "0"))
        self.seller = s.get("seller_user_id")
        self.marketplace_id = s.get("marketplace_id") or channel.marketplace
        self.token = str(channel.credentials.get("user_token") or channel.credentials.get("access_token") or "")
        self.page_size = int(s.get("page_size") or HEADERS_PER_PAGE)
        self.client = make_client(s)

    # -- transport ---------------------------------------------------------------------

    def _call(self, call: str, fields: list[X.Field], *, idempotency_key: str | None = None) -> ET.Element:
        headers = {
            "X-EBAY-API-CALL-NAME": call,
            "X-EBAY-API-SITEID": self.site_id,
            "X-EBAY-API-COMPATIBILITY-LEVEL": COMPATIBILITY_LEVEL,
            "X-EBAY-API-IAF-TOKEN": self.token,
            "Content-Type": "text/xml; charset=utf-8",
        }
        for key in ("app_id", "dev_id", "cert_id"):
            value = self.channel.credentials.get(key)
            if value:
                headers[f"X-EBAY-API-{key.split('_')[0].upper()}-NAME"] = str(value)
        if idempotency_key:
            headers["X-Idempotency-Key"] = idempotency_key
        body = X.build_request(call, fields, message_id=idempotency_key)
        response = send(self.client, "POST", self.trading_url, content=body, headers=headers)
        raw = raw_text(response)
        if response.status_code >= 400:
            raise PermanentError(f"HTTP {response.status_code} from {call}")
        root = X.parse(response.content)
        X.check_ack(root, raw)
        return root

    # -- messages ----------------------------------------------------------------------

    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        """New My Messages and unanswered questions after the cursor (one page of each)."""
        now = now_utc()
        messages: list[InboundMessage] = []
        failures: list[PayloadFailure] = []
        mine = SeenWindow(cursor.get("my") or {}, overlap=OVERLAP, lookback=LOOKBACK)
        questions = SeenWindow.resume(cursor.get("asq") or {}, overlap=OVERLAP, lookback=LOOKBACK)
        my_more = self._fetch_my_messages(mine, questions, now, messages, failures)
        asq_page, asq_more = self._fetch_questions(questions, mine, int((cursor.get("asq") or {}).get("page") or 1),
                                                   now, messages, failures)
        my_cursor = mine.cursor()
        asq_cursor = questions.cursor(advance=not asq_more)
        if asq_more:
            asq_cursor["page"] = asq_page + 1
        unique: dict[str, InboundMessage] = {}
        for message in messages:
            unique.setdefault(message.external_id, message)
        return MessagePage(
            messages=list(unique.values()),
            cursor={"my": my_cursor, "asq": asq_cursor},
            has_more=my_more or asq_more,
            failures=failures,
        )

    def _fetch_my_messages(
        self, window: SeenWindow, other: SeenWindow, now: datetime, out: list[InboundMessage],
        failures: list[PayloadFailure],
    ) -> bool:
        root = self._call(
            "GetMyMessages",
            [("DetailLevel", "ReturnHeaders"), ("FolderID", 0), ("StartTime", iso(window.start(now))), ("EndTime", iso(now))],
        )
        headers: dict[str, tuple[datetime, str]] = {}
        for el in X.findall(root, "Messages/Message"):
            message_id = X.text(el, "MessageID")
            key = X.text(el, "ExternalMessageID") or message_id
            try:
                when = parse_dt(X.text(el, "ReceiveDate"))
            except ValueError as exc:
                if key and window.is_new(key):
                    failures.append(PayloadFailure(raw=_raw(el), error=f"header: {exc}", external_id=key))
                    window.add(key, window.high or now)
                continue
            if not message_id or not key or not window.is_new(key) or X.text(el, "Sender") == "eBay":
                continue
            if not other.is_new(key):
                window.add(key, when)  # already returned by GetMemberMessages
                continue
            headers[message_id] = (when, key)
        ordered = sorted(headers.items(), key=lambda kv: (kv[1][0], kv[0]))
        page = ordered[: self.page_size]
        for ids in chunks([mid for mid, _ in page], 10):
            body_root = self._call(
                "GetMyMessages", [("DetailLevel", "ReturnMessages"), ("MessageIDs", {"MessageID": ids})]
            )
            for el in X.findall(body_root, "Messages/Message"):
                mid = X.text(el, "MessageID")
                if mid not in headers:
                    continue
                when, key = headers[mid]
                try:
                    out.append(self._my_message(el, key))
                except (ValueError, TypeError) as exc:
                    failures.append(PayloadFailure(raw=_raw(el), error=str(exc)[:300], external_id=key))
        for _mid, (when, key) in page:
            window.add(key, when)
        return len(ordered) > len(page)

    def reparse(self, kind: str, raw: str, external_id: str | None = None) -> MessagePage:
        """Parse a quarantined GetMyMessages <Message> again."""
        if kind != "message":
            raise NotImplementedError("re-processing eBay order payloads is not supported yet")
        try:
            el = X.parse(raw.encode("utf-8"))
            if not el.tag.endswith("Message"):
                raise NotImplementedError("only GetMyMessages bodies can be re-processed")
            message = self._my_message(el, external_id or X.text(el, "MessageID") or "")
        except (ValueError, TypeError, ET.ParseError, PayloadError) as exc:
            raise PayloadError(f"still unreadable: {exc}", raw=raw) from None
        return MessagePage(messages=[message], cursor={})

    def _my_message(self, el: ET.Element, key: str) -> InboundMessage:
        sender = X.text(el, "Sender")
        if not sender:
            raise ValueError("message without Sender")
        sent_at = parse_dt(X.text(el, "ReceiveDate"))
        html_body = X.text(el, "Text")
        content = X.text(el, "Content")
        body = content if content is not None else _plain(html_body or "")
        subject = X.text(el, "Subject", "") or ""
        item_id = X.text(el, "ItemID")
        message_type = X.text(el, "MessageType", "") or ""
        if message_type in QUESTION_TYPES:
            reply_to = {"call": "AddMemberMessageRTQ", "item_id": item_id, "parent_message_id": key, "recipient_id": sender}
        else:
            reply_to = {"call": "AddMemberMessageAAQToPartner", "item_id": item_id, "recipient_id": sender}
        reply_to["message_id"] = X.text(el, "MessageID")
        return InboundMessage(
            external_id=key,
            buyer=BuyerRef(kind="ebay_user", value=sender, display_name=sender),
            body_text=body,
            body_html=html_body,
            sent_at=sent_at,
            subject=subject,
            thread_id=f"item:{item_id}:{sender}" if item_id else f"user:{sender}",
            order_id=find_order_id(ORDER_ID, subject, body),
            item_id=item_id,
            reply_to=reply_to,
        )

    def _fetch_questions(
        self, window: SeenWindow, other: SeenWindow, page_number: int, now: datetime, out: list[InboundMessage],
        failures: list[PayloadFailure],
    ) -> tuple[int, bool]:
        root = self._call(
            "GetMemberMessages",
            [
                ("MailMessageType", "AskSellerQuestion"),
                ("MessageStatus", "Unanswered"),
                ("StartCreationTime", iso(window.start(now))),
                ("EndCreationTime", iso(now)),
                ("Pagination", {"EntriesPerPage": ASQ_PER_PAGE, "PageNumber": page_number}),
            ],
        )
        for el in X.findall(root, "MemberMessage/MemberMessageExchange"):
            key = X.text(el, "Question/MessageID")
            if key and not (window.is_new(key) and other.is_new(key)):
                continue
            try:
                message = self._question(el)
            except (ValueError, TypeError) as exc:
                failures.append(PayloadFailure(raw=_raw(el), error=str(exc)[:300], external_id=key))
                if key:
                    window.add(key, window.high or now)
                continue
            out.append(message)
            window.add(message.external_id, message.sent_at)
        return page_number, (X.text(root, "HasMoreItems") or "false") == "true"

    def _question(self, el: ET.Element) -> InboundMessage:
        key = X.text(el, "Question/MessageID")
        sender = X.text(el, "Question/SenderID")
        if not key or not sender:
            raise ValueError("question without MessageID or SenderID")
        sent_at = parse_dt(X.text(el, "CreationDate"))
        item_id = X.text(el, "Item/ItemID")
        body = X.text(el, "Question/Body", "") or ""
        subject = X.text(el, "Question/Subject", "") or ""
        return InboundMessage(
            external_id=key,
            buyer=BuyerRef(kind="ebay_user", value=sender, display_name=sender),
            body_text=body,
            sent_at=sent_at,
            subject=subject,
            thread_id=f"item:{item_id}:{sender}" if item_id else f"user:{sender}",
            order_id=find_order_id(ORDER_ID, subject, body),
            item_id=item_id,
            reply_to={"call": "AddMemberMessageRTQ", "item_id": item_id, "parent_message_id": key, "recipient_id": sender},
        )

    def send_reply(self, reply: OutgoingReply) -> SendResult:
        """Answer a question (RTQ) or write to the order partner (AAQToPartner)."""
        to = reply.reply_to
        recipient = to.get("recipient_id")
        if not recipient:
            raise PermanentError("reply_to has no eBay recipient")
        if to.get("call") == "AddMemberMessageRTQ" and to.get("parent_message_id"):
            call = "AddMemberMessageRTQ"
            member = {"Body": reply.body_text, "DisplayToPublic": False, "EmailCopyToSender": False,
                      "ParentMessageID": to["parent_message_id"], "RecipientID": recipient}
        else:
            call = "AddMemberMessageAAQToPartner"
            member = {"Body": reply.body_text, "EmailCopyToSender": False, "QuestionType": "CustomizedSubject",
                      "RecipientID": recipient, "Subject": (reply.subject or "Re: your message")[:100]}
        fields: list[X.Field] = []
        if to.get("item_id"):
            fields.append(("ItemID", to["item_id"]))
        fields.append(("MemberMessage", member))
        root = self._call(call, fields, idempotency_key=reply.idempotency_key)
        duplicate = root.find(X.Q + "DuplicateInvocationDetails") is not None
        return SendResult(external_id=X.text(root, "CorrelationID") or reply.idempotency_key, duplicate=duplicate)

    # -- orders ------------------------------------------------------------------------

    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        """Orders modified after the cursor, by limit/offset pages of getOrders."""
        now = now_utc()
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=timedelta(days=90))
        window.recent.clear()  # orders change: re-read them all in the window
        offset = int(cursor.get("offset") or 0)
        start = iso(window.start(now))
        url = f"{self.api_url}/sell/fulfillment/v1/order"
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.marketplace_id:
            headers["X-EBAY-C-MARKETPLACE-ID"] = str(self.marketplace_id)
        params = {"filter": f"lastmodifieddate:[{start}..]", "limit": str(min(self.page_size * 4, ORDERS_PER_PAGE)), "offset": str(offset)}
        response = send(self.client, "GET", url, params=params, headers=headers)
        if response.status_code >= 400:
            raise PermanentError(f"HTTP {response.status_code} from getOrders")
        data = json_object(response)
        items = data.get("orders")
        if not isinstance(items, list):
            raise PayloadError("getOrders without an orders list", raw=raw_text(response))
        orders: list[OrderSnapshot] = []
        failures: list[PayloadFailure] = []
        for item in items:
            try:
                order = self.parse_order(item)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                oid = item.get("orderId") if isinstance(item, dict) else None
                failures.append(PayloadFailure(raw=json.dumps(item, default=str)[:200_000], error=str(exc)[:300], external_id=oid, kind="order"))
                continue
            orders.append(order)
            if order.updated_at:
                window.add(order.external_id, order.updated_at)
        next_offset = offset + len(items)
        if items and data.get("next"):
            state = window.cursor(advance=False)
            state["recent"] = []
            state["offset"] = next_offset
            return OrderPage(orders=orders, cursor=state, has_more=True, failures=failures)
        state = window.cursor()
        state["recent"] = []
        return OrderPage(orders=orders, cursor=state, has_more=False, failures=failures)

    @staticmethod
    def parse_order(item: Mapping[str, Any]) -> OrderSnapshot:
        """One Fulfillment API Order as a snapshot (Amount values are strings)."""
        pricing = item.get("pricingSummary") or {}
        total = pricing.get("total") or {}
        buyer = item.get("buyer") or {}
        username = buyer.get("username")
        contact = (buyer.get("buyerRegistrationAddress") or {})
        ship_to: Mapping[str, Any] = {}
        latest_ship = None
        for instruction in item.get("fulfillmentStartInstructions") or []:
            ship_to = ((instruction.get("shippingStep") or {}).get("shipTo")) or ship_to
        address = dict(ship_to.get("contactAddress") or {})
        lines = []
        for line in item.get("lineItems") or []:
            cost = line.get("lineItemCost") or {}
            quantity = int(line["quantity"])
            unit = money(cost.get("value"))
            ship_by = opt_dt((line.get("lineItemFulfillmentInstructions") or {}).get("shipByDate"))
            if ship_by and (latest_ship is None or ship_by > latest_ship):
                latest_ship = ship_by
            lines.append(
                OrderLineSnapshot(
                    external_id=str(line.get("lineItemId")) if line.get("lineItemId") else None,
                    channel_sku=line.get("sku"),
                    title=str(line.get("title") or ""),
                    quantity=quantity,
                    unit_price=(unit / quantity) if unit is not None and quantity else unit,
                    currency=cost.get("currency"),
                    item_id=line.get("legacyItemId"),
                )
            )
        cancel_state = (item.get("cancelStatus") or {}).get("cancelState")
        shipments = tuple(
            ShipmentSnapshot(tracking_url=href) for href in item.get("fulfillmentHrefs") or [] if isinstance(href, str)
        )
        return OrderSnapshot(
            external_id=str(item["orderId"]),
            status=order_status(item.get("orderFulfillmentStatus"), item.get("orderPaymentStatus"), cancel_state),
            platform_status=f"{item.get('orderFulfillmentStatus')}/{item.get('orderPaymentStatus')}",
            ordered_at=opt_dt(item.get("creationDate")),
            updated_at=opt_dt(item.get("lastModifiedDate")),
            currency=total.get("currency"),
            total=money(total.get("value")),
            buyer=BuyerRef(kind="ebay_user", value=username, display_name=username,
                           email=contact.get("email")) if username else None,
            buyer_name=contact.get("fullName") or ship_to.get("fullName"),
            buyer_email=contact.get("email"),
            ship_name=ship_to.get("fullName"),
            ship_address=address,
            ship_postcode=address.get("postalCode"),
            ship_country=address.get("countryCode"),
            latest_ship_at=latest_ship,
            lines=tuple(lines),
            shipments=shipments,
        )

    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        """eBay listings keep no per-warehouse stock we read: an empty page."""
        return StockPage(levels=[], cursor=dict(cursor))

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

