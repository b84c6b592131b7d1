"""The contract every channel connector implements, and the data it returns.

A connector is pure I/O: it turns one platform's wire format into the dataclasses
below and sends replies. It never touches the database, sockets or the clock of the
poller. The poller (helpdesk.polling) stores cursors, holds leases, backs off and
quarantines; the outbox relay calls send_reply.

Contract
--------
- ``fetch_messages(cursor)`` returns ONE page of buyer messages newer than the cursor,
  with the cursor to store once that page is recorded, and ``has_more`` when another
  page follows at once. The cursor is a JSON-serialisable dict the connector alone
  understands (``{}`` on the first poll). Connectors re-read an overlap window before
  the cursor: returning a message twice is fine (ingest is idempotent by
  ``external_id``), missing one is not.
- ``fetch_orders(cursor)`` and ``fetch_stock(cursor)`` work the same way.
- A single malformed item in an otherwise good page is returned in ``failures`` (raw
  text and reason) and the rest of the page goes on. A response that cannot be read at
  all raises ``PayloadError`` with the raw text.
- ``send_reply(reply)`` sends one reply carrying ``reply.idempotency_key`` in whatever
  way the platform allows, so that a retry after a timeout is not a second message.
- Errors: ``RateLimited(retry_after)`` for throttling, ``TransientError`` for anything
  a retry may fix (5xx, timeouts, connection resets), ``PayloadError`` for unreadable
  payloads, ``PermanentError`` for what no retry fixes (bad credentials, a reply the
  platform refuses). Nothing else escapes a connector.
- Datetimes are timezone-aware UTC. Money is ``Decimal``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar


class ConnectorError(Exception):
    """Base of the errors a connector raises."""


class RateLimited(ConnectorError):
    """The platform throttled us; wait `retry_after` seconds (None: unknown, back off)."""

    def __init__(self, retry_after: float | None = None, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(ConnectorError):
    """A failure a later retry may fix: 5xx, timeout, connection reset."""


class PermanentError(ConnectorError):
    """A failure no retry fixes: bad credentials, a reply the platform refuses."""


class PayloadError(ConnectorError):
    """A response that cannot be parsed; `raw` keeps it whole for quarantine."""

    def __init__(self, message: str, raw: str = "", external_id: str | None = None) -> None:
        super().__init__(message)
        self.raw = raw
        self.external_id = external_id


@dataclass(frozen=True)
class ChannelSettings:
    """What a connector needs to reach one store (built by the poller from a Channel row)."""

    platform: str
    marketplace: str | None = None
    locale: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class BuyerRef:
    """How a platform knows the buyer. `kind` is an IdentityKind value
    (ebay_user, amazon_relay, aliexpress_buyer, shopify_customer, email, phone...)."""

    kind: str
    value: str
    display_name: str | None = None
    # A verified e-mail address or phone, when the platform gives one (strong merge keys).
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Attachment:
    """An attachment's description; the bytes stay on the platform."""

    name: str
    content_type: str | None = None
    size: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One buyer message as the platform delivered it."""

    external_id: str  # unique per channel (eBay MessageID, e-mail Message-ID, AliExpress msg id)
    buyer: BuyerRef
    body_text: str
    sent_at: datetime
    subject: str = ""
    body_html: str | None = None  # raw: ingest sanitises it
    thread_id: str | None = None  # the platform's conversation id, if it has one
    order_id: str | None = None  # the platform order id the message is about, if known
    item_id: str | None = None  # listing / product id (eBay ItemID, ASIN...)
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Whatever send_reply needs to answer this message (JSON-serialisable): eBay's
    # ItemID/ParentMessageID/RecipientID, an e-mail address and Message-ID, an AliExpress channel id.
    reply_to: Mapping[str, Any] = field(default_factory=dict)
    # Signed reply token found in the message (e-mail threading), verified by the connector.
    ticket_token: str | None = None


@dataclass(frozen=True)
class PayloadFailure:
    """One item of a page that could not be parsed; the rest of the page goes on."""

    raw: str
    error: str
    external_id: str | None = None
    kind: str = "message"  # message, order, stock


@dataclass(frozen=True)
class ShipmentSnapshot:
    """A parcel of an order."""

    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipped_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    delivered_at: datetime | None = None
    status: str | None = None


@dataclass(frozen=True)
class OrderLineSnapshot:
    """One line of an order."""

    external_id: str | None
    channel_sku: str | None
    title: str
    quantity: int
    unit_price: Decimal | None = None
    currency: str | None = None
    item_id: str | None = None  # ASIN, eBay item id, Shopify product id


@dataclass(frozen=True)
class OrderSnapshot:
    """An order as the platform has it now. `status` is an OrderStatus value."""

    external_id: str
    status: str
    platform_status: str | None = None
    ordered_at: datetime | None = None
    updated_at: datetime | None = None
    currency: str | None = None
    total: Decimal | None = None
    payment_method: str | None = None
    buyer: BuyerRef | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    ship_name: str | None = None
    ship_address: Mapping[str, Any] = field(default_factory=dict)
    ship_postcode: str | None = None
    ship_country: str | None = None
    latest_ship_at: datetime | None = None
    return_window_ends_at: datetime | None = None
    lines: tuple[OrderLineSnapshot, ...] = ()
    shipments: tuple[ShipmentSnapshot, ...] = ()


@dataclass(frozen=True)
class StockLevelSnapshot:
    """Units of one channel SKU in one warehouse."""

    channel_sku: str
    warehouse: str
    on_hand: int
    reserved: int = 0
    updated_at: datetime | None = None
    title: str | None = None
    item_id: str | None = None


@dataclass(frozen=True)
class MessagePage:
    """One page of messages and the cursor to store once it is recorded."""

    messages: list[InboundMessage]
    cursor: dict[str, Any]
    has_more: bool = False
    failures: list[PayloadFailure] = field(default_factory=list)


@dataclass(frozen=True)
class OrderPage:
    """One page of orders and the cursor to store once it is recorded."""

    orders: list[OrderSnapshot]
    cursor: dict[str, Any]
    has_more: bool = False
    failures: list[PayloadFailure] = field(default_factory=list)


@dataclass(frozen=True)
class StockPage:
    """One page of stock levels and the cursor to store once it is recorded."""

    levels: list[StockLevelSnapshot]
    cursor: dict[str, Any]
    has_more: bool = False
    failures: list[PayloadFailure] = field(default_factory=list)


@dataclass(frozen=True)
class OutgoingReply:
    """A reply to send: the text, and the `reply_to` facts of the message it answers."""

    idempotency_key: str
    body_text: str
    reply_to: Mapping[str, Any]
    subject: str = ""
    thread_id: str | None = None
    order_id: str | None = None
    # Signed token the e-mail connector puts in the reply so the buyer's answer threads back.
    ticket_token: str | None = None


@dataclass(frozen=True)
class SendResult:
    """What the platform said about a sent reply."""

    external_id: str | None = None
    # The platform already had a reply with this idempotency key (a retry after an unknown outcome).
    duplicate: bool = False


class Connector(ABC):
    """One platform's wire format behind fetch_messages, fetch_orders, fetch_stock, send_reply.

    Subclasses set `platform` and are listed in helpdesk.connectors.REGISTRY.
    A platform that has no such data (e.g. stock on plain e-mail) returns an empty page.
    """

    platform: ClassVar[str]

    def __init__(self, channel: ChannelSettings) -> None:
        self.channel = channel

    @abstractmethod
    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        """One page of buyer messages after the cursor."""

    @abstractmethod
    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        """One page of orders changed after the cursor."""

    @abstractmethod
    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        """One page of stock levels changed after the cursor."""

    @abstractmethod
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        """Send one reply, at most once per idempotency key."""

    def reparse(self, kind: str, raw: str, external_id: str | None = None) -> MessagePage | OrderPage:
        """Parse a quarantined payload again (after a parser fix): a page holding what it now yields.

        Raises PayloadError when it is still unreadable, NotImplementedError where a platform
        cannot re-read its payloads yet. The page's cursor is unused.
        """
        raise NotImplementedError(f"re-processing {self.platform} {kind} payloads is not supported yet")

    def close(self) -> None:
        """Release connections (HTTP clients, mailboxes)."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
