"""The live runtime on the embedded broker: real ``slawatch worker`` processes.

Each test gets its own topic prefix and application id. The workers' clock is pinned
(``SLAWATCH_CLOCK_SPEED=0``) before the first event while events flow, so that only event
time drives the clocks (as in a replay); a last worker with the clock pinned at ``UNTIL``
then fires every timer due up to it. The signals seen on the output topics, de-duplicated by
``event_id``, must be exactly those of ``slawatch replay --until UNTIL`` on the same events.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from kafka.admin import KafkaAdminClient

from bench.gen_events import generate, monitoring_events, tenants_document
from models.contracts import load_policies, tenants_from_data
from models.settings import Settings
from streams.cli.broker_cmd import produce_lines, tail_records
from streams.embedded import EMBEDDED_SESSION_TIMEOUT, free_port
from streams.replay import replay
from streams.topics import ensure_topics
from tests.build_check import package_root
from tests.streams.workers import Worker

pytestmark = [pytest.mark.integration]

REPO = Path(__file__).resolve().parents[3]
#: where the workers import slawatch from: the same copy as the tests (tests/build_check.py)
SLAWATCH = str(package_root())
UNTIL = "2026-07-01T00:00:00+02:00"
CLOCK = "2026-12-10T12:00:00+01:00"  # months after the example files' March
SIGNAL_TOPICS = ("sla.warnings", "sla.escalations", "sla.breaches", "sla.verdicts")
BAD_LINES = [
    b"this is not json",
    b'{"event_id":"bad-1","type":"ticket.created","tenant":"nobody","ticket_id":"X-1",'
    b'"at":"2026-03-02T10:00:00+01:00","priority":"P1"}',
    b'{"event_id":"bad-2","type":"ticket.updated","tenant":"t000","ticket_id":"never-created",'
    b'"at":"2026-03-02T10:00:00+01:00"}',
    b'{"tenant":"t000"}',
]


@pytest.fixture
def deployment(kafka, tmp_path: Path) -> Iterator[dict[str, Any]]:
    doc = tenants_document(6, seed=5)
    doc["tenants"]["t000"] = {"policy": "bokumo-ict", "options": {"critical_after_hours": True}}
    yield from _deployment(kafka, tmp_path, doc)


@pytest.fixture
def example_deployment(kafka, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A deployment of the example tenants (examples/tenants.yaml)."""
    doc = yaml.safe_load((REPO / "examples/tenants.yaml").read_text())
    yield from _deployment(kafka, tmp_path, doc)


@pytest.fixture
def pair_deployment(kafka, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two tenants whose monitoring is handled on different keyed partitions (of 4): ``a``
    on Bokumo (availability, 24/7), ``b`` on Covide (heartbeat checks)."""
    from streams.availability.engine import monitor_key
    from streams.runtime.partition import partition_for

    def keyed(name: str) -> int:
        return partition_for(monitor_key(name).encode(), 4)

    b = next(f"b{i}" for i in range(100) if keyed(f"b{i}") != keyed("a"))
    doc = {
        "tenants": {
            "a": {"policy": "bokumo-ict"},
            b: {"policy": "covide", "options": {"subscription": "business"}},
        }
    }
    yield from _deployment(kafka, tmp_path, doc)


def _deployment(kafka, tmp_path: Path, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    tag = uuid.uuid4().hex[:6]
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(yaml.safe_dump(doc))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SLAWATCH, os.environ.get("PYTHONPATH", "")]),
        "SLAWATCH_BROKERS": kafka.bootstrap,
        "SLAWATCH_TOPIC_PREFIX": f"it{tag}.",
        "SLAWATCH_APP_ID": f"slawatch-it{tag}",
        "SLAWATCH_PARTITIONS": "4",
        "SLAWATCH_SESSION_TIMEOUT": str(EMBEDDED_SESSION_TIMEOUT),
        "SLAWATCH_TENANTS_FILE": str(tenants),
        "SLAWATCH_DATA_DIR": str(tmp_path / "data"),
        "SLAWATCH_READ_MODEL": "false",
    }
    settings = Settings(
        brokers=kafka.bootstrap, topic_prefix=f"it{tag}.", partitions=4, app_id=f"slawatch-it{tag}"
    )
    ensure_topics(settings=settings)
    workers: list[Worker] = []

    def worker(clock: str, speed: float = 0.0, origin: float | None = None, **more: str) -> Worker:
        extra = {"SLAWATCH_CLOCK_START": clock, "SLAWATCH_CLOCK_SPEED": str(speed), **more}
        if origin is not None:
            extra["SLAWATCH_CLOCK_ORIGIN"] = datetime.fromtimestamp(origin, UTC).isoformat()
        argv = [sys.executable, "-m", "streams", "worker", "-l", "info"]
        w = Worker(argv, {**env, **extra}, tmp_path / f"worker{len(workers)}.log")
        workers.append(w)
        return w.start()

    try:
        yield {"settings": settings, "doc": doc, "worker": worker, "workers": workers, "env": env}
    finally:
        for w in workers:
            w.stop(signal.SIGKILL)


def _lines(events: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(e) for e in events]


def _send(events: list[dict[str, Any]], s: Settings, extra: list[bytes] = ()) -> None:
    """Send events to the ticket-event topic: the tickets whose id ends in 0-3 under the
    ITSM's own key (``INC:<ticket id>``: constant per ticket, so Kafka keeps their order, but
    not ours: the runtime re-keys them through its keyed topic), the others keyed
    ``tenant:ticket_id`` as ``slawatch produce`` does (handled where they land). The extra
    lines go without a key."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=s.bootstrap_servers, linger_ms=5)
    topic = s.topic("sla.ticket-events")
    for e in events:
        keyed = e["ticket_id"][-1] not in "0123"
        key = f"{e['tenant']}:{e['ticket_id']}" if keyed else f"INC:{e['ticket_id']}"
        key = key.encode()
        producer.send(topic, key=key, value=orjson.dumps(e))
    for line in extra:
        producer.send(topic, value=line)
    producer.flush()
    producer.close()


def _send_monitoring(events: list[dict[str, Any]], s: Settings, extra: list[bytes] = ()) -> None:
    """Send monitoring events keyed by tenant (as producers are asked to: a tenant's
    monitoring keeps its order); the extra lines without a key."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=s.bootstrap_servers, linger_ms=5)
    topic = s.topic("sla.monitoring-events")
    for e in events:
        producer.send(topic, key=e["tenant"].encode(), value=orjson.dumps(e))
    for line in extra:
        producer.send(topic, value=line)
    producer.flush()
    producer.close()


def _dead_letters(s: Settings) -> list[dict[str, Any]]:
    return [
        r["value"]
        for r in tail_records(
            [s.topic("sla.dead-letters")], s.bootstrap_servers[0], from_beginning=True,
            idle_timeout=1.5,
        )
    ]  # fmt: skip


def _wait_committed(s: Settings, topic: str, timeout: float = 60) -> None:
    """Until the worker's group has committed some offset on ``topic`` (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _committed(s.bootstrap_servers[0], s.app_id).get(s.topic(topic), 0):
            return
        time.sleep(0.5)


def _committed(bootstrap: str, group: str) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    total: Counter[str] = Counter()
    for tp, om in offsets.items():
        total[tp.topic] += max(om.offset, 0)
    return dict(total)


def _keyed_end(s: Settings) -> int:
    """Records in the internal keyed topic (aiokafka: kafka-python cannot decode the batches
    Faust's producer writes there)."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    from streams.runtime.faust_compat import true_end_offsets

    async def count() -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=s.bootstrap_servers)
        await consumer.start()
        try:
            name = s.topic(f"{s.app_id}.ticket-events.by-ticket")
            parts = consumer.partitions_for_topic(name) or set()
            ends = await true_end_offsets(consumer, [TopicPartition(name, p) for p in parts])
            return sum(ends.values())
        finally:
            await consumer.stop()

    return asyncio.run(count())


def _wait_consumed(dep: dict, n_input: int, timeout: float = 120, monitoring: int = 0) -> None:
    """Until the group has committed every input record (``n_input`` ticket-event records,
    ``monitoring`` monitoring-event records) and every re-keyed record."""
    s: Settings = dep["settings"]
    keyed = s.topic(f"{s.app_id}.ticket-events.by-ticket")
    deadline = time.monotonic() + timeout
    got: dict[str, int] = {}
    while time.monotonic() < deadline:
        got = _committed(s.bootstrap_servers[0], s.app_id)
        if (
            got.get(s.topic("sla.ticket-events"), 0) >= n_input
            and got.get(s.topic("sla.monitoring-events"), 0) >= monitoring
        ):
            routed = _keyed_end(s)
            assert routed > 0  # the unkeyed third went through the keyed topic
            if got.get(keyed, -1) >= routed:
                return
        time.sleep(1.0)
    logs = "\n---\n".join(w.tail() for w in dep["workers"])
    raise AssertionError(f"not consumed in {timeout}s: {got}\n{logs}")


def _signals(dep: dict, expected: set[str], timeout: float = 90) -> list[dict[str, Any]]:
    """Every signal record on the output topics, once ``expected`` ids are all there (or at
    the timeout), plus a short grace period for stragglers and duplicates."""
    s: Settings = dep["settings"]
    names = [s.topic(t) for t in SIGNAL_TOPICS]
    deadline = time.monotonic() + timeout
    got: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        got = [
            r["value"]
            for r in tail_records(
                names, s.bootstrap_servers[0], from_beginning=True, idle_timeout=1.5
            )
        ]
        if expected <= {v["event_id"] for v in got}:
            time.sleep(2)
            return [
                r["value"]
                for r in tail_records(
                    names, s.bootstrap_servers[0], from_beginning=True, idle_timeout=1.5
                )
            ]
        time.sleep(1)
    return got


class Expected(set):
    """The replay's signal ids, with the signals themselves (for failure messages)."""

    signals: dict[str, Any]


def _expected(dep: dict, events: list[dict[str, Any]]) -> Expected:
    reg = tenants_from_data(dep["doc"], load_policies())
    res = replay([json.dumps(e) for e in events], reg, until=datetime.fromisoformat(UNTIL))
    out = Expected(s.event_id for s in res.signals)
    out.signals = {s.event_id: s.to_dict() for s in res.signals}
    return out


def _check_same_signals(got: list[dict[str, Any]], expected: set[str], dep: dict) -> None:
    ids = {v["event_id"] for v in got}
    if ids != expected:
        logs = "\n---\n".join(w.tail() for w in dep["workers"])
        pytest.fail(
            f"live {len(ids)} vs replay {len(expected)}: missing {len(expected - ids)}, "
            f"extra {len(ids - expected)}, e.g. "
            f"{[v for v in got if v['event_id'] in ids - expected][:3]}; missing e.g. "
            f"{[expected.signals[i] for i in list(expected - ids)[:3]]}\n{logs}"
        )
    by_id: dict[str, dict[str, Any]] = {}
    for v in got:  # a duplicate (at-least-once) is the very same signal
        first = by_id.setdefault(v["event_id"], v)
        assert {k: x for k, x in first.items() if k != "observed_at"} == {
            k: x for k, x in v.items() if k != "observed_at"
        }


def _jump_and_compare(
    dep: dict, events: list[dict[str, Any]], *, once: bool, **env: str
) -> list[dict[str, Any]]:
    """Start a worker whose clock stands at UNTIL (every timer due up to it fires), then
    compare the output topics with the replay; ``once``: no signal may appear twice."""
    dep["worker"](UNTIL, **env)
    expected = _expected(dep, events)
    assert len(expected) > 100
    got = _signals(dep, expected)
    _check_same_signals(got, expected, dep)
    if once:
        twice = [k for k, n in Counter(v["event_id"] for v in got).items() if n > 1]
        assert twice == [], f"{len(twice)} signals fired twice"
    return got


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_sigkill_mid_stream_loses_nothing_and_live_equals_replay(deployment, store) -> None:
    dep = deployment
    s: Settings = dep["settings"]
    events = generate(150, seed=21, tenants=dep["doc"])
    t0 = (datetime.fromisoformat(events[0]["at"]) - timedelta(hours=1)).isoformat()
    half = len(events) // 2
    a = dep["worker"](t0, SLAWATCH_STORE=store)
    _send(events[:half], s, BAD_LINES)
    # let it get going, then kill it while the second half streams in
    _wait_committed(s, "sla.ticket-events")
    _send(events[half : half + 200], s)
    time.sleep(0.3)
    a.stop(signal.SIGKILL)
    _send(events[half + 200 :], s)
    b = dep["worker"](t0, SLAWATCH_STORE=store)
    _wait_consumed(dep, len(events) + len(BAD_LINES))
    b.stop(signal.SIGTERM)
    _jump_and_compare(dep, events, once=False, SLAWATCH_STORE=store)  # a SIGKILL may repeat

    dead = _dead_letters(s)
    reasons = {d.get("event_id") or d["raw"][:20]: d["reason"] for d in dead}
    # exactly the bad lines: no copy of a good event (re-keyed again after the kill) is one
    assert len(reasons) == len(BAD_LINES), reasons
    assert "not valid JSON" in reasons["this is not json"]
    assert "unknown tenant 'nobody'" in reasons["bad-1"]
    assert "unknown ticket t000:never-created" in reasons["bad-2"]
    assert "missing or non-string ticket_id" in reasons['{"tenant":"t000"}']
    assert all(d["source"]["topic"] == s.topic("sla.ticket-events") for d in dead), dead
    # the clock-states topic has the final state of every clock the replay knows
    states = {
        r["key"]: r["value"]
        for r in tail_records(
            [s.topic("sla.clock-states")],
            s.bootstrap_servers[0],
            from_beginning=True,
            idle_timeout=1.5,
        )
    }
    assert states and all(v["key"] == k for k, v in states.items())


BAD_MONITORING = [
    b"{not json",
    b'{"event_id":"badm-1","type":"monitor.down","service":"web","at":"2026-03-02T10:00:00+01:00"}',
    b'{"event_id":"badm-2","type":"monitor.down","tenant":"onedo-0002","service":"web",'
    b'"at":"2026-03-02T10:00:00+01:00"}',
    b'{"event_id":"badm-3","type":"heartbeat","tenant":"t000","check":"backup",'
    b'"at":"2026-03-02T10:00:00+01:00"}',
    b'{"event_id":"badm-4","type":"ticket.created","tenant":"t000","ticket_id":"Z",'
    b'"at":"2026-03-02T10:00:00+01:00"}',
]


def test_monitoring_events_sigkill_live_equals_replay(deployment) -> None:
    """Outages, maintenance and heartbeats on sla.monitoring-events beside ticket events: a
    worker SIGKILLed mid-stream and a restarted one give, after the clock jumps to UNTIL,
    exactly the replay's availability, heartbeat and SLA signals; bad monitoring records
    are dead letters naming the problem. Maintenance is announced (and consumed) before
    the outages stream in, as it is in life: announced ahead of its start."""
    dep = deployment
    s: Settings = dep["settings"]
    tickets = generate(40, seed=23, tenants=dep["doc"])
    everything = monitoring_events(dep["doc"], seed=4, days=50)
    maint = [e for e in everything if e["type"].startswith("maintenance.")]
    mon = [e for e in everything if not e["type"].startswith("maintenance.")]
    t0 = (datetime.fromisoformat(everything[0]["at"]) - timedelta(hours=1)).isoformat()
    half = len(mon) // 2
    a = dep["worker"](t0)
    _send_monitoring(maint, s)
    _wait_consumed(dep, 0, monitoring=len(maint))
    _send(tickets, s)
    _send_monitoring(mon[:half], s, BAD_MONITORING)
    _wait_committed(s, "sla.monitoring-events")
    a.stop(signal.SIGKILL)
    _send_monitoring(mon[half:], s)
    b = dep["worker"](t0)
    _wait_consumed(dep, len(tickets), monitoring=len(everything) + len(BAD_MONITORING))
    b.stop(signal.SIGTERM)
    got = _jump_and_compare(dep, tickets + everything, once=False)
    kinds = Counter(v["type"] for v in got)
    assert kinds["availability.report"] and kinds["availability.warning"]
    assert kinds["heartbeat.missed"] and kinds["sla.breach"]
    by_key = {v["event_id"]: v for v in got if v["type"] == "availability.report"}
    assert all(v["ticket_id"] is None and v["service"] for v in by_key.values())

    dead = _dead_letters(s)
    reasons = {d.get("event_id") or d["raw"][:9]: d["reason"] for d in dead}
    assert len(reasons) == len(BAD_MONITORING), reasons
    assert "not valid JSON" in reasons["{not json"]
    assert "missing or non-string tenant" in reasons[BAD_MONITORING[1].decode()[:9]]
    assert "policy 1do has no availability target" in reasons["badm-2"]
    assert "expects no such check" in reasons["badm-3"]
    assert "send ticket.* events to sla.ticket-events" in reasons["badm-4"]
    assert all(d["source"]["topic"] == s.topic("sla.monitoring-events") for d in dead), dead


def test_two_workers_rebalance_without_loss_or_double_firing(deployment) -> None:
    dep = deployment
    s: Settings = dep["settings"]
    events = generate(150, seed=22, tenants=dep["doc"])
    t0 = (datetime.fromisoformat(events[0]["at"]) - timedelta(hours=1)).isoformat()
    third = len(events) // 3
    a = dep["worker"](t0)
    _send(events[:third], s)
    dep["worker"](t0)  # b joins: partitions move from a to b
    for i in range(third, 2 * third, 50):  # events keep coming during the rebalance
        _send(events[i : min(i + 50, 2 * third)], s)
        time.sleep(0.5)
    a.stop(signal.SIGTERM)  # a leaves: b takes everything
    _send(events[2 * third :], s)
    _wait_consumed(dep, len(events))
    dep["workers"][1].stop(signal.SIGTERM)
    _jump_and_compare(dep, events, once=True)


def test_a_quiet_ticket_breaches_on_time(deployment, redis_server) -> None:
    """Bokumo with critical_after_hours: a `kritiek` ticket (company_wide × hoog) must be
    responded to within 30 minutes, round the clock (docs/contracts.md, Bokumo §3). Created 29 min
    56 s before clock instant S, it breaches at S: no event arrives to reveal it, the timer
    has to fire it."""
    dep = deployment
    s: Settings = dep["settings"]
    start = datetime.fromisoformat("2026-03-07T23:00:00+01:00")  # a Saturday night
    origin = time.time() + 25  # the worker joins first; S is 25 s + 4 s from now
    dep["worker"](
        start.isoformat(),
        speed=1.0,
        origin=origin,
        SLAWATCH_READ_MODEL="true",
        SLAWATCH_REDIS_URL=redis_server.url,
        SLAWATCH_METRICS_PORT=str(metrics_port := free_port()),
    )
    created = start - timedelta(minutes=30) + timedelta(seconds=4)
    event = {
        "event_id": "quiet-1",
        "type": "ticket.created",
        "tenant": "t000",
        "ticket_id": "Q-1",
        "at": created.isoformat(),
        "impact": "company_wide",
        "urgency": "hoog",
    }
    produce_lines([orjson.dumps(event)], settings=s)
    due_wall = origin + 4
    breach = None
    for rec in tail_records(
        [s.topic("sla.breaches")], s.bootstrap_servers[0], from_beginning=True, idle_timeout=45
    ):
        if rec["value"]["ticket_id"] == "Q-1" and rec["value"]["clock"] == "response":
            breach = rec
            break
    assert breach is not None, "\n".join(w.tail() for w in dep["workers"])
    assert breach["value"]["at"] == (start + timedelta(seconds=4)).astimezone(UTC).isoformat()
    latency = breach["timestamp"] / 1000 - due_wall
    assert -0.05 <= latency < 1.0, f"breach on the topic {latency:.3f} s after its due instant"

    # the Redis read model: the breach is among the recent ones, the clock is at risk
    import redis

    from streams.sinks.redis_model import ReadModel

    model = ReadModel(prefix=f"{s.topic_prefix}slawatch:")
    client = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not model.recent_breaches(client, "t000"):
        time.sleep(0.3)
    assert [b["event_id"] for b in model.recent_breaches(client, "t000")] == [
        breach["value"]["event_id"]
    ]
    risky = model.at_risk(client, "t000", start + timedelta(seconds=10), timedelta(0))
    assert [(r["ticket_id"], r["clock"]) for r in risky][:1] == [("Q-1", "response")]

    # Prometheus metrics of the worker
    from urllib.request import urlopen

    text = urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    assert 'slawatch_signals_out_total{type="sla.breach"} 1.0' in text
    assert 'slawatch_events_in_total{tenant="t000",type="ticket.created"} 1.0' in text


def test_contracts_topic_adds_a_tenant_without_restart(deployment) -> None:
    dep = deployment
    s: Settings = dep["settings"]
    bootstrap = s.bootstrap_servers[0]
    worker = dep["worker"]("2026-03-02T00:00:00+01:00", SLAWATCH_LOG_FORMAT="json")

    def created(ticket: str) -> bytes:
        return orjson.dumps(
            {
                "event_id": f"z-{ticket}",
                "type": "ticket.created",
                "tenant": "zeta",
                "ticket_id": ticket,
                "at": "2026-03-02T10:00:00+01:00",
                "priority": "prio2",
            }
        )

    produce_lines([created("Z-1")], settings=s)  # zeta has no contract yet
    dead = next(
        tail_records([s.topic("sla.dead-letters")], bootstrap, from_beginning=True, idle_timeout=60)
    )["value"]
    assert dead["ticket_id"] == "Z-1" and "unknown tenant 'zeta'" in dead["reason"]

    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(s.topic("sla.contracts"), key=b"tenant:zeta", value=b'{"policy": "1do"}')
    producer.flush()
    producer.close()
    time.sleep(3)  # every worker reads the contracts topic on its own
    produce_lines([created("Z-2")], settings=s)
    for rec in tail_records(
        [s.topic("sla.clock-states")], bootstrap, from_beginning=True, idle_timeout=30
    ):
        if rec["value"]["ticket_id"] == "Z-2":
            assert rec["value"]["policy"] == "1do"
            break
    else:
        pytest.fail("no clock state for zeta's ticket:\n" + dep["workers"][0].tail())
    # SLAWATCH_LOG_FORMAT=json: the worker's log records are JSON lines
    records = []
    for line in worker.log.read_text().splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    ours = [r for r in records if isinstance(r, dict) and r.get("logger") == "slawatch.runtime"]
    assert any(r["msg"].startswith("contracts:") for r in ours), worker.tail()
    assert all(r["level"] in {"info", "warning", "error"} for r in ours)


def test_scale_out_to_three_workers_and_back(deployment) -> None:
    """1 → 3 → 1 workers while events flow; the ones leaving get SIGTERM (they drain and
    commit). Same signals as the replay, none twice."""
    dep = deployment
    s: Settings = dep["settings"]
    events = generate(150, seed=23, tenants=dep["doc"])
    t0 = (datetime.fromisoformat(events[0]["at"]) - timedelta(hours=1)).isoformat()
    third = len(events) // 3
    first = dep["worker"](t0)
    _send(events[:third], s)
    extra = [dep["worker"](t0), dep["worker"](t0)]  # scale out: 1 → 3
    for i in range(third, 2 * third, 50):
        _send(events[i : min(i + 50, 2 * third)], s)
        time.sleep(0.7)
    for w in extra:  # scale in: 3 → 1
        w.stop(signal.SIGTERM)
        assert w.proc is not None and w.proc.returncode == 0, w.tail()
    _send(events[2 * third :], s)
    _wait_consumed(dep, len(events))
    first.stop(signal.SIGTERM)
    _jump_and_compare(dep, events, once=True)


def test_examples_produced_into_a_worker_months_later_give_the_replays_signals(
    example_deployment, redis_server
) -> None:
    """Issue 12 §2: ``slawatch produce examples/monitoring.jsonl examples/events.jsonl`` into
    a running worker whose clock reads December (the events are of March) gives the signals
    of ``slawatch replay`` of the same files: the same ids, the same figures (acme portal
    99.8654 % in March, 100 % April to November), every report in its first revision. The
    worker must not let its clock move a service past a ``monitor.down`` before the
    ``monitor.up`` behind it (upstream, on sla.monitoring-events) is read."""
    dep = example_deployment
    s: Settings = dep["settings"]
    dep["worker"](CLOCK, speed=1.0, SLAWATCH_READ_MODEL="true", SLAWATCH_REDIS_URL=redis_server.url)
    # the worker runs (it has dead-lettered a first record) before the files are produced
    produce_lines([b"warm-up: not an event"], settings=s)
    next(
        tail_records(
            [s.topic("sla.dead-letters")], s.bootstrap_servers[0], from_beginning=True,
            idle_timeout=90,
        )
    )  # fmt: skip
    files = [REPO / "examples/monitoring.jsonl", REPO / "examples/events.jsonl"]
    produced = subprocess.run(
        [sys.executable, "-m", "streams", "produce", *map(str, files)],
        env=dep["env"], capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert produced.returncode == 0, produced.stderr

    lines = [line for f in files for line in f.read_text().splitlines() if line.strip()]
    reg = tenants_from_data(dep["doc"], load_policies())
    clock = datetime.fromisoformat(CLOCK)
    res = replay(lines, reg, until=clock)
    expected = Expected(x.event_id for x in res.signals)
    expected.signals = {x.event_id: x.to_dict() for x in res.signals}
    # nothing falls due in the minutes the live clock runs on past CLOCK
    later = replay(lines, reg, until=clock + timedelta(hours=1))
    assert {x.event_id for x in later.signals} == expected
    got = _signals(dep, expected)
    _check_same_signals(got, expected, dep)
    for v in got:  # the same figures, not only the same ids
        want = expected.signals[v["event_id"]]
        assert {k: x for k, x in v.items() if k != "observed_at"} == {
            k: x for k, x in want.items() if k != "observed_at"
        }

    reports = {
        (v["tenant"], v["service"], v["period"]): v
        for v in got
        if v["type"] == "availability.report"
    }
    march = reports[("acme", "portal", "2026-03")]
    assert (march["availability_percent"], march["met"]) == (99.8654, True)
    for month in range(4, 12):
        assert reports[("acme", "portal", f"2026-{month:02d}")]["availability_percent"] == 100.0
    assert {v["revision"] for v in reports.values()} == {0}

    # the read model: the reports, and this month as `slawatch services` shows it
    import redis

    from streams.sinks.redis_model import ReadModel

    model = ReadModel(prefix=f"{s.topic_prefix}slawatch:")
    client = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(model.reports(client, "acme")) < 9:
        time.sleep(0.3)
    stored = {(r["service"], r["period"]): r for r in model.reports(client, "acme")}
    assert stored[("portal", "2026-03")]["availability_percent"] == 99.8654
    (now,) = model.availability(client, "acme")
    assert (now["period"], now["availability_percent"], now["breached"]) == (
        "2026-12",
        100.0,
        False,
    )


def test_a_monitoring_backfill_into_a_worker_months_later_equals_replay(deployment) -> None:
    """Two months of outages, maintenance and heartbeats (and tickets) sent in one go to a
    worker whose clock runs months later: while records wait upstream (on either input
    topic, or re-keyed on the way) the clock moves no subject past its last event, so the
    signals are exactly the replay's, none revised. Maintenance is sent (and read) first:
    announced ahead, as in life."""
    dep = deployment
    s: Settings = dep["settings"]
    clock = "2026-06-10T12:00:00+02:00"
    tickets = generate(60, seed=24, tenants=dep["doc"])
    everything = monitoring_events(dep["doc"], seed=6, days=55)
    maint = [e for e in everything if e["type"].startswith("maintenance.")]
    mon = [e for e in everything if not e["type"].startswith("maintenance.")]
    dep["worker"](clock, speed=1.0)
    _send_monitoring(maint, s)
    _wait_consumed(dep, 0, monitoring=len(maint))
    _send(tickets, s)
    _send_monitoring(mon, s)
    reg = tenants_from_data(dep["doc"], load_policies())
    lines = [json.dumps(e) for e in tickets + everything]
    res = replay(lines, reg, until=datetime.fromisoformat(clock))
    expected = Expected(x.event_id for x in res.signals)
    expected.signals = {x.event_id: x.to_dict() for x in res.signals}
    assert len(expected) > 100
    got = _signals(dep, expected)
    _check_same_signals(got, expected, dep)
    assert {v.get("revision") for v in got if v["type"] == "availability.report"} == {0}


def test_the_clock_waits_for_a_router_still_working_through_its_input(pair_deployment) -> None:
    """One partition of sla.monitoring-events holds a's down, then thousands of b's
    heartbeats, then a's up. The router re-keys a's down at once (a's keyed partition then
    has nothing more to read) and takes a while over b's reports; a's keyed partition must
    not tick meanwhile, or the clock (in June) moves a's web past its down of 4 March: March
    would be reported at 10.9 % with a breach, April and May at 0 %, and revised once the up
    comes. The signals must be the replay's, none revised."""
    dep = pair_deployment
    s: Settings = dep["settings"]
    clock = "2026-06-10T12:00:00+02:00"
    a, b = sorted(dep["doc"]["tenants"])

    def event(i: int, kind: str, tenant: str, at: datetime, **kw: str) -> dict[str, Any]:
        return {"event_id": f"e{i}", "type": kind, "tenant": tenant, "at": at.isoformat(), **kw}

    start = datetime.fromisoformat("2026-03-01T00:10:00+01:00")
    down = event(0, "monitor.down", a, datetime.fromisoformat("2026-03-04T09:00:00+01:00"),
                 service="web")  # fmt: skip
    up = event(1, "monitor.up", a, datetime.fromisoformat("2026-03-04T10:00:00+01:00"),
               service="web")  # fmt: skip
    reports = [
        event(2 + i, "heartbeat", b, start + timedelta(minutes=20 * i), check="snapshot")
        for i in range(4000)
    ]
    everything = [down, *reports, up]
    dep["worker"](clock, speed=1.0)
    produce_lines([b"warm-up: not an event"], settings=s)  # the worker runs: it dead-letters
    next(
        tail_records(
            [s.topic("sla.dead-letters")], s.bootstrap_servers[0], from_beginning=True,
            idle_timeout=90,
        )
    )  # fmt: skip
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=s.bootstrap_servers, linger_ms=5)
    for e in everything:  # one input partition, in this order
        producer.send(s.topic("sla.monitoring-events"), value=orjson.dumps(e), partition=0)
    producer.flush()
    producer.close()

    reg = tenants_from_data(dep["doc"], load_policies())
    res = replay([json.dumps(e) for e in everything], reg, until=datetime.fromisoformat(clock))
    expected = Expected(x.event_id for x in res.signals)
    expected.signals = {x.event_id: x.to_dict() for x in res.signals}
    march = [x for x in res.signals if x.type == "availability.report" and x.period == "2026-03"]
    assert [x.availability_percent for x in march] == [99.8654]  # 1 h of 743
    got = _signals(dep, expected)
    _check_same_signals(got, expected, dep)
