"""`helpdesk bench inbox`: the inbox list (every view, first and deep pages), counts, search and
opening a ticket with its context, over a seeded SQLite database (100k tickets, 1M messages)."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from sqlalchemy import insert, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from helpdesk.db import make_engine
from helpdesk.models import (
    Agent,
    Channel,
    Customer,
    Message,
    Order,
    OrderLine,
    Platform,
    Product,
    Role,
    StockLevel,
    Ticket,
    utcnow,
)
from helpdesk.services import schema
from helpdesk.services.inbox import (
    VIEWS,
    InboxQuery,
    encode_cursor,
    facet_counts,
    list_page,
    view_counts,
)
from helpdesk.services.ticket_context import load_ticket_context

PLATFORMS = (Platform.AMAZON, Platform.EBAY, Platform.SHOPIFY, Platform.ALIEXPRESS)
LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pl")
INTENTS = ("where_is_my_order", "return_or_refund", "item_damaged_or_defective", "cancel_order", "invoice_request", "other")
STATUSES = ("new", "open", "open", "open", "pending", "solved", "solved", "closed")
SLA_STATES = ("ok", "ok", "ok", "ok", "at_risk", "breached", "none")
FIRST = ("Jana", "Lukas", "Emma", "Lei", "Hina", "Jules", "Tiago", "Olga", "Max", "Sofia", "Noah", "Mia")
LAST = ("Nowak", "Wagner", "Smith", "Wang", "Suzuki", "Bernard", "Silva", "Petrova", "Müller", "Rossi", "Jansen")
WORDS = ("parcel", "Paket", "colis", "pedido", "refund", "Rückgabe", "damaged", "kaputt", "invoice", "Rechnung",
         "tracking", "size", "colour", "late", "address", "cancel", "broken", "missing", "wrong", "item")
FILLER = ("the", "my", "order", "please", "hello", "thanks", "ich", "meine", "bitte", "est", "mon", "por", "favor", "still",
          "not", "yet", "when", "where", "is", "was", "you", "und", "nicht", "pas", "de", "la", "que", "noch", "today",
          "week", "days", "received", "sent", "box", "delivery", "shop", "seller", "help", "need", "can")
_SYLLABLES = ("ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "pi", "na", "quo", "ber", "li", "zen", "ta", "mo", "rik", "as")


def _vocabulary(size: int = 5_000) -> tuple[list[str], list[float]]:
    """Buyer-text words with Zipf frequencies: a few very common words, a long tail of rare ones
    (product names, places, brand words), so searches for rare and common words both occur."""
    rng = random.Random(0)
    tail: set[str] = set()
    while len(tail) < size - len(WORDS) - len(FILLER):
        tail.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(3, 5))))
    vocab = [*FILLER, *WORDS, *sorted(tail)]
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(vocab))]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return vocab, cumulative


VOCAB, _CUMULATIVE = _vocabulary()
RARE_WORDS = (VOCAB[1500], VOCAB[3000])  # each in roughly 0.2% of messages


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCAB, cum_weights=_CUMULATIVE, k=n))


def seed_inbox(session: Session, tickets: int, per_ticket: int, seed: int, batch: int = 5_000) -> None:
    """Tickets over 60 days on four platforms, each with buyer and agent messages, an order for half."""
    rng = random.Random(seed)
    now = utcnow()
    channels = [Channel(platform=p, name=f"{p.value.title()} store") for p in PLATFORMS]
    agents = [Agent(email=f"agent{i}@bench.local", name=f"Agent {i}", password_hash="x", role=Role.AGENT) for i in range(20)]
    session.add_all([*channels, *agents])
    products = [Product(sku=f"SKU-{i:04d}", title=f"Product {i}") for i in range(500)]
    session.add_all(products)
    session.flush()
    session.add_all([StockLevel(product_id=p.id, warehouse=w, on_hand=rng.randrange(0, 200), reserved=rng.randrange(0, 20),
                                updated_at=now) for p in products for w in ("FBA:DE", "Shenzhen-1")])
    session.commit()
    customers = tickets // 2
    for start in range(0, customers, batch):
        session.execute(insert(Customer), [dict(id=i + 1, display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                                                created_at=now, updated_at=now) for i in range(start, min(start + batch, customers))])
    session.commit()
    ticket_rows: list[dict[str, Any]] = []
    message_rows: list[dict[str, Any]] = []
    order_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    for t in range(1, tickets + 1):
        channel = channels[t % len(channels)]
        last = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
        status = rng.choice(STATUSES)
        order_id = None
        order_ref = None
        if t % 2 == 0:
            order_id = t // 2
            order_ref = f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}-{t:07d}"
            order_rows.append(dict(id=order_id, channel_id=channel.id, external_id=order_ref, customer_id=(t % customers) + 1,
                                   status="shipped", currency="EUR", total_amount=Decimal("39.90"), ordered_at=last,
                                   synced_at=now, ship_address={}))
            line_rows.append(dict(order_id=order_id, channel_sku=f"SKU-{t % 500:04d}", product_id=products[t % 500].id,
                                  title="Product", quantity=1, unit_price=Decimal("39.90"), currency="EUR"))
        due = last + timedelta(hours=rng.randrange(-6, 48)) if status in ("new", "open") else None
        ticket_rows.append(dict(
            id=t, channel_id=channel.id, customer_id=(t % customers) + 1, order_id=order_id, order_ref=order_ref,
            subject=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {t}", status=status, priority=rng.choice(("low", "normal", "normal", "high", "urgent")),
            language=rng.choice(LANGUAGES), intent=rng.choice(INTENTS), escalated=rng.random() < 0.03,
            assignee_id=rng.choice(agents).id if rng.random() < 0.7 else None, last_activity_at=last,
            first_inbound_at=last, sla_due_at=due, sla_state=rng.choice(SLA_STATES) if due else "none",
            first_response_breached=False, next_response_breached=False, resolution_breached=False,
            marketplace_breached=False, version=1, created_at=last, updated_at=last,
        ))
        for m in range(per_ticket):
            sent = last - timedelta(minutes=(per_ticket - m) * 37)
            inbound = m % 2 == 0
            message_rows.append(dict(ticket_id=t, channel_id=channel.id, direction="inbound" if inbound else "outbound",
                                     author_kind="buyer" if inbound else "agent", body_text=_text(rng, 30),
                                     author_name="buyer" if inbound else "Agent", sent_at=sent, created_at=sent,
                                     is_auto_reply=False, attachments=[], reply_to={}, no_response_needed=False,
                                     external_id=f"m{t}-{m}" if inbound else None))
        if t % batch == 0 or t == tickets:
            session.execute(insert(Order), order_rows)
            session.execute(insert(OrderLine), line_rows)
            session.execute(insert(Ticket), ticket_rows)
            session.execute(insert(Message), message_rows)
            session.commit()
            ticket_rows, message_rows, order_rows, line_rows = [], [], [], []


def _time(fn: Callable[[], Any], reps: int) -> dict[str, float]:
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1)}


def _deep_cursor(session: Session, agent: Agent, view: str, depth: int) -> str | None:
    """The cursor `depth` rows into a view (what an agent reaches after many "more" clicks)."""
    query = InboxQuery(view=view, limit=depth)
    rows = list_page(session, agent, query).rows
    return encode_cursor(query.sort, rows[-1]) if len(rows) == depth else None


def measure(session: Session, reps: int, depth: int) -> dict[str, dict[str, float]]:
    """Time every view (first and deep page), counts, search and the ticket page's context."""
    agent = session.scalars(select(Agent).order_by(Agent.id)).first()
    assert agent is not None
    figures: dict[str, dict[str, float]] = {}
    for view in VIEWS:
        figures[f"view {view} first page"] = _time(lambda v=view: list_page(session, agent, InboxQuery(view=v)), reps)
        cursor = _deep_cursor(session, agent, view, depth)
        if cursor:
            figures[f"view {view} page at row {depth}"] = _time(
                lambda v=view, c=cursor: list_page(session, agent, InboxQuery(view=v, after=c)), reps)
    for sort in ("activity", "priority"):
        figures[f"open sorted by {sort}"] = _time(lambda s=sort: list_page(session, agent, InboxQuery(sort=s)), reps)
    figures["filters platform+language"] = _time(
        lambda: list_page(session, agent, InboxQuery(platform="ebay", language="de")), reps)
    figures["view counts"] = _time(lambda: view_counts(session, agent), reps)
    figures["facet counts"] = _time(lambda: facet_counts(session, agent), reps)
    for label, q in (("search subject word", "Rechnung"), ("search buyer name", "Petrova 4711"),
                     ("search order id", "0004242"), ("search common message words", "kaputt Rückgabe colis"),
                     ("search rare message word", RARE_WORDS[0]), ("search two rare words", " ".join(RARE_WORDS)),
                     ("search rare and common word", f"{RARE_WORDS[1]} parcel")):
        figures[label] = _time(lambda q=q: list_page(session, agent, InboxQuery(q=q)), reps)
    rng = random.Random(5)
    count = session.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) or 1
    figures["open ticket with context"] = _time(lambda: load_ticket_context(session, agent, rng.randrange(1, count + 1)), reps)
    return figures


@click.command("inbox")
@click.option("--tickets", default=100_000, show_default=True, type=click.IntRange(100, 10_000_000))
@click.option("--messages-per-ticket", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--reps", default=20, show_default=True, type=click.IntRange(3, 1000))
@click.option("--depth", default=2_000, show_default=True, type=click.IntRange(10, 1_000_000), help="Rows into a view for the deep page.")
@click.option("--seed", default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_inbox(tickets: int, messages_per_ticket: int, reps: int, depth: int, seed: int, as_json: bool) -> None:
    """Seed a temporary SQLite database and time the inbox's queries (p50/p95 in ms; aim p95 < 100)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(URL.create("sqlite", database=str(Path(tmp) / "inbox.db")))
        schema.upgrade(engine)
        started = time.perf_counter()
        with Session(engine) as session:
            seed_inbox(session, tickets, messages_per_ticket, seed)
        seeded = time.perf_counter() - started
        with Session(engine) as session:
            figures = measure(session, reps, min(depth, tickets // 4))
        engine.dispose()
    if as_json:
        click.echo(json.dumps({"tickets": tickets, "messages": tickets * messages_per_ticket,
                               "seed_seconds": round(seeded, 1), "timings": figures}))
        return
    click.echo(f"{tickets} tickets, {tickets * messages_per_ticket} messages, seeded in {seeded:.0f} s")
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        flag = "" if value["p95_ms"] < 100 else "  (over 100 ms)"
        click.echo(f"{name:<{width}}  p50 {value['p50_ms']:>8.1f} ms  p95 {value['p95_ms']:>8.1f} ms{flag}")
