"""Prometheus metrics of a slawatch worker.

**Metrics.** :class:`Metrics` owns its own :class:`prometheus_client.CollectorRegistry` (so
tests and several apps in one process never collide on the global registry):

=============================================  ==========  ==================================
metric                                         type        labels / meaning
=============================================  ==========  ==================================
``slawatch_events_in_total``                   counter     ``type``, ``tenant``: input events
                                                           applied
``slawatch_dead_letters_total``                counter     ``reason_kind`` (see
                                                           :data:`REASON_KINDS`)
``slawatch_signals_out_total``                 counter     ``type``: signals sent
``slawatch_open_clocks``                       gauge       running or paused clocks of the
                                                           open tickets this worker owns
``slawatch_timer_lag_seconds``                 gauge       now − the oldest due instant not
                                                           yet fired (0 when none is overdue)
``slawatch_consumer_lag``                      gauge       ``topic``, ``partition``: records
                                                           not yet read
``slawatch_processing_latency_seconds``        histogram   time to apply one input record
                                                           (event or timer tick)
``slawatch_tenants``                           gauge       tenants with a contract in this
                                                           worker's registry (0: every event
                                                           is a dead letter)
``slawatch_read_model_write_failures_total``   counter     failed Redis writes of the read
                                                           model (each is retried)
``slawatch_read_model_pending_records``        gauge       records waiting for Redis (their
                                                           offsets are not committed)
=============================================  ==========  ==================================

Label values are bounded: an event or signal type outside the known ones counts as
``other``, and a tenant beyond the first :attr:`Metrics.max_tenants` as ``other`` (a stream of
bad input must not blow up the series count). Serve them with :func:`start_http_server`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from models.errors import DEAD_LETTER_KINDS
from models.events import MONITORING_EVENT_TYPES, TICKET_EVENT_TYPES
from streams.topics import SIGNAL_ROUTES

NAMESPACE = "slawatch"

#: Seconds: a record normally takes well under a millisecond; the top buckets catch stalls.
LATENCY_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)

# label values: the event types of the schema, the signal types the runtime routes
_EVENT_TYPES = frozenset(TICKET_EVENT_TYPES + MONITORING_EVENT_TYPES)
_SIGNAL_TYPES = frozenset(SIGNAL_ROUTES)
OTHER = "other"

# == dead-letter reasons ===========================================================================

#: The ``reason_kind`` labels, each with what it covers: the ``kind`` of the error that
#: rejected the record, carried on its dead letter (one vocabulary, in models.errors)
REASON_KINDS = DEAD_LETTER_KINDS


# == metrics =======================================================================================


class Metrics:
    """The Prometheus metrics of one worker (see the module doc for the list).

    Plain calls — :meth:`event_in`, :meth:`dead_letter`, :meth:`signal_out`,
    :meth:`set_open_clocks`, :meth:`set_timer_lag`, :meth:`set_consumer_lag`,
    :meth:`observe_latency`, :meth:`set_tenants`, :meth:`read_model_failed`,
    :meth:`set_read_model_pending` — and adapters for the runtime's agents: :meth:`processed` (after
    each record) and :meth:`timers` (on each timer round).
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        max_tenants: int = 1000,
        refresh_interval: float = 5.0,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.max_tenants = max_tenants
        #: seconds between two scans of the open clocks and the consumer lag in :meth:`timers`
        self.refresh_interval = refresh_interval
        self._tenants: set[str] = set()
        self._last_refresh = float("-inf")
        r = self.registry
        self.events_in = Counter(
            "events_in",
            "Input events applied, by event type and tenant.",
            ["type", "tenant"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.dead_letters = Counter(
            "dead_letters",
            "Input records sent to the dead-letter topic, by kind of reason.",
            ["reason_kind"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.signals_out = Counter(
            "signals_out",
            "Signals sent, by signal type.",
            ["type"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.open_clocks = Gauge(
            "open_clocks",
            "Running or paused clocks of the open tickets this worker owns.",
            namespace=NAMESPACE,
            registry=r,
        )
        self.timer_lag = Gauge(
            "timer_lag_seconds",
            "Now minus the oldest due instant not yet fired (0 when nothing is overdue).",
            namespace=NAMESPACE,
            registry=r,
        )
        self.consumer_lag = Gauge(
            "consumer_lag",
            "Records of an assigned input partition not yet read (high watermark - position).",
            ["topic", "partition"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.latency = Histogram(
            "processing_latency_seconds",
            "Time to apply one input record (ticket event or timer tick) and queue its output.",
            namespace=NAMESPACE,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tenants = Gauge(
            "tenants",
            "Tenants with a contract in this worker's registry (0: every event is a dead letter).",
            namespace=NAMESPACE,
            registry=r,
        )
        self.read_model_failures = Counter(
            "read_model_write_failures",
            "Failed Redis writes of the read model (each batch is retried until Redis has it).",
            namespace=NAMESPACE,
            registry=r,
        )
        self.read_model_pending = Gauge(
            "read_model_pending_records",
            "Records waiting for Redis; their offsets are not committed until it has them.",
            namespace=NAMESPACE,
            registry=r,
        )
        for kind in REASON_KINDS:  # every kind is a series from the start (rate() needs it)
            self.dead_letters.labels(reason_kind=kind)

    # -- plain calls -------------------------------------------------------------------------
    def _tenant(self, tenant: str | None) -> str:
        if not tenant:
            return OTHER
        if tenant in self._tenants:
            return tenant
        if len(self._tenants) >= self.max_tenants:
            return OTHER
        self._tenants.add(tenant)
        return tenant

    def event_in(self, type: str, tenant: str | None, n: int = 1) -> None:
        """``n`` input events of ``type`` for ``tenant`` were applied."""
        label = type if type in _EVENT_TYPES else OTHER
        self.events_in.labels(type=label, tenant=self._tenant(tenant)).inc(n)

    def dead_letter(self, kind: str) -> None:
        """One dead letter of this ``kind`` (a key of :data:`REASON_KINDS`)."""
        self.dead_letters.labels(reason_kind=kind if kind in REASON_KINDS else OTHER).inc()

    def signal_out(self, type: str, n: int = 1) -> None:
        self.signals_out.labels(type=type if type in _SIGNAL_TYPES else OTHER).inc(n)

    def signals_sent(self, signals: Iterable[Mapping[str, Any]]) -> None:
        """Count signals given as dicts (``Signal.to_dict()``) or objects with ``.type``."""
        for sig in signals:
            t = sig.get("type") if isinstance(sig, Mapping) else getattr(sig, "type", None)
            self.signal_out(str(t))

    def set_open_clocks(self, n: int) -> None:
        self.open_clocks.set(n)

    def set_timer_lag(self, seconds: float) -> None:
        self.timer_lag.set(max(0.0, seconds))

    def observe_timer_lag(self, now_us: int, oldest_due_us: int | None) -> float:
        """Set the timer lag from engine instants (epoch µs); returns the seconds set."""
        lag = 0.0 if oldest_due_us is None else max(0, now_us - oldest_due_us) / 1e6
        self.timer_lag.set(lag)
        return lag

    def set_consumer_lag(self, topic: str, partition: int, lag: int) -> None:
        self.consumer_lag.labels(topic=topic, partition=str(partition)).set(max(0, lag))

    def clear_consumer_lag(self, topic: str, partition: int) -> None:
        """Drop the series of a partition this worker no longer owns."""
        with suppress(KeyError):
            self.consumer_lag.remove(topic, str(partition))

    def observe_latency(self, seconds: float) -> None:
        self.latency.observe(seconds)

    def set_tenants(self, n: int) -> None:
        self.tenants.set(n)

    def read_model_failed(self) -> None:
        """One failed Redis write of the read model (it will be retried)."""
        self.read_model_failures.inc()

    def set_read_model_pending(self, n: int) -> None:
        self.read_model_pending.set(n)

    @contextmanager
    def timed(self) -> Iterator[None]:
        """``with metrics.timed(): …`` observes the block's duration as processing latency."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.latency.observe(time.perf_counter() - started)

    # -- adapters for the runtime ------------------------------------------------------------
    def processed(
        self,
        tick: bool,
        result: Any,
        seconds: float,
        *,
        event_type: str | None = None,
        tenant: str | None = None,
    ) -> None:
        """After one input record: its latency, the signals it produced (``result.signals``,
        dicts), and — when the caller knows them — the event's type and tenant. A record
        skipped as already applied, a tick and a rejected event are not input events."""
        self.latency.observe(seconds)
        self.signals_sent(getattr(result, "signals", ()) or ())
        if (
            not tick
            and event_type is not None
            and not getattr(result, "skipped", False)
            and not getattr(result, "dead_letters", None)
        ):
            self.event_in(event_type, tenant)

    def timers(self, rt: Any, now_us: int) -> None:
        """On each timer round of a worker (``rt``: ``streams.runtime.context.Runtime``): the timer
        lag from the partitions' next due instants (a heap peek each); every
        :attr:`refresh_interval` seconds also the open clocks and the consumer lag."""
        runners = dict(getattr(rt, "runners", {}) or {})
        dues = [d for d in (_safe(r.next_due_us) for r in runners.values()) if d is not None]
        self.observe_timer_lag(now_us, min(dues) if dues else None)
        mono = time.monotonic()
        if mono - self._last_refresh < self.refresh_interval:
            return
        self._last_refresh = mono
        self.set_open_clocks(sum(count_open_clocks(r.engine) for r in runners.values()))
        app = getattr(rt, "app", None)
        if app is not None:
            self.refresh_consumer_lag(app.consumer)

    def refresh_consumer_lag(self, consumer: Any) -> None:
        """The lag of every partition assigned to a Faust consumer (high watermark − the next
        offset to read); partitions no longer assigned lose their series."""
        try:
            assigned = set(consumer.assignment())
        except Exception:  # not started, or mid-rebalance
            return
        seen = set()
        for tp in assigned:
            try:
                high = consumer.highwater(tp)
                read = consumer._read_offset.get(tp)  # last offset handed to an agent
            except Exception:
                continue
            if high is None:
                continue
            nxt = (read if read is not None else -1) + 1
            self.set_consumer_lag(tp.topic, tp.partition, high - nxt)
            seen.add((tp.topic, str(tp.partition)))
        for labels in _series_labels(self.consumer_lag):
            if labels not in seen:
                self.clear_consumer_lag(labels[0], int(labels[1]))

    # -- exposition --------------------------------------------------------------------------
    def render(self) -> bytes:
        """The Prometheus text exposition of this registry."""
        return generate_latest(self.registry)

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        """A sample's current value (``name`` as exposed, e.g. ``slawatch_open_clocks``)."""
        return self.registry.get_sample_value(name, dict(labels or {}))

    def serve(self, port: int, addr: str = "0.0.0.0") -> Any:
        """Serve ``/metrics`` on ``addr:port`` from a daemon thread (see
        :func:`start_http_server`)."""
        return start_http_server(port, self, addr)


def count_open_clocks(engine: Any) -> int:
    """Active, not stopped clocks of the engine's open tickets (a scan: call it seldom)."""
    if hasattr(engine, "open_clocks"):
        return int(engine.open_clocks())
    n = 0
    for ticket in list(getattr(engine, "tickets", {}).values()):
        if getattr(ticket, "phase", "open") != "open":
            continue
        for clock in ticket.clocks.values():
            if clock.active and not clock.stopped:
                n += 1
    return n


def _safe(fn: Any) -> Any:
    try:
        return fn()
    except Exception:
        return None


def _series_labels(metric: Any) -> list[tuple[str, ...]]:
    try:
        return list(metric._metrics)  # prometheus_client keeps children by label values
    except AttributeError:
        return []


def start_http_server(port: int, metrics: Metrics, addr: str = "0.0.0.0") -> Any:
    """Serve ``metrics`` in the Prometheus text format on ``http://addr:port/`` (any path) from
    a daemon thread; ``port`` 0 picks a free one. Returns ``(server, thread)``; the bound port
    is ``server.server_port``."""
    from prometheus_client import start_http_server as _start

    return _start(port, addr=addr, registry=metrics.registry)
