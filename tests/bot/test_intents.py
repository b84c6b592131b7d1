"""Intent classification per language, normalisation, typos and the `other` fallback."""

from __future__ import annotations

import pytest

from bot.intents import classify, negated, thin
from bot.normalise import normalise
from tests.bot.samples import MESSAGES, MORE_MESSAGES


@pytest.mark.parametrize(("text", "lang", "marketplace", "intent"), MESSAGES + MORE_MESSAGES)
def test_intent_in_each_language(text: str, lang: str, marketplace: str, intent: str) -> None:
    assert classify(text, [lang, "en"]).intent == intent


def test_normalisation_folds_width_case_and_accents() -> None:
    assert normalise("ＷＨＥＲＥ Is Mÿ Çommande") == "where is my commande"


def test_normalisation_masks_amazon_order_numbers() -> None:
    assert normalise("order 302-1234567-1234567 please") == "order ordernum please"


def test_normalisation_masks_postal_tracking_numbers() -> None:
    assert normalise("LX123456789CN?") == "trackingnum"


def test_normalisation_splits_latin_words_from_chinese() -> None:
    assert normalise("开一下invoice") == "开一下 invoice"


def test_typo_is_still_understood() -> None:
    assert classify("i need help cancellling my purchse", ["en"]).intent == "cancel_order"


def test_words_between_phrase_words_are_tolerated() -> None:
    assert classify("can I change the delivery address", ["en"]).intent == "change_address"


def test_english_loanword_in_another_language_is_understood() -> None:
    assert classify("mi serve l'invoice", ["it", "en"]).intent == "invoice_request"


def test_specific_intent_wins_over_generic_refund() -> None:
    assert classify("it arrived broken, I want my money back", ["en"]).intent == "item_damaged_or_defective"


def test_escalation_wins_over_everything() -> None:
    assert classify("where is my order? otherwise chargeback", ["en"]).intent == "escalation"


def test_unrelated_message_is_other() -> None:
    assert classify("what is the weather like in lisbon tomorrow", ["en"]).intent == "other"


def test_escalation_words_must_be_whole_words() -> None:
    assert classify("thanks for the courteous help", ["en"]).intent == "thanks_or_positive"


def test_negation_is_detected() -> None:
    assert negated("I have not received it", ["en"])


def test_a_negation_only_governs_the_wrong_item_pattern_it_stands_in() -> None:
    # "não serve" is about the fit, not about what arrived: the ordered-X-got-Y pattern holds.
    assert classify("Pedi tamanho M e o que chegou foi GG, não serve em ninguém aqui em casa",
                    ["pt", "en"]).intent == "wrong_item_received"
    assert classify("No es la referencia correcta: pedí la 3067 y llegó la 3076.", ["es", "en"]).intent == "wrong_item_received"
    # A negation in the clause before does not reach the pattern (punctuation is gone after normalising).
    assert classify("the size is not right, I ordered an M and got an L", ["en"]).intent == "wrong_item_received"
    assert classify("No es correcta: pedí la 3067 y llegó la 3076.", ["es", "en"]).intent == "wrong_item_received"
    # ... while a negation inside the pattern's match still means nothing arrived.
    assert classify("pedi faz duas semanas e ainda não chegou nada", ["pt", "en"]).intent != "wrong_item_received"


@pytest.mark.parametrize(("text", "intent"), [("👍👍👍", "thanks_or_positive"), ("🙏", "thanks_or_positive"),
                                             ("🤬🤬 !!!", "escalation"), ("🖕", "escalation"), ("???", "other"),
                                             ("🚚?", "other")])
def test_a_message_of_emoji_alone(text: str, intent: str) -> None:
    guess = classify(text, ["it", "en"])
    assert guess.intent == intent
    assert thin(guess.matched)  # one emoji never makes a reply auto-send


def test_korean_greeting_is_not_a_negation() -> None:
    assert not negated("안녕하세요 배송 언제 와요", ["ko"])


def test_lone_cancel_next_to_an_assistant_word_is_other() -> None:
    assert classify("Annuleer alle herinneringen", ["nl", "en"]).intent == "other"


def test_assistant_word_does_not_hide_a_real_complaint() -> None:
    assert classify("the alarm clock doesnt work", ["en"]).intent == "item_damaged_or_defective"


def test_buyers_own_mistake_is_not_a_wrong_item_sent() -> None:
    assert classify("I ordered the wrong size, can I return it?", ["en"]).intent == "return_or_refund"


def test_thai_tone_marks_keep_words_apart() -> None:
    # "ไหม" (question particle) must not read as "ไหม้" (burnt).
    assert classify("ยกเลิกคำสั่งซื้อได้ไหมครับ", ["th"]).intent == "cancel_order"


def test_typos_are_corrected_only_towards_the_buyers_language() -> None:
    # German "sollen" is not English "swollen" (a safety word).
    text = "leider ist mein Paket immer noch nicht da, obwohl es letzte Woche hätte da sein sollen"
    assert classify(text, ["de", "en"]).intent != "escalation"


def test_showing_an_invoice_is_not_a_police_report() -> None:
    assert classify("wie kann ich die Rechnung anzeigen lassen", ["de", "en"]).intent == "invoice_request"


def test_not_yet_received_after_ordering_is_no_wrong_item() -> None:
    assert classify("I ordered two weeks ago and still haven't received anything", ["en"]).intent != "wrong_item_received"


def test_own_mistake_alone_is_labelled_with_its_language() -> None:
    guess = classify("sorry, my mistake", ["en"])
    assert all(":" in label for label in guess.matched)


@pytest.mark.parametrize(("text", "intent"), [
    ("i will contact my lawer about this", "escalation"),  # a typo of an escalation word
    ("Your incompetence is staggering.", "escalation"),  # another form of one
])
def test_typos_become_escalation_words_only_when_they_are_one(text: str, intent: str) -> None:
    assert classify(text, ["en"]).intent == intent


def test_a_different_word_is_not_corrected_into_an_escalation_word() -> None:
    from bot.intents import Bank, _correct

    def pack(alarming: frozenset[str]) -> Bank:
        return Bank("xx", (), (), frozenset({"sparking", "parcel"}), ("parcel", "sparking"), escalation_only=alarming)

    assert _correct(["speaking"], [pack(frozenset())]) == ["sparking"]  # an ordinary word would be corrected
    assert _correct(["speaking"], [pack(frozenset({"sparking"}))]) == ["speaking"]
    assert _correct(["sparkng"], [pack(frozenset({"sparking"}))]) == ["sparking"]  # a real typo still is
