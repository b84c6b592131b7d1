"""The ordered rule pipeline: escalation guards first, then one rule per intent and order state.

Guards always win: a message that is an escalation, angry, or a repeat complaint on
the same ticket goes to a person and is never auto-sent. Then the first intent rule
whose condition holds picks the outcome (which template to render) and whether the
outcome is safe to send without an agent. Platform policy guards run on the rendered
text afterwards (see `policy_violations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.facts import Action, CaseContext, Inquiry, OrderFacts

# Above these, a rule that is safe may auto-send (when the seller allows it).
AUTO_INTENT_CONFIDENCE = 0.85
AUTO_LANGUAGE_CONFIDENCE = 0.6
COMPLAINTS = frozenset({
    "where_is_my_order", "delivery_delay_complaint", "item_damaged_or_defective",
    "wrong_item_received", "return_or_refund", "cancel_order",
})
# Words of open anger that are not in themselves a threat, in the languages we serve.
_ANGER = re.compile(
    r"\b(ridiculous|unacceptable|disgrace|worst|furious|outrageous|frechheit|unverschämt|unverschaemt|"
    r"inadmissible|honteux|scandaleux|vergogna|vergüenza|verguenza|inaceptable|absurdo|palhaçada|palhacada|"
    r"schandalig|belachelijk|skandal|żenada|zenada|безобразие|возмутительно|rezalet|rezil|مهزلة|مهزله)\b"
    r"|最悪|ありえない|최악|어이없|垃圾|太扯",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Signals:
    """What the pipeline knows besides the order: the classified message and its history."""

    intent: str
    intent_confidence: float
    language_confidence: float
    runner_up: str
    runner_up_gap: float
    matched: tuple[str, ...]
    earlier_intents: tuple[str, ...]
    has_templates: bool
    negated: bool = False
    order_reference: str = ""  # an order number written in the message
    thin_evidence: bool = False  # only one-word phrases or weak hints support the intent


@dataclass(frozen=True)
class Decision:
    """The rule that fired: which outcome to render and what to do with it."""

    action: Action
    rule: str
    outcome: str
    why: tuple[str, ...]
    missing_facts: tuple[str, ...] = ()
    auto_safe: bool = False


def is_angry(text: str) -> bool:
    """Shouting (mostly capitals), a row of exclamation marks, or words of open anger."""
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        return True
    if "!!!" in text or text.count("!") >= 4:
        return True
    return bool(_ANGER.search(text))


def guard(inquiry: Inquiry, signals: Signals) -> Decision | None:
    """Escalation guards; the first that holds wins over every intent rule."""
    if signals.intent == "escalation":
        return Decision(Action.ESCALATE, "guard.escalation", "escalation_holding",
                        (f"escalation words: {', '.join(signals.matched[:4])}",))
    if is_angry(inquiry.text):
        return Decision(Action.ESCALATE, "guard.anger", "escalation_holding",
                        ("the buyer is angry (capitals, exclamation marks or words of anger)",))
    if "escalation" in signals.earlier_intents:
        return Decision(Action.ESCALATE, "guard.earlier_escalation", "escalation_holding",
                        ("an earlier message on this ticket was an escalation",))
    repeats = [i for i in signals.earlier_intents if i in COMPLAINTS]
    if signals.intent in COMPLAINTS and repeats:
        return Decision(Action.ESCALATE, "guard.repeated_complaint", "escalation_holding",
                        (f"repeated complaint on this ticket (earlier: {', '.join(repeats[-3:])})",))
    return None


def _today(context: CaseContext) -> date:
    return context.today or date.today()


def _shipped(order: OrderFacts) -> bool:
    return order.status in ("shipped", "in_transit", "delivered")


def return_deadline(order: OrderFacts) -> date | None:
    """The last day a return is accepted: delivery (or its best estimate) plus the window."""
    start = order.delivered_on or order.estimated_delivery or order.shipped_on or order.ordered_on
    if start is None or order.return_window_days is None:
        return None
    return start + timedelta(days=order.return_window_days)


# Outcomes whose reply names the order (`{{ order_id }}`).
_NAMES_THE_ORDER = frozenset({
    "wimo_shipped", "wimo_shipped_no_tracking", "wimo_not_shipped", "wimo_delivered", "delay_apology", "cancel_not_shipped",
    "cancel_shipped", "return_window_closed", "address_not_shipped", "address_shipped", "invoice",
})

Rule = tuple[str, str, Callable[[OrderFacts | None, CaseContext], bool], str, bool]
# (rule name, intent, condition on the order, outcome, safe to auto-send). First match wins.
RULES: tuple[Rule, ...] = (
    ("wimo.no_order", "where_is_my_order", lambda o, c: o is None, "ask_order_number", False),
    ("wimo.cancelled", "where_is_my_order", lambda o, c: o is not None and o.status == "cancelled", "generic", False),
    ("wimo.delivered", "where_is_my_order", lambda o, c: o is not None and o.status == "delivered", "wimo_delivered", False),
    ("wimo.late_beyond_estimate", "where_is_my_order",
     lambda o, c: o is not None and o.estimated_delivery is not None and o.estimated_delivery < _today(c), "delay_apology", False),
    ("wimo.shipped_with_tracking", "where_is_my_order",
     lambda o, c: o is not None and _shipped(o) and bool(o.tracking_number and o.carrier), "wimo_shipped", True),
    ("wimo.shipped_no_tracking", "where_is_my_order", lambda o, c: o is not None and _shipped(o), "wimo_shipped_no_tracking", False),
    ("wimo.within_handling_time", "where_is_my_order",
     lambda o, c: o is not None and o.dispatch_by is not None and o.dispatch_by >= _today(c), "wimo_not_shipped", True),
    ("wimo.dispatch_overdue", "where_is_my_order", lambda o, c: True, "delay_apology", False),
    ("delay.apology", "delivery_delay_complaint", lambda o, c: True, "delay_apology", False),
    ("cancel.no_order", "cancel_order", lambda o, c: o is None, "ask_order_number", False),
    ("cancel.not_shipped", "cancel_order", lambda o, c: o is not None and not _shipped(o), "cancel_not_shipped", False),
    ("cancel.already_shipped", "cancel_order", lambda o, c: True, "cancel_shipped", False),
    ("return.window_closed", "return_or_refund",
     lambda o, c: o is not None and (d := return_deadline(o)) is not None and d < _today(c), "return_window_closed", False),
    ("return.steps", "return_or_refund", lambda o, c: True, "return_steps", False),
    ("damaged.ask_photo", "item_damaged_or_defective", lambda o, c: True, "damaged_photo", False),
    ("wrong_item.ask_photo", "wrong_item_received", lambda o, c: True, "wrong_item_photo", False),
    ("address.not_shipped", "change_address", lambda o, c: o is None or not _shipped(o), "address_not_shipped", False),
    ("address.already_shipped", "change_address", lambda o, c: True, "address_shipped", False),
    ("product.question", "product_question", lambda o, c: True, "product_question", False),
    ("invoice.request", "invoice_request", lambda o, c: True, "invoice", False),
    ("thanks.no_reply_needed", "thanks_or_positive", lambda o, c: True, "thanks", False),
)


def _missing(outcome: str, order: OrderFacts | None) -> tuple[str, ...]:
    if order is None:
        return ("order",) if outcome not in ("thanks", "generic", "product_question") else ()
    missing = []
    if outcome.startswith("wimo_shipped") or outcome == "delay_apology":
        if not order.tracking_number:
            missing.append("tracking_number")
        if not order.carrier:
            missing.append("carrier")
        if not order.estimated_delivery:
            missing.append("estimated_delivery")
    if outcome == "wimo_not_shipped" and not order.dispatch_by:
        missing.append("dispatch_by")
    if outcome in ("return_steps", "return_window_closed") and return_deadline(order) is None:
        missing.append("return_window")
    return tuple(missing)


def _mostly(matched: tuple[str, ...], text: str) -> bool:
    """True when the matched phrases cover at least half of the message."""
    from bot.normalise import normalise

    norm = normalise(text).replace(" ", "")
    covered = max((len(label.split(":", 1)[1].replace(" ", "")) for label in matched), default=0)
    return bool(norm) and covered * 2 >= len(norm)


def decide(inquiry: Inquiry, context: CaseContext, signals: Signals) -> Decision:
    """Run the guards and the ordered intent rules; return the first decision that holds."""
    guarded = guard(inquiry, signals)
    if guarded is not None:
        return guarded
    order = context.order
    if signals.intent == "other":
        # Only a short "ok"/"hello" needs no answer; a longer message we could not place does,
        # and so does one where the acknowledgement is a small part ("kurier nie przyjechał").
        if signals.matched and len(inquiry.text.split()) <= 4 and len(inquiry.text) <= 40 and _mostly(signals.matched, inquiry.text):
            return Decision(Action.NONE, "other.acknowledgement", "generic",
                            (f"a bare acknowledgement or greeting: {signals.matched[0]}",))
        return Decision(Action.DRAFT, "other.unclear", "generic",
                        (f"no intent was confident ({signals.intent_confidence:.2f}): an agent should read it",))
    for name, intent, condition, outcome, auto in RULES:
        if intent != signals.intent or not condition(order, context):
            continue
        if outcome == "ask_order_number" and signals.order_reference:
            # The buyer gave the number; the helpdesk just has no facts for it yet.
            return Decision(Action.DRAFT, name.replace("no_order", "order_not_found"), "generic",
                            (f"order {signals.order_reference} is not among the known orders",),
                            (f"order {signals.order_reference}",))
        if order is None and outcome in _NAMES_THE_ORDER and not signals.order_reference:
            # "We will send the invoice for order ." helps nobody: ask which order first.
            return Decision(Action.DRAFT, name, "ask_order_number",
                            (f"intent {intent}: the reply names the order, and neither the ticket nor the message says which",),
                            ("order number",))
        why = [f"intent {intent} ({signals.intent_confidence:.2f}) from: {', '.join(signals.matched[:3])}"]
        if order is not None:
            why.append(f"order {order.order_id} is {order.status}")
        action = Action.NONE if intent == "thanks_or_positive" else Action.DRAFT
        return Decision(action, name, outcome, tuple(why), _missing(outcome, order), auto)
    return Decision(Action.DRAFT, "fallback.generic", "generic", ("no rule for this intent",))


def may_auto_send(decision: Decision, inquiry: Inquiry, context: CaseContext, signals: Signals) -> tuple[bool, str]:
    """Whether a safe decision may really go out without an agent, and why (not)."""
    if not decision.auto_safe:
        return False, "this outcome always waits for an agent"
    if decision.missing_facts:
        return False, f"facts missing: {', '.join(decision.missing_facts)}"
    if signals.negated:
        return False, "the buyer says something did not happen: an agent should read it"
    if not context.settings.may_auto_send(inquiry.platform, signals.intent):
        return False, "the seller has not allowed auto-send for this intent on this platform"
    if signals.thin_evidence:
        return False, "the intent rests on a single word or a weak hint"
    if signals.intent_confidence < AUTO_INTENT_CONFIDENCE:
        return False, f"intent confidence {signals.intent_confidence:.2f} is below {AUTO_INTENT_CONFIDENCE}"
    if signals.language_confidence < AUTO_LANGUAGE_CONFIDENCE:
        return False, f"language confidence {signals.language_confidence:.2f} is below {AUTO_LANGUAGE_CONFIDENCE}"
    if signals.runner_up not in ("", "other", "thanks_or_positive") and signals.runner_up_gap < 15.0:
        return False, f"the message also reads as {signals.runner_up}"
    if not signals.has_templates:
        return False, "no templates in the buyer's language: an English reply needs an agent's eye"
    return True, "guards held: no escalation, anger or repeat; confident intent and language"


# Platform policy: what each platform forbids in a reply to its buyers.
_URL = re.compile(r"(https?://|www\.)\S+|\b[a-z0-9-]+\.(com|de|fr|co\.uk|net|org|io|shop|store)(/\S*)?\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{7,}\d)(?!\w)")
_MARKETING = re.compile(r"\b(discount code|coupon|promo code|newsletter|follow us|visit our (shop|store|website)|special offer|gutschein|rabattcode|code promo|cupón|codice sconto|cupom|kortingscode|kod rabatowy)\b", re.IGNORECASE)
_OUT_OF_OFFICE = re.compile(r"out of (the )?office|auto-?reply|automatic reply|abwesenheit|absence du bureau|fuera de la oficina|fuori ufficio|自動返信|자동 응답", re.IGNORECASE)


def _own_domain(link: str) -> bool:
    """The marketplace's own domain ("Amazon.de" in a store name) is not an external link."""
    return link.lower().startswith("amazon.")


def _external_links(text: str) -> list[str]:
    """Links in a reply to anywhere but the marketplace."""
    return [m.group(0) for m in _URL.finditer(text) if not _own_domain(m.group(0))]


def _masked(text: str, facts: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The text with each fact (order number, tracking number) replaced by a placeholder."""
    slots: dict[str, str] = {}
    for i, fact in enumerate(f for f in facts if f):
        slot = f"\x00{i}\x00"
        if fact in text:
            text, slots[slot] = text.replace(fact, slot), fact
    return text, slots


def policy_violations(platform: str, text: str, facts: tuple[str, ...] = ()) -> list[str]:
    """What in a reply the platform forbids (Amazon: links, e-mail, phone, marketing, out-of-office)."""
    text, _ = _masked(text, facts)  # the order number and tracking number are digits, not phone numbers
    found = []
    if _OUT_OF_OFFICE.search(text):
        found.append("out-of-office wording")
    if platform == "amazon":
        if _external_links(text):
            found.append("external link")
        if _EMAIL.search(text):
            found.append("e-mail address")
        if _PHONE.search(_URL.sub("", text)):
            found.append("phone number")
        if _MARKETING.search(text):
            found.append("marketing")
    return found


def scrub(text: str, facts: tuple[str, ...] = ()) -> str:
    """Remove links, e-mail addresses and phone numbers from a reply (never the order or tracking number)."""
    text, slots = _masked(text, facts)
    text = _EMAIL.sub("", text)
    text = _URL.sub(lambda m: m.group(0) if _own_domain(m.group(0)) else "", text)
    text = _PHONE.sub("", text)
    for slot, fact in slots.items():
        text = text.replace(slot, fact)
    return text
