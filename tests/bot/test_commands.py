"""`helpdesk bot draft|eval` and `helpdesk bench bot`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from helpdesk.commands.bot import bench_bot, bot


def _jsonl(path: Path, rows: list[dict[str, object]]) -> str:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return str(path)


def test_draft_prints_json_with_the_explanation() -> None:
    result = CliRunner().invoke(bot, ["draft", "Wo ist meine Bestellung?", "--marketplace", "amazon.de", "--json"])
    data = json.loads(result.output)
    assert (data["language"], data["intent"], data["action"]) == ("de", "where_is_my_order", "draft")
    assert data["missing_facts"] == ["order"]


def test_draft_reads_the_order_from_json(tmp_path: Path) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"order_id": "A-1", "status": "shipped", "carrier": "UPS", "tracking_number": "1Z999",
                                 "estimated_delivery": "2030-01-10"}), encoding="utf-8")
    result = CliRunner().invoke(bot, ["draft", "where is my order", "--platform", "ebay", "--order-json", str(order)])
    assert result.exit_code == 0 and "UPS" in result.output and "1Z999" in result.output


def test_draft_without_text_or_batch_is_a_usage_error() -> None:
    assert CliRunner().invoke(bot, ["draft"]).exit_code == 2


def test_batch_prints_one_json_object_per_line_in_order(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "in.jsonl", [{"text": "merci beaucoup", "marketplace": "amazon.fr"},
                                          {"text": "I want a chargeback"}])
    lines = CliRunner().invoke(bot, ["draft", "--batch", path]).output.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert (first["language"], second["action"]) == ("fr", "escalate")
    assert {"language", "intent", "action", "text"} <= set(first)


def test_eval_prints_the_metrics_as_json(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "dev.jsonl", [{"text": "where is my order?", "lang": "en", "intent": "where_is_my_order"}])
    data = json.loads(CliRunner().invoke(bot, ["eval", path, "--json"]).output)
    assert (data["n"], data["intent_accuracy"], data["unsafe_auto_sends"]) == (1, 1.0, 0)


def test_eval_prints_a_table_per_language(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "dev.jsonl", [{"text": "danke", "lang": "de", "intent": "thanks_or_positive"}])
    output = CliRunner().invoke(bot, ["eval", path]).output
    assert "language accuracy" in output and "\nde " in output


def test_eval_rejects_a_line_without_labels(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "dev.jsonl", [{"text": "hello"}])
    result = CliRunner().invoke(bot, ["eval", path])
    assert result.exit_code == 1 and "needs" in result.output


def test_eval_rejects_a_line_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    assert "not JSON" in CliRunner().invoke(bot, ["eval", str(path)]).output


def test_bench_reports_speed_and_memory() -> None:
    data = json.loads(CliRunner().invoke(bench_bot, ["--json", "--rounds", "1"]).output)
    assert {"drafts_per_second", "latency_ms_p50", "latency_ms_p99", "import_and_first_draft_s",
            "rss_mb_bot_process_peak"} <= set(data)


def test_bot_library_imports_no_flask_database_or_helpdesk() -> None:
    code = ("import sys, bot; bot.draft(bot.Inquiry('where is my order?')); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'helpdesk'}))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_drafts_are_identical_across_processes() -> None:
    code = ("import json, bot; print(json.dumps([bot.draft(bot.Inquiry(t, marketplace=m)).as_dict() for t, m in "
            "[('Paket noch nicht da, wo bleibt es?', 'amazon.de'), ('ok', 'shopify'), ('where is my refund', '')]]))")
    outputs = {
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
