"""one search document per ticket, so the word index intersects a query's words itself

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:40:00

SQLite only. Migration 0005 indexed every message, subject and buyer name on its own, so a query
of several words had to collect each word's tickets and intersect the sets in SQL: for words
found in half the tickets that meant reading and sorting hundreds of thousands of ids.

Now each ticket has one FTS5 row (ticket_text, rowid = ticket id) holding its subject, order id,
buyer name and every message's text, and a query of several words is a single MATCH whose
posting lists FTS5 intersects. ticket_text keeps its own copy of the text, so triggers can
append a new message (UPDATE ... SET body = body || ...) and FTS5 removes the old row's words
itself. ticket_text_source is the view that builds a ticket's document from the base tables; the
triggers use it whenever an edit is not an append (a message edited, moved or deleted, a ticket's
subject, order or buyer changed, a buyer renamed).

Note for later migrations: SQLite batch mode ("move and copy") fails on messages, tickets and
customers while the view exists (SQLite checks every view when it renames the copy back), and it
drops a table's triggers with the old table. A migration that batch-alters one of them must drop
the view and the triggers first and create them again after, with the same statements as below
(tests/test_search.py::test_schema_has_the_search_index_at_head checks they exist at head).
Writes by INSERT OR REPLACE on these tables would bypass the delete triggers; the app uses none.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
_SOURCE = """CREATE VIEW ticket_text_source(ticket_id, body) AS
SELECT t.id,
       coalesce(t.subject, '') || ' ' || coalesce(t.order_ref, '') || ' '
       || coalesce((SELECT c.display_name FROM customers c WHERE c.id = t.customer_id), '')
       || coalesce((SELECT ' ' || group_concat(m.body_text, ' ')
                    FROM (SELECT body_text FROM messages WHERE ticket_id = t.id ORDER BY id) m), '')
FROM tickets t"""


def _rebuilt(ticket_id: str) -> str:
    return f"UPDATE ticket_text SET body = (SELECT body FROM ticket_text_source WHERE ticket_id = {ticket_id}) " \
           f"WHERE rowid = {ticket_id};"


_TRIGGERS = {
    "ticket_text_ticket_ai": "AFTER INSERT ON tickets BEGIN "
    "INSERT INTO ticket_text(rowid, body) SELECT ticket_id, body FROM ticket_text_source WHERE ticket_id = new.id; END",
    "ticket_text_ticket_au": "AFTER UPDATE OF subject, order_ref, customer_id ON tickets BEGIN "
    f"{_rebuilt('new.id')} END",
    "ticket_text_ticket_ad": "AFTER DELETE ON tickets BEGIN DELETE FROM ticket_text WHERE rowid = old.id; END",
    # The common case, a new message, appends to the document instead of rebuilding it.
    "ticket_text_message_ai": "AFTER INSERT ON messages BEGIN "
    "UPDATE ticket_text SET body = body || ' ' || coalesce(new.body_text, '') WHERE rowid = new.ticket_id; END",
    "ticket_text_message_au": "AFTER UPDATE OF body_text, ticket_id ON messages BEGIN "
    f"{_rebuilt('old.ticket_id')} {_rebuilt('new.ticket_id')} END",
    "ticket_text_message_ad": f"AFTER DELETE ON messages BEGIN {_rebuilt('old.ticket_id')} END",
    "ticket_text_customer_au": "AFTER UPDATE OF display_name ON customers BEGIN "
    "UPDATE ticket_text SET body = (SELECT s.body FROM ticket_text_source s WHERE s.ticket_id = ticket_text.rowid) "
    "WHERE rowid IN (SELECT id FROM tickets WHERE customer_id = new.id); END",
}
_OLD = ("message_search", "ticket_search", "customer_search")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts in _OLD:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
    op.execute(_SOURCE)
    op.execute(f"CREATE VIRTUAL TABLE ticket_text USING fts5(body, {_TOKENIZE})")
    op.execute("INSERT INTO ticket_text(rowid, body) SELECT ticket_id, body FROM ticket_text_source")
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS ticket_text")
    op.execute("DROP VIEW IF EXISTS ticket_text_source")
    _recreate_0005()


def _recreate_0005() -> None:
    """Migration 0005's per-field indexes, built by that migration's own code."""
    spec = importlib.util.spec_from_file_location("migration_0005", Path(__file__).with_name("0005_search_index.py"))
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    previous._sqlite_upgrade()
