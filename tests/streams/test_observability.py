"""Prometheus metrics, the dead-letter reason classifier and the JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from models.errors import EventError
from models.events import parse_event
from streams.observability import (
    PAYLOAD_FIELDS,
    Metrics,
    configure_logging,
    start_http_server,
)
from streams.runtime.partition import route_key

REPO = Path(__file__).resolve().parents[2]

METRIC_NAMES = (
    "slawatch_events_in_total",
    "slawatch_dead_letters_total",
    "slawatch_signals_out_total",
    "slawatch_open_clocks",
    "slawatch_timer_lag_seconds",
    "slawatch_consumer_lag",
    "slawatch_processing_latency_seconds",
    "slawatch_tenants",
    "slawatch_read_model_write_failures_total",
    "slawatch_read_model_pending_records",
)


# == metrics =======================================================================================


def test_every_metric_is_exposed() -> None:
    text = Metrics().render().decode()
    helped = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    for name in METRIC_NAMES:
        assert name in helped or name.removesuffix("_total") in helped, name


def test_each_metrics_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()
    a.event_in("ticket.created", "acme")
    labels = {"type": "ticket.created", "tenant": "acme"}
    assert a.value("slawatch_events_in_total", labels) == 1
    assert b.value("slawatch_events_in_total", labels) is None


def test_counters_update() -> None:
    m = Metrics()
    m.event_in("ticket.created", "acme")
    m.event_in("ticket.created", "acme", 2)
    m.event_in("ticket.frobbed", "acme")
    m.signal_out("sla.breach")
    m.signals_sent([{"type": "sla.warning"}, SimpleNamespace(type="sla.warning")])
    m.dead_letter("malformed_json")
    m.dead_letter("no-such-kind")  # an unknown kind counts as other
    assert m.value("slawatch_events_in_total", {"type": "ticket.created", "tenant": "acme"}) == 3
    assert m.value("slawatch_events_in_total", {"type": "other", "tenant": "acme"}) == 1
    assert m.value("slawatch_signals_out_total", {"type": "sla.breach"}) == 1
    assert m.value("slawatch_signals_out_total", {"type": "sla.warning"}) == 2
    assert m.value("slawatch_dead_letters_total", {"reason_kind": "malformed_json"}) == 1
    assert m.value("slawatch_dead_letters_total", {"reason_kind": "other"}) == 1
    # every kind is a series from the start
    assert m.value("slawatch_dead_letters_total", {"reason_kind": "unknown_tenant"}) == 0


def test_tenant_label_is_bounded() -> None:
    m = Metrics(max_tenants=2)
    for t in ("a", "b", "c", "d", "a"):
        m.event_in("ticket.created", t)
    get = m.value
    assert get("slawatch_events_in_total", {"type": "ticket.created", "tenant": "a"}) == 2
    assert get("slawatch_events_in_total", {"type": "ticket.created", "tenant": "other"}) == 2
    assert get("slawatch_events_in_total", {"type": "ticket.created", "tenant": "c"}) is None


def test_gauges_and_histogram() -> None:
    m = Metrics()
    m.set_open_clocks(7)
    assert m.value("slawatch_open_clocks") == 7
    assert m.observe_timer_lag(10_500_000, 10_000_000) == 0.5
    assert m.value("slawatch_timer_lag_seconds") == 0.5
    m.observe_timer_lag(10_000_000, 12_000_000)  # not due yet: no lag
    assert m.value("slawatch_timer_lag_seconds") == 0
    m.observe_timer_lag(10_000_000, None)
    assert m.value("slawatch_timer_lag_seconds") == 0
    m.set_timer_lag(-3)
    assert m.value("slawatch_timer_lag_seconds") == 0
    m.set_consumer_lag("sla.ticket-events", 3, 42)
    labels = {"topic": "sla.ticket-events", "partition": "3"}
    assert m.value("slawatch_consumer_lag", labels) == 42
    m.clear_consumer_lag("sla.ticket-events", 3)
    m.clear_consumer_lag("sla.ticket-events", 3)  # twice is fine
    assert m.value("slawatch_consumer_lag", labels) is None
    m.observe_latency(0.002)
    with m.timed():
        pass
    assert m.value("slawatch_processing_latency_seconds_count") == 2
    assert m.value("slawatch_processing_latency_seconds_bucket", {"le": "0.0025"}) == 2


def test_tenants_and_read_model_metrics() -> None:
    m = Metrics()
    m.set_tenants(5)
    assert m.value("slawatch_tenants") == 5
    m.read_model_failed()
    m.read_model_failed()
    assert m.value("slawatch_read_model_write_failures_total") == 2
    m.set_read_model_pending(1000)
    assert m.value("slawatch_read_model_pending_records") == 1000


@dataclass
class _Result:
    signals: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[Any] = field(default_factory=list)
    skipped: bool = False


def test_processed_adapter() -> None:
    m = Metrics()
    m.processed(False, _Result([{"type": "sla.breach"}]), 0.001)
    m.processed(False, _Result(), 0.001, event_type="ticket.updated", tenant="acme")
    m.processed(False, _Result(dead_letters=["x"]), 0.001, event_type="ticket.updated", tenant="x")
    m.processed(False, _Result(skipped=True), 0.001, event_type="ticket.updated", tenant="y")
    m.processed(True, _Result([{"type": "sla.warning"}]), 0.001)
    assert m.value("slawatch_signals_out_total", {"type": "sla.breach"}) == 1
    assert m.value("slawatch_signals_out_total", {"type": "sla.warning"}) == 1
    assert m.value("slawatch_events_in_total", {"type": "ticket.updated", "tenant": "acme"}) == 1
    assert m.value("slawatch_events_in_total", {"type": "ticket.updated", "tenant": "x"}) is None
    assert m.value("slawatch_events_in_total", {"type": "ticket.updated", "tenant": "y"}) is None
    assert m.value("slawatch_processing_latency_seconds_count") == 5


def _clock(active: bool = True, stopped: bool = False) -> Any:
    return SimpleNamespace(active=active, stopped=stopped)


class _Consumer:
    def __init__(self, assignment: dict[Any, tuple[int | None, int | None]]) -> None:
        self._assignment = assignment
        self._read_offset = {tp: read for tp, (read, _) in assignment.items()}

    def assignment(self) -> set[Any]:
        return set(self._assignment)

    def highwater(self, tp: Any) -> int | None:
        return self._assignment[tp][1]


def test_timers_adapter() -> None:
    from faust.types import TP

    t0, t1 = TP("keyed", 0), TP("keyed", 1)
    tickets = {
        "a:1": SimpleNamespace(phase="open", clocks={"r": _clock(), "s": _clock(stopped=True)}),
        "a:2": SimpleNamespace(phase="open", clocks={"r": _clock(active=False), "s": _clock()}),
        "a:3": SimpleNamespace(phase="closed", clocks={"r": _clock()}),
    }
    runners = {
        0: SimpleNamespace(next_due_us=lambda: 5_000_000, engine=SimpleNamespace(tickets=tickets)),
        1: SimpleNamespace(next_due_us=lambda: None, engine=SimpleNamespace(tickets={})),
    }
    consumer = _Consumer({t0: (9, 15), t1: (None, 3)})
    rt = SimpleNamespace(runners=runners, app=SimpleNamespace(consumer=consumer))
    m = Metrics(refresh_interval=3600)
    m.timers(rt, 7_000_000)
    assert m.value("slawatch_timer_lag_seconds") == 2.0
    assert m.value("slawatch_open_clocks") == 2
    assert m.value("slawatch_consumer_lag", {"topic": "keyed", "partition": "0"}) == 5
    assert m.value("slawatch_consumer_lag", {"topic": "keyed", "partition": "1"}) == 3
    # the next round within the refresh interval only updates the timer lag
    tickets.clear()
    m.timers(rt, 8_000_000)
    assert m.value("slawatch_timer_lag_seconds") == 3.0
    assert m.value("slawatch_open_clocks") == 2
    # a revoked partition loses its series on the next refresh
    m.refresh_consumer_lag(_Consumer({t0: (14, 15)}))
    assert m.value("slawatch_consumer_lag", {"topic": "keyed", "partition": "0"}) == 0
    assert m.value("slawatch_consumer_lag", {"topic": "keyed", "partition": "1"}) is None


def test_open_clocks_of_a_real_engine() -> None:
    from streams.cli.policies import registry as load_registry
    from streams.observability import count_open_clocks
    from streams.replay import replay

    registry = load_registry(REPO / "examples/tenants.yaml")
    lines = (REPO / "examples/events.jsonl").read_text().splitlines()
    result = replay(lines, registry)
    assert result.engine is not None
    n = count_open_clocks(result.engine)
    assert n == result.engine.open_clocks() and n > 0


def test_http_server_serves_the_registry() -> None:
    m = Metrics()
    m.signal_out("sla.breach")
    server, thread = start_http_server(0, m, "127.0.0.1")
    try:
        port = server.server_port
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert b'slawatch_signals_out_total{type="sla.breach"} 1.0' in body
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# == dead-letter kinds: carried on the error, from each place that rejects input ===========


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"not json at all", "malformed_json"),
        (b"[1, 2]", "schema"),
        (b'{"event_id": "e", "tenant": "a", "ticket_id": "1"}', "schema"),
        (b'{"type": "ticket.frobbed", "event_id": "e"}', "unknown_type"),
        (
            b'{"event_id":"e","type":"ticket.created","tenant":"a","ticket_id":"1",'
            b'"at":"2026-04-09T11:00:00"}',
            "naive_timestamp",
        ),
        (
            b'{"event_id":"e","type":"ticket.created","tenant":"a","ticket_id":"1",'
            b'"at":"2026-04-09T11:00:00+02:00","kind":"bug"}',
            "schema",
        ),
        (
            b'{"event_id":"e","type":"ticket.created","tenant":"a","ticket_id":"1",'
            b'"at":"2026-04-09T11:00:00+02:00","prio":"x"}',
            "schema",
        ),
    ],
)
def test_reasons_of_parse_event(raw: bytes, kind: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(raw)
    assert info.value.kind == kind


def test_reasons_of_route_key() -> None:
    def kind(raw: bytes, limit: int = 1000) -> str:
        problem = route_key(raw, limit)[1]
        assert problem is not None
        return problem.kind

    assert kind(b"x" * 300, 256) == "too_large"
    assert kind(b"{oops") == "malformed_json"
    assert kind(b"[]") == "schema"
    assert kind(b'{"tenant": "a"}') == "schema"


def test_reasons_of_the_engine_on_the_example_events() -> None:
    from streams.cli.policies import registry as load_registry
    from streams.replay import replay

    registry = load_registry(REPO / "examples/tenants.yaml")
    lines = (REPO / "examples/events.jsonl").read_text().splitlines()
    extra = [
        # a second ticket.created, an unknown priority, an event after closed
        '{"event_id":"x1","type":"ticket.created","tenant":"hooli","ticket_id":"S-1",'
        '"at":"2026-04-09T12:00:00+02:00","channel":"portal","priority":"A"}',
        '{"event_id":"x2","type":"ticket.created","tenant":"hooli","ticket_id":"S-9",'
        '"at":"2026-04-09T12:00:00+02:00","channel":"portal","priority":"ZZZ"}',
        '{"event_id":"x3","type":"ticket.closed","tenant":"hooli","ticket_id":"S-2",'
        '"at":"2026-04-10T12:00:00+02:00"}',
        '{"event_id":"x4","type":"ticket.updated","tenant":"hooli","ticket_id":"S-2",'
        '"at":"2026-04-10T13:00:00+02:00","status":"in_progress"}',
    ]
    result = replay([*lines, *extra], registry)
    kinds = {dl.source.rsplit(":", 1)[-1]: dl.kind for dl in result.dead_letters}
    reasons = {dl.source.rsplit(":", 1)[-1]: dl.reason for dl in result.dead_letters}
    n = len(lines)
    assert kinds == {
        "11": "naive_timestamp",
        "12": "malformed_json",
        "13": "unknown_tenant",
        "14": "order",
        str(n + 1): "duplicate",
        str(n + 2): "unknown_priority",
        str(n + 4): "order",
    }, reasons


# == logs ==========================================================================================


@pytest.fixture
def log_stream() -> Any:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    handler = configure_logging("DEBUG", json=True, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    assert root.handlers == handlers


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_log_line_parses(log_stream: io.StringIO) -> None:
    log = logging.getLogger("slawatch.test")
    log.info("partition %d: %d tickets restored", 3, 120, extra={"partition": 3, "n": 120})
    (doc,) = _lines(log_stream)
    assert doc["level"] == "info"
    assert doc["logger"] == "slawatch.test"
    assert doc["msg"] == "partition 3: 120 tickets restored"
    assert doc["partition"] == 3 and doc["n"] == 120
    assert doc["ts"].endswith("+00:00") and "T" in doc["ts"]


def test_payloads_only_at_debug(log_stream: io.StringIO) -> None:
    log = logging.getLogger("slawatch.test")
    raw = b'{"event_id":"e","tenant":"acme","ticket_id":"INC-1","attributes":{"note":"x"}}'
    log.info("dead letter", extra={"reason": "unknown tenant 'x'", "payload": raw})
    log.warning("bad record", extra={"raw": raw.decode(), "event": {"tenant": "acme"}})
    log.debug("dead letter", extra={"payload": raw})
    info, warning, debug = _lines(log_stream)
    assert "INC-1" not in json.dumps(info) and "INC-1" not in json.dumps(warning)
    assert info["payload"] == f"<{len(raw)} bytes, DEBUG only>"
    assert info["reason"] == "unknown tenant 'x'"
    assert warning["raw"].endswith("DEBUG only>") and warning["event"].endswith("DEBUG only>")
    assert debug["payload"] == raw.decode()
    assert {"payload", "raw", "event"} <= PAYLOAD_FIELDS


def test_secrets_never_logged(log_stream: io.StringIO) -> None:
    logging.getLogger("slawatch.test").debug("connect", extra={"sasl_password": "hunter2"})
    (doc,) = _lines(log_stream)
    assert doc["sasl_password"] == "**********"


def test_exceptions_are_one_line_of_json(log_stream: io.StringIO) -> None:
    log = logging.getLogger("slawatch.test")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("internal error")
    out = log_stream.getvalue()
    assert out.count("\n") == 1
    (doc,) = _lines(log_stream)
    assert doc["level"] == "error" and "ValueError: boom" in doc["exc"]


def test_level_filters_and_reconfigure_replaces_handler() -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    first, second = io.StringIO(), io.StringIO()
    try:
        configure_logging("INFO", stream=first)
        h = configure_logging("WARNING", json=False, stream=second)
        log = logging.getLogger("slawatch.test")
        log.info("hidden")
        log.warning("shown", extra={"payload": "secret ticket text", "n": 1})
        assert first.getvalue() == ""
        text = second.getvalue()
        assert "hidden" not in text and "shown" in text and "n=1" in text
        assert "secret ticket text" not in text
        root.removeHandler(h)
    finally:
        root.setLevel(level)
    assert root.handlers == handlers


def test_every_kind_comes_from_a_real_rejection() -> None:
    """Each kind of the vocabulary is what some real path rejects input with (``other`` and
    ``internal``, a bug while applying, aside): records through the processor as the runtime
    feeds it, on the example tenants."""
    from models.errors import DEAD_LETTER_KINDS
    from streams.cli.policies import registry as load_registry
    from streams.engine import Engine
    from streams.engine.processor import Processor

    proc = Processor(Engine(load_registry(REPO / "examples/tenants.yaml")))

    def kinds(raw: str, only: str | None = None) -> list[str]:
        return [dl.kind for dl in proc.ingest(raw.encode(), "test", only=only).dead_letters]

    at = '"at":"2026-04-09T12:00:00+02:00"'
    seen = {
        *kinds("{oops"),
        *kinds('{"type":"ticket.frobbed","event_id":"e"}'),
        *kinds('{"event_id":"a","type":"ticket.created","tenant":"acme","ticket_id":"1"}'),
        *kinds(f'{{"event_id":"b","type":"ticket.created","tenant":"x","ticket_id":"1",{at}}}'),
        *kinds(
            '{"event_id":"c","type":"ticket.created","tenant":"a","ticket_id":"1",'
            '"at":"2026-04-09T12:00:00"}'
        ),
        *kinds(
            f'{{"event_id":"d","type":"ticket.created","tenant":"hooli","ticket_id":"1",{at},'
            '"channel":"portal","priority":"ZZZ"}'
        ),
        *kinds(f'{{"event_id":"e","type":"ticket.updated","tenant":"acme","ticket_id":"9",{at}}}'),
        *kinds(f'{{"event_id":"f","type":"monitor.down","tenant":"globex","service":"web",{at}}}'),
        *kinds(
            f'{{"event_id":"g","type":"monitor.down","tenant":"acme","service":"web",{at}}}',
            only="ticket",
        ),
        *kinds(
            f'{{"event_id":"h","type":"ticket.created","tenant":"hooli","ticket_id":"2",{at},'
            '"channel":"portal","priority":"A"}'
        ),
        *kinds(
            f'{{"event_id":"i","type":"ticket.created","tenant":"hooli","ticket_id":"2",{at},'
            '"channel":"portal","priority":"A"}'
        ),
    }
    problem = route_key(b"x" * 300, 256)[1]
    assert problem is not None
    seen.add(problem.kind)
    from models.errors import OptionError

    seen.add(OptionError("unknown option").kind)  # a contract the registry cannot apply
    assert seen == set(DEAD_LETTER_KINDS) - {"other", "internal"}
