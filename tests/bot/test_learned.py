"""The learned escalation safety net: trained on the project's messages, saved and loaded exactly,
and only ever adding an escalation the phrase banks missed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import learned
from bot.intents import INTENTS, IntentGuess, classify, combine
from helpdesk.commands.bot import TRAINING_DIR, bot

TINY = [
    ("you are crooks, my lawyer will sue you", "escalation"),
    ("crooks and thieves, lawyer is informed", "escalation"),
    ("where is my parcel, tracking says nothing", "where_is_my_order"),
    ("parcel still not here, where is it", "where_is_my_order"),
    ("please cancel my order", "cancel_order"),
    ("cancel the order please, ordered twice", "cancel_order"),
]


def test_the_shipped_model_was_trained_on_the_messages_in_the_repository() -> None:
    shipped = learned.load()
    assert shipped is not None, "no bot/model/intents.bin.gz: run `helpdesk bot train`"
    assert shipped.fingerprint == learned.fingerprint(TRAINING_DIR.glob("*.jsonl")), \
        "tests/bot/messages changed since the model was trained: run `helpdesk bot train`"
    assert shipped.intents == INTENTS


def test_train_check_says_whether_the_model_is_current(tmp_path: Path) -> None:
    assert CliRunner().invoke(bot, ["train", "--check"]).exit_code == 0
    (tmp_path / "en.jsonl").write_text('{"text": "hello", "lang": "en", "intent": "other"}\n', encoding="utf-8")
    result = CliRunner().invoke(bot, ["train", "--check", "--messages", str(tmp_path)])
    assert result.exit_code != 0 and "out of date" in result.output


def test_a_saved_model_loads_to_the_same_answers(tmp_path: Path) -> None:
    model = learned.train(TINY * 2, INTENTS, "abc")
    learned.save(model, tmp_path / "m.bin.gz")
    loaded = learned.load(tmp_path / "m.bin.gz")
    assert loaded is not None and loaded.fingerprint == "abc" and loaded.index == model.index
    for text in ("my lawyer says you are crooks", "where is the parcel", "cancel it", "ok"):
        assert loaded.scores(text) == pytest.approx(model.scores(text), abs=1e-5)
        assert loaded.predict(text)[0] == model.predict(text)[0]
    assert model.predict("crooks, lawyer")[0] == "escalation"
    assert model.predict("qqqq zzzz") == ("other", 0.0)  # no feature it knows
    # The same model gives the same bytes: a retrain without changes shows no diff.
    learned.save(model, tmp_path / "again.bin.gz")
    assert (tmp_path / "m.bin.gz").read_bytes() == (tmp_path / "again.bin.gz").read_bytes()


def test_the_model_only_ever_adds_an_escalation() -> None:
    refund = IntentGuess("return_or_refund", 0.9, ("en:refund",))
    assert combine(refund, "escalation", 0.8).intent == "escalation"  # over a one-word phrase
    assert combine(refund, "escalation", 0.8).matched == ("model:escalation +0.80",)
    assert combine(refund, "escalation", 0.2).intent == "return_or_refund"  # not clear enough
    question = IntentGuess("product_question", 0.99, ("en:can i pay", "en:pay with"))
    assert combine(question, "escalation", 0.8) is question  # a real phrase match needs a clearer lead
    assert combine(question, "escalation", 1.2).intent == "escalation"
    assert combine(refund, "cancel_order", 5.0) is refund  # any other intent: the banks decide
    nothing = IntentGuess("other", 0.3, ())
    assert combine(nothing, "where_is_my_order", 5.0) is nothing
    angry = IntentGuess("escalation", 0.99, ("en:lawyer",))
    assert combine(angry, "thanks_or_positive", 5.0) is angry  # never takes an escalation away


def test_classify_asks_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message the phrase banks cannot place, which the model reads as an escalation, is escalated."""
    tiny = learned.train([("zorblax quibbit", "escalation"), ("zorblax quibbit", "escalation"),
                          ("flumph wibble", "other"), ("flumph wibble", "other")], INTENTS)
    monkeypatch.setattr(learned, "model", lambda: tiny)
    guess = classify("zorblax quibbit", ["en"])
    assert guess.intent == "escalation" and guess.matched[0].startswith("model:escalation")
    assert classify("flumph wibble", ["en"]).intent == "other"
