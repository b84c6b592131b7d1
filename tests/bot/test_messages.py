"""Every line of tests/bot/messages/<lang>.jsonl: its language is detected and its intent recognised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.intents import INTENTS, classify
from bot.language import SUPPORTED, detect

FOLDER = Path(__file__).parent / "messages"


def _lines() -> list[tuple[str, str, str, str]]:
    rows = []
    for path in sorted(FOLDER.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                item = json.loads(line)
                rows.append(pytest.param(item["text"], item["lang"], item.get("marketplace", ""), item["intent"],
                                         id=f"{path.stem}:{number}"))
    return rows


LINES = _lines()


def test_every_file_is_named_for_its_language() -> None:
    for path in FOLDER.glob("*.jsonl"):
        assert path.stem in SUPPORTED
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                assert item["lang"] == path.stem and item["intent"] in INTENTS, line


@pytest.mark.parametrize(("text", "lang", "marketplace", "intent"), LINES)
def test_language_is_detected(text: str, lang: str, marketplace: str, intent: str) -> None:
    assert detect(text, marketplace).language == lang


@pytest.mark.parametrize(("text", "lang", "marketplace", "intent"), LINES)
def test_intent_is_recognised(text: str, lang: str, marketplace: str, intent: str) -> None:
    assert classify(text, [lang, "en"]).intent == intent
