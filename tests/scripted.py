"""A connector that plays back a script: the poller's and relay's behaviour, tested without a platform.

(The integration tests run the same code against the simulator's real wire formats.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpdesk.connectors.base import (
    ChannelSettings,
    Connector,
    MessagePage,
    OrderPage,
    OutgoingReply,
    SendResult,
    StockPage,
)


class ScriptedConnector(Connector):
    """Each fetch pops the next item of its script: a page, or an exception to raise."""

    platform = "scripted"

    def __init__(self, channel: ChannelSettings, *, messages: list[Any] | None = None, orders: list[Any] | None = None,
                 stock: list[Any] | None = None, sends: list[Any] | None = None) -> None:
        super().__init__(channel)
        self.scripts = {"messages": messages or [], "orders": orders or [], "stock": stock or [], "sends": sends or []}
        self.cursors_seen: list[dict[str, Any]] = []
        self.sent: list[OutgoingReply] = []
        self.closed = 0

    def _next(self, name: str, empty: Any) -> Any:
        script = self.scripts[name]
        item = script.pop(0) if script else empty
        if isinstance(item, BaseException):
            raise item
        return item

    def fetch_messages(self, cursor: Mapping[str, Any]) -> MessagePage:
        self.cursors_seen.append(dict(cursor))
        return self._next("messages", MessagePage(messages=[], cursor=dict(cursor)))

    def fetch_orders(self, cursor: Mapping[str, Any]) -> OrderPage:
        return self._next("orders", OrderPage(orders=[], cursor=dict(cursor)))

    def fetch_stock(self, cursor: Mapping[str, Any]) -> StockPage:
        return self._next("stock", StockPage(levels=[], cursor=dict(cursor)))

    def send_reply(self, reply: OutgoingReply) -> SendResult:
        self.sent.append(reply)
        return self._next("sends", SendResult(external_id=f"sent-{len(self.sent)}"))

    def close(self) -> None:
        self.closed += 1
