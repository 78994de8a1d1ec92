"""What ``notify`` must remember across restarts (``SLAWATCH_NOTIFY_STATE``).

- **firing incidents**: per incident key, the stateful receivers it went to and the signals
  that fired it, so that the verdict resolves exactly those alerts and Alertmanager keeps
  getting them re-sent while they fire;
- **deliveries made**: ``(receiver, action, id)`` of every delivered request, so that a
  signal read again after a restart (its offset was not committed yet) is not paged again —
  together with the receivers' own de-duplication (PagerDuty's ``dedup_key``, Alertmanager's
  labels, the CloudEvents ``id``).

:class:`RedisNotifyState` keeps them in Redis under ``{prefix}slawatch:notify:`` (the firing
incidents in one hash, each delivery a key expiring after :data:`SENT_TTL_S`);
:class:`MemoryNotifyState` in the process only (a restart forgets: Alertmanager then ends the
open alerts at their ``endsAt``, PagerDuty incidents stay open until resolved by hand).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

import orjson

#: seconds a delivery is remembered (longer than any signal stays on its topic unread)
SENT_TTL_S = 30 * 86400
#: deliveries the in-memory state remembers
MEMORY_SENT_LIMIT = 200_000

#: a firing incident: {"receivers": {receiver name: [signal, ...]}}
Incident = dict[str, Any]


class NotifyState(Protocol):
    async def was_sent(self, receiver: str, action: str, ident: str) -> bool: ...

    async def mark_sent(self, receiver: str, action: str, ident: str) -> None: ...

    async def get_firing(self, key: str) -> Incident | None: ...

    async def set_firing(self, key: str, incident: Incident) -> None: ...

    async def pop_firing(self, key: str) -> Incident | None: ...

    async def all_firing(self) -> dict[str, Incident]: ...

    async def firing_count(self) -> int: ...

    async def close(self) -> None: ...


class MemoryNotifyState:
    def __init__(self) -> None:
        self.sent: OrderedDict[str, None] = OrderedDict()
        self.firing: dict[str, Incident] = {}

    async def was_sent(self, receiver: str, action: str, ident: str) -> bool:
        return f"{receiver}\x1f{action}\x1f{ident}" in self.sent

    async def mark_sent(self, receiver: str, action: str, ident: str) -> None:
        self.sent[f"{receiver}\x1f{action}\x1f{ident}"] = None
        while len(self.sent) > MEMORY_SENT_LIMIT:
            self.sent.popitem(last=False)

    async def get_firing(self, key: str) -> Incident | None:
        return self.firing.get(key)

    async def set_firing(self, key: str, incident: Incident) -> None:
        self.firing[key] = incident

    async def pop_firing(self, key: str) -> Incident | None:
        return self.firing.pop(key, None)

    async def all_firing(self) -> dict[str, Incident]:
        return dict(self.firing)

    async def firing_count(self) -> int:
        return len(self.firing)

    async def close(self) -> None:
        return None


class RedisNotifyState:
    def __init__(self, url: str, prefix: str = "") -> None:
        import redis.asyncio as aioredis

        self.client: Any = aioredis.Redis.from_url(url, socket_timeout=5)
        self.prefix = f"{prefix}slawatch:notify:"
        self.firing_key = self.prefix + "firing"

    def _sent_key(self, receiver: str, action: str, ident: str) -> str:
        return f"{self.prefix}sent:{receiver}:{action}:{ident}"

    async def was_sent(self, receiver: str, action: str, ident: str) -> bool:
        return bool(await self.client.exists(self._sent_key(receiver, action, ident)))

    async def mark_sent(self, receiver: str, action: str, ident: str) -> None:
        await self.client.set(self._sent_key(receiver, action, ident), b"1", ex=SENT_TTL_S)

    async def get_firing(self, key: str) -> Incident | None:
        data = await self.client.hget(self.firing_key, key)
        return None if data is None else orjson.loads(data)

    async def set_firing(self, key: str, incident: Incident) -> None:
        await self.client.hset(self.firing_key, key, orjson.dumps(incident))

    async def pop_firing(self, key: str) -> Incident | None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hget(self.firing_key, key)
            pipe.hdel(self.firing_key, key)
            data, _ = await pipe.execute()
        return None if data is None else orjson.loads(data)

    async def all_firing(self) -> dict[str, Incident]:
        found = await self.client.hgetall(self.firing_key)
        return {k.decode(): orjson.loads(v) for k, v in found.items()}

    async def firing_count(self) -> int:
        return int(await self.client.hlen(self.firing_key))

    async def close(self) -> None:
        await self.client.aclose()


__all__ = ["SENT_TTL_S", "Incident", "MemoryNotifyState", "NotifyState", "RedisNotifyState"]
