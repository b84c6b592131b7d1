"""Transient misbehaviour: a fraction of responses is throttled, fails, stalls or repeats.

Every fault is transient: the same request a moment later succeeds. Each platform
module turns a fault kind into its own wire form (eBay's ``Ack=Failure`` code 518,
Amazon's 429 ``QuotaExceeded`` without Retry-After, Shopify's 429 with Retry-After,
AliExpress's flow-control ``error_response``).
"""

from __future__ import annotations

import random
import threading

RATE_LIMIT = "rate_limit"
SERVER_ERROR = "server_error"
SLOW = "slow"
TIMEOUT = "timeout"
KINDS = (RATE_LIMIT, SERVER_ERROR, SLOW, TIMEOUT)


class Faults:
    """Seeded dice for faults; `fraction` of responses misbehave."""

    def __init__(
        self, fraction: float, seed: int, *, slow_seconds: float = 0.4, timeout_seconds: float = 6.0,
        retry_after: float = 1.0, kinds: tuple[str, ...] = KINDS,
    ) -> None:
        self.fraction = max(0.0, min(1.0, fraction))
        self.slow_seconds = slow_seconds
        self.timeout_seconds = timeout_seconds
        self.retry_after = retry_after
        self.kinds = kinds
        self._rng = random.Random(f"{seed}:faults")
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def response_fault(self) -> str | None:
        """The fault for this response, or None for a good one."""
        with self._lock:
            if self.fraction <= 0 or self._rng.random() >= self.fraction:
                return None
            kind = self._rng.choice(self.kinds)
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return kind

    def repeat(self) -> bool:
        """True when a list should repeat an item (a duplicate, or the same item on two pages)."""
        with self._lock:
            hit = self.fraction > 0 and self._rng.random() < self.fraction
            if hit:
                self.injected["duplicate"] = self.injected.get("duplicate", 0) + 1
            return hit

    def coin(self) -> bool:
        """A fair seeded coin (which of two forms a fault takes)."""
        with self._lock:
            return self._rng.random() < 0.5
