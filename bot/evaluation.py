"""Score the bot on labelled lines ({"text", "lang", "intent"} plus optional platform, marketplace, order)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.drafting import draft, warm_up
from bot.facts import Action, CaseContext, Draft, Inquiry, OrderFacts, SellerSettings, order_from_dict
from bot.intents import INTENTS

SHORT = 20  # characters: "short text" for language accuracy


def eval_settings() -> SellerSettings:
    """A seller who allows auto-send for every intent the rules consider safe, on every platform."""
    return SellerSettings(store_name="Eval Store", auto_send={"*": frozenset({"*"})})


def default_order(today: date) -> OrderFacts:
    """A shipped order with carrier, tracking and an estimate still ahead, so auto-send is exercised."""
    return OrderFacts(
        order_id="EVAL-1001", status="shipped", ordered_on=today - timedelta(days=5),
        shipped_on=today - timedelta(days=3), dispatch_by=today - timedelta(days=3),
        estimated_delivery=today + timedelta(days=3), carrier="DHL", tracking_number="JJD000390007788",
        tracking_url="https://tracking.example/JJD000390007788", total=None, currency="EUR",
    )


def draft_line(row: Mapping[str, Any], today: date) -> Draft:
    """Draft one labelled or unlabelled line the way `bot eval` and `bot draft --batch` do."""
    order = order_from_dict(row["order"]) if row.get("order") else default_order(today)
    inquiry = Inquiry(
        text=str(row["text"]), subject=str(row.get("subject", "")), platform=str(row.get("platform") or ""),
        marketplace=str(row.get("marketplace") or ""), locale=str(row.get("locale") or ""),
        earlier_messages=tuple(row.get("earlier_messages") or ()),
    )
    return draft(inquiry, CaseContext(order=order, settings=eval_settings(), today=today))


@dataclass
class Report:
    """Everything `bot eval` prints."""

    n: int = 0
    language_accuracy: float = 0.0
    language_accuracy_short: float = 0.0
    n_short: int = 0
    intent_accuracy: float = 0.0
    intent_macro_f1: float = 0.0
    escalation_recall: float = 1.0
    unsafe_auto_sends: int = 0
    auto_sends: int = 0
    latency_ms_p50: float = 0.0
    latency_ms_p99: float = 0.0
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON view, with the headline keys first."""
        return {
            "language_accuracy": round(self.language_accuracy, 4),
            "language_accuracy_short": round(self.language_accuracy_short, 4),
            "intent_accuracy": round(self.intent_accuracy, 4),
            "intent_macro_f1": round(self.intent_macro_f1, 4),
            "escalation_recall": round(self.escalation_recall, 4),
            "unsafe_auto_sends": self.unsafe_auto_sends,
            "latency_ms_p50": round(self.latency_ms_p50, 3),
            "latency_ms_p99": round(self.latency_ms_p99, 3),
            "n": self.n,
            "n_short": self.n_short,
            "auto_sends": self.auto_sends,
            "per_language": self.per_language,
            "per_intent": self.per_intent,
        }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def evaluate(rows: Iterable[Mapping[str, Any]], today: date | None = None) -> Report:
    """Draft every line and compare language, intent and action with the labels."""
    today = today or date.today()
    warm_up()  # latency is measured once loaded, as a long-running worker sees it
    report = Report()
    latencies: list[float] = []
    lang_ok = short_ok = intent_ok = esc_total = esc_hit = 0
    per_lang: dict[str, list[int]] = {}
    counts = {i: [0, 0, 0] for i in INTENTS}  # true positives, predicted, gold
    for row in rows:
        start = time.perf_counter()
        result = draft_line(row, today)
        latencies.append((time.perf_counter() - start) * 1000)
        gold_lang, gold_intent = str(row["lang"]), str(row["intent"])
        report.n += 1
        good_lang = result.language == gold_lang
        good_intent = result.intent == gold_intent
        lang_ok += good_lang
        intent_ok += good_intent
        if len(str(row["text"])) < SHORT:
            report.n_short += 1
            short_ok += good_lang
        stats = per_lang.setdefault(gold_lang, [0, 0, 0])
        stats[0] += 1
        stats[1] += good_lang
        stats[2] += good_intent
        counts.setdefault(gold_intent, [0, 0, 0])[2] += 1
        counts.setdefault(result.intent, [0, 0, 0])[1] += 1
        if good_intent:
            counts[gold_intent][0] += 1
        if gold_intent == "escalation":
            esc_total += 1
            esc_hit += result.action is Action.ESCALATE
        if result.action is Action.AUTO_SEND:
            report.auto_sends += 1
            if gold_intent == "escalation" or not good_intent:
                report.unsafe_auto_sends += 1
        if not (good_lang and good_intent):
            report.errors.append({"text": str(row["text"]), "lang": f"{gold_lang}->{result.language}",
                                  "intent": f"{gold_intent}->{result.intent}", "action": result.action.value})
    n = max(report.n, 1)
    report.language_accuracy = lang_ok / n
    report.language_accuracy_short = short_ok / max(report.n_short, 1)
    report.intent_accuracy = intent_ok / n
    f1s = []
    for intent, (tp, predicted, gold) in counts.items():
        if not gold and not predicted:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_intent[intent] = {"n": gold, "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
        if gold:
            f1s.append(f1)  # macro over the intents that occur in the labels
    report.intent_macro_f1 = sum(f1s) / len(f1s) if f1s else 0.0
    report.escalation_recall = esc_hit / esc_total if esc_total else 1.0
    report.per_language = {
        lang: {"n": c, "language_accuracy": round(l / c, 3), "intent_accuracy": round(i / c, 3)}
        for lang, (c, l, i) in sorted(per_lang.items())
    }
    report.latency_ms_p50 = percentile(latencies, 50)
    report.latency_ms_p99 = percentile(latencies, 99)
    return report
