"""Signed reply tokens: how an e-mail answer finds its ticket without trusting headers.

In-Reply-To and References are written by the sender, so anyone can copy another
ticket's Message-ID into them. Our outgoing replies therefore carry a token
``<ticket ref>.<HMAC-SHA256 of it>`` (in the Message-ID, an optional Reply-To
plus-address and a short footer line); an inbound message is attached to a ticket by
token only when the HMAC verifies with the channel's secret.

Carriers embed a token after the marker ``hd.`` so it can be found in any of them:
``<hd.T-42.9f0c...@shop.example>``, ``support+hd.T-42.9f0c...@shop.example``,
``[ref: hd.T-42.9f0c...]``.
"""

from __future__ import annotations

import hashlib
import hmac
import re

MARKER = "hd."
# Ticket references are restricted so a token is safe in a Message-ID, a local part and
# a subject line without quoting: letters, digits, '-' and '_'.
_REF = r"[A-Za-z0-9_-]{1,64}"
_SIG_HEX = 24  # 96 bits: forging one means guessing online against the mailbox
_REF_RE = re.compile(rf"{_REF}\Z")
_TOKEN_RE = re.compile(rf"({_REF})\.([0-9a-f]{{{_SIG_HEX}}})\Z")
_CARRIED_RE = re.compile(rf"(?<![A-Za-z0-9_])hd\.({_REF}\.[0-9a-f]{{{_SIG_HEX}}})(?![0-9a-f])")
_DOMAIN = b"helpdesk reply token v1\x00"


def _secret_bytes(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    return key


def _signature(key: bytes, ticket_ref: str) -> str:
    return hmac.new(key, _DOMAIN + ticket_ref.encode("ascii"), hashlib.sha256).hexdigest()[:_SIG_HEX]


def make_reply_token(secret: str | bytes, ticket_ref: str) -> str:
    """The token for a ticket reference: ``ref.signature``."""
    key = _secret_bytes(secret)
    if not key:
        raise ValueError("reply_token_secret is empty")
    if not _REF_RE.match(ticket_ref):
        raise ValueError("ticket reference must be 1-64 of A-Z a-z 0-9 - _")
    return f"{ticket_ref}.{_signature(key, ticket_ref)}"


def verify_reply_token(secret: str | bytes, token: str) -> str | None:
    """The ticket reference a token was made for, or None if it is forged, tampered or malformed."""
    key = _secret_bytes(secret)
    if not key or not isinstance(token, str):
        return None
    if token.startswith(MARKER):
        token = token[len(MARKER) :]
    match = _TOKEN_RE.match(token)
    if match is None:
        return None
    ref, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(key, ref)):
        return None
    return ref


def carried(token: str) -> str:
    """The token with its marker, as placed in a Message-ID, address or footer."""
    return MARKER + token


def find_reply_tokens(text: str) -> list[str]:
    """Every marked token-shaped string in a text, in order (not yet verified)."""
    return [m.group(1) for m in _CARRIED_RE.finditer(text or "")]


def first_valid_token(secret: str | bytes, texts: list[str]) -> str | None:
    """The ticket reference of the first token in `texts` that verifies."""
    for text in texts:
        for token in find_reply_tokens(text):
            ref = verify_reply_token(secret, token)
            if ref is not None:
                return ref
    return None
