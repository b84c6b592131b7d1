"""The e-mail channel: buyer mail in over IMAP, replies out over SMTP.

``Mailbox`` is the reusable client; ``EmailConnector`` is the plain e-mail channel, and
the Amazon (buyer-seller relay mail) and Shopify (contact-form mail) connectors
delegate their messages to a Mailbox too.

Settings: imap_host, imap_port, imap_ssl, imap_starttls, imap_folder (INBOX), smtp_host,
smtp_port, smtp_ssl, smtp_starttls, from_address, and optionally from_name, message_id_domain,
page_size (50), timeout (30 s), reply_plus_address (False), reply_token_footer (True),
buyer_from_reply_to (False), allow_plaintext_login (False: a password is sent
unencrypted only to a loopback host), order_id_pattern (EmailConnector only).
Credentials: username, password, reply_token_secret; smtp_username / smtp_password
when SMTP logs in differently from IMAP.

The cursor is ``{"uidvalidity": int, "last_uid": int}``. IMAP assigns UIDs in ascending
order within a UIDVALIDITY (RFC 3501 2.3.1.1), so no overlap window is needed; when
UIDVALIDITY changes the whole folder is read again, which ingest absorbs because the
external id is the Message-ID (or a hash of the raw message).
"""

from __future__ import annotations

import imaplib
import re
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, TypeVar

from helpdesk.connectors.base import (
    ChannelSettings,
    Connector,
    MessagePage,
    OrderPage,
    OutgoingReply,
    PayloadError,
    PayloadFailure,
    PermanentError,
    SendResult,
    StockPage,
    TransientError,
)
from helpdesk.connectors.email_parse import (
    MessageParseError,
    message_ids,
    parse_message,
    raw_hash_id,
)
from helpdesk.connectors.email_send import ReplySender, check_plaintext_allowed, flag

_T = TypeVar("_T")
_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)
_MESSAGE_ID_LINE = re.compile(r"^message-id:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def _quote_mailbox(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """One IMAP folder to read buyer mail from and one SMTP server to answer through."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Mapping[str, Any],
        *,
        identity_kind: str = "email",
        order_id_pattern: re.Pattern[str] | None = None,
    ) -> None:
        self.settings = dict(settings)
        self._credentials = dict(credentials)
        self.identity_kind = identity_kind
        self.order_id_pattern = order_id_pattern
        self.folder = str(self.settings.get("imap_folder") or "INBOX")
        self.page_size = max(1, int(self.settings.get("page_size") or 50))
        self.timeout = float(self.settings.get("timeout") or 30)
        self.from_address = str(self.settings.get("from_address") or "")
        self._token_secret: str | bytes = self._credentials.get("reply_token_secret") or ""
        self._imap: imaplib.IMAP4 | None = None
        self._sender = ReplySender(self.settings, self._credentials, self.timeout)

    def __repr__(self) -> str:
        return f"Mailbox({self.settings.get('imap_host')!r}, folder={self.folder!r})"

    # -- reading ------------------------------------------------------------------------

    def fetch(self, cursor: Mapping[str, Any]) -> MessagePage:
        """One page of messages after the cursor's UID (all of them after a UIDVALIDITY change)."""
        return self._with_imap(lambda conn: self._fetch_page(conn, cursor))

    def _fetch_page(self, conn: imaplib.IMAP4, cursor: Mapping[str, Any]) -> MessagePage:
        typ, data = conn.select(_quote_mailbox(self.folder), readonly=True)
        if typ != "OK":
            raise PermanentError(f"IMAP folder {self.folder!r} cannot be selected")
        _, validity = conn.response("UIDVALIDITY")
        try:
            uidvalidity = int(validity[0])
        except (TypeError, ValueError, IndexError):
            raise PayloadError("IMAP server sent no UIDVALIDITY", raw=repr(validity)[:500]) from None
        last_uid = 0
        if cursor.get("uidvalidity") == uidvalidity:
            last_uid = int(cursor.get("last_uid") or 0)
        typ, data = conn.uid("SEARCH", "UID", f"{last_uid + 1}:*")
        if typ != "OK":
            raise TransientError("IMAP UID SEARCH failed")
        # "n:*" always matches the highest UID, even when it is below n.
        uids = sorted({int(u) for u in b" ".join(d for d in data if d).split()} - {0})
        uids = [uid for uid in uids if uid > last_uid]
        page, has_more = uids[: self.page_size], len(uids) > self.page_size
        new_cursor = {"uidvalidity": uidvalidity, "last_uid": page[-1] if page else last_uid}
        if not page:
            return MessagePage(messages=[], cursor=new_cursor)
        typ, data = conn.uid("FETCH", ",".join(map(str, page)), "(UID INTERNALDATE BODY.PEEK[])")
        if typ != "OK":
            raise TransientError("IMAP UID FETCH failed")
        messages, failures = [], []
        for uid, raw, received_at in self._fetched(data):
            if uid not in page:
                continue
            try:
                message = parse_message(
                    raw,
                    identity_kind=self.identity_kind,
                    order_id_pattern=self.order_id_pattern,
                    token_secret=self._token_secret,
                    received_at=received_at,
                    buyer_from_reply_to=flag(self.settings, "buyer_from_reply_to"),
                )
            except MessageParseError as exc:
                failures.append(self._failure(raw, str(exc)))
            except Exception as exc:  # hostile input may trip the email package: quarantine it
                failures.append(self._failure(raw, f"unparseable message ({type(exc).__name__})"))
            else:
                # A copy of our own reply (Bcc to self, a forwarding rule) is not a buyer message.
                if message.buyer.value.lower() != self.from_address.lower():
                    messages.append(message)
        return MessagePage(messages=messages, cursor=new_cursor, has_more=has_more, failures=failures)

    @staticmethod
    def _failure(raw: bytes, reason: str) -> PayloadFailure:
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii", errors="replace")
        header = _MESSAGE_ID_LINE.search(head)
        ids = message_ids(header.group(1)) if header else []
        return PayloadFailure(
            raw=raw.decode("utf-8", errors="replace"),
            error=reason,
            external_id=ids[0] if ids else raw_hash_id(raw),
        )

    @staticmethod
    def _fetched(data: list[Any]) -> Iterator[tuple[int, bytes, datetime | None]]:
        """(uid, raw message, internal date) from imaplib's UID FETCH answer."""
        for i, item in enumerate(data):
            if not isinstance(item, tuple) or len(item) < 2:
                continue  # ")" closers and unsolicited FLAGS updates
            meta = item[0]
            trailer = data[i + 1] if i + 1 < len(data) and isinstance(data[i + 1], bytes) else b""
            match = _UID.search(meta) or _UID.search(trailer)
            if match is None:
                continue
            stamp = imaplib.Internaldate2tuple(meta) or imaplib.Internaldate2tuple(trailer)
            received_at = datetime.fromtimestamp(time.mktime(stamp), UTC) if stamp else None
            yield int(match.group(1)), bytes(item[1]), received_at

    def _with_imap(self, action: Callable[[imaplib.IMAP4], _T]) -> _T:
        reused = self._imap is not None
        try:
            with self._imap_errors():
                return action(self._connection())
        except TransientError:
            if not reused:
                raise
        # The kept connection may have been closed by the server while idle: one retry.
        with self._imap_errors():
            return action(self._connection())

    @contextmanager
    def _imap_errors(self) -> Iterator[None]:
        try:
            yield
        except ssl.SSLCertVerificationError as exc:
            self._drop_imap()
            raise PermanentError(f"IMAP TLS certificate rejected: {exc.verify_message}") from exc
        except imaplib.IMAP4.abort as exc:
            self._drop_imap()
            raise TransientError("IMAP connection aborted") from exc
        except (OSError, EOFError) as exc:  # refused, reset, timed out, TLS failures
            self._drop_imap()
            raise TransientError(f"IMAP connection failed: {type(exc).__name__}") from exc
        except imaplib.IMAP4.error as exc:
            self._drop_imap()
            raise TransientError(f"IMAP error: {str(exc)[:200]}") from exc
        except (PermanentError, PayloadError):
            self._drop_imap()
            raise

    def _connection(self) -> imaplib.IMAP4:
        if self._imap is not None:
            return self._imap
        host = str(self.settings.get("imap_host") or "")
        if not host:
            raise PermanentError("imap_host is not configured")
        use_ssl = flag(self.settings, "imap_ssl")
        port = int(self.settings.get("imap_port") or (993 if use_ssl else 143))
        if not (use_ssl or flag(self.settings, "imap_starttls")):
            check_plaintext_allowed(self.settings, host, "IMAP")
        context = ssl.create_default_context()
        if use_ssl:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=self.timeout)
        else:
            conn = imaplib.IMAP4(host, port, timeout=self.timeout)
        self._imap = conn
        if flag(self.settings, "imap_starttls"):
            conn.starttls(context)
        username = str(self._credentials.get("username") or "")
        password = str(self._credentials.get("password") or "")
        try:
            conn.login(username, password)
        except imaplib.IMAP4.abort:
            raise
        except (imaplib.IMAP4.error, UnicodeEncodeError) as exc:
            text = str(exc).upper()
            if "[UNAVAILABLE]" in text or "[INUSE]" in text:
                raise TransientError("IMAP server temporarily refused the login") from exc
            raise PermanentError("IMAP authentication failed") from exc
        return conn

    def _drop_imap(self) -> None:
        conn, self._imap = self._imap, None
        if conn is not None:
            with suppress(OSError):  # already closed by the peer; nothing left to release
                conn.shutdown()

    # -- answering ----------------------------------------------------------------------

    def reparse(self, raw: str) -> MessagePage:
        """Parse a quarantined message again; PayloadError if it still cannot be read."""
        data = raw.encode("utf-8", errors="surrogateescape")
        try:
            message = parse_message(data, identity_kind=self.identity_kind, order_id_pattern=self.order_id_pattern,
                                    token_secret=self._token_secret,
                                    buyer_from_reply_to=flag(self.settings, "buyer_from_reply_to"))
        except Exception as exc:
            raise PayloadError(f"still unreadable: {exc}", raw=raw) from None
        return MessagePage(messages=[message], cursor={})

    def build_reply(self, reply: OutgoingReply) -> EmailMessage:
        """The reply as an e-mail: deterministic Message-ID, threading headers, token."""
        return self._sender.build(reply)

    def send(self, reply: OutgoingReply) -> SendResult:
        """Send one reply; the same idempotency key always yields the same Message-ID."""
        return self._sender.send(reply)

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out of IMAP (SMTP connections live only for one send)."""
        conn, self._imap = self._imap, None
        if conn is None:
            return
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            conn.shutdown()


class EmailConnector(Connector):
    """A plain mailbox as a channel: every message in the folder is a buyer message."""

    platform = "email"

    def __init__(self, channel: ChannelSettings) -> None:
        super().__init__(channel)
        settings = channel.settings
        pattern = settings.get("order_id_pattern")
        try:
            compiled = re.compile(pattern) if pattern else None
        except re.error as exc:
            raise PermanentError(f"order_id_pattern is not a valid regular expression: {exc}") from exc
        self.mailbox = Mailbox(
            settings,
            channel.credentials,
            identity_kind=str(settings.get("identity_kind") or "email"),
            order_id_pattern=compiled,
        )

    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        """One page of new mail from the folder."""
        return self.mailbox.fetch(cursor)

    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        """Plain e-mail has no orders."""
        return OrderPage(orders=[], cursor=dict(cursor))

    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        """Plain e-mail has no stock."""
        return StockPage(levels=[], cursor=dict(cursor))

    def reparse(self, kind: str, raw: str, external_id: str | None = None) -> MessagePage:
        """Parse a quarantined e-mail again."""
        if kind != "message":
            raise NotImplementedError("the e-mail channel has only messages")
        return self.mailbox.reparse(raw)

    def send_reply(self, reply: OutgoingReply) -> SendResult:
        """Answer by SMTP to the address the buyer wrote from."""
        return self.mailbox.send(reply)

    def close(self) -> None:
        """Log out of the mailbox."""
        self.mailbox.close()
