"""Platform policy guards on the rendered reply."""

from __future__ import annotations

from bot import Action, draft
from bot.rules import policy_violations
from tests.bot.conftest import context, inquiry, order


def test_amazon_reply_carries_no_tracking_link() -> None:
    result = draft(inquiry("where is my order?", "amazon.com"), context(order()))
    assert "http" not in result.text and "JJD000390007788" in result.text


def test_ebay_reply_carries_the_tracking_link() -> None:
    result = draft(inquiry("where is my order?", "ebay.com"), context(order()))
    assert "https://tracking.example/JJD000390007788" in result.text


def test_amazon_forbids_email_and_phone_in_a_signature() -> None:
    ctx = context(order(), signature="Acme, help@acme.example, +49 30 1234 5678")
    result = draft(inquiry("where is my order?", "amazon.de"), ctx)
    assert "@" not in result.text and "1234 5678" not in result.text
    assert result.action is Action.DRAFT


def test_order_and_tracking_numbers_are_not_phone_numbers() -> None:
    text = "Your order 302-1234567-7654321 has tracking 123456789012."
    assert policy_violations("amazon", text, ("302-1234567-7654321", "123456789012")) == []


def test_marketing_is_flagged_on_amazon() -> None:
    assert policy_violations("amazon", "Use coupon SAVE10 next time!") == ["marketing"]


def test_out_of_office_wording_is_flagged_everywhere() -> None:
    assert policy_violations("shopify", "This is an automatic reply, we are out of office.") == ["out-of-office wording"]


def test_link_is_flagged_on_amazon() -> None:
    assert "external link" in policy_violations("amazon", "see https://example.com/x")


def test_scrubbing_a_reply_never_removes_the_order_or_tracking_number() -> None:
    from bot.rules import scrub

    text = "Your order 302-8531072-2722920 (tracking 00340434161094042557) - see www.example.com or call +49 30 1234567"
    cleaned = scrub(text, ("302-8531072-2722920", "00340434161094042557"))
    assert "302-8531072-2722920" in cleaned and "00340434161094042557" in cleaned
    assert "example.com" not in cleaned and "1234567" not in cleaned.replace("302-8531072-2722920", "")


def test_a_store_named_after_its_amazon_marketplace_is_no_external_link() -> None:
    result = draft(inquiry("Où est ma commande 302-1234567-1234567 ?", "amazon.fr"),
                   context(order(), signature="Boutique Amazon.fr"))
    assert "302-1234567-7654321" in result.text and "Amazon.fr" in result.text and not any("policy" in w for w in result.why)
