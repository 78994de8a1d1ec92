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
from faust.types import TP

from models.errors import EventError
from streams import topics as T
from streams.engine.processor import DeadLetter
from streams.runtime.backlog import Partition, watch_group
from streams.runtime.context import Runtime
from streams.runtime.partition import (
    TICK_KEY,
    Result,
    dead_letter_record,
    partition_for,
    route_key,
    route_monitoring_key,
    signal_key,
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

    producer = app.producer
    dead_name = dead_topic.get_topic_name()
    states_name = states_topic.get_topic_name()
    keyed_name = keyed.get_topic_name()
    signal_names = {t: out[base].get_topic_name() for t, base in T.SIGNAL_ROUTES.items()}

    # Outputs go straight to the Kafka producer (appended to its batches, not through Faust's
    # one-at-a-time send buffer, which capped the pipeline at ~1.4k events/s). Faust flushes
    # the producer before it commits input offsets, so what a record produced is out before
    # the record counts as done (at least once).
    async def emit(
        topic: str, key: bytes, value: bytes, partition: int | None = None, headers=None
    ) -> None:
        await producer.send(topic, key, value, partition, None, headers)

    changelog = tickets.changelog_topic.get_topic_name()
    store = tickets.data

    async def write_state(partition: int, key: bytes, value: bytes) -> None:
        """``tickets[key] = value`` as Faust does it — the local store, then the changelog
        record on the partition being processed — but straight to the producer's batches."""
        store[key] = value
        fut = await producer.send(changelog, key, value, partition, None, None)
        fut.add_done_callback(_persisted)

    def _persisted(fut: Any) -> None:  # what Table._on_changelog_sent does (rocksdb offsets)
        if not fut.cancelled() and fut.exception() is None:
            meta = fut.result()
            store.set_persisted_offset(TP(meta.topic, meta.partition), meta.offset)

    async def send_dead(dl: DeadLetter, key: bytes | None) -> None:
        k, v = dead_letter_record(dl, key, rt.clock.now_us())
        await emit(dead_name, k, v)
        if rt.metrics is not None:
            rt.metrics.dead_letter(dl.kind)

    async def apply(msg: Any, key: bytes | None, log_index: int, src: str) -> None:
        """Apply one record of ``log_index`` (0: the ticket-event topic, 1: the keyed topic)
        and write and send what it produced. Runs inside stream processing of ``msg``, so
        the table writes go to the changelog partition of ``msg``'s partition."""
        p = msg.partition
        runner = rt.runner(p)
        started = time.perf_counter()
        try:
            res = runner.handle(key, msg.value or b"", msg.offset, src, log_index)
        except Exception as exc:  # a bug must not stop the partition: keep the record
            log.exception("partition %d offset %d: internal error", p, msg.offset)
            res = Result(
                dead_letters=[
                    DeadLetter(
                        f"internal error while applying this record ({exc!r}); "
                        "please report it with this record",
                        _text(msg.value or b""),
                        src,
                        kind="internal",
                    )
                ]
            )
        if key == TICK_KEY:
            rt.ticks_in_flight.pop(p, None)
        for tkey, value in res.writes.items():
            await write_state(p, tkey.encode(), orjson.dumps(value))
        for sig in res.signals:
            await emit(signal_names[sig["type"]], signal_key(sig), orjson.dumps(sig))
        for rec in res.records:
            await emit(states_name, rec["key"].encode(), orjson.dumps(rec))
        for dl in res.dead_letters:
            await send_dead(dl, msg.key)
        rt.backlog.finished(msg.topic, p, msg.offset)
        if rt.metrics is not None:
            rt.metrics.processed(
                key == TICK_KEY,
                res,
                time.perf_counter() - started,
                event_type=res.event_type,
                tenant=res.tenant,
            )

    partitions = settings.partitions

    async def route_one(msg: Any, key_of: Any, in_place: bool) -> None:
        """Re-key one input record onto the keyed topic (or, ``in_place``, handle it where
        it is when a producer already keyed it as we would); unroutable: a dead letter."""
        src = source_of(msg.topic, msg.partition, msg.offset)
        raw = msg.value if msg.value is not None else b""
        key, problem = key_of(raw, settings.max_event_bytes)
        if key is None:
            why = problem or EventError("unroutable")
            await send_dead(DeadLetter(str(why), _text(raw), src, kind=why.kind), msg.key)
        elif in_place and msg.key == key and partition_for(key, partitions) == msg.partition:
            await apply(msg, key, 0, src)  # keyed as we would: handled where it is
            return
        else:
            # on the keyed partition before any tick sent after this (one producer, in order)
            await emit(keyed_name, key, raw, headers=[("src", src.encode())])
        rt.backlog.finished(msg.topic, msg.partition, msg.offset)

    # -- route: any key → tenant:ticket_id --------------------------------------------------
    @app.agent(out[T.TICKET_EVENTS], name="slawatch.route")
    async def route(stream: Any) -> None:
        await contracts_ready.wait()
        async for event in stream.events():
            await route_one(event.message, route_key, rt.in_place)

    # -- route monitoring: any key → MON_PREFIX + tenant (all of a tenant's services) ---------
    @app.agent(out[T.MONITORING_EVENTS], name="slawatch.route-monitoring")
    async def route_monitoring(stream: Any) -> None:
        await contracts_ready.wait()
        async for event in stream.events():
            # never in place: the monitoring topic is not co-partitioned with the keyed one
            await route_one(event.message, route_monitoring_key, False)

    # -- process: re-keyed records and timer ticks --------------------------------------------
    @app.agent(keyed, name="slawatch.process")
    async def process(stream: Any) -> None:
        await contracts_ready.wait()
        async for event in stream.events():
            msg = event.message
            src_h = _header(msg.headers, "src")
            src = src_h.decode() if src_h else source_of(msg.topic, msg.partition, msg.offset)
            await apply(msg, msg.key, 1, src)

    # -- timers: a partition ticks when its next due instant has passed and nothing is waiting
    # for it upstream (streams.runtime.backlog) -----------------------------------------------
    offsets = _ConsumerOffsets(app)

    @app.timer(interval=settings.tick_interval, name="slawatch.timers")
    async def timers() -> None:
        if not contracts_ready.is_set() or app.rebalancing or getattr(app, "in_recovery", False):
            return
        owned = rt.owned_partitions()
        rt.drop_revoked(set(rt.runners) - owned)
        now = rt.clock.now_us()
        mono = time.monotonic()
        assigned = offsets.assignment()
        for p in sorted(owned):
            runner = rt.runner(p)
            due = runner.next_due_us()
            if due is None or due > now or rt.backlog.waiting(p, assigned, offsets) is not None:
                continue
            sent = rt.ticks_in_flight.get(p)
            if sent is not None and mono - sent < TICK_RESEND_AFTER:
                continue
            rt.ticks_in_flight[p] = mono
            await emit(keyed_name, TICK_KEY, tick_value(now), p)
        if rt.metrics is not None:
            rt.metrics.timers(rt, now)

    @app.on_partitions_revoked.connect
    async def on_revoked(app_: Any, revoked: Any, **_: Any) -> None:
        name = keyed.get_topic_name()
        rt.drop_revoked({tp.partition for tp in revoked if tp.topic == name})
        rt.backlog.forget(revoked)

    # -- other workers' routers: their lag on the input partitions this worker does not own ----
    @app.task
    async def group_lag() -> None:
        await contracts_ready.wait()
        await _watch_other_workers(rt, offsets)

    # -- contracts: every worker reads the whole compacted topic ----------------------------
    @app.task
    async def contracts() -> None:
        await _read_contracts(rt, contracts_ready)

    # -- Redis read model ----------------------------------------------------------------------
    if settings.read_model:
        from streams.runtime.read_model import register_read_model

        register_read_model(rt)


class _ConsumerOffsets:
    """:class:`~streams.runtime.backlog.ConsumerOffsets` of the worker's Faust consumer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def assignment(self) -> set[Partition]:
        try:
            return {(tp.topic, tp.partition) for tp in self.app.consumer.assignment()}
        except Exception:  # consumer not started yet
            return set()

    def highwater(self, tp: Partition) -> int | None:
        try:
            return self.app.consumer.highwater(TP(*tp))
        except Exception:  # not (or no longer) assigned
            return None

    def committed(self, tp: Partition) -> int | None:
        return self.app.consumer._committed_offset.get(TP(*tp))

    def partition_count(self, topic: str) -> int:
        try:
            return self.app.consumer.topic_partitions(topic) or 0
        except Exception:
            return 0


async def _watch_other_workers(rt: Runtime, offsets: _ConsumerOffsets) -> None:
    """:func:`~streams.runtime.backlog.watch_group` with the broker's end offsets and the
    group's committed offsets of the input partitions other workers own (its own clients,
    started the first time there are any)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    settings = rt.settings
    clients: list[Any] = []

    def others() -> list[Partition]:
        mine = offsets.assignment()
        if not mine:  # not assigned yet (no ticks either)
            return []
        every = [(t, p) for t in rt.backlog.inputs for p in range(offsets.partition_count(t))]
        return [tp for tp in every if tp not in mine]

    async def fetch(tps: list[Partition]) -> tuple[dict, dict]:
        if not clients:
            kw = settings.aiokafka_kwargs()
            consumer = AIOKafkaConsumer(client_id="slawatch-lag", enable_auto_commit=False, **kw)
            admin = AIOKafkaAdminClient(client_id="slawatch-lag", **kw)
            await consumer.start()
            await admin.start()
            clients.extend([consumer, admin])
        consumer, admin = clients
        parts = [TopicPartition(t, p) for t, p in tps]
        ends = await consumer.end_offsets(parts)
        done = await admin.list_consumer_group_offsets(settings.app_id, partitions=parts)
        return (
            {(tp.topic, tp.partition): n for tp, n in ends.items()},
            {(tp.topic, tp.partition): om.offset for tp, om in done.items() if om.offset >= 0},
        )

    try:
        await watch_group(rt.backlog, others, fetch)
    finally:
        if clients:
            await clients[0].stop()
            await clients[1].close()


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
