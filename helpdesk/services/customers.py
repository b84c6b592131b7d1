"""Customers across platforms: resolve identities to one person, merge and unmerge."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.connectors.base import BuyerRef
from helpdesk.models import Agent, AuditEvent, Customer, CustomerIdentity, IdentityKind, Order, Ticket, utcnow
from helpdesk.services.audit import record_event

IdentityKey = tuple[str, str]


class CustomerError(ValueError):
    """A merge or unmerge that cannot be done; the message says why."""


def normalise_identity(kind: str, value: str) -> str:
    """The form an identity is stored and looked up in (e-mail lower-cased, phone digits only)."""
    value = value.strip()
    if kind in (IdentityKind.EMAIL.value, IdentityKind.AMAZON_RELAY.value):
        return value.lower()
    if kind == IdentityKind.PHONE.value:
        digits = re.sub(r"[^\d+]", "", value)
        return digits if digits.startswith("+") else digits.lstrip("0")
    return value


def _keys(buyer: BuyerRef) -> tuple[IdentityKey, list[IdentityKey]]:
    """The buyer's own identity key and its strong keys (verified e-mail, phone)."""
    own = (buyer.kind, normalise_identity(buyer.kind, buyer.value))
    strong = []
    if buyer.email and own[0] != IdentityKind.EMAIL.value:
        strong.append((IdentityKind.EMAIL.value, normalise_identity("email", buyer.email)))
    if buyer.phone:
        strong.append((IdentityKind.PHONE.value, normalise_identity("phone", buyer.phone)))
    return own, strong


def resolve_customers(session: Session, buyers: Iterable[BuyerRef], channel_id: int | None) -> dict[IdentityKey, int]:
    """Map each buyer's identity key to a customer id, creating customers and identities as needed.

    One query for all buyers of a page. Identities merge automatically only on strong keys
    (the same verified e-mail or phone); everything else is a suggestion for an agent.
    The caller's transaction commits.
    """
    wanted: dict[IdentityKey, BuyerRef] = {}
    strong_of: dict[IdentityKey, list[IdentityKey]] = {}
    for buyer in buyers:
        own, strong = _keys(buyer)
        if own[1] and own not in wanted:
            wanted[own] = buyer
            strong_of[own] = strong
    if not wanted:
        return {}
    all_keys = set(wanted) | {k for ks in strong_of.values() for k in ks}
    existing: dict[IdentityKey, CustomerIdentity] = {}
    for identity in session.scalars(
        select(CustomerIdentity).where(CustomerIdentity.value.in_({value for _, value in all_keys}))
    ):
        key = (identity.kind.value, identity.value)
        if key in all_keys:
            existing[key] = identity

    now = utcnow()
    resolved: dict[IdentityKey, int] = {}
    created: list[tuple[IdentityKey, Customer]] = []
    pending: list[tuple[CustomerIdentity, int | Customer]] = []
    owner_of: dict[IdentityKey, int | Customer] = {}  # owners of identities created in this call
    for key, buyer in wanted.items():
        identity = existing.get(key)
        if identity is not None:
            owner = owner_of.get(key)  # created a moment ago for an earlier buyer of this page
            if isinstance(owner, Customer):
                created.append((key, owner))
            else:
                identity.last_seen_at = now
                if buyer.display_name and not identity.display_name:
                    identity.display_name = buyer.display_name[:200]
                resolved[key] = owner if owner is not None else identity.customer_id
            continue
        match = next((owner_of.get(k) or existing[k].customer_id for k in strong_of[key] if k in existing), None)
        if match is not None:
            customer_id: int | Customer = match
        else:
            customer = Customer(
                display_name=(buyer.display_name or None) and buyer.display_name[:200],
                email=buyer.email and normalise_identity("email", buyer.email),
                phone=buyer.phone,
            )
            session.add(customer)
            customer_id = customer
        new_identities = [(key, False)] + [(k, True) for k in strong_of[key] if k not in existing]
        for (kind, value), verified in new_identities:
            identity = CustomerIdentity(
                kind=IdentityKind(kind), value=value[:320], channel_id=channel_id, verified=verified,
                display_name=(buyer.display_name or None) and buyer.display_name[:200],
                first_seen_at=now, last_seen_at=now,
            )
            pending.append((identity, customer_id))
            existing[(kind, value)] = identity
            owner_of[(kind, value)] = customer_id
        if isinstance(customer_id, int):
            resolved[key] = customer_id
        else:
            created.append((key, customer_id))
    if created:
        session.flush()  # one INSERT for the new customers, then their identities by id
        for key, customer in created:
            resolved[key] = customer.id
    for identity, owner in pending:
        identity.customer_id = owner.id if isinstance(owner, Customer) else owner
    session.add_all([identity for identity, _ in pending])
    return resolved


def merge_customers(session: Session, source_id: int, target_id: int, *, agent: Agent | None = None) -> None:
    """Move every identity, ticket and order of `source` to `target`, recording how to undo it."""
    if source_id == target_id:
        raise CustomerError("a customer cannot be merged into itself")
    source, target = session.get(Customer, source_id), session.get(Customer, target_id)
    if source is None or target is None:
        raise CustomerError("unknown customer")
    if source.merged_into_id is not None:
        raise CustomerError(f"customer {source_id} is already merged into {source.merged_into_id}")
    ticket_ids = list(session.scalars(select(Ticket.id).where(Ticket.customer_id == source_id)))
    order_ids = list(session.scalars(select(Order.id).where(Order.customer_id == source_id)))
    identity_ids = list(session.scalars(select(CustomerIdentity.id).where(CustomerIdentity.customer_id == source_id)))
    session.execute(
        update(CustomerIdentity)
        .where(CustomerIdentity.id.in_(identity_ids), CustomerIdentity.original_customer_id.is_(None))
        .values(original_customer_id=source_id)
    )
    session.execute(update(CustomerIdentity).where(CustomerIdentity.id.in_(identity_ids)).values(customer_id=target_id))
    if ticket_ids:
        for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))):
            ticket.customer_id = target_id  # through the ORM, so each ticket's version is bumped
    session.execute(update(Order).where(Order.id.in_(order_ids)).values(customer_id=target_id))
    source.merged_into_id = target_id
    record_event(session, "customer.merged", agent=agent, obj=source,
                 data={"into": target_id, "tickets": ticket_ids, "orders": order_ids, "identities": identity_ids})
    session.commit()


def unmerge_customer(session: Session, source_id: int, *, agent: Agent | None = None) -> None:
    """Undo the last merge of `source`: its identities, tickets and orders go back to it."""
    source = session.get(Customer, source_id)
    if source is None or source.merged_into_id is None:
        raise CustomerError(f"customer {source_id} is not merged")
    merge = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "customer.merged", AuditEvent.object_type == "customers",
               AuditEvent.object_id == str(source_id))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if merge is None:
        raise CustomerError(f"no merge of customer {source_id} is recorded")
    data = merge.data
    session.execute(update(CustomerIdentity).where(CustomerIdentity.id.in_(data["identities"])).values(customer_id=source_id))
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(data["tickets"]))):
        ticket.customer_id = source_id
    session.execute(update(Order).where(Order.id.in_(data["orders"])).values(customer_id=source_id))
    target_id = source.merged_into_id
    source.merged_into_id = None
    record_event(session, "customer.unmerged", agent=agent, obj=source, data={"from": target_id})
    session.commit()
