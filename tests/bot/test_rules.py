"""The rule pipeline: each intent rule by order state, and each escalation guard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import Action, draft
from tests.bot.conftest import TODAY, context, inquiry, order


def test_shipped_order_with_tracking_is_answered_with_carrier_and_date() -> None:
    result = draft(inquiry("where is my order?", "ebay.com"), context(order()))
    assert (result.rule, result.action) == ("wimo.shipped_with_tracking", Action.AUTO_SEND)
    assert "DHL" in result.text and "JJD000390007788" in result.text and "November 30, 2026" in result.text


def test_default_seller_settings_only_draft() -> None:
    result = draft(inquiry("where is my order?", "ebay.com"), context(order(), auto=False))
    assert result.action is Action.DRAFT


def test_auto_send_follows_the_platform_the_seller_allowed() -> None:
    allowed = {"ebay": frozenset({"where_is_my_order"})}
    ctx = context(order(), auto=False, auto_send=allowed)
    assert draft(inquiry("where is my order?", "amazon.com"), ctx).action is Action.DRAFT
    assert draft(inquiry("where is my order?", "ebay.com"), ctx).action is Action.AUTO_SEND


def test_no_order_asks_for_the_order_number() -> None:
    result = draft(inquiry("where is my order?"), context(None))
    assert (result.rule, result.missing_facts) == ("wimo.no_order", ("order",))


def test_shipped_without_tracking_is_a_draft_naming_the_missing_fact() -> None:
    result = draft(inquiry("where is my order?"), context(order(tracking_number="")))
    assert result.rule == "wimo.shipped_no_tracking"
    assert "tracking_number" in result.missing_facts and result.action is Action.DRAFT


def test_not_shipped_within_handling_time_gives_the_dispatch_date() -> None:
    facts = order(status="unshipped", shipped_on=None, dispatch_by=TODAY + timedelta(days=1), estimated_delivery=None)
    result = draft(inquiry("has my order shipped yet?", "ebay.com"), context(facts))
    assert result.rule == "wimo.within_handling_time" and "November 28, 2026" in result.text


def test_dispatch_overdue_is_an_apology_draft() -> None:
    facts = order(status="unshipped", shipped_on=None, dispatch_by=TODAY - timedelta(days=2), estimated_delivery=None)
    result = draft(inquiry("has my order shipped yet?"), context(facts))
    assert (result.rule, result.action) == ("wimo.dispatch_overdue", Action.DRAFT)


def test_late_beyond_the_estimate_is_an_apology_draft() -> None:
    result = draft(inquiry("where is my order?"), context(order(estimated_delivery=TODAY - timedelta(days=4))))
    assert (result.rule, result.outcome, result.action) == ("wimo.late_beyond_estimate", "delay_apology", Action.DRAFT)


def test_marked_delivered_is_a_draft_not_an_auto_reply() -> None:
    result = draft(inquiry("where is my order?"), context(order(status="delivered", delivered_on=TODAY)))
    assert (result.rule, result.action) == ("wimo.delivered", Action.DRAFT)


def test_cancelled_order_question_is_a_draft() -> None:
    result = draft(inquiry("where is my order?"), context(order(status="cancelled")))
    assert (result.rule, result.action) == ("wimo.cancelled", Action.DRAFT)


def test_delay_complaint_is_an_apology_with_options() -> None:
    result = draft(inquiry("it was supposed to arrive last week, still waiting"), context(order()))
    assert (result.rule, result.action) == ("delay.apology", Action.DRAFT)
    assert "refund" in result.text


def test_cancel_before_shipping_is_only_drafted() -> None:
    facts = order(status="unshipped", shipped_on=None, dispatch_by=TODAY + timedelta(days=1))
    result = draft(inquiry("please cancel my order"), context(facts))
    assert (result.rule, result.action) == ("cancel.not_shipped", Action.DRAFT)


def test_cancel_after_shipping_explains_refusal_or_return() -> None:
    result = draft(inquiry("please cancel my order"), context(order()))
    assert result.rule == "cancel.already_shipped"


def test_cancel_without_order_asks_for_it() -> None:
    assert draft(inquiry("please cancel my order"), context(None)).rule == "cancel.no_order"


def test_return_within_the_window_gives_the_platform_steps() -> None:
    result = draft(inquiry("how do i return this?"), context(order()))
    assert result.rule == "return.steps" and "Your Orders" in result.text


def test_return_after_the_window_is_a_draft_saying_so() -> None:
    facts = order(delivered_on=TODAY - timedelta(days=60), return_window_days=30)
    assert draft(inquiry("how do i return this?"), context(facts)).rule == "return.window_closed"


def test_damaged_item_asks_for_a_photo_with_return_steps() -> None:
    result = draft(inquiry("the lamp arrived broken", "ebay.com"), context(order()))
    assert result.rule == "damaged.ask_photo" and "photo" in result.text and "eBay" in result.text


def test_wrong_item_asks_for_a_photo() -> None:
    result = draft(inquiry("you sent the wrong colour"), context(order()))
    assert (result.rule, result.action) == ("wrong_item.ask_photo", Action.DRAFT)


def test_address_change_before_shipping_is_drafted() -> None:
    facts = order(status="unshipped", shipped_on=None, dispatch_by=TODAY + timedelta(days=1))
    assert draft(inquiry("i need to change my address"), context(facts)).rule == "address.not_shipped"


def test_address_change_after_shipping_points_to_the_carrier() -> None:
    assert draft(inquiry("i need to change my address"), context(order())).rule == "address.already_shipped"


def test_product_question_mentions_stock() -> None:
    ctx = context(order())
    ctx = type(ctx)(order=ctx.order, stock={"SKU-1": 0}, settings=ctx.settings, today=TODAY)
    result = draft(inquiry("is it compatible with a macbook?"), ctx)
    assert result.rule == "product.question" and "out of stock" in result.text


def test_invoice_request_is_drafted() -> None:
    assert draft(inquiry("can you send me an invoice"), context(order())).rule == "invoice.request"


def test_thanks_needs_no_reply() -> None:
    result = draft(inquiry("thanks, arrived safely!"), context(order()))
    assert (result.rule, result.action) == ("thanks.no_reply_needed", Action.NONE)


def test_bare_acknowledgement_needs_no_reply() -> None:
    assert draft(inquiry("ok"), context(order())).action is Action.NONE


def test_unclear_message_goes_to_an_agent() -> None:
    result = draft(inquiry("what time does the football start"), context(order()))
    assert (result.intent, result.action) == ("other", Action.DRAFT)


@pytest.mark.parametrize("text", [
    "I will file a chargeback with my bank",
    "opening an A-to-z claim now",
    "I am opening a PayPal dispute",
    "my lawyer will contact you",
    "I am going to the police with this",
    "expect a 1 star review",
    "you are useless idiots",
    "the charger caught fire last night",
    "it started smoking and melted",
])
def test_escalation_guard_stops_any_reply(text: str) -> None:
    result = draft(inquiry(text), context(order()))
    assert (result.rule, result.action) == ("guard.escalation", Action.ESCALATE)


def test_escalation_guard_holds_in_other_languages() -> None:
    result = draft(inquiry("Ich mache eine Rückbuchung über PayPal-Käuferschutz", "amazon.de"), context(order()))
    assert result.action is Action.ESCALATE


def test_anger_guard_escalates_shouting() -> None:
    result = draft(inquiry("WHERE IS MY ORDER I PAID TWO WEEKS AGO"), context(order()))
    assert (result.rule, result.action) == ("guard.anger", Action.ESCALATE)


def test_anger_guard_escalates_rows_of_exclamation_marks() -> None:
    assert draft(inquiry("where is my order!!!"), context(order())).rule == "guard.anger"


def test_repeated_complaint_on_the_ticket_escalates() -> None:
    msg = inquiry("where is my order?", earlier_messages=("hi, where is my parcel?",))
    result = draft(msg, context(order()))
    assert (result.rule, result.action) == ("guard.repeated_complaint", Action.ESCALATE)


def test_low_intent_confidence_never_auto_sends() -> None:
    result = draft(inquiry("my order"), context(order()))  # a weak hint only
    assert result.action is not Action.AUTO_SEND


def test_negation_never_auto_sends() -> None:
    result = draft(inquiry("I did not receive my order", "ebay.com"), context(order()))
    assert result.action is Action.DRAFT and any("did not happen" in w for w in result.why)


def test_language_without_templates_never_auto_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.drafting

    assert draft(inquiry("var är mitt paket?", "amazon.se"), context(order())).action is Action.AUTO_SEND
    monkeypatch.setattr(bot.drafting, "has_templates", lambda language: language != "sv")
    result = draft(inquiry("var är mitt paket?", "amazon.se"), context(order()))
    assert result.action is Action.DRAFT


def test_missing_carrier_never_auto_sends() -> None:
    result = draft(inquiry("where is my order?", "ebay.com"), context(order(carrier="")))
    assert result.action is Action.DRAFT


def test_greeting_inside_a_longer_unclear_message_still_needs_an_answer() -> None:
    result = draft(inquiry("hi, quick thing about the party next saturday at the community hall"), context(order()))
    assert (result.intent, result.action) == ("other", Action.DRAFT)


def test_earlier_threat_on_the_ticket_keeps_it_with_a_person() -> None:
    msg = inquiry("ok thanks", earlier_messages=("refund me or I open a PayPal dispute",))
    assert draft(msg, context(order())).rule == "guard.earlier_escalation"


def test_order_number_in_the_message_is_not_asked_for_again() -> None:
    result = draft(inquiry("Wo ist meine Bestellung 302-1234567-1234567?", "amazon.de"), context(None))
    assert result.rule == "wimo.order_not_found" and result.missing_facts == ("order 302-1234567-1234567",)


def test_single_word_evidence_never_auto_sends() -> None:
    # "eta?" reads as a status question, but one word is too thin to answer unseen.
    result = draft(inquiry("eta?", "ebay.com"), context(order()))
    assert result.action is Action.DRAFT and any("single word" in w for w in result.why)


def test_pickup_point_request_is_an_address_change_not_a_status_question() -> None:
    result = draft(inquiry("Pouvez-vous livrer en point relais plutôt qu'à domicile ?", "ebay.fr"), context(order()))
    assert (result.intent, result.action) == ("change_address", Action.DRAFT)


def test_no_inside_a_short_message_is_not_an_acknowledgement() -> None:
    result = draft(inquiry("courier nie przyjechał", "allegro.pl"), context(order()))
    assert result.action is not Action.NONE


def test_reply_naming_the_order_uses_the_number_the_buyer_wrote_when_the_order_is_unknown() -> None:
    result = draft(inquiry("Please send me an invoice for order 302-1234567-7654321", "amazon.de"), context(None))
    assert result.intent == "invoice_request" and "302-1234567-7654321" in result.text
    assert "order ." not in result.text_in("en")


def test_reply_naming_the_order_asks_for_it_when_nobody_knows_which() -> None:
    result = draft(inquiry("Could I get a VAT invoice please?", "amazon.co.uk"), context(None))
    assert result.intent == "invoice_request" and result.action is Action.DRAFT
    assert "order number" in result.text and "order ." not in result.text
