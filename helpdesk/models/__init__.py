"""The domain model: one module per concept, re-exported here."""

from helpdesk.models.agent import UI_LANGUAGES, Agent, LoginAttempt, Role
from helpdesk.models.audit import AuditEvent
from helpdesk.models.base import Base, UTCDateTime, utcnow
from helpdesk.models.channel import Channel, Platform, PollStatus
from helpdesk.models.customer import Customer, CustomerIdentity, CustomerMergeSuggestion, IdentityKind, MergeSuggestionState
from helpdesk.models.draft import BotDraft, DraftAction, DraftState
from helpdesk.models.message import AuthorKind, DeliveryState, Direction, Message
from helpdesk.models.order import Order, OrderLine, OrderStatus, Shipment
from helpdesk.models.outbox import OutboxItem, OutboxState
from helpdesk.models.product import Listing, Product, StockLevel
from helpdesk.models.quarantine import QuarantinedPayload
from helpdesk.models.sla import BusinessCalendar, CalendarClosedDay, ClockKind, PolicyKind, SlaPolicy
from helpdesk.models.ticket import SlaState, Ticket, TicketPriority, TicketStatus, TicketTag

__all__ = [
    "UI_LANGUAGES", "Agent", "AuditEvent", "AuthorKind", "Base", "BotDraft", "BusinessCalendar",
    "CalendarClosedDay", "Channel", "ClockKind", "Customer", "CustomerIdentity", "CustomerMergeSuggestion",
    "DeliveryState", "Direction", "DraftAction", "DraftState", "IdentityKind", "Listing", "LoginAttempt",
    "MergeSuggestionState", "Message", "Order", "OrderLine", "OrderStatus", "OutboxItem", "OutboxState",
    "Platform", "PolicyKind", "PollStatus", "Product", "QuarantinedPayload", "Role", "Shipment", "SlaPolicy",
    "SlaState", "StockLevel", "Ticket", "TicketPriority", "TicketStatus", "TicketTag", "UTCDateTime", "utcnow",
]
