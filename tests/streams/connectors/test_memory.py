"""The ticket memory of ingest (streams.connectors.memory): bounded in memory, shared in Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from streams.connectors.memory import LruMemory, RedisMemory, TicketMemory


def test_the_in_memory_store_keeps_the_most_recently_seen_tickets():
    async def go() -> None:
        store = LruMemory(limit=2)
        await store.put("a", TicketMemory("open"))
        await store.put("b", TicketMemory("open"))
        assert await store.get("a") is not None  # a is now the most recent
        await store.put("c", TicketMemory("resolved", True, {"priority": "hoog"}))
        assert await store.get("b") is None
        assert await store.get("a") == TicketMemory("open")
        assert await store.get("c") == TicketMemory("resolved", True, {"priority": "hoog"})
        assert len(store) == 2 and store.evicted == 1

    asyncio.run(go())


def test_a_store_needs_room():
    with pytest.raises(ValueError, match="at least one ticket"):
        LruMemory(limit=0)


def test_memory_round_trips_as_small_json():
    m = TicketMemory("waiting_for_customer", True, {"priority": "a", "channel": "portal"})
    assert TicketMemory.from_json(m.to_json()) == m
    assert len(m.to_json()) < 100


@pytest.mark.integration
def test_the_redis_store_is_shared_and_expires(redis_server):
    prefix = f"t{uuid.uuid4().hex[:6]}."

    async def go() -> None:
        one = RedisMemory(redis_server.url, prefix, ttl_s=60)
        two = RedisMemory(redis_server.url, prefix)
        try:
            kept = TicketMemory("open", True, {"priority": "hoog"})
            await one.put("zammad/acme:1", kept)
            assert await two.get("zammad/acme:1") == kept
            assert await two.get("zammad/acme:2") is None
            ttl = await one.client.ttl(f"{prefix}slawatch:ingest:zammad/acme:1")
            assert 0 < ttl <= 60
        finally:
            await one.close()
            await two.close()

    asyncio.run(go())
