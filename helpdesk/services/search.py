"""Full-text search over tickets: subject, order id, buyer name and every message's text.

Every word of a query must be found somewhere in the ticket (any of those fields, any message).

- SQLite: FTS5 word indexes (unicode61, case and accents folded) kept current by triggers
  (migration 0005). A query word is matched as the start of a word, so "refund" finds
  "refunded" and "302-111" finds the order "302-1112223-4445556". Each word's tickets come
  from the indexes alone (a message's index key carries its ticket id), so a common word costs
  a read of its index entries, not a scan of the messages.
- Words in scripts written without spaces (Chinese, Japanese, Thai, ...) and words under three
  characters are checked row by row as substrings: the word index cannot find them inside a
  longer run of text. Next to an indexed word they are checked on its tickets only; alone, they
  scan the list.
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
    intersect,
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


def _matching(name: str, phrase: str, key: Any = None) -> Any:
    """SELECT <key, default rowid> AS ticket_id FROM <fts table> WHERE <fts table> MATCH :phrase."""
    fts = table(name, column("rowid"))
    picked = fts.c.rowid if key is None else key(fts.c.rowid)
    return select(picked.label("ticket_id")).where(literal_column(name).op("MATCH")(phrase))


def fts_tickets(phrase: str) -> Any:
    """A SELECT of the ids of tickets matching an FTS5 phrase, read from the SQLite FTS5 indexes."""
    return union(
        _matching("message_search", phrase, key=lambda rowid: rowid.op(">>")(32)),
        _matching("ticket_search", phrase),
        select(Ticket.id.label("ticket_id")).where(Ticket.customer_id.in_(_matching("customer_search", phrase))),
    )


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
            indexed.append(fts_tickets(phrase))
        else:
            scanned.append(like_clause(word))
    hits = None
    if len(indexed) == 1:
        hits = indexed[0].subquery("hits")
    elif indexed:
        hits = intersect(*(select(s.subquery().c.ticket_id) for s in indexed)).subquery("hits")
    return Search(hits=hits, clause=and_(*scanned) if scanned else true())


__all__ = ["FTS_TABLES", "TRGM_INDEXES", "Search", "include_object", "is_search_object", "plan", "words"]
