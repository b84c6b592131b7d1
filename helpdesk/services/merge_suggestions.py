"""An agent's answer to a suggested customer merge: confirm (merge the two) or reject."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk.events import TICKET_UPDATED, Event
from helpdesk.models import (
    Agent,
    CustomerMergeSuggestion,
    MergeSuggestionState,
    Ticket,
    utcnow,
)
from helpdesk.services.customers import CustomerError, merge_customers


def decide_suggestion(session: Session, suggestion_id: int, *, confirm: bool, agent: Agent,
                      keep_customer_id: int | None = None) -> list[Event]:
    """Confirm (the other customer merges into `keep_customer_id`) or reject a pending suggestion."""
    suggestion = session.get(CustomerMergeSuggestion, suggestion_id)
    if suggestion is None or suggestion.state != MergeSuggestionState.PENDING:
        raise CustomerError("no such pending suggestion")
    suggestion.decided_at, suggestion.decided_by_id = utcnow(), agent.id
    if not confirm:
        suggestion.state = MergeSuggestionState.REJECTED
        session.commit()
        return []
    keep = keep_customer_id if keep_customer_id in (suggestion.customer_id, suggestion.candidate_id) else suggestion.customer_id
    source = suggestion.candidate_id if keep == suggestion.customer_id else suggestion.customer_id
    suggestion.state = MergeSuggestionState.CONFIRMED
    merge_customers(session, source, keep, agent=agent)  # commits the decision with the merge
    ticket_ids = session.scalars(Ticket.__table__.select().with_only_columns(Ticket.id).where(Ticket.customer_id == keep))
    return [Event(TICKET_UPDATED, {"ticket_id": t}) for t in ticket_ids]
