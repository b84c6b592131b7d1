"""Reading the inbox: views with counts, filters, search, sort orders and keyset pages."""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from helpdesk.models import (
    Agent,
    Channel,
    Customer,
    Direction,
    Message,
    Role,
    SlaState,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from helpdesk.services import search
from helpdesk.services.access import ticket_filter

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
VIEWS = ("mine", "unassigned", "open", "at_risk", "escalated", "pending", "solved")
SORTS = ("sla", "activity", "priority")
FACETS = ("platform", "channel", "language", "intent")
PAGE_SIZE = 50
MAX_QUERY_CHARS = 200
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)
_PRIORITY_RANK = {TicketPriority.URGENT: 0, TicketPriority.HIGH: 1, TicketPriority.NORMAL: 2, TicketPriority.LOW: 3}


class InboxQueryError(ValueError):
    """An inbox query that cannot be run (unknown view, bad cursor)."""


@dataclass(frozen=True)
class InboxQuery:
    """Which tickets to list: a view, filters that combine, a search, a sort and a page cursor."""

    view: str = "open"
    platform: str | None = None
    channel_id: int | None = None
    language: str | None = None
    intent: str | None = None
    q: str = ""
    sort: str = "sla"
    after: str | None = None
    limit: int = PAGE_SIZE

    @classmethod
    def from_args(cls, args: Any) -> InboxQuery:
        """Parse request arguments, refusing unknown views and sorts."""
        view, sort = args.get("view") or "open", args.get("sort") or "sla"
        if view not in VIEWS or sort not in SORTS:
            raise InboxQueryError("unknown view or sort")
        channel = args.get("channel") or None
        if channel is not None and not str(channel).isdigit():
            raise InboxQueryError("bad channel")
        return cls(view=view, platform=args.get("platform") or None, channel_id=int(channel) if channel else None,
                   language=args.get("language") or None, intent=args.get("intent") or None,
                   q=(args.get("q") or "").strip()[:MAX_QUERY_CHARS], sort=sort, after=args.get("after") or None)

    def filters(self) -> dict[str, str]:
        """The active filters, as URL arguments (for links that keep them)."""
        out = {"view": self.view, "sort": self.sort, "platform": self.platform, "language": self.language,
               "intent": self.intent, "q": self.q or None, "channel": str(self.channel_id) if self.channel_id else None}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox."""

    id: int
    subject: str
    status: TicketStatus
    priority: TicketPriority
    platform: str
    channel_id: int
    channel_name: str
    customer_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    language: str | None
    intent: str | None
    order_ref: str | None
    first_line: str
    escalated: bool
    sla_state: SlaState
    last_activity_at: datetime
    sla_due_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready row (buyer text as plain strings: the browser sets it as textContent)."""
        return {
            "id": self.id, "subject": self.subject, "status": self.status.value, "priority": self.priority.value,
            "platform": self.platform, "channel_id": self.channel_id, "channel_name": self.channel_name,
            "customer_name": self.customer_name, "assignee_id": self.assignee_id, "assignee_name": self.assignee_name,
            "language": self.language, "intent": self.intent, "order_ref": self.order_ref, "first_line": self.first_line,
            "escalated": self.escalated, "sla_state": self.sla_state.value,
            "last_activity_at": self.last_activity_at.isoformat(),
            "sla_due_at": self.sla_due_at.isoformat() if self.sla_due_at else None,
        }


@dataclass
class InboxPage:
    """One page of rows and the cursor of the next page (None on the last)."""

    rows: list[InboxRow] = field(default_factory=list)
    next_cursor: str | None = None


def _first_line() -> Any:
    latest = (
        select(func.substr(Message.body_text, 1, 200))
        .where(Message.ticket_id == Ticket.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id.desc()).limit(1).correlate(Ticket).scalar_subquery()
    )
    return latest


def _columns() -> list[Any]:
    return [
        Ticket.id, Ticket.subject, Ticket.status, Ticket.priority, Channel.platform, Ticket.channel_id, Channel.name,
        Customer.display_name, Ticket.assignee_id, Agent.name, Ticket.language, Ticket.intent, Ticket.order_ref,
        _first_line(), Ticket.escalated, Ticket.sla_state, Ticket.last_activity_at, Ticket.sla_due_at,
    ]


def _row(r: Any) -> InboxRow:
    first = next((line.strip() for line in (r[13] or "").splitlines() if line.strip()), "")
    return InboxRow(id=r[0], subject=r[1], status=r[2], priority=r[3], platform=r[4].value, channel_id=r[5],
                    channel_name=r[6], customer_name=r[7], assignee_id=r[8], assignee_name=r[9], language=r[10],
                    intent=r[11], order_ref=r[12], first_line=first[:160], escalated=r[14], sla_state=r[15],
                    last_activity_at=r[16], sla_due_at=r[17])


def view_clause(view: str, agent: Agent) -> ColumnElement[bool]:
    """The WHERE clause of a view."""
    open_ = Ticket.status.in_(OPEN_STATUSES)
    clauses: dict[str, ColumnElement[bool]] = {
        "mine": and_(open_, Ticket.assignee_id == agent.id),
        "unassigned": and_(open_, Ticket.assignee_id.is_(None)),
        "open": open_,
        "at_risk": and_(open_, Ticket.sla_state.in_((SlaState.AT_RISK, SlaState.BREACHED))),
        "escalated": and_(open_, Ticket.escalated.is_(True)),
        "pending": Ticket.status == TicketStatus.PENDING,
        "solved": Ticket.status.in_((TicketStatus.SOLVED, TicketStatus.CLOSED)),
    }
    if view not in clauses:
        raise InboxQueryError(f"unknown view {view!r}")
    return clauses[view]


def _sort_keys(sort: str) -> list[tuple[Any, bool]]:
    """(expression, descending) pairs; every key is non-null so keyset comparisons are exact."""
    if sort == "activity":
        return [(Ticket.last_activity_at, True), (Ticket.id, True)]
    if sort == "priority":
        rank = case(*((Ticket.priority == p, r) for p, r in _PRIORITY_RANK.items()), else_=2)
        return [(rank, False), (func.coalesce(Ticket.sla_due_at, literal(_NEVER, Ticket.sla_due_at.type)), False),
                (Ticket.id, False)]
    return [(func.coalesce(Ticket.sla_due_at, literal(_NEVER, Ticket.sla_due_at.type)), False), (Ticket.id, False)]


def _cursor_values(sort: str, row: InboxRow) -> list[Any]:
    due = (row.sla_due_at or _NEVER).isoformat()
    if sort == "activity":
        return [row.last_activity_at.isoformat(), row.id]
    if sort == "priority":
        return [_PRIORITY_RANK.get(row.priority, 2), due, row.id]
    return [due, row.id]


def encode_cursor(sort: str, row: InboxRow) -> str:
    """An opaque cursor pointing just after `row` in `sort` order."""
    return base64.urlsafe_b64encode(json.dumps([sort, *_cursor_values(sort, row)]).encode()).decode().rstrip("=")


def _decode_cursor(sort: str, cursor: str) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or raw[0] != sort or len(raw) != len(_sort_keys(sort)) + 1:
            raise ValueError
        values: list[Any] = []
        for value in raw[1:]:
            if isinstance(value, str):
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise ValueError
            elif not isinstance(value, int):
                raise ValueError
            values.append(value)
        return values
    except (ValueError, TypeError, IndexError, json.JSONDecodeError) as exc:
        raise InboxQueryError("bad cursor") from exc


def _after(keys: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (a row-value comparison, spelled out)."""
    ors = []
    for i, (expr, desc) in enumerate(keys):
        equal = [k == v for (k, _), v in zip(keys[:i], values[:i], strict=True)]
        ors.append(and_(*equal, expr < values[i] if desc else expr > values[i]))
    return or_(*ors)


def _filtered(session: Session, stmt: Any, query: InboxQuery) -> Any:
    if query.platform:
        stmt = stmt.where(Ticket.channel_id.in_(select(Channel.id).where(Channel.platform == query.platform)))
    if query.channel_id:
        stmt = stmt.where(Ticket.channel_id == query.channel_id)
    if query.language:
        stmt = stmt.where(Ticket.language == query.language)
    if query.intent:
        stmt = stmt.where(Ticket.intent == query.intent)
    if query.q:
        found = search.plan(session, query.q)
        if found.hits is not None:  # start from the index's answer, then read those tickets
            stmt = stmt.select_from(found.hits).join(Ticket, Ticket.id == found.hits.c.ticket_id)
        stmt = stmt.join(Customer, Customer.id == Ticket.customer_id).where(found.clause)
    return stmt


def _rows_by_id(session: Session, ids: list[int]) -> dict[int, InboxRow]:
    if not ids:
        return {}
    stmt = (
        select(*_columns())
        .join(Channel, Channel.id == Ticket.channel_id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Agent, Agent.id == Ticket.assignee_id)
        .where(Ticket.id.in_(ids))
    )
    return {row.id: row for row in (_row(r) for r in session.execute(stmt))}


def list_page(session: Session, agent: Agent, query: InboxQuery) -> InboxPage:
    """One page of the inbox for an agent, in the query's sort order, after its cursor.

    Two steps: the page's ids from the tickets table alone (its indexes, no joins), then the
    rows' details for those ids only.
    """
    keys = _sort_keys(query.sort)
    stmt = select(Ticket.id).where(ticket_filter(session, agent), view_clause(query.view, agent))
    stmt = _filtered(session, stmt, query)
    if query.after:
        stmt = stmt.where(_after(keys, _decode_cursor(query.sort, query.after)))
    stmt = stmt.order_by(*(k.desc() if desc else k.asc() for k, desc in keys)).limit(query.limit + 1)
    ids = list(session.scalars(stmt))
    by_id = _rows_by_id(session, ids[: query.limit])
    page = InboxPage(rows=[by_id[i] for i in ids[: query.limit] if i in by_id])
    if len(ids) > query.limit and page.rows:
        page.next_cursor = encode_cursor(query.sort, page.rows[-1])
    return page


def list_tickets(session: Session, *, agent: Agent | None = None, limit: int = PAGE_SIZE) -> list[InboxRow]:
    """Open tickets, the soonest SLA due first (an unrestricted view when no agent is given)."""
    viewer = agent or Agent(id=0, role=Role.ADMIN)
    return list_page(session, viewer, InboxQuery(limit=limit)).rows


def inbox_row(session: Session, ticket_id: int) -> InboxRow | None:
    """One ticket as an inbox row, whatever its status (for live updates)."""
    stmt = (
        select(*_columns())
        .join(Channel, Channel.id == Ticket.channel_id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Agent, Agent.id == Ticket.assignee_id)
        .where(Ticket.id == ticket_id)
    )
    r = session.execute(stmt).first()
    return _row(r) if r is not None else None


def view_counts(session: Session, agent: Agent) -> dict[str, int]:
    """How many tickets each view holds for this agent, in one query."""
    visible = ticket_filter(session, agent)
    columns = [func.count(case((view_clause(v, agent), 1))).label(v) for v in VIEWS]
    row = session.execute(select(*columns).select_from(Ticket).where(visible)).one()
    return dict(zip(VIEWS, row, strict=True))


def facet_counts(session: Session, agent: Agent) -> dict[str, list[tuple[str, str, int]]]:
    """Open tickets by platform, channel, language and intent: (value, label, count), largest first.

    One pass over an index holding exactly these columns (ix_tickets_status_facets), grouped by
    channel, language and intent together; the four facets are added up from those groups.
    """
    visible = and_(ticket_filter(session, agent), Ticket.status.in_(OPEN_STATUSES))
    groups = session.execute(select(Ticket.channel_id, Ticket.language, Ticket.intent, func.count())
                             .where(visible).group_by(Ticket.channel_id, Ticket.language, Ticket.intent)).all()
    channels = {cid: (platform.value, name) for cid, platform, name in
                session.execute(select(Channel.id, Channel.platform, Channel.name))}
    tallies: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    labels: dict[str, str] = {}
    for channel_id, language, intent, n in groups:
        platform, name = channels.get(channel_id, ("", ""))
        tallies["platform"][platform] += n
        tallies["channel"][str(channel_id)] += n
        labels[str(channel_id)] = name
        if language:
            tallies["language"][language] += n
        if intent:
            tallies["intent"][intent] += n

    def ranked(facet: str, limit: int | None = None) -> list[tuple[str, str, int]]:
        rows = sorted(tallies[facet].items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(value, labels.get(value, value) if facet == "channel" else value, n) for value, n in rows]

    return {"platform": ranked("platform"), "channel": ranked("channel"), "language": ranked("language", 30),
            "intent": ranked("intent", 30)}


def membership(row: InboxRow) -> list[str]:
    """The count keys a ticket adds to (views but `mine`, and open facets), for live count deltas."""
    keys: list[str] = []
    is_open = row.status in OPEN_STATUSES
    if is_open:
        keys.append("open")
        if row.assignee_id is None:
            keys.append("unassigned")
        if row.sla_state in (SlaState.AT_RISK, SlaState.BREACHED):
            keys.append("at_risk")
        if row.escalated:
            keys.append("escalated")
        keys += [f"platform:{row.platform}", f"channel:{row.channel_id}"]
        keys += [f"{facet}:{value}" for facet, value in (("language", row.language), ("intent", row.intent)) if value]
    if row.status == TicketStatus.PENDING:
        keys.append("pending")
    if row.status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        keys.append("solved")
    return keys


def mine_owner(row: InboxRow) -> int | None:
    """Whose `mine` view the ticket is in, if anyone's."""
    return row.assignee_id if row.status in OPEN_STATUSES else None


def matches(row: InboxRow, query: InboxQuery, agent: Agent) -> bool:
    """True when a row belongs in the query's list (for placing a live update without a refetch)."""
    if query.view == "mine" and mine_owner(row) != agent.id:
        return False
    if query.view != "mine" and query.view not in membership(row):
        return False
    checks = ((query.platform, row.platform), (query.language, row.language), (query.intent, row.intent))
    if any(want and want != have for want, have in checks):
        return False
    return not (query.channel_id and query.channel_id != row.channel_id)


__all__ = ["InboxPage", "InboxQuery", "InboxQueryError", "InboxRow", "facet_counts", "inbox_row", "list_page",
           "list_tickets", "matches", "membership", "mine_owner", "view_counts"]
