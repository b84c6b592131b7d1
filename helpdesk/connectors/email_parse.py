"""Turn one raw RFC 5322 message into an InboundMessage, or say why it cannot be."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from email import errors, policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from helpdesk.connectors.base import Attachment, BuyerRef, InboundMessage
from helpdesk.connectors.email_text import html_to_text, new_text, normalise_newlines
from helpdesk.connectors.reply_token import first_valid_token

MAX_ID_LENGTH = 255  # messages.external_id / in_reply_to columns
_MSG_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,250}>")
_ADDR_SPEC = re.compile(r"[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.\-\[\]:_]{1,255}")
_MAX_REFERENCES = 20
_CLOCK_SKEW = timedelta(hours=1)  # a sender's clock may run this far ahead


class MessageParseError(Exception):
    """A message that cannot become an InboundMessage; the reason goes to quarantine."""


def raw_hash_id(raw: bytes) -> str:
    """A stable external id for a message without a usable Message-ID."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def message_ids(value: str | None) -> list[str]:
    """The well-formed ``<id>`` tokens of a Message-ID, In-Reply-To or References header."""
    return _MSG_ID.findall(value or "")


def clean_header_text(value: str) -> str:
    """A header value as one line: control characters (CR, LF, NUL...) become spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", value)).strip()


def is_addr_spec(address: str) -> bool:
    """True for one plain ``local@domain`` with nothing a header could be injected with."""
    return bool(_ADDR_SPEC.fullmatch(address))


def _header(msg: Message, name: str) -> str | None:
    """A header's decoded value; a header the parser cannot read counts as absent."""
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError, LookupError):
        return None
    return None if value is None else str(value)


def _first_address(msg: Message, name: str) -> tuple[str, str]:
    """(display name, address) of the first mailbox in an address header, or ('', '')."""
    value = _header(msg, name)
    if not value:
        return "", ""
    for display, address in getaddresses([value]):
        address = address.strip()
        if is_addr_spec(address):
            return clean_header_text(display), address
    return "", ""


def _text_of(part: EmailMessage) -> str:
    """A text part decoded from its transfer encoding and charset."""
    try:
        content = part.get_content()
    except LookupError as exc:  # a charset Python does not know
        payload = part.get_payload(decode=True) or b""
        try:
            content = payload.decode("utf-8")
        except UnicodeDecodeError:
            charset = part.get_content_charset() or "?"
            raise MessageParseError(f"undecodable body: unknown charset {charset[:40]!r}") from exc
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    text = str(content)
    if any(isinstance(defect, errors.InvalidBase64LengthDefect) for defect in part.defects):
        # The email package hands back the undecoded base64 text in this case.
        raise MessageParseError("undecodable body: broken base64")
    replaced = text.count("\ufffd")
    if replaced > max(3, len(text) // 10):
        # A stray byte is tolerated (shown as U+FFFD); a body mostly not in its charset is not.
        charset = part.get_content_charset() or "us-ascii"
        raise MessageParseError(f"undecodable body: not valid {charset[:40]}")
    return text


def _attachments(msg: EmailMessage) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if part.get_content_disposition() != "attachment" and not filename:
            continue
        payload = part.get_payload(decode=True)
        name = clean_header_text(str(filename or "attachment"))[:255] or "attachment"
        found.append(Attachment(name=name, content_type=part.get_content_type(), size=len(payload or b"")))
    return tuple(found)


def _sent_at(msg: Message, received_at: datetime | None) -> datetime:
    """The Date header in UTC; the server's arrival time when it is missing or in the future.

    Date is the sender's claim: a message dated ahead of its arrival would jump the SLA queue.
    """
    received = received_at.astimezone(UTC) if received_at is not None else None
    value = _header(msg, "Date")
    when = None
    if value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is not None:
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if received is None or when <= received + _CLOCK_SKEW:
            return when
    return received if received is not None else datetime.now(UTC)


def _order_id(pattern: re.Pattern[str] | None, *texts: str) -> str | None:
    if pattern is None:
        return None
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(match.lastindex or 0) if pattern.groups else match.group(0)
    return None


_RELAY_SUFFIX = re.compile(r"\s+-\s+Amazon(\s+Marketplace)?\s*$", re.IGNORECASE)


def parse_message(
    raw: bytes,
    *,
    identity_kind: str = "email",
    order_id_pattern: re.Pattern[str] | None = None,
    token_secret: str | bytes = "",
    received_at: datetime | None = None,
    buyer_from_reply_to: bool = False,
) -> InboundMessage:
    """Parse one raw message; raises MessageParseError with a short reason."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    from_name, from_address = _first_address(msg, "From")
    reply_name, reply_address = _first_address(msg, "Reply-To")
    if not from_address:
        raise MessageParseError("no usable From address")
    buyer_name, buyer_address = from_name, from_address
    if buyer_from_reply_to and reply_address:
        buyer_name, buyer_address = reply_name, reply_address
    # Amazon's relay writes the buyer as "Jules - Amazon Marketplace": the person is "Jules".
    buyer_name = _RELAY_SUFFIX.sub("", buyer_name or "")

    own_ids = message_ids(_header(msg, "Message-ID"))
    external_id = own_ids[0] if own_ids else raw_hash_id(raw)
    if len(external_id) > MAX_ID_LENGTH:
        external_id = raw_hash_id(external_id.encode())
    in_reply_to = next(iter(message_ids(_header(msg, "In-Reply-To"))), None)
    references = tuple(message_ids(_header(msg, "References")))[-_MAX_REFERENCES:]
    subject = clean_header_text(_header(msg, "Subject") or "")[:500]

    plain = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    body_html = _text_of(html_part) if isinstance(html_part, EmailMessage) else None
    if isinstance(plain, EmailMessage):
        full_text = normalise_newlines(_text_of(plain))
    elif body_html is not None:
        full_text = html_to_text(body_html)
    elif msg.get_content_maintype() == "text":
        full_text = normalise_newlines(_text_of(msg))
    else:
        full_text = ""
    body_text = new_text(full_text)

    ticket_token = None
    if token_secret:
        carriers = [
            in_reply_to or "",
            *reversed(references),
            _header(msg, "To") or "",
            _header(msg, "Delivered-To") or "",
            _header(msg, "Cc") or "",
            subject,
            full_text,
        ]
        ticket_token = first_valid_token(token_secret, carriers)

    return InboundMessage(
        external_id=external_id,
        buyer=BuyerRef(kind=identity_kind, value=buyer_address, display_name=buyer_name or None),
        body_text=body_text,
        body_html=body_html,
        sent_at=_sent_at(msg, received_at),
        subject=subject,
        order_id=_order_id(order_id_pattern, subject, body_text, full_text),
        in_reply_to=in_reply_to if in_reply_to and len(in_reply_to) <= MAX_ID_LENGTH else None,
        references=references,
        attachments=_attachments(msg),
        reply_to={
            "address": reply_address or from_address,
            "message_id": own_ids[0] if own_ids and len(own_ids[0]) <= MAX_ID_LENGTH else None,
            "subject": subject,
            "references": list(references),
        },
        ticket_token=ticket_token,
    )
