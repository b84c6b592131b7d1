"""`helpdesk bench inbox` and `bench socket` run end to end and report percentiles (no timing is asserted)."""

import json

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from tests.live import NO_REDIS, redis_up


def test_bench_inbox_reports_every_view_search_and_the_ticket_page() -> None:
    result = CliRunner().invoke(main, ["bench", "inbox", "--tickets", "400", "--messages-per-ticket", "3", "--reps", "3",
                                       "--depth", "60", "--json"])
    assert result.exit_code == 0, result.output
    timings = json.loads(result.output)["timings"]
    assert {"view mine first page", "view open page at row 60", "search order id", "open ticket with context"} <= set(timings)
    assert all(set(v) == {"p50_ms", "p95_ms"} for v in timings.values())


@pytest.mark.slow
@pytest.mark.skipif(not redis_up(), reason=NO_REDIS)
def test_bench_socket_delivers_every_event_to_every_client() -> None:
    result = CliRunner().invoke(main, ["bench", "socket", "--clients", "3", "--events", "5", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["received"] == figures["expected"] == 15
