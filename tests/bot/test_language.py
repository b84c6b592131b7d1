"""Language detection: scripts, short texts, marketplace prior, earlier messages, determinism."""

from __future__ import annotations

import pytest

from bot.language import SUPPORTED, detect, marketplace_language
from tests.bot.samples import MESSAGES, MORE_MESSAGES, SHORT_TEXTS


@pytest.mark.parametrize(("text", "lang", "marketplace"), SHORT_TEXTS)
def test_short_text_is_detected(text: str, lang: str, marketplace: str) -> None:
    assert detect(text, marketplace).language == lang


@pytest.mark.parametrize(("text", "lang", "marketplace"), [(t, l, m) for t, l, m, _ in MESSAGES + MORE_MESSAGES])
def test_buyer_message_language_is_detected(text: str, lang: str, marketplace: str) -> None:
    assert detect(text, marketplace).language == lang


def test_cancel_order_is_english_not_spanish() -> None:
    assert detect("Cancel order").language == "en"


def test_short_chinese_is_not_korean() -> None:
    assert detect("好的").language == "zh"


def test_kanji_only_text_on_a_japanese_marketplace_is_japanese() -> None:
    assert detect("領収書", "amazon.co.jp").language == "ja"


def test_kanji_only_text_elsewhere_is_chinese() -> None:
    assert detect("领收据", "aliexpress.com").language == "zh"


def test_ambiguous_acknowledgement_follows_the_marketplace() -> None:
    assert detect("ok", "amazon.de").language == "de"


def test_earlier_messages_decide_an_ambiguous_text() -> None:
    earlier = ("Bonjour, je n'ai toujours pas reçu ma commande",)
    assert detect("ok", "shopify", earlier=earlier).language == "fr"


def test_channel_locale_counts_as_a_prior() -> None:
    assert detect("ok", "shopify", locale="nl_NL").language == "nl"


def test_vietnamese_letters_decide_vietnamese() -> None:
    assert detect("hàng bị lỗi rồi").language == "vi"


def test_detection_is_deterministic() -> None:
    text = "Mein Paket ist noch nicht da, könnt ihr nachschauen?"
    answers = {detect(text, "amazon.de") for _ in range(20)}
    assert len(answers) == 1


def test_text_without_letters_falls_back_to_the_marketplace() -> None:
    assert detect("👍👍", "amazon.it").language == "it"


def test_every_supported_language_has_a_phrase_bank() -> None:
    from bot.pack import pack_languages

    assert set(SUPPORTED) <= set(pack_languages())


def test_marketplace_suffix_maps_to_its_language() -> None:
    assert marketplace_language("amazon.com.br") == "pt"


@pytest.mark.parametrize(("text", "lang"), [("我是给我妈买的生日礼物，生日都过去一周了东西还没到", "zh"), ("包裹什么时候到", "zh"),
                                           ("訂單何時出貨", "zh"), ("配送状況確認願", "ja"), ("至急返金希望", "ja"),
                                           ("請求書発行願", "ja"), ("配送完了", "ja")])
def test_han_only_text_on_a_japanese_marketplace(text: str, lang: str) -> None:
    """Kanji-only Japanese stays Japanese there; characters Japanese never writes make it Chinese."""
    assert detect(text, "amazon.co.jp").language == lang


@pytest.mark.parametrize(("market", "lang"), [("empik.com", "pl"), ("dolap.com", "tr"), ("fnac.com", "fr"), ("ebay.com", "en")])
def test_marketplaces_whose_domain_does_not_name_their_country(market: str, lang: str) -> None:
    assert marketplace_language(market) == lang
