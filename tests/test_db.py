"""Engine set-up and UTC timestamps."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE_URL
from tests import factories


@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite pragmas; this run uses PostgreSQL")
def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(session: Session) -> None:
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_timestamps_come_back_timezone_aware_in_utc(session: Session) -> None:
    berlin = timezone(timedelta(hours=1))
    ticket = factories.make_ticket(session, last_activity_at=datetime(2026, 3, 1, 10, 0, tzinfo=berlin))
    session.expire_all()
    loaded = session.get(type(ticket), ticket.id)
    assert loaded is not None
    assert loaded.last_activity_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert loaded.last_activity_at.tzinfo is UTC
    assert loaded.created_at.tzinfo is UTC


def test_naive_timestamp_is_refused(session: Session) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        factories.make_ticket(session, last_activity_at=datetime(2026, 3, 1, 10, 0))


@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite locking; this run uses PostgreSQL")
def test_two_sqlite_writers_that_read_first_wait_instead_of_failing(app) -> None:
    import threading
    import time

    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.models import Customer

    errors: list[BaseException] = []

    def read_then_write(name: str) -> None:
        try:
            with db.writer_sessions() as s:
                s.scalar(select(func.count()).select_from(Customer))
                time.sleep(0.2)
                s.add(Customer(display_name=name))
                s.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=read_then_write, args=(f"c{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 3
