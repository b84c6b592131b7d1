"""What the simulator knows happened: messages published, replies received, duplicates.

Replies are told apart in two ways. The idempotency key (HTTP header or field, or the
e-mail Message-ID, which the e-mail connector derives from the key) identifies one
reply: a second arrival with the same key is a retry the simulated platform recognises
and does not deliver again (``retried_replies``), as after a timeout whose outcome the
sender could not know. The same text to the same conversation under a *different* key
is delivered again: the buyer really gets it twice (``duplicate_replies``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from typing import Any

NEW, RETRY, DUPLICATE = "new", "retry", "duplicate"


def _content_key(platform: str, conversation: str, body: str) -> str:
    normalised = " ".join(body.split())
    return hashlib.sha256(f"{platform}\x00{conversation}\x00{normalised}".encode()).hexdigest()


class Truth:
    """Thread-safe counters the integration tests compare the helpdesk against."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published: Counter[str] = Counter()
        self.malformed: Counter[str] = Counter()
        self.replies: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.duplicates: Counter[str] = Counter()
        self._keys: set[str] = set()
        self._contents: set[str] = set()

    def record_message(self, platform: str, *, malformed: bool) -> None:
        """Count one published buyer message."""
        with self._lock:
            self.published[platform] += 1
            if malformed:
                self.malformed[platform] += 1

    def record_reply(self, platform: str, key: str, conversation: str, body: str) -> str:
        """Count one arriving reply: NEW, RETRY (key seen: not delivered again) or DUPLICATE."""
        with self._lock:
            if f"{platform}:{key}" in self._keys:
                self.retries[platform] += 1
                return RETRY
            self._keys.add(f"{platform}:{key}")
            self.replies[platform] += 1
            content = _content_key(platform, conversation, body)
            if content in self._contents:
                self.duplicates[platform] += 1
                return DUPLICATE
            self._contents.add(content)
            return NEW

    def has_reply(self, platform: str, key: str) -> bool:
        """True when a reply with this key was received."""
        with self._lock:
            return f"{platform}:{key}" in self._keys

    def snapshot(self) -> dict[str, Any]:
        """The counters as JSON."""
        with self._lock:
            platforms = sorted(set(self.published) | set(self.replies))
            return {
                "messages_published": sum(self.published.values()),
                "malformed_published": sum(self.malformed.values()),
                "replies_received": sum(self.replies.values()),
                "retried_replies": sum(self.retries.values()),
                "duplicate_replies": sum(self.duplicates.values()),
                "by_platform": {
                    p: {
                        "messages_published": self.published[p],
                        "malformed_published": self.malformed[p],
                        "replies_received": self.replies[p],
                        "retried_replies": self.retries[p],
                        "duplicate_replies": self.duplicates[p],
                    }
                    for p in platforms
                },
            }
