"""Presence: who views which ticket, in one process or shared by several through Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from helpdesk.presence import Presence, RedisPresence, make_presence
from tests.live import NO_REDIS, redis_up

REDIS_URL = "redis://127.0.0.1:6379/0"


needs_redis = pytest.mark.skipif(not redis_up(), reason=NO_REDIS)


def test_local_presence_lists_distinct_agents_and_forgets_a_closed_socket() -> None:
    p = Presence()
    p.add("s1", 7, 1, "Ana")
    p.add("s2", 7, 1, "Ana")  # a second tab
    p.add("s3", 7, 2, "Bo")
    p.add("s3", 8, 2, "Bo")
    assert p.viewers(7) == [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Bo"}]
    assert sorted(p.remove("s3")) == [7, 8]
    assert p.viewers(7) == [{"id": 1, "name": "Ana"}] and p.all_viewers() == {7: [{"id": 1, "name": "Ana"}]}


def test_without_redis_presence_stays_in_the_process() -> None:
    assert type(make_presence(None)) is Presence


@pytest.fixture
def processes() -> Iterator[tuple[RedisPresence, RedisPresence]]:
    """Two web processes' presences on the same Redis."""
    first, second = RedisPresence(REDIS_URL, ttl=2), RedisPresence(REDIS_URL, ttl=2)
    yield first, second
    for p in (first, second):
        p.close()
        p._redis.delete(p.key)
        p._redis.srem(f"{RedisPresence.PREFIX}:processes", p.key)


@needs_redis
def test_each_process_sees_the_viewers_on_the_other(processes: tuple[RedisPresence, RedisPresence]) -> None:
    first, second = processes
    first.add("a", 41, 1, "Ana")
    second.add("b", 41, 2, "Bo")
    second.add("b", 42, 2, "Bo")
    for p in (first, second):
        assert p.viewers(41) == [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Bo"}]
        assert p.all_viewers()[42] == [{"id": 2, "name": "Bo"}]
    assert not first.viewing("b", 41)  # typing is only relayed for the process's own sockets
    second.remove("b", 41)
    assert first.viewers(41) == [{"id": 1, "name": "Ana"}]
    second.remove("b")
    assert 42 not in first.all_viewers()


@needs_redis
def test_a_process_that_dies_drops_out_after_its_ttl(processes: tuple[RedisPresence, RedisPresence]) -> None:
    first, second = processes
    second.add("b", 43, 2, "Bo")
    assert first.viewers(43) == [{"id": 2, "name": "Bo"}]
    second._publish = lambda sids=None: None  # type: ignore[method-assign]  # it stops refreshing, as a dead one would
    deadline = time.monotonic() + 10
    while first.viewers(43) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert first.viewers(43) == []


@needs_redis
def test_a_live_process_keeps_its_viewers_past_the_ttl(processes: tuple[RedisPresence, RedisPresence]) -> None:
    first, second = processes
    second.add("b", 44, 2, "Bo")
    time.sleep(3)  # longer than the 2 s ttl: the heartbeat has refreshed the hash
    assert first.viewers(44) == [{"id": 2, "name": "Bo"}]


def test_unreachable_redis_falls_back_to_the_process_own_viewers(caplog: pytest.LogCaptureFixture) -> None:
    p = RedisPresence("redis://127.0.0.1:1/0", ttl=2)
    p.add("a", 45, 1, "Ana")
    assert p.viewers(45) == [{"id": 1, "name": "Ana"}]
    p.close()
    assert sum("Redis unavailable" in r.getMessage() for r in caplog.records) == 1  # said once per outage
