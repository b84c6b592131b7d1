"""Orders and stock from the channels, the stock import, merge suggestions and merges."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.connectors.base import (
    BuyerRef,
    OrderLineSnapshot,
    OrderPage,
    OrderSnapshot,
    PayloadFailure,
    ShipmentSnapshot,
    StockLevelSnapshot,
    StockPage,
)
from helpdesk.models import (
    Channel,
    Customer,
    CustomerIdentity,
    CustomerMergeSuggestion,
    Listing,
    Order,
    Product,
    QuarantinedPayload,
    StockLevel,
    Ticket,
    utcnow,
)
from helpdesk.services.customers import CustomerError, merge_customers, unmerge_customer
from helpdesk.services.ingest import record_inbound_messages
from helpdesk.services.orders import StockImportError, import_stock_csv, record_orders, record_stock
from tests import factories
from tests.inbound import inbound, page


def snapshot(ref: str = "302-1234567-1234567", *, buyer: str = "jana_1987", **kwargs) -> OrderSnapshot:  # type: ignore[no-untyped-def]
    values = dict(
        external_id=ref, status="shipped", platform_status="Shipped", ordered_at=utcnow(), currency="EUR",
        total=Decimal("39.90"), payment_method="Other", buyer=BuyerRef("ebay_user", buyer, "Jana Nowak"),
        ship_name="Jana Nowak", ship_postcode="10115", ship_country="DE",
        lines=(OrderLineSnapshot("L1", "USB-C-65W", "65W USB-C charger", 1, Decimal("39.90"), "EUR"),),
        shipments=(ShipmentSnapshot(carrier="DHL", tracking_number="00340434161094042557"),),
    )
    values.update(kwargs)
    return OrderSnapshot(**values)


def test_new_order_is_stored_with_lines_shipments_and_cursor(session: Session) -> None:
    channel = factories.make_channel(session)
    result = record_orders(session, channel.id, OrderPage([snapshot()], cursor={"after": "2026-11-01"}))
    order = session.scalars(select(Order)).one()
    assert result.created == 1 and order.total_amount == Decimal("39.90")
    assert [line.channel_sku for line in order.lines] == ["USB-C-65W"]
    assert order.shipments[0].carrier == "DHL"
    session.expire_all()
    assert session.get(Channel, channel.id).poll_cursor["orders"] == {"after": "2026-11-01"}


def test_order_update_replaces_lines_and_does_not_duplicate(session: Session) -> None:
    channel = factories.make_channel(session)
    record_orders(session, channel.id, OrderPage([snapshot(status="unshipped", shipments=())], cursor={}))
    result = record_orders(session, channel.id, OrderPage([snapshot()], cursor={}))
    assert result.updated == 1
    assert session.scalar(select(func.count()).select_from(Order)) == 1
    order = session.scalars(select(Order)).one()
    session.refresh(order)
    assert order.status.value == "shipped" and len(order.shipments) == 1 and len(order.lines) == 1


def test_order_buyer_is_the_same_customer_as_the_message_buyer(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(buyer="jana_1987")))
    record_orders(session, channel.id, OrderPage([snapshot(buyer="jana_1987")], cursor={}))
    assert session.scalar(select(func.count()).select_from(Customer)) == 1
    assert session.scalars(select(Order.customer_id)).one() == session.scalars(select(Ticket.customer_id)).one()


def test_ticket_waiting_for_its_order_is_linked_when_it_syncs(session: Session) -> None:
    channel = factories.make_channel(session)
    record_inbound_messages(session, channel.id, page(inbound(order_id="302-1234567-1234567")))
    result = record_orders(session, channel.id, OrderPage([snapshot()], cursor={}))
    assert result.linked_tickets == 1
    assert session.scalars(select(Ticket.order_id)).one() == session.scalars(select(Order.id)).one()


def test_same_name_and_postcode_becomes_a_merge_suggestion(session: Session) -> None:
    ebay = factories.make_channel(session, name="eBay")
    shop = factories.make_channel(session, name="Shop")
    record_orders(session, ebay.id, OrderPage([snapshot("A-1", buyer="jana_1987")], cursor={}))
    record_orders(session, shop.id, OrderPage([snapshot("#1001", buyer="jana.nowak", ship_name="Nowak Jana")], cursor={}))
    suggestion = session.scalars(select(CustomerMergeSuggestion)).one()
    assert suggestion.reasons["postcode"] == "10115" and suggestion.score >= 90
    assert session.scalar(select(func.count()).select_from(Customer)) == 2


def test_different_names_at_one_postcode_are_not_suggested(session: Session) -> None:
    channel = factories.make_channel(session)
    record_orders(session, channel.id, OrderPage([snapshot("A-1", buyer="a"), snapshot("A-2", buyer="b", ship_name="Max Mustermann")], cursor={}))
    assert session.scalars(select(CustomerMergeSuggestion)).first() is None


def test_malformed_order_is_quarantined_and_the_rest_stored(session: Session) -> None:
    channel = factories.make_channel(session)
    bad = PayloadFailure(raw='{"AmazonOrderId": null}', error="missing AmazonOrderId", kind="order")
    record_orders(session, channel.id, OrderPage([snapshot()], cursor={}, failures=[bad]))
    assert session.scalars(select(QuarantinedPayload.kind)).one() == "order"
    assert session.scalar(select(func.count()).select_from(Order)) == 1


def test_channel_stock_creates_the_sku_and_listing_and_updates_levels(session: Session) -> None:
    channel = factories.make_channel(session)
    record_stock(session, channel.id, StockPage([StockLevelSnapshot("USB-C-65W", "FBA:DE", 12, 3)], cursor={}))
    record_stock(session, channel.id, StockPage([StockLevelSnapshot("USB-C-65W", "FBA:DE", 7, 1)], cursor={}))
    level = session.scalars(select(StockLevel)).one()
    session.refresh(level)
    assert (level.on_hand, level.reserved, level.available, level.source) == (7, 1, 6, "amazon")
    assert session.scalars(select(Listing.channel_sku)).one() == "USB-C-65W"


def test_listing_maps_a_channel_sku_to_our_sku(session: Session) -> None:
    channel = factories.make_channel(session)
    product = Product(sku="CHG-65")
    session.add(product)
    session.flush()
    session.add(Listing(channel_id=channel.id, channel_sku="amz-chg-65-de", product_id=product.id))
    session.commit()
    record_stock(session, channel.id, StockPage([StockLevelSnapshot("amz-chg-65-de", "FBA:DE", 4)], cursor={}))
    assert session.scalars(select(StockLevel.product_id)).one() == product.id
    assert session.scalar(select(func.count()).select_from(Product)) == 1


def test_stock_import_upserts_every_row(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("sku,warehouse,on_hand,reserved\nCHG-65,Shenzhen-1,100,10\nCHG-65,Berlin,5,0\nCABLE-1,Berlin,0,2\n")
    assert import_stock_csv(session, path) == 3
    levels = {(lvl.warehouse, lvl.available) for lvl in session.scalars(select(StockLevel))}
    assert levels == {("Shenzhen-1", 90), ("Berlin", 5), ("Berlin", -2)}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sku,warehouse\nA,B\n", "missing column"),
        ("sku,warehouse,on_hand,reserved\nA,B,ten,0\n", "line 2: on_hand and reserved must be whole numbers"),
        ("sku,warehouse,on_hand,reserved\nA,B,1,0\n,B,1,0\n", "line 3: sku and warehouse are required"),
        ("sku,warehouse,on_hand,reserved\nA,B,-1,0\n", "cannot be negative"),
    ],
)
def test_bad_stock_file_imports_nothing(session: Session, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "stock.csv"
    path.write_text(content)
    with pytest.raises(StockImportError, match=message):
        import_stock_csv(session, path)
    assert session.scalars(select(StockLevel)).first() is None


def test_merge_then_unmerge_restores_both_customers(session: Session) -> None:
    ebay = factories.make_channel(session, name="eBay")
    shop = factories.make_channel(session, name="Shop")
    record_inbound_messages(session, ebay.id, page(inbound(buyer="jana_1987")))
    record_inbound_messages(session, shop.id, page(inbound(kind="email", buyer="jana@example.com")))
    source, target = session.scalars(select(Ticket.customer_id).order_by(Ticket.id)).all()
    merge_customers(session, source, target)
    assert set(session.scalars(select(Ticket.customer_id))) == {target}
    assert set(session.scalars(select(CustomerIdentity.customer_id))) == {target}
    unmerge_customer(session, source)
    session.expire_all()
    assert session.scalars(select(Ticket.customer_id).order_by(Ticket.id)).all() == [source, target]
    assert session.get(Customer, source).merged_into_id is None


def test_customer_cannot_be_merged_into_itself(session: Session) -> None:
    customer = factories.make_customer(session)
    with pytest.raises(CustomerError):
        merge_customers(session, customer.id, customer.id)
