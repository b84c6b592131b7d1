"""`helpdesk bench sla`: the SLA report over a seeded history of N messages on SQLite."""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import insert
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from helpdesk.db import make_engine
from helpdesk.models import Agent, Channel, Customer, Message, Platform, Ticket, utcnow
from helpdesk.services import schema
from helpdesk.services.sla.report import build_report

PLATFORMS = (Platform.AMAZON, Platform.EBAY, Platform.SHOPIFY, Platform.ALIEXPRESS)
LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pl")
INTENTS = ("where_is_my_order", "return_or_refund", "item_damaged_or_defective", "cancel_order", "other")


def seed_history(session: Session, messages: int, seed: int, batch: int = 20_000) -> None:
    """Tickets with ~5 buyer messages each over 90 days, answered late or on time, on four platforms."""
    rng = random.Random(seed)
    now = utcnow()
    channels = [Channel(platform=p, name=f"{p.value} store") for p in PLATFORMS]
    agents = [Agent(email=f"agent{i}@bench.local", name=f"Agent {i}", password_hash="x") for i in range(8)]
    customer = Customer(display_name="bench")
    session.add_all([*channels, *agents, customer])
    session.commit()
    n_tickets = max(messages // 5, 1)
    ticket_rows, message_rows = [], []
    for t in range(1, n_tickets + 1):
        channel = rng.choice(channels)
        first = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
        answered = first + timedelta(minutes=rng.randrange(5, 40 * 60)) if rng.random() < 0.9 else None
        ticket_rows.append(dict(id=t, channel_id=channel.id, customer_id=customer.id, subject="bench", status="open",
                                priority="normal", language=rng.choice(LANGUAGES), intent=rng.choice(INTENTS),
                                escalated=False, assignee_id=rng.choice(agents).id, last_activity_at=first,
                                last_inbound_at=first, first_inbound_at=first, first_response_at=answered,
                                sla_state="ok", first_response_breached=False, next_response_breached=False,
                                resolution_breached=rng.random() < 0.05, marketplace_breached=False, version=1,
                                created_at=first, updated_at=first))
        for m in range(5):
            sent = first + timedelta(minutes=m * rng.randrange(30, 600))
            due = sent + timedelta(hours=24) if channel.platform == Platform.AMAZON else None
            message_rows.append(dict(ticket_id=t, channel_id=channel.id, direction="inbound", author_kind="buyer",
                                     body_text="bench", sent_at=sent, created_at=sent, response_due_at=due,
                                     responded_at=answered and max(answered, sent + timedelta(minutes=rng.randrange(5, 2000))),
                                     no_response_needed=rng.random() < 0.02, is_auto_reply=False, attachments=[],
                                     reply_to={}))
        if len(message_rows) >= batch:
            session.execute(insert(Ticket), ticket_rows)
            session.execute(insert(Message), message_rows)
            session.commit()
            ticket_rows, message_rows = [], []
    if ticket_rows:
        session.execute(insert(Ticket), ticket_rows)
        session.execute(insert(Message), message_rows)
        session.commit()


@click.command("sla")
@click.option("--messages", "n", default=1_000_000, show_default=True, type=click.IntRange(1000, 10_000_000))
@click.option("--seed", default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_sla(n: int, seed: int, as_json: bool) -> None:
    """Seed N messages in a temporary SQLite database and time `sla report` over them."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(URL.create("sqlite", database=str(Path(tmp) / "sla.db")))
        schema.upgrade(engine)
        started = time.perf_counter()
        with Session(engine) as session:
            seed_history(session, n, seed)
        seeded = time.perf_counter() - started
        timings = []
        for days in (7, 30, 90):
            with Session(engine) as session:
                started = time.perf_counter()
                report = build_report(session, days=days)
                timings.append(time.perf_counter() - started)
        engine.dispose()
    figures = {"messages": n, "seed_seconds": round(seeded, 1), "report_seconds_7d": round(timings[0], 2),
               "report_seconds_30d": round(timings[1], 2), "report_seconds_90d": round(timings[2], 2),
               "groups": len(report.groups)}
    click.echo(json.dumps(figures) if as_json else "\n".join(f"{k:<20} {v}" for k, v in figures.items()))
