"""`helpdesk bench ingest` runs end to end and reports both rates (no timing is asserted)."""

import json

from click.testing import CliRunner

from helpdesk.cli import main


def test_bench_ingest_reports_both_rates_and_their_ratio() -> None:
    result = CliRunner().invoke(main, ["bench", "ingest", "--messages", "300", "--page-size", "100", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["messages"] == 300 and figures["tickets_created"] > 0
    assert figures["ingest_messages_per_s"] > 0 and figures["bulk_insert_messages_per_s"] > 0
    assert abs(figures["ratio"] - figures["ingest_messages_per_s"] / figures["bulk_insert_messages_per_s"]) < 0.01


def test_bench_sla_seeds_a_history_and_times_the_report() -> None:
    result = CliRunner().invoke(main, ["bench", "sla", "--messages", "2000", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["messages"] == 2000 and figures["groups"] > 0
    assert all(figures[f"report_seconds_{d}d"] >= 0 for d in (7, 30, 90))
