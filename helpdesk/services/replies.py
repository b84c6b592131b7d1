"""An agent's reply from the ticket page: checked against what the agent has seen, then queued."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.events import DRAFT_READY, Event
from helpdesk.models import (
    Agent,
    BotDraft,
    Direction,
    DraftState,
    Message,
    Ticket,
    utcnow,
)
from helpdesk.services.outbox import queue_reply


class ReplyConflict(Exception):
    """Someone wrote on the ticket since the agent's page loaded; the agent should read it first."""

    def __init__(self, new_messages: list[Message], version: int) -> None:
        super().__init__(f"{len(new_messages)} new message(s) since the page loaded")
        self.new_messages = new_messages
        self.version = version


@dataclass(frozen=True)
class SentReply:
    """The queued reply and the events to publish."""

    message_id: int
    events: list[Event]


def messages_since(session: Session, ticket_id: int, after_id: int) -> list[Message]:
    """Buyer and agent messages (not notes) newer than `after_id`, oldest first."""
    return list(session.scalars(
        select(Message).where(Message.ticket_id == ticket_id, Message.id > after_id, Message.direction != Direction.NOTE)
        .order_by(Message.id)
    ))


def send_reply(session: Session, ticket_id: int, text: str, *, agent: Agent, seen_version: int | None,
               seen_message_id: int, draft_id: int | None = None, confirmed: bool = False) -> SentReply:
    """Queue the agent's reply unless the ticket changed and someone wrote since the page loaded.

    The ticket's version (bumped by every change) is the cheap check; the messages since the
    last one shown decide. A confirmed send goes through with the agent having seen them.
    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise LookupError(ticket_id)
    if not confirmed and seen_version is not None and ticket.version != seen_version:
        newer = messages_since(session, ticket_id, seen_message_id)
        if newer:
            raise ReplyConflict(newer, ticket.version)
    queued = queue_reply(session, ticket_id, text, agent=agent)
    if draft_id is not None:
        draft = session.get(BotDraft, draft_id)
        if draft is not None and draft.ticket_id == ticket_id and draft.state == DraftState.PENDING:
            draft.state, draft.decided_at, draft.decided_by_id = DraftState.SENT, utcnow(), agent.id
            draft.sent_message_id = queued.message_id
            session.commit()
    return SentReply(queued.message_id, queued.events)


def discard_draft(session: Session, ticket_id: int, draft_id: int, *, agent: Agent) -> list[Event]:
    """Set the bot's pending draft aside."""
    draft = session.get(BotDraft, draft_id)
    if draft is None or draft.ticket_id != ticket_id or draft.state != DraftState.PENDING:
        return []
    draft.state, draft.decided_at, draft.decided_by_id = DraftState.DISCARDED, utcnow(), agent.id
    session.commit()
    return [Event(DRAFT_READY, {"ticket_id": ticket_id, "draft_id": None})]
