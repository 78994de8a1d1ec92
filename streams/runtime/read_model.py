"""The Redis read model sink: batches of clock records and signals → one Redis pipeline.

Runs as an agent over ``sla.clock-states`` and the signal topics in every worker (the
partitions are shared by the group), so Redis is written at least once per record; the
writes are idempotent (``streams.sinks.redis_model``). Each batch also stores the runtime's
clock, so the commands reading the model know what "now" is (``Pruntime-clock``).

**A record's offset is committed only once Redis has it.** Faust's ``Stream.take_events``
acks the events of a batch (makes their offsets committable) when the loop body hands control
back for the next batch — and also when the generator is closed, after an exception or a
cancellation. So the body returns only once the batch is written: a failed write is retried
with backoff (:class:`Backoff`: 0.1 s, doubling, at most 5 s between attempts, for as long as
it takes), counted (``slawatch_read_model_write_failures_total``,
``slawatch_read_model_pending_records``) and logged (the first failure, then every 30 s, and
the recovery). Meanwhile the read-model partitions are paused, so their records wait in Kafka
instead of filling the agent's buffer (a full buffer would block the consumer, and with it
the SLA clocks); ticket processing goes on.

If the worker has to let go while Redis is still down — it is stopping, or a rebalance has
begun (both stop the consumer's flow, and Faust waits for the events in hand before it goes
on) — the batch is *released uncommitted* (:func:`release_uncommitted`): Faust stops
waiting for it, but its offsets never reach a commit, so the partitions' next reader
(another worker, or this one after a restart or the rebalance: Faust seeks every partition to
its committed offset before the flow resumes) reads it again. Later records of such a
partition are released too until it is read again from the gap (:class:`Holdback`), so no
commit can jump over it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from streams import topics as T
from streams.clock import SimClock
from streams.runtime.context import RAW, Runtime
from streams.sinks.redis_model import ReadModel, ReadModelError

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("slawatch.read_model")

__all__ = [
    "Backoff",
    "Holdback",
    "RetryingWriter",
    "register_read_model",
    "release_uncommitted",
]

#: Records per Redis pipeline, and the longest a record waits for its batch to fill.
BATCH_SIZE = 1000
BATCH_WITHIN = 0.2
#: While Redis is down, a log line at most this often (seconds).
LOG_EVERY = 30.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds between two attempts: ``first``, then × ``factor`` each time, at most ``cap``
    (so a recovered Redis is noticed within ``cap`` seconds)."""

    first: float = 0.1
    cap: float = 5.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        if not (0 < self.first <= self.cap):
            raise ReadModelError(f"backoff: need 0 < first ≤ cap (got {self.first}, {self.cap})")
        if not self.factor >= 1:
            raise ReadModelError(f"backoff: factor must be ≥ 1 (got {self.factor})")

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.cap)


class WriterMetrics(Protocol):
    """What :class:`RetryingWriter` reports to (``streams.observability.Metrics``)."""

    def read_model_failed(self) -> None: ...

    def set_read_model_pending(self, n: int) -> None: ...


class RetryingWriter:
    """Runs one batch's write until it succeeds or the caller has to let go.

    ``on_outage`` runs at a batch's first failure, ``on_recovery`` once a failed batch is
    written (the agent pauses and resumes its partitions). ``errors``: what counts as Redis
    being unavailable (anything else is a bug and propagates).
    """

    def __init__(
        self,
        errors: tuple[type[BaseException], ...],
        *,
        backoff: Backoff | None = None,
        metrics: WriterMetrics | None = None,
        on_outage: Callable[[], None] = lambda: None,
        on_recovery: Callable[[], None] = lambda: None,
        log_every: float = LOG_EVERY,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.errors = errors
        self.backoff = backoff or Backoff()
        self.metrics = metrics
        self.on_outage, self.on_recovery = on_outage, on_recovery
        self.log_every = log_every
        self._sleep, self._monotonic = sleep, monotonic

    async def write(
        self, execute: Callable[[], Awaitable[Any]], n: int, let_go: Callable[[], str | None]
    ) -> bool:
        """``await execute()`` (one attempt at writing ``n`` records) until it succeeds: True.
        False when an attempt failed and ``let_go()`` gives a reason to stop trying (the
        worker is stopping, or its partitions are moving)."""
        delays = self.backoff.delays()
        failures = 0
        began = logged = 0.0
        while True:
            try:
                await execute()
            except self.errors as exc:
                failures += 1
                now = self._monotonic()
                if self.metrics is not None:
                    self.metrics.read_model_failed()
                if failures == 1:
                    began = logged = now
                    if self.metrics is not None:
                        self.metrics.set_read_model_pending(n)
                    log.warning(
                        "read model: Redis write failed (%s); retrying %d records with "
                        "backoff, their offsets are not committed until Redis has them",
                        _brief(exc), n,
                    )  # fmt: skip
                    self.on_outage()
                elif now - logged >= self.log_every:
                    logged = now
                    log.warning(
                        "read model: Redis still unavailable after %d attempts (%.0f s): %s",
                        failures, now - began, _brief(exc),
                    )  # fmt: skip
                reason = let_go()
                if reason is not None:
                    if self.metrics is not None:
                        self.metrics.set_read_model_pending(0)
                    log.warning(
                        "read model: %s while Redis is unavailable: %d records left "
                        "uncommitted, to be read again",
                        reason, n,
                    )  # fmt: skip
                    return False
                await self._wait(next(delays), let_go)
                continue
            if failures:
                log.warning(
                    "read model: Redis is back; %d records written after %d failed attempts "
                    "(%.1f s)",
                    n, failures, self._monotonic() - began,
                )  # fmt: skip
                if self.metrics is not None:
                    self.metrics.set_read_model_pending(0)
                self.on_recovery()
            return True

    async def _wait(self, seconds: float, let_go: Callable[[], str | None]) -> None:
        """Sleep ``seconds``, in slices, so that a stop or a rebalance is not kept waiting."""
        end = self._monotonic() + seconds
        while let_go() is None:
            left = end - self._monotonic()
            if left <= 0:
                return
            await self._sleep(min(left, 0.25))


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Holdback:
    """Partitions with released (uncommitted) records: a later record of such a partition
    must not be acked either, or the commit would jump over the gap. The mark goes once the
    partition is read again from at or before the gap (Faust seeks every partition to its
    committed offset after a rebalance)."""

    def __init__(self) -> None:
        self.gaps: dict[tuple[str, int], int] = {}

    def admit(self, topic: str, partition: int, offset: int) -> bool:
        """Whether a record may be written and acked (False: release it uncommitted)."""
        first = self.gaps.get((topic, partition))
        if first is None:
            return True
        if offset <= first:  # read again from the gap
            del self.gaps[(topic, partition)]
            return True
        return False

    def released(self, topic: str, partition: int, offset: int) -> None:
        key = (topic, partition)
        self.gaps[key] = min(self.gaps.get(key, offset), offset)


def release_uncommitted(events: Sequence[Any], holdback: Holdback) -> None:
    """Let Faust stop waiting for ``events`` without their offsets being committed.

    Faust has no "nack": an offset becomes committable only through ``Consumer.ack``, which
    ``Message.ack`` calls when the message's last reference is acked and the message is not
    yet marked ``acked``. Marking it ``acked`` directly skips that step — the offset never
    enters the commit — and drops it from the messages a rebalance or a stop waits for."""
    for event in events:
        msg = event.message
        holdback.released(msg.topic, msg.partition, msg.offset)
        msg.acked = True


def register_read_model(rt: Runtime) -> None:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    app, settings = rt.app, rt.settings
    names = [settings.topic(n) for n in (T.CLOCK_STATES, T.BREACHES, T.VERDICTS)]
    source = app.topic(*names, **RAW)
    model = ReadModel(prefix=f"{settings.topic_prefix}slawatch:")
    states_name = settings.topic(T.CLOCK_STATES)
    holdback = Holdback()
    paused: set[Any] = set()

    def pause() -> None:  # keep the records in Kafka while Redis is down
        try:
            paused.update(tp for tp in app.consumer.assignment() if tp.topic in names)
        except Exception:  # consumer not started or mid-rebalance: nothing to pause
            return
        app.consumer.pause_partitions(paused)

    def resume() -> None:  # those still assigned (a rebalance resets the others)
        try:
            still = paused & set(app.consumer.assignment())
        except Exception:
            still = set()
        paused.clear()
        if still:
            app.consumer.resume_partitions(still)

    writer = RetryingWriter(
        (RedisError, OSError, asyncio.TimeoutError),
        metrics=rt.metrics,
        on_outage=pause,
        on_recovery=resume,
    )

    @app.agent(source, name="slawatch.read_model")
    async def read_model(stream: Any) -> None:
        client = aioredis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=3, socket_timeout=10
        )

        def let_go() -> str | None:
            # Faust stops the consumer's flow for a stop and for a rebalance, and seeks every
            # partition back to its committed offset before resuming it: what is released
            # now is read again (``app.rebalancing`` outlasts that seek, so it would not do)
            if app.should_stop or stream.should_stop:
                return "the worker is stopping"
            if not app.consumer.flow_active:
                return "a rebalance is moving partitions"
            return None

        try:
            async for batch in stream.take_events(BATCH_SIZE, within=BATCH_WITHIN):
                keep: list[Any] = []
                held: list[Any] = []
                for event in batch:
                    (keep if holdback.admit(*_where(event)) else held).append(event)
                records, signals = _decode(keep, states_name)
                execute = partial(_execute, client, model, rt.clock, records, signals)
                n = len(records) + len(signals)
                written = n == 0  # tombstones, skipped values: nothing for Redis
                try:
                    written = written or await writer.write(execute, n, let_go)
                finally:  # also on cancellation: take_events would ack the batch on close
                    release_uncommitted(held if written else batch, holdback)
        finally:
            await client.aclose()


async def _execute(
    client: Redis, model: ReadModel, clock: SimClock, records: list[Any], signals: list[Any]
) -> None:
    """One attempt: the batch and the runtime's clock in one pipeline (closed after a
    failure too, so its connection goes back to the pool)."""
    async with client.pipeline(transaction=False) as pipe:
        model.queue(pipe, records, signals)
        model.queue_runtime_clock(pipe, clock)
        await pipe.execute()


def _where(event: Any) -> tuple[str, int, int]:
    msg = event.message
    return msg.topic, msg.partition, msg.offset


def _decode(events: Sequence[Any], states_name: str) -> tuple[list[Any], list[Any]]:
    """Clock records and signals of a batch; a value that is not a JSON object is logged
    and skipped (these topics carry only what workers write)."""
    records: list[Any] = []
    signals: list[Any] = []
    for event in events:
        msg = event.message
        if msg.value is None:
            continue
        try:
            doc = orjson.loads(msg.value)
        except orjson.JSONDecodeError as exc:
            doc, problem = None, f"not JSON ({exc})"
        else:
            problem = "not a JSON object"
        if not isinstance(doc, dict):
            log.warning(
                "read model: skipped %s[%d]@%d: %s", msg.topic, msg.partition, msg.offset, problem
            )
            continue
        (records if msg.topic == states_name else signals).append(doc)
    return records, signals
