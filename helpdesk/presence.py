"""Who is viewing which ticket: in one web process, or shared by every web process through Redis."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

# sid -> {ticket id: (agent id, agent name)}
Views = dict[str, dict[int, tuple[int, str]]]


def _viewers_of(views: Iterable[dict[int, tuple[int, str]]], ticket_id: int) -> list[dict[str, Any]]:
    seen = {v[ticket_id] for v in views if ticket_id in v}
    return [{"id": agent_id, "name": name} for agent_id, name in sorted(seen)]


class Presence:
    """Who views which ticket in this process: sid -> (ticket id, agent id, agent name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: Views = {}

    def add(self, sid: str, ticket_id: int, agent_id: int, name: str) -> None:
        """Record that a socket views a ticket."""
        with self._lock:
            self._views.setdefault(sid, {})[ticket_id] = (agent_id, name)

    def remove(self, sid: str, ticket_id: int | None = None) -> list[int]:
        """Forget one view (or all of a socket's); return the tickets affected."""
        with self._lock:
            views = self._views.get(sid, {})
            gone = [ticket_id] if ticket_id is not None and ticket_id in views else list(views) if ticket_id is None else []
            for tid in gone:
                views.pop(tid, None)
            if not views:
                self._views.pop(sid, None)
            return gone

    def viewing(self, sid: str, ticket_id: int) -> bool:
        """True if this socket joined the ticket."""
        with self._lock:
            return ticket_id in self._views.get(sid, {})

    def _everyone(self) -> list[dict[int, tuple[int, str]]]:
        """Every socket's views that this presence knows of."""
        with self._lock:
            return [dict(v) for v in self._views.values()]

    def viewers(self, ticket_id: int) -> list[dict[str, Any]]:
        """The distinct agents viewing a ticket."""
        return _viewers_of(self._everyone(), ticket_id)

    def all_viewers(self) -> dict[int, list[dict[str, Any]]]:
        """Every viewed ticket and its viewers (for the inbox's "who is viewing")."""
        views = self._everyone()
        return {tid: _viewers_of(views, tid) for tid in {tid for v in views for tid in v}}


class RedisPresence(Presence):
    """Presence shared by every web process (behind one load balancer) through Redis.

    Each process keeps its own sockets' views, as Presence does, and mirrors them into a hash of
    its own that expires `ttl` seconds after the process last refreshed it, so a process that dies
    without saying goodbye drops out of everyone's viewer lists on its own. Readers merge the hashes
    of every live process. When Redis cannot be reached, the process falls back to what it knows.
    """

    PREFIX = "helpdesk:presence"

    def __init__(self, url: str, *, ttl: float = 20.0) -> None:
        super().__init__()
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.key = f"{self.PREFIX}:{uuid.uuid4().hex}"
        self._index = f"{self.PREFIX}:processes"
        self._ttl = ttl
        self._heartbeat: threading.Thread | None = None
        self._stopped = threading.Event()
        self._down = False  # Redis unreachable: said once, not at every heartbeat

    @staticmethod
    def _encode(views: dict[int, tuple[int, str]]) -> str:
        return json.dumps({str(t): [agent_id, name] for t, (agent_id, name) in views.items()})

    @staticmethod
    def _decode(raw: bytes) -> dict[int, tuple[int, str]]:
        return {int(t): (int(a), str(n)) for t, (a, n) in json.loads(raw).items()}

    def _publish(self, sids: list[str] | None = None) -> None:
        """Write this process's views of `sids` (all when None) and push the hash's expiry on."""
        with self._lock:
            snapshot = {sid: dict(self._views.get(sid, {})) for sid in (sids if sids is not None else list(self._views))}
        pipe = self._redis.pipeline()
        for sid, views in snapshot.items():
            if views:
                pipe.hset(self.key, sid, self._encode(views))
            else:
                pipe.hdel(self.key, sid)
        pipe.expire(self.key, max(1, int(self._ttl)))
        pipe.sadd(self._index, self.key)
        try:
            pipe.execute()
        except self._errors as exc:
            self._unavailable(exc)
        else:
            if self._down:
                self._down = False
                log.warning("presence: Redis is back; viewers are shared again")

    def _unavailable(self, exc: Exception) -> None:
        if not self._down:
            self._down = True
            log.warning("presence: Redis unavailable (%s); viewers from this process only", type(exc).__name__)

    def _beat(self) -> None:
        while not self._stopped.wait(self._ttl / 4):
            self._publish()

    def close(self) -> None:
        """Stop refreshing this process's hash (it expires after the ttl)."""
        self._stopped.set()

    def add(self, sid: str, ticket_id: int, agent_id: int, name: str) -> None:
        super().add(sid, ticket_id, agent_id, name)
        self._publish([sid])
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(target=self._beat, name="presence-heartbeat", daemon=True)
            self._heartbeat.start()

    def remove(self, sid: str, ticket_id: int | None = None) -> list[int]:
        gone = super().remove(sid, ticket_id)
        if gone:
            self._publish([sid])
        return gone

    def _everyone(self) -> list[dict[int, tuple[int, str]]]:
        """This process's sockets from memory, every other live process's from its hash."""
        mine = super()._everyone()
        own = self.key.encode()
        try:
            keys = [key for key in sorted(self._redis.smembers(self._index)) if key != own]
            pipe = self._redis.pipeline()
            for key in keys:
                pipe.hgetall(key)
            hashes = pipe.execute()
            expired = [key for key, h in zip(keys, hashes, strict=True) if not h]
            if expired:
                self._redis.srem(self._index, *expired)
        except self._errors as exc:
            self._unavailable(exc)
            return mine
        return mine + [self._decode(raw) for h in hashes for raw in h.values()]


def make_presence(redis_url: str | None) -> Presence:
    """Presence for this web process: shared through Redis when there is one."""
    return RedisPresence(redis_url) if redis_url else Presence()


__all__ = ["Presence", "RedisPresence", "make_presence"]
