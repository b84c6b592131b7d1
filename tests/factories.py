"""Test data with sensible defaults; pass overrides for what a test cares about."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from helpdesk.models import Agent, Channel, Customer, Message, Platform, Role, Ticket
from helpdesk.models.message import AuthorKind, Direction
from helpdesk.services.passwords import hash_password

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def make_agent(session: Session, **overrides: Any) -> Agent:
    """An active agent whose password is PASSWORD."""
    values: dict[str, Any] = {
        "email": "agent@example.com",
        "name": "Alex Agent",
        "role": Role.AGENT,
        "password_hash": _PASSWORD_HASH,
    }
    values.update(overrides)
    agent = Agent(**values)
    session.add(agent)
    session.commit()
    return agent


def make_channel(session: Session, **overrides: Any) -> Channel:
    """An Amazon.de channel."""
    values: dict[str, Any] = {"platform": Platform.AMAZON, "name": "Acme DE", "marketplace": "amazon.de", "locale": "de_DE"}
    values.update(overrides)
    channel = Channel(**values)
    session.add(channel)
    session.commit()
    return channel


def make_customer(session: Session, **overrides: Any) -> Customer:
    """A customer with a name."""
    values: dict[str, Any] = {"display_name": "Jana Nowak"}
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.commit()
    return customer


def make_ticket(session: Session, **overrides: Any) -> Ticket:
    """A new ticket on a new channel for a new customer."""
    values: dict[str, Any] = {"subject": "Wo ist meine Bestellung?"}
    values.update(overrides)
    if "channel_id" not in values and "channel" not in values:
        values["channel"] = make_channel(session)
    if "customer_id" not in values and "customer" not in values:
        values["customer"] = make_customer(session)
    ticket = Ticket(**values)
    session.add(ticket)
    session.commit()
    return ticket


def make_message(session: Session, ticket: Ticket, **overrides: Any) -> Message:
    """An inbound buyer message on the ticket with a unique external id."""
    values: dict[str, Any] = {
        "ticket_id": ticket.id,
        "channel_id": ticket.channel_id,
        "direction": Direction.INBOUND,
        "author_kind": AuthorKind.BUYER,
        "body_text": "Hallo, wann kommt mein Paket?",
        "external_id": f"msg-{next(_seq)}",
    }
    values.update(overrides)
    message = Message(**values)
    session.add(message)
    session.commit()
    return message
