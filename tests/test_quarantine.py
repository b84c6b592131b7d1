"""Re-processing a quarantined payload once its parser can read it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.connectors import connector_for
from helpdesk.models import Message, Platform, QuarantinedPayload
from helpdesk.services.quarantine import ReprocessError, fingerprint, reprocess_quarantined
from tests import factories

GOOD_MAIL = (
    "From: Jana Nowak <jana@example.com>\r\nTo: shop@example.com\r\nSubject: Paket?\r\n"
    "Message-ID: <abc-1@example.com>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0100\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nWo ist mein Paket?\r\n"
)


def quarantined(session: Session, platform: Platform, raw: str, kind: str = "message") -> QuarantinedPayload:
    channel = factories.make_channel(session, platform=platform, settings={"from_address": "shop@example.com"})
    payload = QuarantinedPayload(channel_id=channel.id, kind=kind, raw=raw, fingerprint=fingerprint(raw), error="old parser")
    session.add(payload)
    session.commit()
    return payload


def test_a_payload_that_now_parses_is_ingested_and_resolved(session: Session) -> None:
    payload = quarantined(session, Platform.EMAIL, GOOD_MAIL)
    events = reprocess_quarantined(session, payload.id, connector_for)
    message = session.scalars(select(Message)).one()
    assert message.external_id == "<abc-1@example.com>" and "Paket" in message.body_text
    session.refresh(payload)
    assert payload.resolved and payload.attempts == 1 and events


def test_a_payload_still_broken_keeps_its_place_with_the_new_reason(session: Session) -> None:
    payload = quarantined(session, Platform.EMAIL, "Subject: no sender\r\n\r\nhello")
    with pytest.raises(ReprocessError, match="still unreadable"):
        reprocess_quarantined(session, payload.id, connector_for)
    session.refresh(payload)
    assert not payload.resolved and payload.attempts == 1 and "From" in payload.error


def test_unsupported_payload_kinds_say_so(session: Session) -> None:
    payload = quarantined(session, Platform.SHOPIFY, '{"id": 1}', kind="order")
    with pytest.raises(ReprocessError, match="not supported yet"):
        reprocess_quarantined(session, payload.id, connector_for)


def test_an_ebay_message_body_is_reparsed(session: Session) -> None:
    raw = ('<Message xmlns="urn:ebay:apis:eBLBaseComponents"><Sender>jana_1987</Sender><Subject>Frage</Subject>'
           '<MessageID>881</MessageID><Content>Wann wird versendet?</Content>'
           '<ReceiveDate>2026-11-26T10:00:00.000Z</ReceiveDate><ItemID>1234</ItemID>'
           '<MessageType>AskSellerQuestion</MessageType></Message>')
    payload = quarantined(session, Platform.EBAY, raw)
    reprocess_quarantined(session, payload.id, connector_for)
    assert session.scalars(select(Message.body_text)).one() == "Wann wird versendet?"
