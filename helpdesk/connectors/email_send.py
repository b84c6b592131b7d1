"""Replies by SMTP: the message built safely from buyer-controlled facts, and sent once.

The Message-ID is derived from the outbox idempotency key, so a resend after an unknown
outcome carries the same Message-ID and the receiving side can de-duplicate. Every
header value comes from a validated address, a cleaned one-line subject or well-formed
``<id>`` tokens: nothing a buyer wrote can add a header line.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from helpdesk.connectors.base import OutgoingReply, PermanentError, SendResult, TransientError
from helpdesk.connectors.email_parse import clean_header_text, is_addr_spec, message_ids
from helpdesk.connectors.reply_token import carried, make_reply_token

_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|rif|r|wg|res)\s*:", re.IGNORECASE)
_MAX_REFERENCES = 10


def flag(settings: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """A boolean setting that may arrive as a string from a form or environment."""
    value = settings.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def check_plaintext_allowed(settings: Mapping[str, Any], host: str, protocol: str) -> None:
    """Refuse to send a password unencrypted beyond this machine unless told to."""
    if not _is_loopback(host) and not flag(settings, "allow_plaintext_login"):
        raise PermanentError(
            f"{protocol} login to {host} would send the password unencrypted: "
            f"enable {protocol.lower()}_ssl or {protocol.lower()}_starttls (or allow_plaintext_login)"
        )


def _is_transient_smtp(code: int) -> bool:
    return 400 <= code < 500


class ReplySender:
    """Builds and sends replies for one Mailbox's SMTP settings."""

    def __init__(self, settings: Mapping[str, Any], credentials: Mapping[str, Any], timeout: float) -> None:
        self.settings = settings
        self._credentials = credentials
        self.timeout = timeout
        self.from_address = str(settings.get("from_address") or "")
        self._token_secret: str | bytes = credentials.get("reply_token_secret") or ""

    def build(self, reply: OutgoingReply) -> EmailMessage:
        """The reply as an e-mail: deterministic Message-ID, threading headers, token."""
        to = str(reply.reply_to.get("address") or "").strip()
        if not is_addr_spec(to):
            raise PermanentError("reply address is not a single plain e-mail address")
        if not is_addr_spec(self.from_address):
            raise PermanentError("from_address is not configured as a plain e-mail address")
        local, _, domain = self.from_address.partition("@")
        id_domain = str(self.settings.get("message_id_domain") or domain)
        token = None
        if reply.ticket_token and self._token_secret:
            token = make_reply_token(self._token_secret, reply.ticket_token)
        digest = hashlib.sha256(b"helpdesk reply v1\x00" + reply.idempotency_key.encode()).hexdigest()[:32]
        message_id = f"<{carried(token)}.{digest}@{id_domain}>" if token else f"<{digest}@{id_domain}>"

        msg = EmailMessage()
        from_name = clean_header_text(str(self.settings.get("from_name") or ""))
        msg["From"] = Address(display_name=from_name, addr_spec=self.from_address) if from_name else self.from_address
        msg["To"] = to
        subject = clean_header_text(reply.subject or str(reply.reply_to.get("subject") or ""))[:400]
        msg["Subject"] = subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = message_id
        parent = next(iter(message_ids(str(reply.reply_to.get("message_id") or ""))), None)
        if parent:
            earlier = [r for ref in reply.reply_to.get("references") or () for r in message_ids(str(ref))]
            msg["In-Reply-To"] = parent
            msg["References"] = " ".join([*earlier, parent][-_MAX_REFERENCES:])
        if token and flag(self.settings, "reply_plus_address"):
            msg["Reply-To"] = f"{local}+{carried(token)}@{domain}"
        body = reply.body_text.replace("\r\n", "\n").replace("\r", "\n")
        if token and flag(self.settings, "reply_token_footer", True):
            body = f"{body.rstrip()}\n\n[ref: {carried(token)}]\n"
        msg.set_content(body)
        return msg

    def send(self, reply: OutgoingReply) -> SendResult:
        """Send one reply; the same idempotency key always yields the same Message-ID."""
        msg = self.build(reply)
        host = str(self.settings.get("smtp_host") or "")
        if not host:
            raise PermanentError("smtp_host is not configured")
        try:
            with self._smtp(host) as smtp:
                smtp.send_message(msg, from_addr=self.from_address, to_addrs=[str(msg["To"])])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(_is_transient_smtp(code) for code in codes):
                raise TransientError(f"SMTP recipient deferred ({codes[0]})") from exc
            raise PermanentError(f"SMTP recipient refused ({codes[0] if codes else '?'})") from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, DATA refused, auth failure
            if _is_transient_smtp(exc.smtp_code):
                raise TransientError(f"SMTP temporary failure ({exc.smtp_code})") from exc
            raise PermanentError(f"SMTP refused the message ({exc.smtp_code})") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(f"SMTP server lacks a required extension: {exc}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(f"SMTP TLS certificate rejected: {exc.verify_message}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refused, timeouts
            raise TransientError(f"SMTP connection failed: {type(exc).__name__}") from exc
        return SendResult(external_id=str(msg["Message-ID"]))

    @contextmanager
    def _smtp(self, host: str) -> Iterator[smtplib.SMTP]:
        use_ssl = flag(self.settings, "smtp_ssl")
        port = int(self.settings.get("smtp_port") or (465 if use_ssl else 587))
        context = ssl.create_default_context()
        if use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if flag(self.settings, "smtp_starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            username = self._credentials.get("smtp_username") or self._credentials.get("username")
            password = self._credentials.get("smtp_password") or self._credentials.get("password")
            if username and smtp.has_extn("auth"):
                if not (use_ssl or flag(self.settings, "smtp_starttls")):
                    check_plaintext_allowed(self.settings, host, "SMTP")
                smtp.login(str(username), str(password or ""))
            yield smtp
            smtp.quit()
        finally:
            smtp.close()
