"""`evaluate`: the figures `helpdesk bot eval` prints."""

from __future__ import annotations

from bot.evaluation import evaluate, percentile
from tests.bot.conftest import TODAY

ROWS = [
    {"text": "where is my order?", "lang": "en", "intent": "where_is_my_order", "platform": "ebay", "marketplace": "ebay.com"},
    {"text": "I will open a chargeback", "lang": "en", "intent": "escalation"},
    {"text": "Danke!", "lang": "de", "intent": "thanks_or_positive", "marketplace": "amazon.de"},
    {"text": "cancel my order", "lang": "en", "intent": "product_question"},  # a wrong label on purpose
]


def test_report_has_the_issue_keys() -> None:
    data = evaluate(ROWS, TODAY).as_dict()
    assert {"language_accuracy", "language_accuracy_short", "intent_accuracy", "intent_macro_f1", "escalation_recall",
            "unsafe_auto_sends", "latency_ms_p50", "latency_ms_p99", "n"} <= set(data)


def test_report_counts_accuracy_and_escalation_recall() -> None:
    report = evaluate(ROWS, TODAY)
    assert (report.n, report.intent_accuracy, report.escalation_recall) == (4, 0.75, 1.0)


def test_default_order_lets_a_status_question_auto_send_safely() -> None:
    report = evaluate(ROWS[:1], TODAY)
    assert (report.auto_sends, report.unsafe_auto_sends) == (1, 0)


def test_auto_send_of_a_wrong_intent_counts_as_unsafe() -> None:
    rows = [{"text": "where is my order?", "lang": "en", "intent": "cancel_order", "platform": "ebay"}]
    assert evaluate(rows, TODAY).unsafe_auto_sends == 1


def test_line_with_its_own_order_uses_it() -> None:
    rows = [{"text": "where is my order?", "lang": "en", "intent": "where_is_my_order", "platform": "ebay",
             "order": {"order_id": "A1", "status": "delivered", "delivered_on": "2026-11-20"}}]
    assert evaluate(rows, TODAY).auto_sends == 0


def test_percentile_is_nearest_rank() -> None:
    assert (percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)) == (2.0, 4.0)
