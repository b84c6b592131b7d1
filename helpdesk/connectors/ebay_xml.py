"""eBay Trading API XML: building requests with ElementTree and reading `Ack`/`Errors`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from helpdesk.connectors.base import PayloadError, PermanentError, RateLimited, TransientError

NS = "urn:ebay:apis:eBLBaseComponents"
Q = "{" + NS + "}"

# Codes eBay answers when a call quota or the AddMemberMessage* per-minute limit is hit.
RATE_LIMIT_CODES = frozenset({"518", "10001", "21919144", "21919165"})
# Tokens and application keys that no retry will fix.
AUTH_CODES = frozenset({"931", "932", "16110", "16112", "17470", "21916013", "841", "127"})

Field = tuple[str, Any]


def _add(parent: ET.Element, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        child = ET.SubElement(parent, name)
        for key, sub in value.items():
            _add(child, key, sub)
    elif isinstance(value, list | tuple):
        for item in value:
            _add(parent, name, item)
    else:
        child = ET.SubElement(parent, name)
        if isinstance(value, bool):
            child.text = "true" if value else "false"
        else:
            child.text = str(value)


def build_request(call: str, fields: Sequence[Field], *, token: str | None = None, message_id: str | None = None) -> bytes:
    """`<{call}Request xmlns=...>` with the fields in order; text is escaped by ElementTree."""
    root = ET.Element(f"{call}Request", {"xmlns": NS})
    if token:
        _add(root, "RequesterCredentials", {"eBayAuthToken": token})
    for name, value in fields:
        _add(root, name, value)
    if message_id:
        # AbstractRequestType.MessageID: echoed as CorrelationID; we use the idempotency key.
        _add(root, "MessageID", message_id)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def parse(raw: bytes | str) -> ET.Element:
    """The response root, or PayloadError (DTDs are refused: eBay never sends one)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "<!DOCTYPE" in text[:2000] or "<!ENTITY" in text[:2000]:
        raise PayloadError("XML with a DTD refused", raw=text[:200_000])
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise PayloadError(f"response is not XML: {exc}", raw=text[:200_000]) from None
    return root


def text(el: ET.Element | None, path: str, default: str | None = None) -> str | None:
    """Text of the first element at a namespaced path like 'Question/Body'."""
    if el is None:
        return default
    found = el.find("/".join(Q + part for part in path.split("/")))
    if found is None or found.text is None:
        return default
    return found.text


def findall(el: ET.Element, path: str) -> list[ET.Element]:
    """All elements at a namespaced path."""
    return el.findall("/".join(Q + part for part in path.split("/")))


def check_ack(root: ET.Element, raw: str) -> None:
    """Raise the right error for `Ack=Failure`; Warning and Success pass."""
    if not root.tag.startswith(Q):
        raise PayloadError("not an eBay Trading response", raw=raw)
    ack = text(root, "Ack")
    if ack is None:
        raise PayloadError("response without Ack", raw=raw)
    if ack not in ("Failure", "PartialFailure"):
        return
    errors = [
        (text(e, "ErrorCode", "") or "", text(e, "SeverityCode", "Error"), text(e, "ErrorClassification", ""),
         text(e, "ShortMessage", "") or "")
        for e in findall(root, "Errors")
    ]
    serious = [e for e in errors if e[1] != "Warning"] or errors
    if not serious:
        raise TransientError("Ack=Failure without Errors")
    code, _severity, classification, short = serious[0]
    summary = f"eBay error {code}: {short}"[:300]
    if any(e[0] in RATE_LIMIT_CODES for e in serious):
        raise RateLimited(None, summary)
    if any(e[0] in AUTH_CODES for e in serious):
        raise PermanentError(summary)
    if classification == "SystemError":
        raise TransientError(summary)
    raise PermanentError(summary)
