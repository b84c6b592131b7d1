"""Templates: the sandbox, locale formatting, the English fallback, completeness of every pack."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from jinja2.exceptions import SecurityError

from bot import draft
from bot.pack import replies_pack, template_languages
from bot.replies import _environment, buyer_locale, facts_for, format_day, format_money, render
from tests.bot.conftest import context, inquiry, order

OUTCOMES = sorted(k for k in replies_pack("en") if k not in ("greeting", "signoff", "return_steps_by_platform"))


def test_fourteen_languages_have_templates() -> None:
    assert {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "ja", "zh", "ko", "ru", "tr", "ar"} <= set(template_languages())


@pytest.mark.parametrize("language", template_languages())
def test_every_outcome_renders_in_every_template_language(language: str) -> None:
    facts = facts_for(inquiry("x", "amazon.de"), context(order()), language)
    for outcome in OUTCOMES:
        assert render(outcome, language, facts).text.strip()


@pytest.mark.parametrize("language", template_languages())
def test_every_pack_has_every_outcome(language: str) -> None:
    assert set(OUTCOMES) <= set(replies_pack(language))


def test_buyer_text_with_template_syntax_comes_out_literally() -> None:
    result = draft(inquiry("{{7*7}} {{config}} where is my order?"), context(order()))
    assert "49" not in result.text and "config" not in result.text.lower()


def test_buyer_name_with_template_syntax_is_not_evaluated() -> None:
    result = draft(inquiry("where is my order?", buyer_name="{{7*7}}{% print 1 %}"), context(order()))
    assert "{{7*7}}{% print 1 %}" in result.text


def test_sandbox_refuses_attribute_escapes_in_an_edited_template() -> None:
    template = _environment().from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        template.render()


def test_sandbox_refuses_calling_format_on_strings_to_reach_internals() -> None:
    template = _environment().from_string("{{ '{0.__class__}'.format(order_id) }}")
    with pytest.raises(SecurityError):
        template.render(order_id="1")


def test_german_dates_are_written_the_german_way() -> None:
    assert format_day(date(2026, 11, 30), "de_DE") == "30. November 2026"


def test_japanese_dates_are_written_the_japanese_way() -> None:
    assert format_day(date(2026, 11, 30), "ja_JP") == "2026年11月30日"


def test_german_money_uses_comma_decimals() -> None:
    assert format_money(Decimal("1249.90"), "EUR", "de_DE") == "1.249,90\xa0€"


def test_brazilian_marketplace_formats_money_for_brazil() -> None:
    loc = buyer_locale("pt", "amazon.com.br")
    assert (loc, format_money(Decimal("10.50"), "BRL", loc)) == ("pt_BR", "R$\xa010,50")


def test_british_marketplace_formats_dates_for_britain() -> None:
    assert format_day(date(2026, 11, 30), buyer_locale("en", "amazon.co.uk")) == "30 November 2026"


def test_reply_uses_the_buyers_language_and_locale() -> None:
    result = draft(inquiry("Wo ist meine Bestellung?", "ebay.de"), context(order()))
    assert "Sendungsnummer" in result.text and "30. November 2026" in result.text


def test_language_without_templates_falls_back_to_english_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.drafting
    import bot.replies

    def without_swedish(language: str) -> bool:
        return language != "sv" and bot.replies.replies_pack(language) != {}

    monkeypatch.setattr(bot.replies, "has_templates", without_swedish)
    monkeypatch.setattr(bot.drafting, "has_templates", without_swedish)
    result = draft(inquiry("var är mitt paket?", "amazon.se"), context(order()))
    assert result.language == "sv" and "Your order" in result.text
    assert any("no templates for sv" in reason for reason in result.why)


def test_agent_sees_the_same_reply_in_their_language() -> None:
    result = draft(inquiry("Gdzie jest moja paczka?", "allegro.pl"), context(order()))
    assert "Numer przesyłki" in result.text
    assert "The tracking number is JJD000390007788" in result.text_in("en")


def test_missing_fact_leaves_no_empty_placeholder() -> None:
    result = draft(inquiry("where is my order?", "ebay.com"), context(order(estimated_delivery=None)))
    assert "expected delivery" not in result.text and "  " not in result.text
