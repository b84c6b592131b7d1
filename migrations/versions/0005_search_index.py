"""full-text search index, and indexes for the facet counts and the priority sort

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:40:00

SQLite: FTS5 tables with the unicode61 tokenizer (words, case and accents folded), kept current
by triggers on the base tables, so every writer (ORM, Core multi-row INSERT, raw SQL) feeds them:
- message_search: messages.body_text, contentless, its rowid = ticket_id * 2**32 + message id, so a
  match yields its ticket (rowid >> 32) without reading the messages table;
- ticket_search: tickets.subject and tickets.order_ref (external content, rowid = ticket id);
- customer_search: customers.display_name (external content, rowid = customer id).

PostgreSQL: pg_trgm GIN indexes on the same lower-cased columns, which LIKE '%word%' uses.

Note for later migrations: SQLite batch mode ("move and copy") drops a table's triggers with
the old table; a migration that batch-alters messages, tickets or customers must re-create the
triggers below (tests/test_schema.py checks they exist and the index is intact at head).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (fts table, base table, indexed columns) with external content: the text is read from the base table.
_FTS = (
    ("ticket_search", "tickets", ("subject", "order_ref")),
    ("customer_search", "customers", ("display_name",)),
)
_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
_TRGM = (
    ("ix_messages_body_trgm", "messages", "body_text"),
    ("ix_tickets_subject_trgm", "tickets", "subject"),
    ("ix_tickets_order_ref_trgm", "tickets", "order_ref"),
    ("ix_customers_name_trgm", "customers", "display_name"),
)


def _sqlite_upgrade() -> None:
    for fts, base, columns in _FTS:
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{base}', content_rowid='id', {_TOKENIZE})")
        op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {base} BEGIN "
                   f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END")
        op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {base} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END")
        op.execute(f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {base} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
                   f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END")
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    # Messages: contentless (the text stays in messages only); a row's key carries its ticket.
    key_new, key_old = "new.ticket_id * 4294967296 + new.id", "old.ticket_id * 4294967296 + old.id"
    op.execute(f"CREATE VIRTUAL TABLE message_search USING fts5(body_text, content='', {_TOKENIZE})")
    op.execute("CREATE TRIGGER message_search_ai AFTER INSERT ON messages BEGIN "
               f"INSERT INTO message_search(rowid, body_text) VALUES ({key_new}, new.body_text); END")
    op.execute("CREATE TRIGGER message_search_ad AFTER DELETE ON messages BEGIN "
               f"INSERT INTO message_search(message_search, rowid, body_text) VALUES ('delete', {key_old}, old.body_text); END")
    op.execute("CREATE TRIGGER message_search_au AFTER UPDATE OF body_text, ticket_id ON messages BEGIN "
               f"INSERT INTO message_search(message_search, rowid, body_text) VALUES ('delete', {key_old}, old.body_text); "
               f"INSERT INTO message_search(rowid, body_text) VALUES ({key_new}, new.body_text); END")
    op.execute("INSERT INTO message_search(rowid, body_text) SELECT ticket_id * 4294967296 + id, body_text FROM messages")


def _postgresql_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The operator class lives in the extension's schema, which need not be on the search path.
    where = op.get_bind().scalar(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"))
    opclass = f'"{where}".gin_trgm_ops'
    for name, table, column in _TRGM:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin (lower({column}) {opclass})")


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_status_facets', ['status', 'channel_id', 'language', 'intent'], unique=False)
        batch_op.create_index('ix_tickets_status_priority_due', ['status', 'priority', 'sla_due_at'], unique=False)
        batch_op.create_index('ix_tickets_view_counts', ['status', 'assignee_id', 'sla_state', 'escalated', 'channel_id'],
                              unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for fts in ("message_search", *(f for f, _, _ in _FTS)):
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif dialect == "postgresql":
        for name, _, _ in _TRGM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_view_counts')
        batch_op.drop_index('ix_tickets_status_priority_due')
        batch_op.drop_index('ix_tickets_status_facets')
