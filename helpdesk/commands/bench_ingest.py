"""`helpdesk bench ingest`: ingest throughput beside a plain Core bulk insert of the same rows (into
the same tickets, so both pay the same search-index upkeep)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import insert, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from helpdesk.connectors.base import BuyerRef, InboundMessage, MessagePage
from helpdesk.db import make_engine
from helpdesk.models import Channel, Customer, Message, Platform, Ticket, utcnow
from helpdesk.services import schema
from helpdesk.services.ingest import record_inbound_messages

TEXTS = [
    "Hallo, wo bleibt meine Bestellung? Die Sendungsverfolgung zeigt nichts an.",
    "Bonjour, le colis est arrivé abîmé, que faire ?",
    "Hi, I ordered the wrong size, can I return it?",
    "¿Cuándo llega mi pedido? Ya pasaron dos semanas.",
    "我的订单什么时候发货？",
    "注文した商品がまだ届きません。確認をお願いします。",
]


def generate(n: int, seed: int) -> list[InboundMessage]:
    """N buyer messages from about N/3 buyers, most about an order, some follow-ups."""
    rng = random.Random(seed)
    start = utcnow() - timedelta(days=3)
    buyers = max(n // 3, 1)
    out = []
    for i in range(n):
        b = rng.randrange(buyers)
        out.append(InboundMessage(
            external_id=f"bench-{i}",
            buyer=BuyerRef("ebay_user", f"buyer_{b}", f"Buyer {b}"),
            body_text=rng.choice(TEXTS),
            subject="Order question",
            sent_at=start + timedelta(seconds=i),
            order_id=f"{b:02d}-{b * 7 % 100000:05d}-{rng.randrange(2):05d}" if rng.random() < 0.8 else None,
            reply_to={"recipient": f"buyer_{b}"},
        ))
    return out


def _fresh(path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(URL.create("sqlite", database=str(path)))
    schema.upgrade(engine)
    return engine


def bench_ingest_run(n: int, page_size: int, seed: int) -> dict[str, float]:
    """Run both measurements in temporary SQLite databases and return the figures."""
    messages = generate(n, seed)
    pages = [messages[i:i + page_size] for i in range(0, n, page_size)]
    with tempfile.TemporaryDirectory() as tmp:
        engine = _fresh(Path(tmp) / "ingest.db")
        sessions = sessionmaker(engine, expire_on_commit=False)
        with sessions() as session:
            channel = Channel(platform=Platform.EBAY, name="bench")
            session.add(channel)
            session.commit()
            channel_id = channel.id
        started = time.perf_counter()
        tickets = 0
        for i, chunk in enumerate(pages):
            with sessions() as session:
                result = record_inbound_messages(session, channel_id, MessagePage(chunk, cursor={"page": i}))
                tickets += len(result.created_ticket_ids)
        ingest_seconds = time.perf_counter() - started
        with sessions() as session:  # where ingest threaded each message, so the bulk rows go to the same tickets
            threaded = {e: t for e, t in session.execute(select(Message.external_id, Message.ticket_id))}
        engine.dispose()

        engine = _fresh(Path(tmp) / "bulk.db")
        with Session(engine) as session:
            channel = Channel(platform=Platform.EBAY, name="bench")
            customer = Customer(display_name="x")
            session.add_all([channel, customer])
            session.flush()
            tickets_by_id = {old: Ticket(channel_id=channel.id, customer_id=customer.id, subject="Order question")
                             for old in sorted(set(threaded.values()))}
            session.add_all(tickets_by_id.values())
            session.commit()
            channel_id = channel.id
            ticket_of = {external_id: tickets_by_id[old].id for external_id, old in threaded.items()}
        now = utcnow()
        started = time.perf_counter()
        for chunk in pages:
            rows = [dict(ticket_id=ticket_of[m.external_id], channel_id=channel_id, direction="inbound", author_kind="buyer",
                         author_name=m.buyer.display_name, subject=m.subject, body_text=m.body_text,
                         external_id=m.external_id, reply_to=dict(m.reply_to), attachments=[], sent_at=m.sent_at,
                         created_at=now, is_auto_reply=False, no_response_needed=False)
                    for m in chunk]
            with engine.begin() as conn:
                conn.execute(insert(Message), rows)
        bulk_seconds = time.perf_counter() - started
        engine.dispose()
    ingest_rate, bulk_rate = n / ingest_seconds, n / bulk_seconds
    return {"messages": n, "page_size": page_size, "tickets_created": tickets,
            "ingest_messages_per_s": round(ingest_rate, 1), "bulk_insert_messages_per_s": round(bulk_rate, 1),
            "ratio": round(ingest_rate / bulk_rate, 4)}


@click.command("ingest")
@click.option("--messages", "n", default=20_000, show_default=True, type=click.IntRange(100, 5_000_000))
@click.option("--page-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--seed", default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_ingest(n: int, page_size: int, seed: int, as_json: bool) -> None:
    """Parse-free ingest (customers, threading, messages, cursor) vs a Core bulk insert, on SQLite."""
    figures = bench_ingest_run(n, page_size, seed)
    if as_json:
        click.echo(json.dumps(figures))
        return
    click.echo(f"ingest:      {figures['ingest_messages_per_s']:>10,.0f} messages/s "
               f"({figures['messages']} messages, {figures['tickets_created']} tickets, pages of {page_size})")
    click.echo(f"bulk insert: {figures['bulk_insert_messages_per_s']:>10,.0f} messages/s")
    click.echo(f"ratio:       {figures['ratio']:.3f}")
