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
