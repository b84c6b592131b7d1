"""Buyer messages through the seller's mailbox, for platforms with no message API (Amazon, Shopify)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from helpdesk.connectors.base import ChannelSettings, MessagePage, OutgoingReply, SendResult

if TYPE_CHECKING:
    from helpdesk.connectors.email import Mailbox


class MailboxMessages:
    """Mixin: fetch_messages and send_reply through a Mailbox opened on first use.

    A connector sets `identity_kind` (how the platform's relay addresses are known) and
    `order_id_pattern` (how its order ids look in a subject or body), and calls
    `close_mailbox()` from its own `close()`.
    """

    identity_kind: ClassVar[str] = "email"
    order_id_pattern: ClassVar[re.Pattern[str] | None] = None
    channel: ChannelSettings
    _mailbox: Mailbox | None = None

    @property
    def mailbox(self) -> Mailbox:
        """The seller's mailbox for this channel."""
        if self._mailbox is None:
            from helpdesk.connectors.email import Mailbox

            self._mailbox = Mailbox(self.channel.settings, self.channel.credentials,
                                    identity_kind=self.identity_kind, order_id_pattern=self.order_id_pattern)
        return self._mailbox

    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        """Buyer messages that reached the seller's mailbox after the cursor."""
        return self.mailbox.fetch(cursor)

    def send_reply(self, reply: OutgoingReply) -> SendResult:
        """Answer by e-mail to the address the buyer wrote from."""
        return self.mailbox.send(reply)

    def reparse(self, kind: str, raw: str, external_id: str | None = None) -> MessagePage:
        """Parse a quarantined e-mail again (order payloads of these platforms are not re-read yet)."""
        if kind != "message":
            raise NotImplementedError(f"re-processing {kind} payloads of this platform is not supported yet")
        return self.mailbox.reparse(raw)

    def close_mailbox(self) -> None:
        """Log out of the mailbox if it was opened."""
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None
