"""``slawatch notify``: the consumer that pages on-call (see :mod:`streams.connectors.notify`).

Its own consumer group (``<app id>-notify``) reads ``sla.warnings``, ``sla.escalations``,
``sla.breaches``, ``sla.verdicts`` and ``sla.clock-states``. Each record becomes jobs
(:mod:`.dispatch`) queued on the receivers' workers (:mod:`.delivery`); its offset is
committed once every job of it and of all earlier records of its partition has ended
(:class:`OffsetTracker`), so a crash re-reads only what was not finished — and the
deliveries already made are recognised and not repeated (:mod:`.state`). A new group starts
at the end of the topics (``--from-beginning``: at the start), so that switching notify on
does not page the past.

``GET /healthz`` (200 once the consumer is assigned) and ``GET /metrics`` on ``--port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from models.notify import NotifyFile
from models.settings import Settings
from streams import topics as T
from streams.connectors.deadletter import dead_letter
from streams.connectors.kafka import KafkaSink
from streams.connectors.notify.delivery import HttpPoster, Job, Poster, ReceiverWorker
from streams.connectors.notify.dispatch import Dispatcher
from streams.connectors.notify.state import NotifyState

log = logging.getLogger("slawatch.notify")

SIGNAL_INPUTS = (T.WARNINGS, T.ESCALATIONS, T.BREACHES, T.VERDICTS)
COMMIT_INTERVAL_S = 1.0


class OffsetTracker:
    """Per partition, the offset up to which every record's jobs have ended."""

    def __init__(self) -> None:
        self.pending: dict[Any, dict[int, int]] = {}
        self.next: dict[Any, int] = {}
        self.committed: dict[Any, int] = {}

    def add(self, tp: Any, offset: int, jobs: int) -> None:
        self.next[tp] = max(self.next.get(tp, 0), offset + 1)
        if jobs:
            self.pending.setdefault(tp, {})[offset] = jobs

    def done(self, tp: Any, offset: int) -> None:
        waiting = self.pending.get(tp, {})
        if offset in waiting:
            waiting[offset] -= 1
            if waiting[offset] == 0:
                del waiting[offset]

    def committable(self) -> dict[Any, int]:
        """``{tp: offset to commit}`` that moved since the last :meth:`mark`."""
        out = {}
        for tp, nxt in self.next.items():
            waiting = self.pending.get(tp)
            offset = min(waiting) if waiting else nxt
            if offset > self.committed.get(tp, -1):
                out[tp] = offset
        return out

    def mark(self, offsets: dict[Any, int]) -> None:
        self.committed.update(offsets)

    def forget(self, tps: Any) -> None:
        for tp in tps:
            self.pending.pop(tp, None)
            self.next.pop(tp, None)
            self.committed.pop(tp, None)


class NotifyMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.signals = Counter(
            "notify_signals",
            "Signal and clock-state records read by notify, by type.",
            ["type"],
            namespace="slawatch",
            registry=self.registry,
        )
        self.deliveries = Counter(
            "notify_deliveries",
            "Requests to receivers by outcome: delivered, retried, duplicate (already "
            "delivered before a restart), dead_letter, resend_failed.",
            ["receiver", "outcome"],
            namespace="slawatch",
            registry=self.registry,
        )
        self.firing = Gauge(
            "notify_firing",
            "Incidents firing at Alertmanager or PagerDuty.",
            namespace="slawatch",
            registry=self.registry,
        )

    def count(self, receiver: str, outcome: str) -> None:
        self.deliveries.labels(receiver=receiver, outcome=outcome).inc()

    def value(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        return self.registry.get_sample_value(name, labels or {})


class NotifyService:
    """The consumer, the dispatcher and the receivers' workers of one process."""

    def __init__(
        self,
        settings: Settings,
        config: NotifyFile,
        secrets: dict[str, str],
        state: NotifyState,
        *,
        poster: Poster | None = None,
        from_beginning: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.config = config
        self.state = state
        self.poster = poster or HttpPoster()
        self.from_beginning = from_beginning
        self.clock = clock
        self.metrics = NotifyMetrics()
        self.dispatcher = Dispatcher(config, secrets, state, clock=clock)
        self.sink = KafkaSink(settings, client_id="slawatch-notify")
        self.tracker = OffsetTracker()
        self.workers = {
            r.name: ReceiverWorker(
                r.name,
                self.poster,
                config.delivery,
                state,
                self._dead_letter,
                count=self.metrics.count,
            )
            for r in config.receivers
        }
        self.assigned = asyncio.Event()
        self.consumer: Any = None
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def group(self) -> str:
        return f"{self.settings.app_id}-notify"

    # -- lifecycle -------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener

        service = self

        class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            async def on_partitions_revoked(self, revoked: Any) -> None:
                await service._commit()
                service.tracker.forget(revoked)

            async def on_partitions_assigned(self, assigned: Any) -> None:
                log.info("notify: assigned %d partitions", len(assigned))
                service.assigned.set()

        s = self.settings
        session = s.effective_session_timeout()
        names = [s.topic(t) for t in (*SIGNAL_INPUTS, T.CLOCK_STATES)]
        self.consumer = AIOKafkaConsumer(
            group_id=self.group,
            client_id="slawatch-notify",
            enable_auto_commit=False,
            auto_offset_reset="earliest" if self.from_beginning else "latest",
            session_timeout_ms=int(session * 1000),
            heartbeat_interval_ms=int(session * 1000 / 3),
            fetch_max_wait_ms=100,
            **s.aiokafka_kwargs(),
        )
        self.consumer.subscribe(names, listener=Listener())
        await self.consumer.start()
        await self.sink.start()
        self._tasks = [asyncio.create_task(w.run(), name=f"receiver-{w.name}") for w in self]
        self._tasks.append(asyncio.create_task(self._resend_loop(stop), name="resend"))
        try:
            await self._consume(stop)
        finally:
            await self._drain(10.0)
            await self._commit()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.consumer.stop()
            await self.sink.close()
            if isinstance(self.poster, HttpPoster):
                await self.poster.close()
            await self.state.close()

    def __iter__(self) -> Any:
        return iter(self.workers.values())

    async def _consume(self, stop: asyncio.Event) -> None:
        clock_states = self.settings.topic(T.CLOCK_STATES)
        last_commit = time.monotonic()
        while not stop.is_set():
            batch = await self.consumer.getmany(timeout_ms=200, max_records=500)
            for tp, records in batch.items():
                for rec in records:
                    await self._record(tp, rec, rec.topic == clock_states)
            if time.monotonic() - last_commit >= COMMIT_INTERVAL_S:
                await self._commit()
                last_commit = time.monotonic()

    async def _record(self, tp: Any, rec: Any, is_state: bool) -> None:
        origin = {"topic": rec.topic, "partition": rec.partition, "offset": rec.offset}
        jobs: list[Job] = []
        try:
            doc = orjson.loads(rec.value) if rec.value is not None else None
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict):
            if is_state:
                jobs = await self.dispatcher.clock_state(doc, origin)
            else:
                self.metrics.signals.labels(type=str(doc.get("type"))).inc()
                jobs = await self.dispatcher.signal(doc, origin)
        self.tracker.add(tp, rec.offset, len(jobs))
        for job in jobs:
            job.done = _done(self.tracker, tp, rec.offset)
            await self.workers[job.receiver].put(job)

    async def _commit(self) -> None:
        with contextlib.suppress(Exception):  # the gauge is a courtesy
            self.metrics.firing.set(await self.state.firing_count())
        offsets = self.tracker.committable()
        if not offsets or self.consumer is None:
            return
        try:
            await self.consumer.commit(offsets)
            self.tracker.mark(offsets)
        except Exception as exc:  # mid-rebalance: the next round commits
            log.warning("notify: commit failed: %s", exc)

    async def _drain(self, timeout: float) -> None:
        """Let the workers finish what is queued (up to ``timeout`` s) before stopping."""
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(w.queue.join() for w in self.workers.values())), timeout
            )

    async def _resend_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.resend)
            if stop.is_set():
                return
            for job in await self.dispatcher.resends():
                await self.workers[job.receiver].put(job)

    async def _dead_letter(self, job: Job, reason: str) -> None:
        origin = {**job.origin, "receiver": job.receiver}
        doc = orjson.loads(job.raw) if job.raw else {}
        await self.sink.send(
            [
                dead_letter(
                    self.settings.topic(T.DEAD_LETTERS),
                    reason,
                    job.raw,
                    origin,
                    self.clock(),
                    tenant=doc.get("tenant") if isinstance(doc, dict) else None,
                    ticket_id=doc.get("ticket_id") if isinstance(doc, dict) else None,
                    event_id=doc.get("event_id") if isinstance(doc, dict) else None,
                )
            ]
        )

    # -- HTTP: health and metrics ----------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()

        async def health(request: web.Request) -> web.Response:
            ok = self.assigned.is_set()
            return web.json_response(
                {"status": "ok" if ok else "starting", "group": self.group},
                status=200 if ok else 503,
            )

        async def metrics(request: web.Request) -> web.Response:
            return web.Response(body=generate_latest(self.metrics.registry))

        app.router.add_get("/healthz", health)
        app.router.add_get("/metrics", metrics)
        return app


def _done(tracker: OffsetTracker, tp: Any, offset: int) -> Callable[[], None]:
    return lambda: tracker.done(tp, offset)


__all__ = ["SIGNAL_INPUTS", "NotifyMetrics", "NotifyService", "OffsetTracker"]
