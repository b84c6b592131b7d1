"""Helpers for tests of the ticket page: a ticket with a buyer message, the page's CSRF token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from tests import factories


def ticket_with_message(session: Session, **overrides: object) -> Ticket:
    """A ticket with one inbound buyer message."""
    ticket = factories.make_ticket(session, **overrides)
    factories.make_message(session, ticket)
    return ticket


def page_token(client: FlaskClient, url: str = "/") -> str:
    """The CSRF token of a signed-in page (the meta tag fetch() reads)."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF meta tag"
    return match.group(1)
