"""The agents, timer and tasks of the slawatch app (registered by ``create_app``).

Agents only decode, call the pure core (:class:`~streams.runtime.partition.PartitionRunner`),
write the table and send. See ``streams.runtime.app`` for the flow.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson

from streams import topics as T
from streams.engine.processor import DeadLetter
from streams.runtime.app import Runtime
from streams.runtime.partition import (
    TICK_KEY,
    Result,
    dead_letter_record,
    route_key,
    source_of,
    tick_value,
)

log = logging.getLogger("slawatch.runtime")

#: A tick not seen back within this many seconds is sent again (lost in a rebalance).
TICK_RESEND_AFTER = 5.0


def _header(headers: Any, name: str) -> bytes | None:
    if not headers:
        return None
    items = headers.items() if hasattr(headers, "items") else headers
    for k, v in items:
        if k == name:
            return v
    return None


def register(rt: Runtime) -> None:
    app, settings = rt.app, rt.settings
    keyed, tickets = rt.keyed, rt.tickets
    out = rt.topics
    dead_topic = out[T.DEAD_LETTERS]
    states_topic = out[T.CLOCK_STATES]
    contracts_ready = asyncio.Event()
    rt.contracts_ready = contracts_ready  # type: ignore[attr-defined]

    def send_dead(dl: DeadLetter, key: bytes | None) -> None:
        k, v = dead_letter_record(dl, key, rt.clock.now_us())
        dead_topic.send_soon(key=k, value=v)
        if rt.metrics is not None:
            rt.metrics.dead_letter(dl.reason)

    # -- route: any key → tenant:ticket_id --------------------------------------------------
    @app.agent(out[T.TICKET_EVENTS], name="slawatch.route")
    async def route(stream: Any) -> None:
        async for event in stream.events():
            msg = event.message
            src = source_of(msg.topic, msg.partition, msg.offset)
            raw = msg.value if msg.value is not None else b""
            key, reason = route_key(raw, settings.max_event_bytes)
            if key is None:
                send_dead(DeadLetter(reason or "unroutable", _text(raw), src), msg.key)
                continue
            keyed.send_soon(key=key, value=raw, headers=[("src", src.encode())])

    # -- process: the engine, per partition ----------------------------------------------------
    @app.agent(keyed, name="slawatch.process")
    async def process(stream: Any) -> None:
        await contracts_ready.wait()
        async for event in stream.events():
            msg = event.message
            p = msg.partition
            runner = rt.runner(p)
            src_h = _header(msg.headers, "src")
            src = src_h.decode() if src_h else source_of(msg.topic, p, msg.offset)
            started = time.perf_counter()
            try:
                res = runner.handle(msg.key, msg.value or b"", msg.offset, src)
            except Exception as exc:  # a bug must not stop the partition: keep the record
                log.exception("partition %d offset %d: internal error", p, msg.offset)
                res = Result(
                    dead_letters=[
                        DeadLetter(
                            f"internal error while applying this record ({exc!r}); "
                            "please report it with this record",
                            _text(msg.value or b""),
                            src,
                        )
                    ]
                )
            if msg.key == TICK_KEY:
                rt.ticks_in_flight.pop(p, None)
            for key, value in res.writes.items():
                tickets[key.encode()] = orjson.dumps(value)
            for sig in res.signals:
                out[T.SIGNAL_ROUTES[sig["type"]]].send_soon(
                    key=f"{sig['tenant']}:{sig['ticket_id']}".encode(), value=orjson.dumps(sig)
                )
            for rec in res.records:
                states_topic.send_soon(key=rec["key"].encode(), value=orjson.dumps(rec))
            for dl in res.dead_letters:
                send_dead(dl, msg.key)
            if rt.metrics is not None:
                rt.metrics.processed(msg.key == TICK_KEY, res, time.perf_counter() - started)

    # -- timers ------------------------------------------------------------------------------
    @app.timer(interval=settings.tick_interval, name="slawatch.timers")
    async def timers() -> None:
        if not contracts_ready.is_set() or app.rebalancing or getattr(app, "in_recovery", False):
            return
        owned = rt.owned_partitions()
        rt.drop_revoked(set(rt.runners) - owned)
        now = rt.clock.now_us()
        mono = time.monotonic()
        topic_name = keyed.get_topic_name()
        for p in sorted(owned):
            runner = rt.runner(p)
            due = runner.next_due_us()
            if due is None or due > now or _backlog(app, topic_name, p):
                continue
            sent = rt.ticks_in_flight.get(p)
            if sent is not None and mono - sent < TICK_RESEND_AFTER:
                continue
            rt.ticks_in_flight[p] = mono
            keyed.send_soon(key=TICK_KEY, value=tick_value(now), partition=p)
        if rt.metrics is not None:
            rt.metrics.timers(rt, now)

    @app.on_partitions_revoked.connect
    async def on_revoked(app_: Any, revoked: Any, **_: Any) -> None:
        name = keyed.get_topic_name()
        rt.drop_revoked({tp.partition for tp in revoked if tp.topic == name})

    # -- contracts: every worker reads the whole compacted topic ----------------------------
    @app.task
    async def contracts() -> None:
        await _read_contracts(rt, contracts_ready)

    # -- Redis read model ----------------------------------------------------------------------
    if settings.read_model:
        from streams.runtime.read_model import register_read_model

        register_read_model(rt)


def _backlog(app: Any, topic: str, partition: int) -> bool:
    """Whether the worker still has records to read on that partition: while it catches up,
    time advances by the events' own instants only (as in a replay), not by the clock."""
    from faust.types import TP

    tp = TP(topic, partition)
    consumer = app.consumer
    try:
        high = consumer.highwater(tp)
        read = consumer._read_offset.get(tp)  # last offset handed to the agent
    except Exception:
        return False
    if high is None:
        return False
    return (read if read is not None else -1) + 1 < high


async def _read_contracts(rt: Runtime, ready: asyncio.Event) -> None:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    settings = rt.settings
    name = settings.topic(T.CONTRACTS)
    consumer = AIOKafkaConsumer(
        enable_auto_commit=False, client_id="slawatch-contracts", **settings.aiokafka_kwargs()
    )
    await consumer.start()
    try:
        parts = None
        for _ in range(100):
            parts = consumer.partitions_for_topic(name)
            if parts:
                break
            await consumer.topics()  # refresh metadata
            await asyncio.sleep(0.1)
        if not parts:
            log.error("contracts topic %s not found: running on the configured files", name)
            ready.set()
            return
        tps = [TopicPartition(name, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: dict[str, bytes | None] = {}
        loaded = False
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            changed = False
            for recs in batch.values():
                for r in recs:
                    if r.key is None:
                        continue
                    records[r.key.decode("utf-8", errors="replace")] = r.value
                    changed = True
            if not loaded:
                positions = [await consumer.position(tp) for tp in tps]
                if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                    loaded, changed = True, True
            if loaded and changed:
                problems = rt.registry.update(records)
                for key, problem in problems.items():
                    log.warning("contracts record %s left out: %s", key, problem)
                log.info(
                    "contracts: %d records, %d tenants", len(records), len(rt.registry.tenants)
                )
                ready.set()
    finally:
        await consumer.stop()


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
