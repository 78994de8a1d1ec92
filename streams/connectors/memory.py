"""The last known state of each ticket an endpoint has seen, kept small.

Some tools send a snapshot of the ticket and nothing else (Zammad triggers, TOPdesk, GLPI,
Freshservice): what happened follows from comparing it with what was seen last. A
:class:`TicketMemory` holds only that — the canonical status, whether the ticket was responded
to, and the facts last sent (priority, impact, urgency, kind, channel): about 100 bytes.

Two stores (:class:`MemoryStore`): :class:`LruMemory`, in the process, bounded to
``SLAWATCH_INGEST_STATE_SIZE`` tickets (the least recently seen are forgotten; a restart
forgets everything), and :class:`RedisMemory` (``SLAWATCH_INGEST_STATE=redis``), shared by
several ``ingest`` processes and kept across restarts, each entry expiring
:data:`REDIS_TTL_S` after its ticket was last seen. A forgotten ticket is treated as never
seen (docs/connectors.md says what that means per mapping).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

#: facts remembered per ticket (what makes a snapshot a change)
FACTS = ("priority", "impact", "urgency", "kind", "channel")
#: seconds a ticket's entry lives in Redis after it was last seen (a resolved ticket may be
#: reopened weeks later)
REDIS_TTL_S = 180 * 86400


@dataclass(frozen=True, slots=True)
class TicketMemory:
    """What ``ingest`` last sent for one ticket."""

    status: str | None = None
    responded: bool = False
    facts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps({"s": self.status, "r": self.responded, "f": self.facts})

    @classmethod
    def from_json(cls, data: bytes | str) -> TicketMemory:
        doc = orjson.loads(data)
        return cls(doc.get("s"), bool(doc.get("r")), dict(doc.get("f") or {}))


class MemoryStore(Protocol):
    """Where ``ingest`` keeps each ticket's :class:`TicketMemory` (key:
    ``source/tenant:ticket``)."""

    async def get(self, key: str) -> TicketMemory | None: ...

    async def put(self, key: str, memory: TicketMemory) -> None: ...

    async def close(self) -> None: ...


class LruMemory:
    """In-process store of the ``limit`` most recently seen tickets."""

    def __init__(self, limit: int = 100_000) -> None:
        if limit < 1:
            raise ValueError("the ticket memory needs room for at least one ticket")
        self.limit = limit
        self.evicted = 0
        self._data: OrderedDict[str, TicketMemory] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    async def get(self, key: str) -> TicketMemory | None:
        found = self._data.get(key)
        if found is not None:
            self._data.move_to_end(key)
        return found

    async def put(self, key: str, memory: TicketMemory) -> None:
        self._data[key] = memory
        self._data.move_to_end(key)
        while len(self._data) > self.limit:
            self._data.popitem(last=False)
            self.evicted += 1

    async def close(self) -> None:
        return None


class RedisMemory:
    """Redis store: one string per ticket under ``{prefix}slawatch:ingest:{key}``."""

    def __init__(self, url: str, prefix: str = "", ttl_s: int = REDIS_TTL_S) -> None:
        import redis.asyncio as aioredis

        self.client: Any = aioredis.Redis.from_url(url, socket_timeout=5)
        self.prefix = f"{prefix}slawatch:ingest:"
        self.ttl_s = ttl_s

    async def get(self, key: str) -> TicketMemory | None:
        data = await self.client.get(self.prefix + key)
        return None if data is None else TicketMemory.from_json(data)

    async def put(self, key: str, memory: TicketMemory) -> None:
        await self.client.set(self.prefix + key, memory.to_json(), ex=self.ttl_s)

    async def close(self) -> None:
        await self.client.aclose()


__all__ = ["FACTS", "LruMemory", "MemoryStore", "RedisMemory", "TicketMemory"]
