"""``slawatch sink``: the Kafka loop that feeds the writer, and the monthly reports.

One consumer group of its own (``<app id>-sink``) over every signal topic,
``sla.clock-states`` and ``sla.dead-letters``. The loop polls, buffers
(:class:`~streams.sink.writer.SinkWriter`), and every ``flush_seconds`` or ``flush_records``
writes the buffer and *then* commits the offsets it consumed — synchronously, so a commit
never covers a record whose file is not durable. A SIGKILL at any point loses nothing: the
records after the last commit are read again on restart (some may be written twice; the
views keep one, :mod:`streams.sink.query`). A SIGTERM flushes and commits before leaving, as
does a rebalance that takes partitions away.

kafka-python rather than aiokafka or Faust: a sink is a poll → write → fsync → commit loop
whose work is blocking file I/O; a synchronous client keeps that order obvious and needs no
event loop, and none of Faust's agents, tables or changelogs is of use here.

The monthly ``sla.compliance`` reports (:class:`~streams.reports.live.MonthlyCompliance`)
are produced from here because the sink is where every partition's signals of a tenant come
together, durably: at a month's end (the runtime's clock, ``SLAWATCH_CLOCK_*``) and when late
data changes a reported month, the tenant's report is computed from the sink's files and
sent to ``sla.reports`` (which the sink reads back and stores, so a restart knows what it
sent). Run one sink with reports per deployment (``--no-reports`` for any other).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models.settings import Settings
from streams import topics as T
from streams.sink.store import Store
from streams.sink.writer import SinkWriter

log = logging.getLogger("slawatch.sink")

#: every topic the sink reads, and the dataset its records go to
DATASET_OF: dict[str, str] = {
    T.WARNINGS: "signals",
    T.ESCALATIONS: "signals",
    T.BREACHES: "signals",
    T.VERDICTS: "signals",
    T.REPORTS: "signals",
    T.CLOCK_STATES: "clock_states",
    T.DEAD_LETTERS: "dead_letters",
}


def _touch(path: str) -> None:
    """The liveness mark of ``--health-file`` (the compose health check reads its age)."""
    try:
        with open(path, "a"):
            pass
        os.utime(path)
    except OSError as exc:  # a health file that cannot be written must not stop the sink
        log.warning("sink: cannot touch %s: %s", path, exc)


def group_id(settings: Settings) -> str:
    return f"{settings.app_id}-sink"


@dataclass(slots=True)
class SinkOptions:
    flush_seconds: float = 5.0
    flush_records: int = 50_000
    reports: bool = True
    report_grace_seconds: float = 600.0  # of the runtime's clock
    report_interval: float = 2.0  # wall seconds between checks of what is due
    health_file: str | None = None  # touched every few seconds while the loop runs
    compact_seconds: float = 300.0  # merge partitions of many small files this often
    compact_files: int = 16  # … those with at least this many


class SinkLoop:
    """The sink process (see the module doc). :meth:`run` until :meth:`stop`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        options: SinkOptions | None = None,
        *,
        registry: Any = None,
        clock: Any = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.options = options or SinkOptions()
        self.stopping = threading.Event()
        self.routes = {settings.topic(base): ds for base, ds in DATASET_OF.items()}
        self.reporter = None
        self.registry = registry
        self.clock = clock
        if self.options.reports and registry is not None:
            from streams.reports.live import MonthlyCompliance

            self.reporter = MonthlyCompliance(
                self._policy_of, grace_us=int(self.options.report_grace_seconds * 1e6)
            )
        self.writer = SinkWriter(store, on_written=self._written)
        self.commits = 0
        self.uncommitted = 0  # records consumed since the last commit
        self.closing = False
        self.reports_sent = 0
        self._unknown: set[str] = set()

    def _policy_of(self, tenant: str) -> Any:
        try:
            return self.registry.resolve(tenant).policy
        except Exception:  # an unknown tenant: its months are not reported (logged once)
            if tenant not in self._unknown:
                self._unknown.add(tenant)
                log.warning(
                    "tenant %s is not in the sink's tenant contracts: no monthly "
                    "report for it (SLAWATCH_TENANTS_FILE)",
                    tenant,
                )
            return None

    def _written(self, dataset: str, tenant: str | None, docs: list[dict[str, Any]]) -> None:
        if self.reporter is None:
            return
        for doc in docs:
            self.reporter.observe_record(dataset, doc)

    def stop(self, *_: Any) -> None:
        self.stopping.set()

    # -- the loop ----------------------------------------------------------------------------
    def consumer(self) -> Any:
        from kafka import KafkaConsumer

        session_ms = int(self.settings.effective_session_timeout() * 1000)
        return KafkaConsumer(
            group_id=group_id(self.settings),
            client_id="slawatch-sink",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(1000, session_ms // 3),
            max_poll_records=10_000,
            **self.settings.kafka_python_kwargs(),
        )

    def run(self, *, install_signals: bool = True, ready: Callable[[], None] | None = None) -> None:
        from kafka import ConsumerRebalanceListener

        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        consumer = self.consumer()
        loop = self

        class OnRevoke(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked: Any) -> None:
                # a rebalance: what was consumed is written and committed before another
                # member gets the partitions (at close, the loop has done so already)
                if revoked and loop.uncommitted and not loop.closing:
                    loop.flush_commit(consumer)

            def on_partitions_assigned(self, assigned: Any) -> None:
                log.info("sink: assigned %d partitions", len(assigned))

        consumer.subscribe(topics=sorted(self.routes), listener=OnRevoke())
        if self.reporter is not None:
            self._recover()
        producer = None
        last_flush = time.monotonic()
        last_report = last_alive = 0.0
        last_compact = time.monotonic()
        if ready is not None:
            ready()
        try:
            while not self.stopping.is_set():
                batch = consumer.poll(timeout_ms=200)
                for tp, msgs in batch.items():
                    dataset = self.routes.get(tp.topic)
                    for m in msgs:
                        self.writer.add(
                            dataset or "signals", m.value, m.topic, m.partition, m.offset
                        )
                        self.uncommitted += 1
                now = time.monotonic()
                if self.options.health_file and now - last_alive >= 5.0:
                    last_alive = now
                    _touch(self.options.health_file)
                if self.uncommitted and (
                    self.writer.pending >= self.options.flush_records
                    or now - last_flush >= self.options.flush_seconds
                ):
                    self.flush_commit(consumer)
                    last_flush = now
                if now - last_compact >= self.options.compact_seconds and not self.uncommitted:
                    last_compact = now
                    self.compact()
                if self.reporter is not None and now - last_report >= self.options.report_interval:
                    last_report = now
                    if self._due():
                        if self.uncommitted:  # the report reads the files: consumed first
                            self.flush_commit(consumer)
                            last_flush = now
                        producer = self._report(producer)
            if self.uncommitted:
                self.flush_commit(consumer)
        finally:
            self.closing = True
            if producer is not None:
                producer.close(5)
            consumer.close(autocommit=False)

    def flush_commit(self, consumer: Any) -> None:
        """Write the buffer (durable when it returns), then commit what was consumed."""
        files = self.writer.flush()
        consumer.commit()
        self.uncommitted = 0
        self.commits += 1
        if files:
            log.info("sink: %d file(s) written, offsets committed", len(files))

    def compact(self) -> None:
        """Merge the partitions that collected many small files (:mod:`streams.sink.compact`)."""
        from streams.sink.compact import compact

        t = time.monotonic()
        stats = compact(self.store, min_files=self.options.compact_files)
        if stats.partitions:
            log.info(
                "sink: compacted %d partition(s), %d files → %d, in %.1f s",
                stats.partitions,
                stats.files_in,
                stats.files_out,
                time.monotonic() - t,
            )

    # -- monthly reports ---------------------------------------------------------------------
    def _recover(self) -> None:
        """What the sink already stored: each tenant's first month, and the reports sent."""
        from streams.sink.query import connect

        assert self.reporter is not None
        con = connect(self.store)
        for tenant, first in con.execute(
            'SELECT tenant, min(t) FROM (SELECT tenant, min("at") AS t FROM signals_raw '
            "WHERE type IN ('sla.breach','sla.warning','sla.escalation','sla.met','sla.missed') "
            "GROUP BY tenant UNION ALL SELECT tenant, min(started_at) FROM clock_states_raw "
            "WHERE kind IS NULL GROUP BY tenant) WHERE tenant IS NOT NULL GROUP BY tenant"
        ).fetchall():
            self.reporter.observe(tenant, int(first.timestamp() * 1_000_000))
        cols = [
            "tenant",
            "period",
            "revision",
            "compliant",
            "consecutive_noncompliant_months",
            "service_credit_percent",
            "rows",
        ]
        for row in con.execute(
            f"SELECT {', '.join(cols)} FROM signals WHERE type = 'sla.compliance'"
        ).fetchall():
            self.reporter.remember(dict(zip(cols, row, strict=True)))
        con.close()

    def _now(self) -> int:
        from streams.clock import SimClock

        if self.clock is None:
            self.clock = SimClock.from_settings(self.settings)
        return int(self.clock.now_us())

    def _due(self) -> list[str]:
        assert self.reporter is not None
        return self.reporter.due(self._now())

    def _report(self, producer: Any) -> Any:
        """Evaluate the tenants due, send what changed; returns the (lazily made) producer."""
        from streams.reports.live import to_json
        from streams.reports.sources import from_sink
        from streams.sink.query import connect

        assert self.reporter is not None
        now = self._now()
        due = self.reporter.due(now)
        if not due:
            return producer
        out = []
        for tenant in due:
            con = connect(self.store, tenant=tenant)
            out.extend(self.reporter.evaluate(tenant, from_sink(con, tenant), now))
            con.close()
        if not out:
            return producer
        if producer is None:
            from kafka import KafkaProducer

            producer = KafkaProducer(
                client_id="slawatch-sink-reports", acks="all", **self.settings.kafka_python_kwargs()
            )
        topic = self.settings.topic(T.REPORTS)
        for sig in out:
            producer.send(topic, key=f"{sig.tenant}:{sig.period}".encode(), value=to_json(sig))
        producer.flush(30)
        self.reports_sent += len(out)
        log.info("sink: %d monthly report(s) sent to %s", len(out), topic)
        return producer
