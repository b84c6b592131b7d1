"""Inbox search: every word somewhere in the ticket, through the index or row by row, kept current."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from helpdesk.db import make_engine
from helpdesk.models import (
    Agent,
    AuthorKind,
    Customer,
    Direction,
    Message,
    Ticket,
    utcnow,
)
from helpdesk.services import schema, search
from helpdesk.services.inbox import InboxQuery, list_page
from tests import factories

# Both ways of answering a word: through the word index, and row by row (the substring scan used
# for unspaced scripts and short words, and on PostgreSQL).
PATHS = [pytest.param(True, id="index"), pytest.param(False, id="row-by-row")]


def _row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "fts_phrase", lambda word: None)


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if not request.param:
        _row_by_row(monkeypatch)
    return request.param


def _ids(session: Session, agent: Agent, q: str) -> list[int]:
    return sorted(r.id for r in list_page(session, agent, InboxQuery(view="open", q=q)).rows)


@pytest.fixture
def lamp(session: Session) -> Ticket:
    customer = factories.make_customer(session, display_name="Jana Nowak")
    ticket = factories.make_ticket(session, subject="Lampe kaputt", customer=customer, order_ref="302-1112223-4445556")
    factories.make_message(session, ticket, body_text="Die Lampe kam zerbrochen an. 灯罩碎了，我要退款")
    factories.make_ticket(session, subject="Rechnung", customer=factories.make_customer(session, display_name="Max Weber"))
    return ticket


@pytest.mark.parametrize("q", ["kaputt", "KAPUTT", "Jana", "nowak", "302-111", "4445556", "zerbrochen", "Lampe zerbrochen",
                               "Jana 302-1112223 zerbrochen", "碎了", "灯罩碎", "退款"])
def test_each_word_is_found_in_any_field(session: Session, agent: Agent, lamp: Ticket, path: bool, q: str) -> None:
    assert _ids(session, agent, q) == [lamp.id]


@pytest.mark.parametrize("q", ["zerbrochen Weber", "Lampe Rechnung", "kaputtt", "4445557", "ab", "%", "_", "灯泡",
                               "kaputt-302", "4445556-Jana", "Nowak-Die"])  # the last three span two fields
def test_a_word_found_nowhere_in_the_ticket_excludes_it(session: Session, agent: Agent, lamp: Ticket, path: bool,
                                                       q: str) -> None:
    assert _ids(session, agent, q) == []


@pytest.mark.parametrize("q", ['"', '""', 'kaputt" OR "Rechnung', "NEAR(kaputt Lampe)", "zer*brochen", "Lampe AND NOT",
                               "subject:kaputt", "{{7*7}}", "'; DROP TABLE tickets; --"])
def test_search_syntax_in_a_query_means_nothing(session: Session, agent: Agent, lamp: Ticket, path: bool,
                                                q: str) -> None:
    assert _ids(session, agent, q) == []
    assert session.scalar(select(Ticket.id).where(Ticket.id == lamp.id)) == lamp.id


def test_index_and_row_by_row_agree_on_many_tickets(session: Session, agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    words = ["parcel", "Paket", "colis", "refund", "kaputt", "größe", "包裹", "没收到", "late", "wrong"]
    channel = factories.make_channel(session)
    for i in range(40):
        customer = factories.make_customer(session, display_name=f"Buyer {words[i % 7]} {i}")
        ticket = factories.make_ticket(session, channel=channel, customer=customer, subject=f"{words[i % 3]} case {i}",
                                       order_ref=f"ORD-{i:05d}")
        for j in range(i % 4):
            factories.make_message(session, ticket, body_text=f"{words[(i + j) % 10]} and {words[(i * j) % 10]}")
    queries = ["parcel", "kaputt refund", "包裹", "没收到", "Buyer 1", "ORD-0001", "case 3", "Paket wrong", "größe", "late ORD"]
    indexed = {q: _ids(session, agent, q) for q in queries}
    _row_by_row(monkeypatch)
    scanned = {q: _ids(session, agent, q) for q in queries}
    assert indexed == scanned
    assert all(scanned.values())


def test_words_beyond_the_eighth_are_ignored() -> None:
    assert search.words("a b c d e f g h i j a") == ["a", "b", "c", "d", "e", "f", "g", "h"]


def _check_sqlite_index(session: Session) -> None:
    """On SQLite, the FTS5 tables agree with their content (PostgreSQL's trigram indexes need no check)."""
    if session.get_bind().dialect.name == "sqlite":
        for name in search.FTS_TABLES:
            session.execute(text(f"INSERT INTO {name}({name}) VALUES ('integrity-check')"))
        # Every ticket has one document, holding the words its source (subject, order, buyer, messages) holds now.
        indexed = {rowid: sorted(body.split()) for rowid, body in session.execute(text("SELECT rowid, body FROM ticket_text"))}
        source = {tid: sorted(body.split()) for tid, body in session.execute(text(f"SELECT ticket_id, body FROM {search.FTS_VIEW}"))}
        assert indexed == source


@pytest.fixture
def sqlite_session(tmp_path: Path) -> Iterator[Session]:
    """A session on a migrated SQLite file, whatever database the suite runs on (the FTS5 index is SQLite's)."""
    engine = make_engine(make_url(f"sqlite:///{tmp_path / 'search.db'}"))
    schema.upgrade(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_index_follows_edits_deletes_and_renames(session: Session, agent: Agent, lamp: Ticket) -> None:
    message = session.scalars(select(Message).where(Message.ticket_id == lamp.id)).one()
    message.body_text = "Die Glühbirne ist durchgebrannt"
    lamp.subject = "Birne defekt"
    lamp.customer.display_name = "Jana Kowalska"
    session.commit()
    assert _ids(session, agent, "zerbrochen") == [] and _ids(session, agent, "durchgebrannt") == [lamp.id]
    assert _ids(session, agent, "Lampe") == [] and _ids(session, agent, "Birne") == [lamp.id]
    assert _ids(session, agent, "Nowak") == [] and _ids(session, agent, "Kowalska") == [lamp.id]
    session.delete(message)
    session.commit()
    assert _ids(session, agent, "durchgebrannt") == []
    other = factories.make_ticket(session, subject="Vase")
    factories.make_message(session, other, body_text="Scherbenhaufen")
    session.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": other.id})  # its messages go by cascade
    session.commit()
    assert _ids(session, agent, "Scherbenhaufen") == []
    if session.get_bind().dialect.name == "sqlite":
        assert session.scalar(text("SELECT count(*) FROM ticket_text WHERE ticket_text MATCH 'scherbenhaufen'")) == 0
    _check_sqlite_index(session)


def test_index_follows_a_moved_message_and_a_renamed_buyer_of_two_tickets(session: Session, agent: Agent,
                                                                           lamp: Ticket) -> None:
    second = factories.make_ticket(session, subject="Tischbein", customer=lamp.customer)
    message = session.scalars(select(Message).where(Message.ticket_id == lamp.id)).one()
    message.ticket_id = second.id  # an agent moves the message to the buyer's other ticket
    session.commit()
    assert _ids(session, agent, "zerbrochen") == [second.id]
    lamp.customer.display_name = "Jana Zielinska"
    session.commit()
    assert _ids(session, agent, "Zielinska") == sorted([lamp.id, second.id]) and _ids(session, agent, "Nowak") == []
    _check_sqlite_index(session)


def test_index_folds_accents_and_matches_the_start_of_words(sqlite_session: Session) -> None:
    agent = factories.make_agent(sqlite_session)
    ticket = factories.make_ticket(sqlite_session, subject="Lampe")
    factories.make_message(sqlite_session, ticket, body_text="Die Glühbirne kam zerbrochen an und wurde zurückerstattet")
    assert _ids(sqlite_session, agent, "gluhbirne") == [ticket.id]
    assert _ids(sqlite_session, agent, "ZURÜCKERST") == [ticket.id]
    assert _ids(sqlite_session, agent, "rbrochen") == []  # the index matches words from their start
    _check_sqlite_index(sqlite_session)


def test_rows_written_by_a_multi_row_insert_are_indexed(session: Session, agent: Agent) -> None:
    """Ingest writes messages with one Core INSERT of many rows; the triggers index each."""
    ticket = factories.make_ticket(session)
    now = utcnow()
    session.execute(insert(Message), [
        dict(ticket_id=ticket.id, channel_id=ticket.channel_id, direction=Direction.INBOUND, author_kind=AuthorKind.BUYER,
             body_text=f"bulk message {word}", sent_at=now - timedelta(minutes=i), external_id=f"bulk-{i}")
        for i, word in enumerate(("Sendungsverfolgung", "Zollgebühren", "Abholstation"))
    ])
    session.commit()
    assert _ids(session, agent, "Zollgebühren") == [ticket.id]
    _check_sqlite_index(session)


def test_schema_has_the_search_index_at_head(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        triggers = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        assert {f"ticket_text_{table}_{event}" for table, event in (
            ("ticket", "ai"), ("ticket", "au"), ("ticket", "ad"), ("message", "ai"), ("message", "au"), ("message", "ad"),
            ("customer", "au"))} <= triggers
    else:
        indexes = {i["name"] for table in ("messages", "tickets", "customers") for i in inspect(bind).get_indexes(table)}
        assert set(search.TRGM_INDEXES) <= indexes


def test_search_objects_are_kept_out_of_the_model_comparison() -> None:
    assert search.is_search_object("ticket_text_data", "table")
    assert search.is_search_object("ticket_text_source", "table")
    assert search.is_search_object("ix_messages_body_trgm", "index")
    assert not search.is_search_object("messages", "table")
    assert not search.include_object(None, "ticket_text_idx", "table", True, None)
    assert search.include_object(Customer.__table__, "customers", "table", False, None)


def test_downgrading_to_0005_and_back_keeps_the_index(tmp_path: Path) -> None:
    """0006 replaces 0005's per-field indexes by one document per ticket; either way the words stay found."""
    engine = make_engine(make_url(f"sqlite:///{tmp_path / 'roundtrip.db'}"))
    schema.upgrade(engine)
    with Session(engine) as session:
        ticket = factories.make_ticket(session, subject="Lampe")
        factories.make_message(session, ticket, body_text="Die Glühbirne ist durchgebrannt")
        ticket_id = ticket.id
    schema.downgrade(engine, "0005")
    with engine.connect() as conn:
        found = conn.execute(text("SELECT rowid >> 32 FROM message_search WHERE message_search MATCH 'gluhbirne'")).scalars()
        assert list(found) == [ticket_id]
        assert conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'ticket_text%'")) == 0
    schema.upgrade(engine)
    with Session(engine) as session:
        assert _ids(session, factories.make_agent(session), "Glühbirne Lampe") == [ticket_id]
        _check_sqlite_index(session)
    engine.dispose()
