"""The live runtime's input path: records in batches, below Faust's per-event stream layer.

Faust does what it is good at: group membership and partition assignment, the ``tickets``
table and its changelog recovery, timers, web/health, the read-model agent. The three input
topics — ``sla.ticket-events``, ``sla.monitoring-events`` and the keyed topic — are read by
:class:`BatchLoop` instead of Faust agents: an agent costs ~300 µs of Faust machinery per
event (a stream, an event object, an ack), ten times the engine's share
(docs/runtime-notes.md). The topics stay subscribed (the group assigns their partitions to
this worker co-partitioned with the table's changelog), but Faust's fetcher leaves them
alone (:func:`~streams.runtime.faust_compat.exclude_from_streams`) and the loop reads them
through Faust's own consumer (:class:`~streams.runtime.faust_compat.WorkerClients`).

One round of the loop:

1. **fetch** what the owned partitions of the three topics have (up to :data:`MAX_RECORDS`,
   waiting at most :data:`FETCH_WAIT`);
2. **route** the input records: a ticket event already keyed ``tenant:ticket_id`` on the
   partition Kafka gives that key is handled where it is (log 0 of that partition), any
   other is re-keyed onto the keyed topic, as are monitoring events (``MON_PREFIX +
   tenant``); a record that cannot be routed is a dead letter;
3. **apply** each partition's records (its log-0 records, then its keyed-topic records: the
   re-keyed events and the timer ticks) with one
   :meth:`~streams.runtime.partition.PartitionRunner.handle_batch` call: the signals and dead
   letters of every record, one table value and one set of clock records per changed
   subject (the changelog and ``sla.clock-states`` are compacted: only the last counts);
4. **send** every output — signals, clock states, dead letters, re-keyed records and the
   table's changelog records (to the partition being processed) — in producer batches
   (:class:`~streams.runtime.produce.BatchSender`), without waiting for acknowledgements;
   then the input records count as finished for the tick rule (:mod:`streams.runtime.backlog`:
   a tick sent after this lands behind the re-keyed records on their keyed partition);
5. **commit**, once every output of a batch is acknowledged: the table's local store takes
   the changelog records (as Faust's recovery writes them, with their offsets), then the
   input offsets are committed (at most every ``broker_commit_interval``, and at once
   before partitions are given up in a rebalance or the worker stops). A crash before the
   commit reprocesses the batch: the runner's offsets and outbox make that idempotent.

A rebalance: Faust stops the consumer's flow and revokes every partition; :meth:`BatchLoop
.give_up` waits for the batch in hand, the acknowledgements and the commit before Faust goes
on, and parks the runners. After the assignment and the table's recovery (Faust seeks the
partitions to their committed offsets), the loop takes back the runners of partitions that
are still its own (nothing else can have touched them) and restores the others from the
table.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from models.errors import EventError
from streams import topics as T
from streams.engine.processor import DeadLetter
from streams.runtime.backlog import Partition
from streams.runtime.context import Runtime
from streams.runtime.faust_compat import WorkerClients
from streams.runtime.heap import HeapTrimmer
from streams.runtime.partition import (
    BatchResult,
    InputRecord,
    PartitionRunner,
    dead_letter_record,
    partition_for,
    route_record,
    signal_key,
    source_of,
)
from streams.runtime.produce import BatchSender, Sent

log = logging.getLogger("slawatch.runtime")

#: Longest a fetch waits for records, in seconds (an idle worker still settles and commits
#: this often).
FETCH_WAIT = 0.1
#: Most records one round takes (over all owned partitions): bounds a round's memory and
#: the work a rebalance waits for.
MAX_RECORDS = 20_000
#: Rounds whose outputs may be unacknowledged at once: the loop waits for the oldest before
#: it fetches more (their records are held until then).
MAX_IN_FLIGHT = 3
#: Longest the acknowledgements of what was sent are awaited before partitions are given up
#: or the worker stops, in seconds.
SETTLE_TIMEOUT = 30.0


def signal_topic(signal_type: str) -> str:
    """The output topic (base name) of a signal type: ``topics.SIGNAL_ROUTES``, and the
    verdicts topic for a type it does not know yet (a new kind of report): never dropped."""
    return T.SIGNAL_ROUTES.get(signal_type, T.VERDICTS)


@dataclass(slots=True)
class Delivery:
    """A round's outputs on their way, and the input offsets (``{TP: next offset}``) that
    are done once every one of them is acknowledged."""

    sent: list[Sent]
    offsets: dict[Any, int]

    def done(self) -> bool:
        return all(s.future.done() for s in self.sent)


@dataclass(frozen=True, slots=True)
class _Message:
    """A changelog record as the table's store takes it (``Store.apply_changelog_batch``
    reads these fields of a Faust event's message)."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes

    @property
    def tp(self) -> Any:
        from faust.types import TP

        return TP(self.topic, self.partition)


@dataclass(frozen=True, slots=True)
class _Event:
    key: bytes
    value: bytes
    message: _Message


def _changelog_events(sent: Iterable[Sent], changelog: str) -> list[_Event]:
    """The acknowledged changelog records of ``sent``, with the offsets the broker gave them
    (a producer batch's records get consecutive offsets from the first one's)."""
    out: list[_Event] = []
    for s in sent:
        if s.topic != changelog:
            continue
        base = s.future.result().offset
        for i, (key, value) in enumerate(s.records):
            out.append(_Event(key, value, _Message(s.topic, s.partition, base + i, key, value)))
    return out


class BatchLoop:
    """The input loop of one worker (see the module doc). Also the
    :class:`~streams.runtime.backlog.ConsumerOffsets` of its partitions for the tick rule."""

    def __init__(self, rt: Runtime, clients: WorkerClients) -> None:
        self.rt = rt
        self.app = rt.app
        self.clients = clients
        s = rt.settings
        self.ticket_topic = s.topic(T.TICKET_EVENTS)
        self.monitoring_topic = s.topic(T.MONITORING_EVENTS)
        self.keyed_topic = rt.keyed.get_topic_name()
        self.topics = frozenset({self.ticket_topic, self.monitoring_topic, self.keyed_topic})
        self.changelog = rt.tickets.changelog_topic.get_topic_name()
        self.dead_topic = s.topic(T.DEAD_LETTERS)
        self.states_topic = s.topic(T.CLOCK_STATES)
        self.sender: BatchSender | None = None
        self.lock = asyncio.Lock()
        self.pending: deque[Delivery] = deque()
        self.acked: dict[Any, int] = {}  # acknowledged, not yet committed: TP → next offset
        #: TP → next offset, as far as this worker knows (Faust's view at the assignment, then
        #: this loop's commits)
        self.committed_offsets: dict[Any, int] = {}
        self.last_commit = 0.0
        self.epoch = 0  # bumped when partitions are given up: a fetch across it is dropped
        self.generation: int | None = None  # the assignment the runners are for
        self.parked: dict[int, PartitionRunner] = {}
        self.stopping = False
        self.heap = HeapTrimmer()

    # -- ConsumerOffsets (streams.runtime.backlog) ---------------------------------------------
    def highwater(self, tp: Partition) -> int | None:
        return self.clients.highwater(_tp(tp))

    def committed(self, tp: Partition) -> int | None:
        key = _tp(tp)
        mine = self.committed_offsets.get(key)
        return mine if mine is not None else self.clients.committed(key)

    def assignment(self) -> set[Partition]:
        return {(tp.topic, tp.partition) for tp in self.clients.assignment()}

    # -- the loop -----------------------------------------------------------------------------
    def ready(self) -> bool:
        """Whether the worker owns its partitions for good: not rebalancing or recovering,
        the consumer's flow on (Faust stops it for a rebalance and a stop)."""
        app = self.app
        return (
            not self.stopping
            and not app.rebalancing
            and not getattr(app, "in_recovery", False)
            and self.clients.flow_active()
        )

    def owned(self) -> list[Any]:
        return sorted(tp for tp in self.clients.assignment() if tp.topic in self.topics)

    async def run(self) -> None:
        """Until the worker stops (started as a Faust task, once the contracts are read). An
        output the broker refused stops the worker (what the runners hold is then not all
        out; a restart resumes from the table and the committed offsets)."""
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("the input loop failed: stopping the worker")
            await self.app.crash(exc)

    async def _run(self) -> None:
        outputs = [self.changelog, self.dead_topic, self.states_topic, self.keyed_topic]
        outputs += [self.rt.settings.topic(t) for t in set(T.SIGNAL_ROUTES.values())]
        sender = BatchSender(self.clients.producer(), keep=frozenset({self.changelog}))
        await sender.prepare(outputs)
        self.sender = sender
        while not self.stopping:
            if not self.ready():
                await asyncio.sleep(0.02)
                continue
            if self.generation != self.app.consumer_generation_id:
                async with self.lock:
                    await self._start_generation()
                continue
            owned = self.owned()
            if not owned:
                await asyncio.sleep(FETCH_WAIT)
                continue
            if len(self.pending) >= MAX_IN_FLIGHT:  # the broker is behind: wait for it
                futures = [s.future for s in self.pending[0].sent]
                if futures:
                    await asyncio.wait(futures)
                async with self.lock:
                    await self.settle()
                continue
            epoch = self.epoch
            try:
                batch = await self.clients.fetch(owned, FETCH_WAIT, MAX_RECORDS)
            except Exception as exc:  # e.g. a partition taken away between owned() and now
                if self.ready() and epoch == self.epoch:
                    log.warning("fetch of %d partitions failed (%r); again", len(owned), exc)
                await asyncio.sleep(0.05)
                continue
            async with self.lock:
                if epoch != self.epoch or not self.ready():
                    continue  # partitions were given up meanwhile: read again after it
                if batch:
                    await self._round(batch)
                await self.settle()
            if batch:
                self.heap.handled(sum(len(r) for r in batch.values()))

    async def _start_generation(self) -> None:
        """After an assignment (and the table's recovery): the runners of the keyed
        partitions now owned, the committed offsets Faust read for the input partitions."""
        rt = self.rt
        assigned = self.clients.assignment()
        keyed = {tp.partition for tp in assigned if tp.topic == self.keyed_topic}
        for tp in assigned:
            if tp.topic in self.topics and (c := self.clients.committed(tp)) is not None:
                self.committed_offsets[tp] = c
        runners = {p: self.parked.pop(p) for p in keyed if p in self.parked}
        self.parked.clear()
        missing = sorted(keyed - runners.keys())
        epoch = self.epoch
        if missing:
            restored = await restore_runners(rt, missing, lambda: epoch != self.epoch)
            if restored is None:
                return  # partitions given up meanwhile: after the next assignment
            runners.update(restored)
        rt.runners.clear()
        rt.runners.update(runners)
        rt.ticks_in_flight.clear()
        self.generation = self.app.consumer_generation_id
        log.info(
            "assignment %s: keyed partitions %s (%d kept, %d restored)",
            self.generation,
            sorted(keyed),
            len(keyed) - len(missing),
            len(missing),
        )

    # -- one round ----------------------------------------------------------------------------
    async def _round(self, batch: Mapping[Any, list[Any]]) -> None:
        started = time.perf_counter()
        rt = self.rt
        sender = self.sender
        assert sender is not None
        runs: dict[int, list[InputRecord]] = {}
        keyed: dict[int, list[InputRecord]] = {}
        offsets: dict[Any, int] = {}
        n = 0
        for tp, records in batch.items():
            if not records:
                continue
            n += len(records)
            if tp.topic == self.keyed_topic:
                run = keyed.setdefault(tp.partition, [])
                for r in records:
                    src = _header(r.headers, "src")
                    where = src.decode() if src else source_of(tp.topic, tp.partition, r.offset)
                    run.append((r.key, r.value or b"", r.offset, where, 1))
            elif tp.topic == self.ticket_topic:
                self._route(tp, records, runs, False, rt.in_place)
            else:  # never in place: the monitoring topic is not keyed as ours
                self._route(tp, records, runs, True, False)
            last = records[-1].offset
            offsets[tp] = last + 1
            self.clients.note_read(tp, last)
        for p, run in keyed.items():  # log 0 first, then the re-keyed records and the ticks
            runs.setdefault(p, []).extend(run)
        for p, run in runs.items():
            runner = rt.runners[p]
            res = runner.handle_batch(run)
            self._outputs(p, res)
        sent = await sender.send()
        for tp, nxt in offsets.items():  # handed to the producer: finished for the tick rule
            rt.backlog.finished(tp.topic, tp.partition, nxt - 1)
        self.pending.append(Delivery(sent, offsets))
        if rt.metrics is not None and n:
            rt.metrics.observe_latency((time.perf_counter() - started) / n)

    def _route(
        self,
        tp: Any,
        records: list[Any],
        runs: dict[int, list[InputRecord]],
        monitoring: bool,
        in_place: bool,
    ) -> None:
        """Input records: re-keyed onto the keyed topic, or (``in_place``: keyed as we
        would, on the partition that key hashes to) into the run of their partition; a
        record that cannot be routed is a dead letter. The oldest event time among them goes
        to the tick rule (a backfill holds ticks: ``streams.runtime.backlog``)."""
        sender = self.sender
        assert sender is not None
        rt = self.rt
        max_bytes = rt.settings.max_event_bytes
        partitions = rt.settings.partitions
        here = in_place and tp.partition in rt.runners
        oldest: int | None = None
        for r in records:
            raw = r.value if r.value is not None else b""
            src = source_of(tp.topic, tp.partition, r.offset)
            key, problem, at_us = route_record(raw, max_bytes, monitoring=monitoring)
            if key is None:
                why = problem or EventError("unroutable")
                self._dead(DeadLetter(str(why), _text(raw), src, kind=why.kind), r.key)
                continue
            if at_us is not None and (oldest is None or at_us < oldest):
                oldest = at_us
            if here and r.key == key and partition_for(key, partitions) == tp.partition:
                runs.setdefault(tp.partition, []).append((key, raw, r.offset, src, 0))
            else:
                sender.add(self.keyed_topic, key, raw, headers=[("src", src.encode())])
        if oldest is not None:
            rt.backlog.arrived((tp.topic, tp.partition), oldest, rt.clock.now_us(), _mono())

    def _outputs(self, partition: int, res: BatchResult) -> None:
        rt, sender = self.rt, self.sender
        assert sender is not None
        topic = rt.settings.topic
        for key, value in res.writes.items():  # to the changelog partition being processed
            # an exact-size copy: orjson's bytes keep a 4 KB allocation each, and these are
            # held until acknowledged, then by the memory:// store
            data = bytes(memoryview(orjson.dumps(value)))
            sender.add(self.changelog, key.encode(), data, partition)
        for sig in res.signals:
            sender.add(topic(signal_topic(sig["type"])), signal_key(sig), orjson.dumps(sig))
        for rec in res.records:
            sender.add(self.states_topic, rec["key"].encode(), orjson.dumps(rec))
        for dl, key in res.dead_letters:
            self._dead(dl, key)
        if res.ticks:
            rt.ticks_in_flight.pop(partition, None)
        metrics = rt.metrics
        if metrics is not None:
            metrics.signals_sent(res.signals)
            for event_type, tenant in res.applied:
                metrics.event_in(event_type, tenant)

    def _dead(self, dl: DeadLetter, key: bytes | None) -> None:
        assert self.sender is not None
        k, v = dead_letter_record(dl, key, self.rt.clock.now_us())
        self.sender.add(self.dead_topic, k, v)
        if self.rt.metrics is not None:
            self.rt.metrics.dead_letter(dl.kind)

    # -- acknowledgements and commits ---------------------------------------------------------
    async def settle(self, *, force: bool = False) -> None:
        """Take in the deliveries whose every output is acknowledged (``force``: wait for
        all of them, at most :data:`SETTLE_TIMEOUT`): their changelog records into the
        table's local store, their input offsets into the next commit; commit when
        ``broker_commit_interval`` has passed since the last one (``force``: now)."""
        if force and self.pending:
            futures = [s.future for d in self.pending for s in d.sent]
            await asyncio.wait_for(asyncio.gather(*futures), SETTLE_TIMEOUT)
        while self.pending and self.pending[0].done():
            delivery = self.pending.popleft()
            for s in delivery.sent:
                s.future.result()  # a failed send raises: the worker must not commit past it
            events = _changelog_events(delivery.sent, self.changelog)
            if events:
                self.rt.tickets.apply_changelog_batch(events)
            self.acked.update(delivery.offsets)
        now = time.monotonic()
        interval = self.app.conf.broker_commit_interval
        if self.acked and (force or now - self.last_commit >= interval):
            offsets, self.acked = self.acked, {}
            self.last_commit = now
            try:
                await self.clients.commit(offsets)
            except Exception as exc:  # e.g. a rebalance began: the next owner reads them again
                log.warning("commit of %d partitions failed: %r", len(offsets), exc)
                for tp, nxt in offsets.items():
                    self.acked[tp] = max(nxt, self.acked.get(tp, 0))
                return
            self.committed_offsets.update(offsets)
            for tp, nxt in offsets.items():
                runner = self.rt.runners.get(tp.partition)
                if runner is not None and tp.topic in (self.ticket_topic, self.keyed_topic):
                    runner.mark_committed(0 if tp.topic == self.ticket_topic else 1, nxt)

    async def give_up(self, revoked: Iterable[Any]) -> None:
        """Partitions are about to be revoked (a rebalance) or the worker stops: finish the
        round in hand, wait for its acknowledgements and commit, then park the runners of
        the revoked keyed partitions (taken back if the next assignment gives them back)."""
        revoked = set(revoked)
        self.epoch += 1
        async with self.lock:
            try:
                await self.settle(force=True)
            except Exception:
                # what was sent is not known to be out: the runners are ahead of the table
                # and of the commits, so whoever owns the partitions next (this worker too)
                # starts again from both
                log.exception("outputs not acknowledged before the partitions were given up")
                self.pending.clear()
                self.acked.clear()
                self.rt.runners.clear()
                self.parked.clear()
            self.epoch += 1
            for tp in revoked:
                self.committed_offsets.pop(tp, None)
                self.acked.pop(tp, None)
            for p in {tp.partition for tp in revoked if tp.topic == self.keyed_topic}:
                runner = self.rt.runners.pop(p, None)
                if runner is not None:
                    self.parked[p] = runner
                self.rt.ticks_in_flight.pop(p, None)
            self.rt.backlog.forget((tp.topic, tp.partition) for tp in revoked)
            self.generation = None

    async def stop(self) -> None:
        """The worker stops: give up every partition (commit what is done)."""
        self.stopping = True
        await self.give_up(self.clients.assignment())


#: Stored values restored between two yields to the event loop (timers, rebalances).
RESTORE_SLICE = 5_000


async def restore_runners(
    rt: Runtime, partitions: Iterable[int], abandoned: Callable[[], bool] = lambda: False
) -> dict[int, PartitionRunner] | None:
    """Runners for ``partitions`` from the table (recovered from its changelog): one pass
    over the stored values, each decoded once and given to the runner of its partition;
    ``None`` if ``abandoned()`` turns true on the way (the partitions are being given up)."""
    runners = {p: PartitionRunner(p, rt.registry) for p in partitions}
    counts = dict.fromkeys(runners, 0)
    started = time.monotonic()
    for i, (k, v) in enumerate(rt.tickets.items(), start=1):
        value = orjson.loads(v)
        runner = runners.get(value.get("p"))
        if runner is not None:
            counts[runner.partition] += runner.load([(k.decode(), value)])
        if i % RESTORE_SLICE == 0:
            await asyncio.sleep(0)
            if abandoned():
                return None
    for p, n in counts.items():
        log.info("partition %d: %d tickets restored", p, n)
    log.info("%d tickets restored in %.2f s", sum(counts.values()), time.monotonic() - started)
    return runners


def _mono() -> float:
    return time.monotonic()


def _tp(tp: Partition) -> Any:
    from faust.types import TP

    return TP(tp[0], tp[1])


def _header(headers: Any, name: str) -> bytes | None:
    for k, v in headers or ():
        if k == name:
            return v
    return None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
