"""The Redis read model sink: batches of clock records and signals → one Redis pipeline.

Runs as an agent over ``sla.clock-states`` and the signal topics in every worker (the
partitions are shared by the group), so Redis is written at least once per record; the
writes are idempotent (``streams.sinks.redis_model``).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from streams import topics as T
from streams.runtime.app import RAW, Runtime

log = logging.getLogger("slawatch.read_model")


def register_read_model(rt: Runtime) -> None:
    import redis.asyncio as aioredis

    from streams.sinks.redis_model import ReadModel

    app, settings = rt.app, rt.settings
    names = [settings.topic(n) for n in (T.CLOCK_STATES, T.BREACHES, T.VERDICTS)]
    source = app.topic(*names, **RAW)
    model = ReadModel(prefix=f"{settings.topic_prefix}slawatch:")
    states_name = settings.topic(T.CLOCK_STATES)

    @app.agent(source, name="slawatch.read_model")
    async def read_model(stream: Any) -> None:
        client = aioredis.Redis.from_url(settings.redis_url)
        try:
            async for batch in stream.take_events(1000, within=0.2):
                records, signals = [], []
                for event in batch:
                    msg = event.message
                    if msg.value is None:
                        continue
                    doc = orjson.loads(msg.value)
                    (records if msg.topic == states_name else signals).append(doc)
                pipe = client.pipeline(transaction=False)
                model.queue(pipe, records, signals)
                try:
                    await pipe.execute()
                except Exception as exc:  # Redis down: the read model lags, the SLA does not
                    log.warning("read model: Redis write failed (%s); %d records", exc, len(batch))
        finally:
            await client.aclose()
