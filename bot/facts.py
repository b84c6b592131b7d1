"""The plain facts the bot reads and the Draft it returns (no ORM objects)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Action(StrEnum):
    """What the helpdesk should do with a draft."""

    AUTO_SEND = "auto_send"
    DRAFT = "draft"
    ESCALATE = "escalate"
    NONE = "none"


@dataclass(frozen=True)
class Inquiry:
    """One buyer message and where it came from."""

    text: str
    subject: str = ""
    platform: str = ""  # amazon, ebay, aliexpress, shopify, ...
    marketplace: str = ""  # amazon.de, ebay.fr, shopify, ...
    locale: str = ""  # the channel's locale, e.g. de_DE
    earlier_messages: tuple[str, ...] = ()  # the buyer's earlier messages on this ticket, oldest first
    buyer_name: str = ""


@dataclass(frozen=True)
class OrderLine:
    """One ordered item."""

    sku: str
    title: str = ""
    quantity: int = 1
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class OrderFacts:
    """What the seller knows about the order the message is about."""

    order_id: str
    status: str = "unshipped"  # unshipped, shipped, delivered, cancelled, returned
    ordered_on: date | None = None
    shipped_on: date | None = None
    dispatch_by: date | None = None  # end of the handling time
    delivered_on: date | None = None
    estimated_delivery: date | None = None
    lines: tuple[OrderLine, ...] = ()
    total: Decimal | None = None
    currency: str = "EUR"
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    return_window_days: int | None = 30
    payment_method: str = ""


@dataclass(frozen=True)
class SellerSettings:
    """The seller's choices; the default drafts everything and auto-sends nothing."""

    store_name: str = ""
    signature: str = ""
    # platform -> intents that may be sent without an agent; "*" as platform means any.
    auto_send: Mapping[str, frozenset[str]] = field(default_factory=dict)
    agent_language: str = "en"

    def may_auto_send(self, platform: str, intent: str) -> bool:
        """True when the seller allows auto-send for this intent on this platform."""
        for key in (platform, "*"):
            allowed = self.auto_send.get(key, frozenset())
            if intent in allowed or "*" in allowed:
                return True
        return False


@dataclass(frozen=True)
class CaseContext:
    """Everything about the case except the message itself."""

    order: OrderFacts | None = None
    stock: Mapping[str, int] = field(default_factory=dict)  # sku -> units available
    settings: SellerSettings = field(default_factory=SellerSettings)
    today: date | None = None  # injected so drafts are reproducible; None means date.today()


@dataclass(frozen=True)
class Draft:
    """The bot's answer, with everything an agent needs to trust or overrule it."""

    language: str
    language_confidence: float
    intent: str
    intent_confidence: float
    action: Action
    text: str
    rule: str
    why: tuple[str, ...]
    missing_facts: tuple[str, ...]
    outcome: str = ""
    render: Callable[[str], str] | None = field(default=None, repr=False, compare=False)

    def text_in(self, agent_language: str) -> str:
        """The same reply rendered in the agent's language (English if it has no pack)."""
        if self.render is None:
            return self.text
        return self.render(agent_language)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view of the draft."""
        return {
            "language": self.language,
            "language_confidence": round(self.language_confidence, 3),
            "intent": self.intent,
            "intent_confidence": round(self.intent_confidence, 3),
            "action": self.action.value,
            "text": self.text,
            "rule": self.rule,
            "outcome": self.outcome,
            "why": list(self.why),
            "missing_facts": list(self.missing_facts),
        }


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def order_from_dict(data: Mapping[str, object]) -> OrderFacts:
    """Build OrderFacts from JSON-like data (ISO dates, numbers as strings or numbers)."""
    lines = tuple(
        OrderLine(
            sku=str(line.get("sku", "")), title=str(line.get("title", "")), quantity=int(line.get("quantity", 1)),
            unit_price=Decimal(str(line["unit_price"])) if line.get("unit_price") is not None else None,
        )
        for line in data.get("lines", ()) or ()  # type: ignore[union-attr]
    )
    window = data.get("return_window_days", 30)
    return OrderFacts(
        order_id=str(data.get("order_id") or data.get("id") or ""),
        status=str(data.get("status", "unshipped")),
        ordered_on=_day(data.get("ordered_on")), shipped_on=_day(data.get("shipped_on")),
        dispatch_by=_day(data.get("dispatch_by")), delivered_on=_day(data.get("delivered_on")),
        estimated_delivery=_day(data.get("estimated_delivery")), lines=lines,
        total=Decimal(str(data["total"])) if data.get("total") is not None else None,
        currency=str(data.get("currency", "EUR")), carrier=str(data.get("carrier", "")),
        tracking_number=str(data.get("tracking_number", "")), tracking_url=str(data.get("tracking_url", "")),
        return_window_days=int(window) if window is not None else None,  # type: ignore[call-overload]
        payment_method=str(data.get("payment_method", "")),
    )
