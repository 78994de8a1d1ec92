"""The tasks and timer of the slawatch app (registered by ``create_app``).

* the input loop (:class:`~streams.runtime.batch.BatchLoop`): routing, the engine, the table
  and the outputs, in batches (started once the contracts are read);
* the timer: ticks into the keyed partitions whose next due instant has passed;
* the group lag of the input partitions other workers own (for the tick rule);
* the contracts topic, read whole by every worker;
* the Redis read model (an agent: ``streams.runtime.read_model``).

See ``streams.runtime.app`` for the flow.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from streams import topics as T
from streams.runtime.backlog import Partition, watch_group
from streams.runtime.batch import BatchLoop
from streams.runtime.context import RAW, Runtime
from streams.runtime.faust_compat import WorkerClients, exclude_from_streams
from streams.runtime.partition import TICK_KEY, tick_value

log = logging.getLogger("slawatch.runtime")

#: A tick not seen back within this many seconds is sent again (lost in a rebalance).
TICK_RESEND_AFTER = 5.0


def register(rt: Runtime) -> None:
    app, settings = rt.app, rt.settings
    contracts_ready = asyncio.Event()
    rt.contracts_ready = contracts_ready  # type: ignore[attr-defined]
    clients = WorkerClients(app)
    loop = BatchLoop(rt, clients)
    rt.loop = loop  # type: ignore[attr-defined]

    # The input topics stay subscribed (the group assigns their partitions, co-partitioned
    # with the table's changelog) but are read by the batch loop, not by Faust's streams.
    # acks=False: Faust's "stream not processing" warnings look only at topics it acks.
    batch_topics = [settings.topic(T.TICKET_EVENTS), settings.topic(T.MONITORING_EVENTS)]
    for name in batch_topics:
        app.topics.add(app.topic(name, acks=False, **RAW))
    app.topics.add(rt.keyed)
    exclude_from_streams(app, [*batch_topics, rt.keyed.get_topic_name()])

    @app.task
    async def input_loop() -> None:
        await contracts_ready.wait()
        await loop.run()

    # -- timers: a partition ticks when its next due instant has passed and nothing is waiting
    # for it upstream (streams.runtime.backlog) -----------------------------------------------
    keyed_name = rt.keyed.get_topic_name()

    @app.timer(interval=settings.tick_interval, name="slawatch.timers")
    async def timers() -> None:
        if not contracts_ready.is_set() or not loop.ready():
            return
        now = rt.clock.now_us()
        mono = time.monotonic()
        assigned = loop.assignment()
        producer = clients.producer()
        for p, runner in sorted(rt.runners.items()):
            due = runner.next_due_us()
            if due is None or due > now:
                continue
            if rt.backlog.waiting(p, assigned, loop, mono) is not None:
                continue
            sent = rt.ticks_in_flight.get(p)
            if sent is not None and mono - sent < TICK_RESEND_AFTER:
                continue
            rt.ticks_in_flight[p] = mono
            # behind every record the loop has re-keyed to p (one producer, in order)
            await producer.send(keyed_name, tick_value(now), key=TICK_KEY, partition=p)
        if rt.metrics is not None:
            rt.metrics.timers(rt, now)

    # -- partitions given up (a rebalance) or the worker stopping: commit what is done first --
    @app.on_partitions_revoked.connect
    async def on_revoked(app_: Any, revoked: Any, **_: Any) -> None:
        await loop.give_up(revoked)

    @app.on_before_shutdown.connect
    async def on_shutdown(app_: Any, **_: Any) -> None:
        await loop.stop()

    # -- other workers' routers: their lag on the input partitions this worker does not own ----
    @app.task
    async def group_lag() -> None:
        await contracts_ready.wait()
        await _watch_other_workers(rt, loop)

    # -- contracts: every worker reads the whole compacted topic ----------------------------
    @app.task
    async def contracts() -> None:
        await _read_contracts(rt, contracts_ready)

    # -- Redis read model ----------------------------------------------------------------------
    if settings.read_model:
        from streams.runtime.read_model import register_read_model

        register_read_model(rt)


async def _watch_other_workers(rt: Runtime, offsets: BatchLoop) -> None:
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
        every = [(t, p) for t in rt.backlog.inputs for p in range(partition_count(rt, t))]
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


def partition_count(rt: Runtime, topic: str) -> int:
    """Partitions of ``topic`` as the worker's consumer knows them (0 if not yet)."""
    try:
        return rt.app.consumer.topic_partitions(topic) or 0
    except Exception:
        return 0
