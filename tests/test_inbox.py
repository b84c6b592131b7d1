"""The inbox page lists open tickets, safely."""

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpdesk.models import Agent, TicketStatus
from helpdesk.services.inbox import list_tickets
from tests import factories
from tests.conftest import AuthActions


def test_empty_inbox_says_so(client: FlaskClient, auth: AuthActions, agent: Agent) -> None:
    auth.login()
    assert "No open tickets" in client.get("/").get_data(as_text=True)


def test_open_tickets_are_listed_and_solved_ones_are_not(session: Session) -> None:
    open_ticket = factories.make_ticket(session, subject="Paket fehlt")
    factories.make_ticket(session, subject="Danke!", status=TicketStatus.SOLVED)
    assert [row.id for row in list_tickets(session)] == [open_ticket.id]


def test_soonest_sla_due_comes_first(session: Session) -> None:
    from datetime import timedelta

    from helpdesk.models import utcnow

    now = utcnow()
    later = factories.make_ticket(session, sla_due_at=now + timedelta(hours=20))
    sooner = factories.make_ticket(session, sla_due_at=now + timedelta(hours=2))
    no_sla = factories.make_ticket(session)
    assert [row.id for row in list_tickets(session)] == [sooner.id, later.id, no_sla.id]


def test_buyer_text_is_escaped_in_the_inbox(client: FlaskClient, auth: AuthActions, agent: Agent, session: Session) -> None:
    customer = factories.make_customer(session, display_name='<img src=x onerror="alert(1)">')
    factories.make_ticket(session, subject="<script>alert('x')</script> {{7*7}}", customer=customer)
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {{7*7}}" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
