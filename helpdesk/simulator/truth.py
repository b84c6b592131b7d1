"""What the simulator knows happened: messages published, replies received, duplicates."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Truth:
    """Thread-safe counters the integration tests compare the helpdesk against."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published: Counter[str] = Counter()
        self.malformed: Counter[str] = Counter()
        self.replies: Counter[str] = Counter()
        self.duplicates: Counter[str] = Counter()
        self._reply_keys: dict[str, int] = {}

    def record_message(self, platform: str, *, malformed: bool) -> None:
        """Count one published buyer message."""
        with self._lock:
            self.published[platform] += 1
            if malformed:
                self.malformed[platform] += 1

    def record_reply(self, platform: str, key: str) -> bool:
        """Count one received reply; True when this key was already received (a duplicate)."""
        with self._lock:
            seen = self._reply_keys.get(f"{platform}:{key}", 0)
            self._reply_keys[f"{platform}:{key}"] = seen + 1
            self.replies[platform] += 1
            if seen:
                self.duplicates[platform] += 1
            return bool(seen)

    def has_reply(self, platform: str, key: str) -> bool:
        """True when a reply with this key was received."""
        with self._lock:
            return f"{platform}:{key}" in self._reply_keys

    def snapshot(self) -> dict[str, Any]:
        """The counters as JSON."""
        with self._lock:
            platforms = sorted(set(self.published) | set(self.replies))
            return {
                "messages_published": sum(self.published.values()),
                "malformed_published": sum(self.malformed.values()),
                "replies_received": sum(self.replies.values()),
                "unique_replies": len(self._reply_keys),
                "duplicate_replies": sum(self.duplicates.values()),
                "by_platform": {
                    p: {
                        "messages_published": self.published[p],
                        "malformed_published": self.malformed[p],
                        "replies_received": self.replies[p],
                        "duplicate_replies": self.duplicates[p],
                    }
                    for p in platforms
                },
            }
