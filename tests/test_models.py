"""The domain model's constraints."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from helpdesk.extensions import db
from helpdesk.models import (
    Base,
    CustomerIdentity,
    IdentityKind,
    Product,
    Role,
    StockLevel,
    Ticket,
    TicketTag,
    utcnow,
)
from tests import factories


def test_ticket_version_increments_on_every_update(session: Session) -> None:
    ticket = factories.make_ticket(session)
    assert ticket.version == 1
    ticket.subject = "Where is my order?"
    session.commit()
    assert ticket.version == 2


def test_concurrent_ticket_update_is_detected(app, session: Session) -> None:
    ticket = factories.make_ticket(session)
    other = db.new_session()
    try:
        theirs = other.get(Ticket, ticket.id)
        assert theirs is not None
        theirs.subject = "changed by another agent"
        other.commit()
    finally:
        other.close()
    ticket.subject = "my stale change"
    with pytest.raises(StaleDataError):
        session.commit()


def test_duplicate_external_id_on_one_channel_is_refused(session: Session) -> None:
    ticket = factories.make_ticket(session)
    factories.make_message(session, ticket, external_id="EBAY-1")
    with pytest.raises(IntegrityError):
        factories.make_message(session, ticket, external_id="EBAY-1")


def test_same_external_id_on_two_channels_is_allowed(session: Session) -> None:
    first = factories.make_ticket(session)
    second = factories.make_ticket(session, channel=factories.make_channel(session, name="Acme FR"))
    factories.make_message(session, first, external_id="42")
    factories.make_message(session, second, external_id="42")


def test_notes_without_external_id_do_not_collide(session: Session) -> None:
    ticket = factories.make_ticket(session)
    factories.make_message(session, ticket, external_id=None)
    factories.make_message(session, ticket, external_id=None)


def test_one_identity_belongs_to_one_customer(session: Session) -> None:
    a, b = factories.make_customer(session), factories.make_customer(session)
    session.add(CustomerIdentity(customer_id=a.id, kind=IdentityKind.EBAY_USER, value="jana_1987"))
    session.commit()
    session.add(CustomerIdentity(customer_id=b.id, kind=IdentityKind.EBAY_USER, value="jana_1987"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_enum_columns_reject_unknown_values_in_the_database(session: Session) -> None:
    ticket = factories.make_ticket(session)
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE tickets SET status = :s WHERE id = :id"), {"s": "bogus", "id": ticket.id})
        session.commit()


def test_tags_are_stored_per_ticket(session: Session) -> None:
    ticket = factories.make_ticket(session)
    ticket.tags.extend([TicketTag(name="vip"), TicketTag(name="fragile")])
    session.commit()
    tagged = session.scalars(select(TicketTag.ticket_id).where(TicketTag.name == "vip")).all()
    assert tagged == [ticket.id]


def test_channel_credentials_stay_out_of_repr_and_lists(session: Session) -> None:
    channel = factories.make_channel(session, credentials={"refresh_token": "Atzr|SECRET"})
    assert "SECRET" not in repr(channel)
    session.expire_all()
    loaded = session.scalars(select(type(channel))).one()
    assert "credentials" not in loaded.__dict__  # deferred: not loaded until asked for
    assert loaded.credentials == {"refresh_token": "Atzr|SECRET"}


def test_stock_available_is_on_hand_minus_reserved(session: Session) -> None:
    product = Product(sku="USB-C-65W")
    session.add(product)
    session.flush()
    level = StockLevel(product_id=product.id, warehouse="FBA:DE", on_hand=3, reserved=5, updated_at=utcnow())
    session.add(level)
    session.commit()
    assert level.available == -2


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.AGENT, Role.AGENT, True),
        (Role.AGENT, Role.SUPERVISOR, False),
        (Role.SUPERVISOR, Role.AGENT, True),
        (Role.SUPERVISOR, Role.ADMIN, False),
        (Role.ADMIN, Role.SUPERVISOR, True),
    ],
)
def test_roles_include_the_ones_below(role: Role, needed: Role, allowed: bool) -> None:
    assert role.includes(needed) is allowed


def test_inbox_sort_and_filter_columns_are_indexed() -> None:
    indexed = {tuple(c.name for c in index.columns) for index in Base.metadata.tables["tickets"].indexes}
    for columns in [("status", "last_activity_at"), ("status", "sla_due_at"), ("assignee_id", "status"), ("channel_id", "status")]:
        assert columns in indexed
