"""Full-text search over tickets: subject, order id, buyer name and every message's text.

Every word of a query must be found somewhere in the ticket (any of those fields, any message).

- SQLite: FTS5 word indexes (unicode61, case and accents folded) kept current by triggers
  (migration 0005). A query word is matched as the start of a word, so "refund" finds
  "refunded" and "302-111" finds the order "302-1112223-4445556". A word with few matches is
  looked up in the index and its tickets become the candidate set; a word so common that its
  tickets are dense in every list is checked row by row (as a substring) while the list is read
  in its sort order, which fills a page after a few rows. The switch is made per word, on a count
  of the index's matches capped at `DENSE_MATCHES`.
- Words in scripts written without spaces (Chinese, Japanese, Thai, ...) and words under three
  characters are checked row by row as substrings: the word index cannot find them inside a
  longer run of text.
- PostgreSQL: pg_trgm GIN indexes on the lower-cased columns serve substring LIKE clauses, and
  the planner chooses between index and scan itself.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
    union,
)
from sqlalchemy.orm import Session

from helpdesk.models import Customer, Message, Ticket

MAX_WORDS = 8
# Above this many index matches a word is treated as common (see the module's docstring).
DENSE_MATCHES = 5_000
# The FTS5 tables (and their shadow tables), which the models do not describe.
FTS_TABLES = ("message_search", "ticket_search", "customer_search")
# The PostgreSQL trigram indexes, which are expression indexes outside the models.
TRGM_INDEXES = ("ix_messages_body_trgm", "ix_tickets_subject_trgm", "ix_tickets_order_ref_trgm", "ix_customers_name_trgm")


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the search index's own tables and indexes (kept out of Alembic's model comparison)."""
    if not name:
        return False
    if type_ == "table":
        return any(name == t or name.startswith(f"{t}_") for t in FTS_TABLES)
    if type_ == "index":
        return name in TRGM_INDEXES
    return False


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's include_object hook: everything but the search index's own objects."""
    return not (reflected and compare_to is None and is_search_object(name, type_))


def words(q: str) -> list[str]:
    """The query's words (at most MAX_WORDS, duplicates dropped, in order)."""
    seen: dict[str, None] = {}
    for word in q.split():
        seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def like_clause(word: str) -> ColumnElement[bool]:
    """The word in the ticket's subject, order id, buyer name or any message (needs Customer joined)."""
    pattern = _like(word)
    in_messages = exists(select(Message.id).where(Message.ticket_id == Ticket.id,
                                                  func.lower(Message.body_text).like(pattern, escape="\\")))
    return or_(func.lower(Ticket.subject).like(pattern, escape="\\"),
               func.lower(Customer.display_name).like(pattern, escape="\\"),
               func.lower(Ticket.order_ref).like(pattern, escape="\\"), in_messages)


_TOKEN = re.compile(r"[^\W_]+")
# Scripts written without spaces between words: the word index holds whole runs of them.
_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def fts_phrase(word: str) -> str | None:
    """The word as an FTS5 phrase whose last token is a prefix (`"302 111" *`), or None when the
    word index cannot answer it (no letters or digits, too short, or an unspaced script)."""
    tokens = _TOKEN.findall(word)
    if not tokens or len(word) < 3 or _UNSPACED.search(word):
        return None
    return '"' + " ".join(tokens) + '" *'


def _matching(name: str, phrase: str, limit: int | None = None) -> Any:
    """SELECT rowid FROM <fts table> WHERE <fts table> MATCH :phrase [LIMIT n]."""
    fts = table(name, column("rowid"))
    stmt = select(fts.c.rowid).where(literal_column(name).op("MATCH")(phrase))
    return stmt.limit(limit) if limit else stmt


def _fts_count(session: Session, phrase: str, cap: int) -> int:
    """Matches of a phrase over the three indexes, counted up to `cap` each."""
    total = 0
    for name in FTS_TABLES:
        total += session.scalar(select(func.count()).select_from(_matching(name, phrase, cap).subquery())) or 0
    return total


def fts_tickets(phrase: str) -> Any:
    """A SELECT of the ids of tickets matching an FTS5 phrase, read from the SQLite FTS5 indexes."""
    return union(
        select(Message.ticket_id).where(Message.id.in_(_matching("message_search", phrase))),
        _matching("ticket_search", phrase),
        select(Ticket.id).where(Ticket.customer_id.in_(_matching("customer_search", phrase))),
    )


def search_clause(session: Session, q: str) -> ColumnElement[bool]:
    """Tickets containing every word of `q` (the statement must join Customer on the ticket)."""
    clauses = []
    sqlite = session.get_bind().dialect.name == "sqlite"
    for word in words(q):
        phrase = fts_phrase(word) if sqlite else None
        if phrase and _fts_count(session, phrase, DENSE_MATCHES) < DENSE_MATCHES:
            clauses.append(Ticket.id.in_(fts_tickets(phrase)))
        else:
            clauses.append(like_clause(word))
    return and_(*clauses) if clauses else true()


__all__ = ["DENSE_MATCHES", "FTS_TABLES", "TRGM_INDEXES", "include_object", "is_search_object", "search_clause", "words"]
