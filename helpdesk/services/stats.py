"""Counts for `helpdesk stats` and the admin's overview."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Customer, Direction, Message, Order, OutboxItem, OutboxState, QuarantinedPayload, Ticket


def collect_stats(session: Session) -> dict[str, int]:
    """How many tickets, messages, customers, orders, quarantined payloads and outbox items there are."""

    def count(stmt: object) -> int:
        return int(session.scalar(stmt) or 0)  # type: ignore[arg-type]

    by_direction = dict(session.execute(select(Message.direction, func.count()).group_by(Message.direction)).all())
    by_state = dict(session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all())
    return {
        "tickets": count(select(func.count()).select_from(Ticket)),
        "messages_inbound": int(by_direction.get(Direction.INBOUND, 0)),
        "messages_outbound": int(by_direction.get(Direction.OUTBOUND, 0)),
        "notes": int(by_direction.get(Direction.NOTE, 0)),
        "customers": count(select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))),
        "orders": count(select(func.count()).select_from(Order)),
        "quarantined": count(select(func.count()).select_from(QuarantinedPayload).where(QuarantinedPayload.resolved.is_(False))),
        "outbox_pending": int(by_state.get(OutboxState.PENDING, 0)) + int(by_state.get(OutboxState.SENDING, 0)),
        "outbox_sent": int(by_state.get(OutboxState.SENT, 0)),
        "outbox_failed": int(by_state.get(OutboxState.FAILED, 0)),
    }
