"""Full-text search over tickets: subject, order id, buyer name and every message's text.

Every word of a query must be found somewhere in the ticket (any of those fields, any message).

- SQLite: one FTS5 document per ticket (ticket_text, rowid = ticket id; unicode61, case and
  accents folded) holding its subject, order id, buyer name and messages, kept current by
  triggers (migration 0006). A query word is matched as the start of a word, so "refund" finds
  "refunded" and "302-111" finds the order "302-1112223-4445556"; the words are one MATCH, so
  FTS5 intersects their posting lists itself and a query of common words costs a read of those
  lists, not a set operation over every ticket that holds one of them.
- Words in scripts written without spaces between words (Chinese, Japanese, Thai, ...) and
  words under three characters are checked row by row as substrings: the word index cannot
  find them inside a longer run of text. Next to an indexed word they are checked on its
  tickets only; alone, they scan the list.
- PostgreSQL: pg_trgm GIN indexes on the lower-cased columns serve substring LIKE clauses, and
  the planner chooses between index and scan itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
)
from sqlalchemy.orm import Session

from helpdesk.models import Customer, Message, Ticket

MAX_WORDS = 8
# The FTS5 table (and its shadow tables) and the view it is built from, which the models do not describe.
FTS_TABLES = ("ticket_text",)
FTS_VIEW = "ticket_text_source"
# The PostgreSQL trigram indexes, which are expression indexes outside the models.
TRGM_INDEXES = ("ix_messages_body_trgm", "ix_tickets_subject_trgm", "ix_tickets_order_ref_trgm", "ix_customers_name_trgm")


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the search index's own tables and indexes (kept out of Alembic's model comparison)."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_VIEW or any(name == t or name.startswith(f"{t}_") for t in FTS_TABLES)
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


def fts_tickets(phrases: list[str]) -> Any:
    """A SELECT of the ids of tickets whose document holds every FTS5 phrase (SQLite)."""
    fts = table("ticket_text", column("rowid"))
    return select(fts.c.rowid.label("ticket_id")).where(literal_column("ticket_text").op("MATCH")(" AND ".join(phrases)))


@dataclass(frozen=True)
class Search:
    """A query split into what the word index answers and what is checked row by row.

    `hits` (or None): the ids of tickets holding every indexed word, as a subquery to join the
    tickets to, so the plan starts from the index's answer whatever the table statistics say;
    `clause`: the row-by-row conditions (the statement must join Customer on the ticket).
    """

    hits: Any
    clause: ColumnElement[bool]


def plan(session: Session, q: str) -> Search:
    """How to answer `q` on this session's database."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    indexed, scanned = [], []
    for word in words(q):
        phrase = fts_phrase(word) if sqlite else None
        if phrase:
            indexed.append(phrase)
        if not phrase or len(_TOKEN.findall(word)) > 1:
            # A word of several tokens ("kaputt-302") must also be one field's substring: the document
            # joins the fields, so the phrase alone could span the subject and the order id.
            scanned.append(like_clause(word))
    hits = fts_tickets(indexed).subquery("hits") if indexed else None
    return Search(hits=hits, clause=and_(*scanned) if scanned else true())


__all__ = ["FTS_TABLES", "FTS_VIEW", "TRGM_INDEXES", "Search", "include_object", "is_search_object", "plan", "words"]
