"""`helpdesk bench inbox` and `bench socket` run end to end and report percentiles (no timing is asserted)."""

import json
import socket

import pytest
from click.testing import CliRunner

from helpdesk.cli import main


def test_bench_inbox_reports_every_view_search_and_the_ticket_page() -> None:
    result = CliRunner().invoke(main, ["bench", "inbox", "--tickets", "400", "--messages-per-ticket", "3", "--reps", "3",
                                       "--depth", "60", "--json"])
    assert result.exit_code == 0, result.output
    timings = json.loads(result.output)["timings"]
    assert {"view mine first page", "view open page at row 60", "search order id", "open ticket with context"} <= set(timings)
    assert all(set(v) == {"p50_ms", "p95_ms"} for v in timings.values())


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_bench_socket_delivers_every_event_to_every_client() -> None:
    result = CliRunner().invoke(main, ["bench", "socket", "--clients", "3", "--events", "5", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["received"] == figures["expected"] == 15
