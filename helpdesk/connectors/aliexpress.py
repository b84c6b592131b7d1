"""AliExpress: seller messages and orders through the signed TOP/IOP gateway.

Every call is one signed POST to the gateway (``/sync``): ``app_key``, ``timestamp``,
``sign_method``, ``method``, ``session`` and the call's parameters, signed with the app
secret (HMAC-SHA256, or TOP's MD5). Answers are ``{"<method_with_underscores>_response":
{...}}`` or ``{"error_response": {code, msg, sub_code, sub_msg}}``; flow control there is
``RateLimited``. The message calls' response fields are not public: these follow the
request parameters and the common TOP shapes (a best effort, see the README).

Messages: ``querymsgrelationlist`` (conversations, newest first) then
``querymsgdetaillist`` for each conversation touched inside the window. A reply is sent
on the conversation and then marks it processed (``updatemsgprocessed``); fetching does
not mark anything, so a poller killed mid-page loses nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from helpdesk.connectors.base import (
    Attachment,
    BuyerRef,
    ChannelSettings,
    Connector,
    ConnectorError,
    InboundMessage,
    MessagePage,
    OrderLineSnapshot,
    OrderPage,
    OrderSnapshot,
    OutgoingReply,
    PayloadError,
    PayloadFailure,
    PermanentError,
    RateLimited,
    SendResult,
    StockPage,
    TransientError,
)
from helpdesk.connectors.wire import SeenWindow, json_object, make_client, money, now_utc, raw_text, send

log = logging.getLogger(__name__)

GATEWAY = "https://api-sg.aliexpress.com/sync"
PLATFORM_TZ = ZoneInfo("America/Los_Angeles")  # AliExpress writes its times in US Pacific
ORDER_ID = re.compile(r"\b\d{15,16}\b")
OVERLAP = timedelta(minutes=10)
LOOKBACK = timedelta(days=30)
RELATIONS_PER_PAGE = 50
DETAILS_PER_PAGE = 100
ORDERS_PER_PAGE = 50

M_RELATIONS = "aliexpress.message.redefining.versiontwo.querymsgrelationlist"
M_DETAILS = "aliexpress.message.redefining.versiontwo.querymsgdetaillist"
M_PROCESSED = "aliexpress.message.redefining.versiontwo.updatemsgprocessed"
M_SEND = "aliexpress.message.redefining.sendmsg"
M_ORDERS = "aliexpress.solution.order.get"

RATE_CODES = frozenset({"7", "ApiCallLimit", "AppCallLimit", "SessionCallLimit", "IpCallLimit"})
AUTH_CODES = frozenset({"25", "26", "27", "28", "29", "53", "IllegalAccessToken", "IncompleteSignature",
                        "InvalidAppKey", "AppKeyNotExist", "InvalidSession", "SessionExpired"})
TRANSIENT_CODES = frozenset({"15", "ServiceTimeout", "ISP.ServiceUnavailable", "InternalError", "ServiceUnavailable"})
_BAN = re.compile(r"(\d+(?:\.\d+)?)\s*(?:more\s*)?seconds?")

STATUSES = {
    "PLACE_ORDER_SUCCESS": "pending",
    "RISK_CONTROL": "pending",
    "WAIT_SELLER_EXAMINE_MONEY": "pending",
    "IN_CANCEL": "unshipped",
    "WAIT_SELLER_SEND_GOODS": "unshipped",
    "SELLER_PART_SEND_GOODS": "partially_shipped",
    "WAIT_BUYER_ACCEPT_GOODS": "shipped",
    "IN_ISSUE": "shipped",
    "IN_FROZEN": "shipped",
    "FUND_PROCESSING": "delivered",
    "FINISH": "delivered",
}


def order_status(platform_status: str | None, end_reason: str | None = None) -> str:
    """The OrderStatus value for an AliExpress order_status (and end_reason when finished)."""
    if platform_status == "FINISH" and end_reason and "cancel" in end_reason.lower():
        return "cancelled"
    if platform_status not in STATUSES:
        raise ValueError(f"unknown order_status {platform_status!r}")
    return STATUSES[platform_status]


def sign(params: Mapping[str, str], secret: str, method: str = "sha256") -> str:
    """The gateway signature over the sorted parameters (IOP HMAC-SHA256 or TOP MD5)."""
    joined = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    if method == "md5":
        return hashlib.md5((secret + joined + secret).encode()).hexdigest().upper()
    return hmac.new(secret.encode(), joined.encode(), hashlib.sha256).hexdigest().upper()


def platform_time(value: Any) -> datetime:
    """An AliExpress time (epoch milliseconds, or 'yyyy-MM-dd HH:mm:ss' in US Pacific) as UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PLATFORM_TZ).astimezone(UTC)
    raise ValueError(f"not a time: {value!r}")


def format_time(dt: datetime) -> str:
    """UTC -> 'yyyy-MM-dd HH:mm:ss' in US Pacific, as the order queries expect."""
    return dt.astimezone(PLATFORM_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _list(value: Any, *keys: str) -> list[Any]:
    """A list, or TOP's {"<name>": [...]} wrapper around one."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        for key in keys:
            if isinstance(value.get(key), list):
                return list(value[key])
    if value is None:
        return []
    raise ValueError("expected a list")


def raise_for_error(error: Mapping[str, Any], raw: str) -> None:
    """Map an `error_response` onto the contract's errors."""
    code = str(error.get("code", ""))
    sub_code = str(error.get("sub_code", ""))
    message = f"AliExpress error {code} {sub_code}: {error.get('msg', '')} {error.get('sub_msg', '')}".strip()[:300]
    lowered = f"{sub_code} {error.get('msg', '')} {error.get('sub_msg', '')}".lower()
    if code in RATE_CODES or "limit" in sub_code.lower() or "flow control" in lowered or "call limited" in lowered:
        ban = _BAN.search(lowered)
        raise RateLimited(float(ban.group(1)) if ban else None, message)
    if code in AUTH_CODES or sub_code in AUTH_CODES:
        raise PermanentError(message)
    if code in TRANSIENT_CODES or sub_code.startswith(("isp.", "ISP.")) or "timeout" in lowered:
        raise TransientError(message)
    if not code:
        raise PayloadError("error_response without code", raw=raw)
    raise PermanentError(message)


class AliExpressConnector(Connector):
    """One AliExpress seller: message centre conversations and orders."""

    platform: ClassVar[str] = "aliexpress"

    def __init__(self, channel: ChannelSettings) -> None:
        super().__init__(channel)
        s = channel.settings
        self.gateway = str(s.get("gateway_url") or GATEWAY)
        self.sign_method = str(s.get("sign_method") or "sha256")
        self.seller = s.get("seller_login_id")
        self.msg_sources = str(s.get("msg_sources") or "message_center")
        self.page_size = int(s.get("page_size") or RELATIONS_PER_PAGE)
        self.client = make_client(s)

    def call(self, method: str, params: Mapping[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        """One signed gateway call; the inner response object, or the mapped error."""
        creds = self.channel.credentials
        form = {
            "app_key": str(creds.get("app_key", "")),
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": self.sign_method,
            "method": method,
            "session": str(creds.get("session") or creds.get("access_token") or ""),
            "format": "json",
            "v": "2.0",
        }
        for key, value in params.items():
            form[key] = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        form["sign"] = sign(form, str(creds.get("app_secret", "")), self.sign_method)
        headers = {"X-Idempotency-Key": idempotency_key} if idempotency_key else None
        response = send(self.client, "POST", self.gateway, data=form, headers=headers)
        raw = raw_text(response)
        data = json_object(response)
        if isinstance(data.get("error_response"), Mapping):
            raise_for_error(data["error_response"], raw)
        if response.status_code >= 400:
            raise PermanentError(f"AliExpress HTTP {response.status_code}")
        inner = data.get(method.replace(".", "_") + "_response")
        if not isinstance(inner, Mapping):
            raise PayloadError(f"no {method} response object", raw=raw)
        return dict(inner)

    @staticmethod
    def _result(inner: Mapping[str, Any], raw_for_error: Mapping[str, Any]) -> Mapping[str, Any]:
        result = inner.get("result")
        if not isinstance(result, Mapping):
            raise PayloadError("response without result", raw=json.dumps(raw_for_error, default=str)[:200_000])
        if result.get("is_success") is False or result.get("success") is False:
            code = str(result.get("error_code") or "")
            raise_for_error({"code": code or "isp.failed", "msg": result.get("error_message") or result.get("error_msg", "")},
                            json.dumps(raw_for_error, default=str))
        return result

    # -- messages ------------------------------------------------------------------------

    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        """Buyer messages in conversations touched after the cursor (one relation page)."""
        now = now_utc()
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=LOOKBACK)
        start = window.start(now)
        page = int(cursor.get("page") or 1)
        inner = self.call(M_RELATIONS, {"current_page": page, "page_size": self.page_size, "msg_sources": self.msg_sources})
        result = self._result(inner, inner)
        try:
            relations = _list(result.get("relation_list"), "relation_result", "relation")
        except ValueError:
            raise PayloadError("relation_list is not a list", raw=json.dumps(inner, default=str)[:200_000]) from None
        messages: list[InboundMessage] = []
        failures: list[PayloadFailure] = []
        reached_old = False
        for relation in relations:
            try:
                last = platform_time(relation.get("last_message_create_time"))
                channel_id = str(relation["channel_id"])
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                failures.append(PayloadFailure(raw=json.dumps(relation, default=str)[:200_000], error=f"relation: {exc}"))
                continue
            if last < start:
                reached_old = True
                continue
            self._conversation(channel_id, relation, start, window, messages, failures)
        more = len(relations) >= self.page_size and not reached_old
        if more:
            state = window.cursor(advance=False)
            state["page"] = page + 1
            return MessagePage(messages=messages, cursor=state, has_more=True, failures=failures)
        return MessagePage(messages=messages, cursor=window.cursor(), failures=failures)

    def _conversation(
        self, channel_id: str, relation: Mapping[str, Any], start: datetime, window: SeenWindow,
        out: list[InboundMessage], failures: list[PayloadFailure],
    ) -> None:
        for page in range(1, 51):
            inner = self.call(M_DETAILS, {"channel_id": channel_id, "current_page": page,
                                          "page_size": DETAILS_PER_PAGE, "msg_sources": self.msg_sources})
            result = self._result(inner, inner)
            try:
                details = _list(result.get("message_detail_list"), "message_detail")
            except ValueError:
                raise PayloadError("message_detail_list is not a list", raw=json.dumps(inner, default=str)[:200_000]) from None
            oldest = None
            for detail in details:
                mid = str(detail.get("id")) if isinstance(detail, Mapping) and detail.get("id") is not None else None
                if mid is None or not window.is_new(mid):
                    continue
                try:
                    message = self.parse_message(detail, channel_id, relation)
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    failures.append(PayloadFailure(raw=json.dumps(detail, default=str)[:200_000], error=str(exc)[:300],
                                                   external_id=mid))
                    window.add(mid, window.high or now_utc())
                    continue
                oldest = message.sent_at if oldest is None or message.sent_at < oldest else oldest
                if message.sent_at < start:
                    continue
                window.add(mid, message.sent_at)
                if message.buyer.value != self.seller:
                    out.append(message)
            if len(details) < DETAILS_PER_PAGE or (oldest is not None and oldest < start):
                return

    def parse_message(self, detail: Mapping[str, Any], channel_id: str, relation: Mapping[str, Any]) -> InboundMessage:
        """One message of a conversation."""
        sender = detail["sender_login_id"]
        content = detail["content"]
        if not isinstance(sender, str) or not sender or not isinstance(content, str):
            raise ValueError("message without sender_login_id or content")
        sent_at = platform_time(detail.get("gmt_create"))
        message_type = str(detail.get("message_type") or "")
        type_id = detail.get("type_id")
        order_id = str(type_id) if message_type == "order" and type_id else None
        order_id = order_id or (ORDER_ID.search(content).group(0) if ORDER_ID.search(content) else None)
        item_id = str(type_id) if message_type == "product" and type_id else None
        attachments: tuple[Attachment, ...] = ()
        if detail.get("file_path"):
            attachments = (Attachment(name=str(detail["file_path"]).rsplit("/", 1)[-1], url=str(detail["file_path"])),)
        buyer_id = str(relation.get("other_login_id") or sender)
        return InboundMessage(
            external_id=str(detail["id"]),
            buyer=BuyerRef(kind="aliexpress_buyer", value=sender, display_name=detail.get("sender_name")),
            body_text=content,
            sent_at=sent_at,
            thread_id=channel_id,
            order_id=order_id,
            item_id=item_id,
            attachments=attachments,
            reply_to={"channel_id": channel_id, "buyer_id": buyer_id, "msg_sources": self.msg_sources},
        )

    def send_reply(self, reply: OutgoingReply) -> SendResult:
        """Send on the conversation, then mark it processed."""
        channel_id = reply.reply_to.get("channel_id")
        if not channel_id:
            raise PermanentError("reply_to has no AliExpress channel_id")
        inner = self.call(
            M_SEND,
            {"channel_id": str(channel_id), "buyer_id": str(reply.reply_to.get("buyer_id") or ""),
             "content": reply.body_text, "msg_sources": str(reply.reply_to.get("msg_sources") or self.msg_sources),
             "idempotency_key": reply.idempotency_key},
            idempotency_key=reply.idempotency_key,
        )
        result = self._result(inner, inner)
        try:
            self.call(M_PROCESSED, {"channel_id": str(channel_id), "deal_stat": "1"})
        except ConnectorError as exc:
            # The reply is out; an unmarked conversation only stays in the seller's "unprocessed" view.
            log.warning("AliExpress channel %s: marking conversation processed failed: %s", channel_id, exc)
        return SendResult(external_id=str(result.get("msg_id") or reply.idempotency_key), duplicate=bool(result.get("duplicate")))

    # -- orders --------------------------------------------------------------------------

    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        """One page of orders modified after the cursor."""
        window = SeenWindow.resume(cursor, overlap=OVERLAP, lookback=LOOKBACK)
        start = cursor.get("start") or format_time(window.start(now_utc()))
        page = int(cursor.get("page") or 1)
        query = {"modified_date_start": start, "page_size": min(self.page_size, ORDERS_PER_PAGE), "current_page": page}
        inner = self.call(M_ORDERS, {"param0": query})
        result = self._result(inner, inner)
        try:
            items = _list(result.get("target_list"), "order_dto", "aeop_order_item_dto")
        except ValueError:
            raise PayloadError("target_list is not a list", raw=json.dumps(inner, default=str)[:200_000]) from None
        orders: list[OrderSnapshot] = []
        failures: list[PayloadFailure] = []
        for item in items:
            try:
                order = parse_order(item)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                oid = str(item.get("order_id")) if isinstance(item, Mapping) and item.get("order_id") else None
                failures.append(PayloadFailure(raw=json.dumps(item, default=str)[:200_000], error=str(exc)[:300],
                                               external_id=oid, kind="order"))
                continue
            orders.append(order)
            if order.updated_at:
                window.add(order.external_id, order.updated_at)
        total_page = int(result.get("total_page") or 0)
        if page < total_page and items:
            state = window.cursor(advance=False)
            state.update(recent=[], start=start, page=page + 1)
            return OrderPage(orders=orders, cursor=state, has_more=True, failures=failures)
        state = window.cursor()
        state["recent"] = []
        return OrderPage(orders=orders, cursor=state, failures=failures)

    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        """AliExpress stock is not read: an empty page."""
        return StockPage(levels=[], cursor=dict(cursor))

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def parse_order(item: Mapping[str, Any]) -> OrderSnapshot:
    """An OrderDto as a snapshot."""
    pay = item.get("pay_amount") or {}
    buyer_id = item.get("buyer_login_id")
    lines = []
    for product in _list(item.get("product_list"), "order_product_dto"):
        unit = product.get("product_unit_price") or {}
        lines.append(
            OrderLineSnapshot(
                external_id=str(product["child_id"]) if product.get("child_id") is not None else None,
                channel_sku=product.get("sku_code") or None,
                title=str(product.get("product_name") or ""),
                quantity=int(product["product_count"]),
                unit_price=money(unit.get("amount")),
                currency=unit.get("currency_code"),
                item_id=str(product["product_id"]) if product.get("product_id") is not None else None,
            )
        )
    return OrderSnapshot(
        external_id=str(item["order_id"]),
        status=order_status(item.get("order_status"), item.get("end_reason")),
        platform_status=item.get("order_status"),
        ordered_at=platform_time(item.get("gmt_create")),
        updated_at=platform_time(item.get("gmt_update") or item.get("gmt_create")),
        currency=pay.get("currency_code"),
        total=money(pay.get("amount")),
        payment_method=item.get("payment_type"),
        buyer=BuyerRef(kind="aliexpress_buyer", value=str(buyer_id), display_name=item.get("buyer_signer_fullname"))
        if buyer_id else None,
        buyer_name=item.get("buyer_signer_fullname"),
        lines=tuple(lines),
    )
