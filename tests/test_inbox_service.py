"""The inbox service: views, filters that combine, search, sort orders, keyset pages and counts."""

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from helpdesk.models import (
    Agent,
    Platform,
    SlaState,
    TicketPriority,
    TicketStatus,
    utcnow,
)
from helpdesk.services.inbox import (
    InboxQuery,
    InboxQueryError,
    facet_counts,
    list_page,
    view_counts,
)
from tests import factories


def _ids(session: Session, agent: Agent, **kwargs) -> list[int]:
    return [r.id for r in list_page(session, agent, InboxQuery(**kwargs)).rows]


def test_mine_lists_only_my_open_tickets(session: Session, agent: Agent) -> None:
    mine = factories.make_ticket(session, assignee_id=agent.id, status=TicketStatus.OPEN)
    factories.make_ticket(session, assignee_id=agent.id, status=TicketStatus.SOLVED)
    factories.make_ticket(session)
    assert _ids(session, agent, view="mine") == [mine.id]


def test_unassigned_excludes_assigned_tickets(session: Session, agent: Agent) -> None:
    factories.make_ticket(session, assignee_id=agent.id)
    free = factories.make_ticket(session)
    assert _ids(session, agent, view="unassigned") == [free.id]


def test_at_risk_view_holds_at_risk_and_breached_tickets(session: Session, agent: Agent) -> None:
    risky = factories.make_ticket(session, sla_state=SlaState.AT_RISK)
    breached = factories.make_ticket(session, sla_state=SlaState.BREACHED)
    factories.make_ticket(session, sla_state=SlaState.OK)
    assert sorted(_ids(session, agent, view="at_risk")) == sorted([risky.id, breached.id])


def test_platform_and_language_filters_combine(session: Session, agent: Agent) -> None:
    ebay = factories.make_channel(session, platform=Platform.EBAY, name="Acme eBay")
    wanted = factories.make_ticket(session, channel=ebay, language="fr")
    factories.make_ticket(session, channel=ebay, language="de")
    factories.make_ticket(session, language="fr")
    assert _ids(session, agent, platform="ebay", language="fr") == [wanted.id]


@pytest.mark.parametrize("q", ["Kaputt", "Jana", "302-111", "zerbrochen"])
def test_search_finds_subject_buyer_order_id_and_message_text(session: Session, agent: Agent, q: str) -> None:
    customer = factories.make_customer(session, display_name="Jana Nowak")
    ticket = factories.make_ticket(session, subject="Lampe kaputt", customer=customer, order_ref="302-1112223-4445556")
    factories.make_message(session, ticket, body_text="Die Lampe kam zerbrochen an.")
    factories.make_ticket(session, subject="Rechnung", customer=factories.make_customer(session, display_name="Max"))
    assert _ids(session, agent, q=q) == [ticket.id]


def test_search_treats_percent_and_underscore_literally(session: Session, agent: Agent) -> None:
    factories.make_ticket(session, subject="100 percent")
    assert _ids(session, agent, q="%") == []


def test_sort_by_last_activity_puts_the_newest_first(session: Session, agent: Agent) -> None:
    now = utcnow()
    old = factories.make_ticket(session, last_activity_at=now - timedelta(hours=3))
    new = factories.make_ticket(session, last_activity_at=now)
    assert _ids(session, agent, sort="activity") == [new.id, old.id]


def test_sort_by_priority_puts_urgent_first(session: Session, agent: Agent) -> None:
    low = factories.make_ticket(session, priority=TicketPriority.LOW)
    urgent = factories.make_ticket(session, priority=TicketPriority.URGENT)
    normal = factories.make_ticket(session)
    assert _ids(session, agent, sort="priority") == [urgent.id, normal.id, low.id]


@pytest.mark.parametrize("sort", ["sla", "activity", "priority"])
def test_keyset_pages_cover_every_ticket_once(session: Session, agent: Agent, sort: str) -> None:
    now = utcnow()
    channel, customer = factories.make_channel(session), factories.make_customer(session)
    for i in range(7):
        factories.make_ticket(session, channel=channel, customer=customer,
                              sla_due_at=now + timedelta(hours=i % 3) if i % 2 else None,
                              last_activity_at=now - timedelta(minutes=i % 4), priority=list(TicketPriority)[i % 4])
    seen, cursor = [], None
    while True:
        page = list_page(session, agent, InboxQuery(sort=sort, after=cursor, limit=3))
        seen += [r.id for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 7


def test_a_tampered_cursor_is_refused(session: Session, agent: Agent) -> None:
    with pytest.raises(InboxQueryError):
        list_page(session, agent, InboxQuery(after="bm90IGEgY3Vyc29y"))


def test_view_counts_count_each_view(session: Session, agent: Agent) -> None:
    factories.make_ticket(session, assignee_id=agent.id)
    factories.make_ticket(session, status=TicketStatus.PENDING)
    factories.make_ticket(session, status=TicketStatus.SOLVED)
    counts = view_counts(session, agent)
    assert (counts["mine"], counts["unassigned"], counts["open"], counts["pending"], counts["solved"]) == (1, 1, 2, 1, 1)


def test_facet_counts_group_open_tickets_by_platform(session: Session, agent: Agent) -> None:
    factories.make_ticket(session)
    factories.make_ticket(session, channel=factories.make_channel(session, platform=Platform.EBAY))
    assert sorted(facet_counts(session, agent)["platform"]) == [("amazon", "amazon", 1), ("ebay", "ebay", 1)]


def test_facet_counts_add_up_every_facet_from_the_visible_open_tickets(session: Session, agent: Agent) -> None:
    other = factories.make_agent(session, email="facets@example.com", name="Other")
    de = factories.make_channel(session, platform=Platform.AMAZON, name="Amazon DE")
    fr = factories.make_channel(session, platform=Platform.AMAZON, name="Amazon FR")
    ebay = factories.make_channel(session, platform=Platform.EBAY, name="eBay UK")
    hidden = factories.make_channel(session, platform=Platform.SHOPIFY, name="Private", settings={"agent_ids": [other.id]})
    for channel, language, intent in ((de, "de", "cancel_order"), (de, "de", "where_is_my_order"), (fr, "fr", "cancel_order"),
                                      (ebay, "en", "cancel_order"), (ebay, None, None), (hidden, "en", "other")):
        factories.make_ticket(session, channel=channel, language=language, intent=intent)
    factories.make_ticket(session, channel=fr, language="fr", intent="other", status=TicketStatus.SOLVED)
    facets = facet_counts(session, agent)
    assert facets["platform"] == [("amazon", "amazon", 3), ("ebay", "ebay", 2)]
    assert facets["channel"] == [(str(de.id), "Amazon DE", 2), (str(ebay.id), "eBay UK", 2), (str(fr.id), "Amazon FR", 1)]
    assert facets["language"] == [("de", "de", 2), ("en", "en", 1), ("fr", "fr", 1)]
    assert facets["intent"] == [("cancel_order", "cancel_order", 3), ("where_is_my_order", "where_is_my_order", 1)]


def test_a_restricted_store_is_hidden_from_other_agents(session: Session, agent: Agent) -> None:
    other = factories.make_agent(session, email="other@example.com", name="Other")
    private = factories.make_channel(session, settings={"agent_ids": [other.id]})
    factories.make_ticket(session, channel=private)
    shared = factories.make_ticket(session)
    assert _ids(session, agent) == [shared.id]
