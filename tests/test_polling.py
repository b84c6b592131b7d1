"""The poller: lease, pages and cursor, backoff on throttling and errors, quarantine."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import MessagePage, PayloadError, PermanentError, RateLimited, TransientError
from helpdesk.extensions import db
from helpdesk.models import Channel, Message, PollStatus, QuarantinedPayload, utcnow
from helpdesk.polling import acquire_lease, due_channels, poll_channel, release_lease
from tests import factories
from tests.inbound import inbound
from tests.scripted import ScriptedConnector


def factory_for(connector: ScriptedConnector):  # type: ignore[no-untyped-def]
    return lambda _settings: connector


def channel_row(session: Session, channel_id: int) -> Channel:
    session.rollback()  # end the read snapshot: the poller wrote through its own sessions
    session.expire_all()
    row = session.get(Channel, channel_id)
    assert row is not None
    return row


def test_pages_are_followed_and_the_cursor_is_kept(app, session: Session) -> None:
    channel = factories.make_channel(session)
    connector = ScriptedConnector(None, messages=[  # type: ignore[arg-type]
        MessagePage([inbound(external_id="1")], cursor={"page": 2}, has_more=True),
        MessagePage([inbound(external_id="2")], cursor={"page": 3}),
    ])
    outcome = poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
    assert outcome.status == "ok" and outcome.new_messages == 2
    assert connector.cursors_seen == [{}, {"page": 2}]
    row = channel_row(session, channel.id)
    assert row.poll_cursor["messages"] == {"page": 3}
    assert row.last_poll_status is PollStatus.OK and row.lease_owner is None and connector.closed == 1


def test_next_poll_resumes_from_the_stored_cursor(app, session: Session) -> None:
    channel = factories.make_channel(session)
    first = ScriptedConnector(None, messages=[MessagePage([inbound()], cursor={"uid": 10})])  # type: ignore[arg-type]
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(first), force=True)
    second = ScriptedConnector(None)  # type: ignore[arg-type]
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(second), force=True)
    assert second.cursors_seen == [{"uid": 10}]


def test_rate_limit_backs_off_at_least_retry_after(app, session: Session) -> None:
    channel = factories.make_channel(session)
    connector = ScriptedConnector(None, messages=[RateLimited(retry_after=120)])  # type: ignore[arg-type]
    before = utcnow()
    outcome = poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
    row = channel_row(session, channel.id)
    assert outcome.status == "rate_limited" and row.last_poll_status is PollStatus.RATE_LIMITED
    assert row.next_poll_at >= before + timedelta(seconds=120)
    assert row.consecutive_failures == 1 and row.lease_owner is None


def test_transient_errors_back_off_exponentially(app, session: Session) -> None:
    channel = factories.make_channel(session)
    delays = []
    for _ in range(3):
        connector = ScriptedConnector(None, messages=[TransientError("502 Bad Gateway")])  # type: ignore[arg-type]
        start = utcnow()
        poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
        delays.append((channel_row(session, channel.id).next_poll_at - start).total_seconds())
    row = channel_row(session, channel.id)
    assert row.consecutive_failures == 3 and "502" in row.last_error
    assert delays[0] < delays[1] < delays[2]


def test_success_after_failures_resets_the_channel(app, session: Session) -> None:
    channel = factories.make_channel(session)
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(ScriptedConnector(None, messages=[TransientError("x")])), force=True)  # type: ignore[arg-type]
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(ScriptedConnector(None)), force=True)  # type: ignore[arg-type]
    row = channel_row(session, channel.id)
    assert (row.consecutive_failures, row.last_error, row.last_poll_status) == (0, None, PollStatus.OK)


def test_unreadable_response_is_quarantined_and_the_cursor_stays(app, session: Session) -> None:
    channel = factories.make_channel(session)
    for _ in range(2):
        connector = ScriptedConnector(None, messages=[PayloadError("not JSON", raw="<html>oops")])  # type: ignore[arg-type]
        poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
    assert session.scalar(select(func.count()).select_from(QuarantinedPayload)) == 1
    assert channel_row(session, channel.id).poll_cursor == {}


def test_a_failure_mid_poll_keeps_the_pages_already_recorded(app, session: Session) -> None:
    channel = factories.make_channel(session)
    connector = ScriptedConnector(None, messages=[  # type: ignore[arg-type]
        MessagePage([inbound(external_id="1")], cursor={"page": 2}, has_more=True),
        TransientError("timeout"),
    ])
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
    assert session.scalar(select(func.count()).select_from(Message)) == 1
    assert channel_row(session, channel.id).poll_cursor["messages"] == {"page": 2}


def test_permanent_error_waits_an_hour(app, session: Session) -> None:
    channel = factories.make_channel(session)
    connector = ScriptedConnector(None, messages=[PermanentError("931 Auth token is invalid")])  # type: ignore[arg-type]
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
    assert channel_row(session, channel.id).next_poll_at >= utcnow() + timedelta(minutes=50)


def test_a_leased_channel_is_not_polled_by_another_worker(app, session: Session) -> None:
    channel = factories.make_channel(session)
    assert acquire_lease(session, channel.id, "worker-a", utcnow())
    connector = ScriptedConnector(None)  # type: ignore[arg-type]
    outcome = poll_channel(db.sessions, channel.id, owner="worker-b", connector_factory=factory_for(connector), force=True)
    assert outcome.status == "busy" and connector.cursors_seen == []
    release_lease(session, channel.id, "worker-a")
    assert poll_channel(db.sessions, channel.id, owner="worker-b", connector_factory=factory_for(connector), force=True).status == "ok"


def test_an_expired_lease_can_be_taken_over(app, session: Session) -> None:
    channel = factories.make_channel(session)
    assert acquire_lease(session, channel.id, "crashed-worker", utcnow() - timedelta(hours=1))
    assert acquire_lease(session, channel.id, "worker-b", utcnow())


def test_paused_and_backed_off_channels_are_not_due(app, session: Session) -> None:
    ready = factories.make_channel(session, name="ready")
    factories.make_channel(session, name="paused", paused=True)
    factories.make_channel(session, name="later", next_poll_at=utcnow() + timedelta(minutes=5))
    assert due_channels(session, utcnow()) == [ready.id]


def test_two_workers_racing_for_a_lease_never_both_win(app, session: Session) -> None:
    """On PostgreSQL the conditional UPDATE waits on the row lock and re-checks; on SQLite writes serialise."""
    import threading

    channel = factories.make_channel(session)
    for round_no in range(15):
        barrier = threading.Barrier(2)
        wins: list[bool] = []

        def contend(owner: str) -> None:
            with db.sessions() as s:
                barrier.wait()
                wins.append(acquire_lease(s, channel.id, owner, utcnow()))

        threads = [threading.Thread(target=contend, args=(f"worker-{round_no}-{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins) == [False, True]
        with db.sessions() as s:
            s.execute(Channel.__table__.update().values(lease_owner=None, lease_expires_at=None))
            s.commit()


def test_an_unexpected_error_on_one_channel_is_recorded_and_does_not_escape(app, session: Session) -> None:
    channel = factories.make_channel(session)
    connector = ScriptedConnector(None, messages=[ValueError("bug in a parser")])  # type: ignore[arg-type]
    outcome = poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True)
    row = channel_row(session, channel.id)
    assert outcome.status == "error" and "bug in a parser" in row.last_error and row.lease_owner is None


def test_sync_progress_is_kept_on_the_channel_and_reported(app, session: Session) -> None:
    channel = factories.make_channel(session)
    connector = ScriptedConnector(None, messages=[  # type: ignore[arg-type]
        MessagePage([inbound(external_id="1"), inbound(external_id="2")], cursor={"page": 2}, has_more=True),
        MessagePage([inbound(external_id="3")], cursor={"page": 3}),
    ])
    seen: list[tuple[str, int, int]] = []
    poll_channel(db.sessions, channel.id, connector_factory=factory_for(connector), force=True,
                 progress=lambda _c, stream, pages, items: seen.append((stream, pages, items)))
    assert ("messages", 1, 2) in seen and ("messages", 2, 3) in seen
    state = channel_row(session, channel.id).sync_state["messages"]
    assert (state["pages"], state["items"], state["syncing"]) == (2, 3, False) and "last_at" in state
