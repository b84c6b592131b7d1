"""Orders and stock from the channels, and the central stock import."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helpdesk.connectors.base import OrderPage, OrderSnapshot, StockPage
from helpdesk.models import (
    Channel,
    CustomerMergeSuggestion,
    Listing,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Shipment,
    StockLevel,
    Ticket,
    utcnow,
)
from helpdesk.services.customers import normalise_identity, resolve_customers
from helpdesk.services.quarantine import quarantine_failures

# Two customers with the same postcode whose names match at least this well become a merge suggestion.
NAME_MATCH_THRESHOLD = 90


@dataclass
class OrderSyncResult:
    """What one recorded page of orders changed."""

    created: int = 0
    updated: int = 0
    linked_tickets: int = 0
    linked_ticket_ids: list[int] = field(default_factory=list)
    suggestions: int = 0
    quarantined: int = 0


def _products_for(session: Session, channel_id: int, skus: set[str]) -> dict[str, int]:
    if not skus:
        return {}
    rows = session.execute(select(Listing.channel_sku, Listing.product_id).where(Listing.channel_id == channel_id,
                                                                                 Listing.channel_sku.in_(skus)))
    return {sku: product_id for sku, product_id in rows}


def _apply(order: Order, snap: OrderSnapshot, customer_id: int | None, products: dict[str, int]) -> None:
    order.status = OrderStatus(snap.status)
    order.platform_status = snap.platform_status and snap.platform_status[:64]
    order.ordered_at, order.platform_updated_at = snap.ordered_at, snap.updated_at
    order.currency, order.total_amount, order.payment_method = snap.currency, snap.total, snap.payment_method
    order.customer_id = customer_id if customer_id is not None else order.customer_id
    order.buyer_name, order.buyer_email = snap.buyer_name, snap.buyer_email
    order.ship_name, order.ship_address = snap.ship_name, dict(snap.ship_address)
    order.ship_postcode, order.ship_country = snap.ship_postcode, snap.ship_country
    order.latest_ship_at, order.return_window_ends_at = snap.latest_ship_at, snap.return_window_ends_at
    order.lines = [
        OrderLine(external_id=line.external_id, channel_sku=line.channel_sku, title=line.title[:500],
                  quantity=line.quantity, unit_price=line.unit_price, currency=line.currency,
                  product_id=products.get(line.channel_sku or ""))
        for line in snap.lines
    ]
    order.shipments = [
        Shipment(carrier=s.carrier, service=s.service, tracking_number=s.tracking_number, tracking_url=s.tracking_url,
                 shipped_at=s.shipped_at, estimated_delivery_at=s.estimated_delivery_at, delivered_at=s.delivered_at,
                 status=s.status)
        for s in snap.shipments
    ]


def record_orders(session: Session, channel_id: int, page: OrderPage, *, stream: str = "orders") -> OrderSyncResult:
    """Upsert one page of orders, link waiting tickets, suggest merges, advance the cursor; one transaction."""
    result = OrderSyncResult()
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise LookupError(f"unknown channel {channel_id}")
    snaps = {s.external_id: s for s in page.orders}
    existing = {
        o.external_id: o
        for o in session.scalars(
            select(Order).where(Order.channel_id == channel_id, Order.external_id.in_(snaps))
            .options(selectinload(Order.lines), selectinload(Order.shipments))
        )
    } if snaps else {}
    customers = resolve_customers(session, [s.buyer for s in snaps.values() if s.buyer], channel_id)
    products = _products_for(session, channel_id, {line.channel_sku for s in snaps.values() for line in s.lines if line.channel_sku})
    for ref, snap in snaps.items():
        customer_id = None
        if snap.buyer is not None:
            customer_id = customers.get((snap.buyer.kind, normalise_identity(snap.buyer.kind, snap.buyer.value)))
        order = existing.get(ref)
        if order is None:
            order = Order(channel_id=channel_id, external_id=ref[:120])
            session.add(order)
            result.created += 1
        else:
            result.updated += 1
        _apply(order, snap, customer_id, products)
    session.flush()
    result.linked_ticket_ids = _link_waiting_tickets(session, channel_id, snaps)
    result.linked_tickets = len(result.linked_ticket_ids)
    result.suggestions = _suggest_merges(session, [o for o in (existing.get(r) for r in snaps) if o] +
                                         list(session.scalars(select(Order).where(Order.channel_id == channel_id,
                                                                                  Order.external_id.in_(set(snaps) - set(existing))))))
    result.quarantined = quarantine_failures(session, channel_id, page.failures)
    channel.poll_cursor = {**(channel.poll_cursor or {}), stream: page.cursor}
    session.commit()
    return result


def _link_waiting_tickets(session: Session, channel_id: int, snaps: dict[str, OrderSnapshot]) -> list[int]:
    """Tickets that mentioned one of these orders before it was synced now point at it; their ids."""
    if not snaps:
        return []
    ids = dict(session.execute(select(Order.external_id, Order.id).where(Order.channel_id == channel_id,
                                                                         Order.external_id.in_(snaps))).all())
    linked = []
    for ticket in session.scalars(select(Ticket).where(Ticket.channel_id == channel_id, Ticket.order_id.is_(None),
                                                       Ticket.order_ref.in_(ids))):
        ticket.order_id = ids[ticket.order_ref or ""]
        linked.append(ticket.id)
    return linked


def _suggest_merges(session: Session, orders: list[Order]) -> int:
    """Customers with the same postcode and nearly the same name become suggestions for an agent."""
    with_address = [o for o in orders if o.customer_id and o.ship_postcode and (o.ship_name or o.buyer_name)]
    if not with_address:
        return 0
    postcodes = {o.ship_postcode for o in with_address}
    others = session.execute(
        select(Order.customer_id, Order.ship_postcode, Order.ship_name, Order.buyer_name)
        .where(Order.ship_postcode.in_(postcodes), Order.customer_id.is_not(None)).distinct()
    ).all()
    known = {(a, b) for a, b in session.execute(select(CustomerMergeSuggestion.customer_id, CustomerMergeSuggestion.candidate_id))}
    added = 0
    for order in with_address:
        name = (order.ship_name or order.buyer_name or "").lower()
        for customer_id, postcode, ship_name, buyer_name in others:
            if customer_id == order.customer_id or postcode != order.ship_postcode:
                continue
            pair = (min(customer_id, order.customer_id), max(customer_id, order.customer_id))
            if pair in known:
                continue
            score = fuzz.token_sort_ratio(name, (ship_name or buyer_name or "").lower())
            if score >= NAME_MATCH_THRESHOLD:
                session.add(CustomerMergeSuggestion(customer_id=pair[0], candidate_id=pair[1], score=float(score),
                                                    reasons={"postcode": postcode, "name_similarity": score}))
                known.add(pair)
                added += 1
    return added


def _product_ids(session: Session, channel_id: int | None, skus: set[str], titles: dict[str, str]) -> dict[str, int]:
    """Our product for each SKU: through the channel's listings, else the same SKU, created if new."""
    found = _products_for(session, channel_id, skus) if channel_id is not None else {}
    missing = skus - set(found)
    if missing:
        by_sku = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(missing))).all())
        for sku in missing - set(by_sku):
            product = Product(sku=sku[:120], title=titles.get(sku, "")[:500])
            session.add(product)
            session.flush()
            by_sku[sku] = product.id
        if channel_id is not None:
            for sku in missing:
                session.add(Listing(channel_id=channel_id, channel_sku=sku[:120], product_id=by_sku[sku], title=titles.get(sku)))
        found.update(by_sku)
    return found


def _upsert_levels(session: Session, rows: Iterable[tuple[int, str, int, int, str, datetime]]) -> int:
    rows = list(rows)
    if not rows:
        return 0
    existing = {
        (lvl.product_id, lvl.warehouse): lvl
        for lvl in session.scalars(select(StockLevel).where(StockLevel.product_id.in_({r[0] for r in rows})))
    }
    for product_id, warehouse, on_hand, reserved, source, at in rows:
        level = existing.get((product_id, warehouse))
        if level is None:
            level = StockLevel(product_id=product_id, warehouse=warehouse[:120])
            session.add(level)
            existing[(product_id, warehouse)] = level
        level.on_hand, level.reserved, level.source, level.updated_at = on_hand, reserved, source, at
    return len(rows)


def record_stock(session: Session, channel_id: int, page: StockPage, *, stream: str = "stock") -> int:
    """Upsert one page of a channel's stock levels and advance its cursor; one transaction."""
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise LookupError(f"unknown channel {channel_id}")
    products = _product_ids(session, channel_id, {lvl.channel_sku for lvl in page.levels},
                            {lvl.channel_sku: lvl.title or "" for lvl in page.levels})
    now = utcnow()
    count = _upsert_levels(session, (
        (products[lvl.channel_sku], lvl.warehouse, lvl.on_hand, lvl.reserved, channel.platform.value, lvl.updated_at or now)
        for lvl in page.levels
    ))
    quarantine_failures(session, channel_id, page.failures)
    channel.poll_cursor = {**(channel.poll_cursor or {}), stream: page.cursor}
    session.commit()
    return count


class StockImportError(ValueError):
    """The stock file has bad rows; nothing was imported."""


IMPORT_COLUMNS = ("sku", "warehouse", "on_hand", "reserved")


def _parse_stock_csv(path: Path) -> list[tuple[str, str, int, int]]:
    rows: list[tuple[str, str, int, int]] = []
    errors: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in IMPORT_COLUMNS if c not in header]
        if missing:
            raise StockImportError(f"{path.name}: missing column(s) {', '.join(missing)}; expected {','.join(IMPORT_COLUMNS)}")
        reader.fieldnames = header
        for line_no, row in enumerate(reader, start=2):
            sku, warehouse = (row.get("sku") or "").strip(), (row.get("warehouse") or "").strip()
            try:
                on_hand, reserved = int(row.get("on_hand") or ""), int(row.get("reserved") or 0)
            except ValueError:
                errors.append(f"line {line_no}: on_hand and reserved must be whole numbers")
                continue
            if not sku or not warehouse:
                errors.append(f"line {line_no}: sku and warehouse are required")
            elif len(sku) > 120 or len(warehouse) > 120:
                errors.append(f"line {line_no}: sku and warehouse are at most 120 characters")
            elif on_hand < 0 or reserved < 0:
                errors.append(f"line {line_no}: on_hand and reserved cannot be negative")
            else:
                rows.append((sku, warehouse, on_hand, reserved))
    if errors:
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        raise StockImportError(f"{path.name}: {len(errors)} bad row(s), nothing imported: {shown}")
    return rows


def import_stock_csv(session: Session, path: Path, *, batch_size: int = 2000,
                     progress: Callable[[int], None] | None = None) -> int:
    """Import `sku,warehouse,on_hand,reserved` rows; all or nothing; return the rows imported."""
    rows = _parse_stock_csv(path)
    now = utcnow()
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        products = _product_ids(session, None, {r[0] for r in chunk}, {})
        _upsert_levels(session, ((products[sku], wh, on_hand, reserved, "import", now) for sku, wh, on_hand, reserved in chunk))
        session.flush()
        if progress:
            progress(len(chunk))
    session.commit()
    return len(rows)
