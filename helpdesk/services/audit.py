"""Recording audit events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from helpdesk.models import Agent, AuditEvent


def record_event(
    session: Session,
    action: str,
    *,
    agent: Agent | None = None,
    actor: str | None = None,
    obj: object | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    address: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it)."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__.lower())
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        action=action,
        agent_id=agent.id if agent is not None else None,
        actor=actor or (f"agent:{agent.id}" if agent is not None else "system"),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        address=address,
        data=data or {},
    )
    session.add(event)
    return event
