"""``slawatch sink`` on the embedded broker: a SIGKILL loses nothing and, after de-duplication
at query time, duplicates nothing; a report read from the sink equals the report computed from
the events file; the monthly ``sla.compliance`` reports and their revision."""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from kafka import KafkaProducer

from models.contracts import load_policies, tenants_from_data
from models.settings import Settings
from models.shipped import shipped
from streams.cli.broker_cmd import tail_records
from streams.embedded import EMBEDDED_SESSION_TIMEOUT
from streams.replay import replay
from streams.reports.model import build_report
from streams.reports.periods import Period
from streams.reports.records import report_records
from streams.reports.sources import from_replay, from_sink
from streams.runtime.partition import signal_key
from streams.sink.query import connect
from streams.topics import CLOCK_STATES, DEAD_LETTERS, REPORTS, SIGNAL_ROUTES, ensure_topics
from tests.build_check import package_root
from tests.streams.workers import Worker

pytestmark = pytest.mark.integration

EXAMPLES = shipped("examples")


@pytest.fixture
def deployment(kafka, tmp_path: Path) -> Iterator[dict[str, Any]]:
    tag = uuid.uuid4().hex[:6]
    settings = Settings(
        brokers=kafka.bootstrap, topic_prefix=f"sk{tag}.", partitions=4, app_id=f"sink-it{tag}"
    )
    ensure_topics(settings=settings)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(package_root()), os.environ.get("PYTHONPATH", "")]),
        "SLAWATCH_BROKERS": kafka.bootstrap,
        "SLAWATCH_TOPIC_PREFIX": f"sk{tag}.",
        "SLAWATCH_APP_ID": f"sink-it{tag}",
        "SLAWATCH_PARTITIONS": "4",
        "SLAWATCH_SESSION_TIMEOUT": str(EMBEDDED_SESSION_TIMEOUT),
        "SLAWATCH_TENANTS_FILE": str(EXAMPLES / "tenants.yaml"),
        "SLAWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    sinks: list[Worker] = []
    sink_dir = tmp_path / "sink"

    def sink(*args: str, **more: str) -> Worker:
        argv = [
            sys.executable,
            "-m",
            "streams",
            "sink",
            "--sink",
            str(sink_dir),
            "--flush-seconds",
            "0.3",
            *args,
        ]
        w = Worker(argv, {**env, **more}, tmp_path / f"sink{len(sinks)}.log")
        sinks.append(w)
        return w.start()

    producer = KafkaProducer(bootstrap_servers=[kafka.bootstrap], acks="all", linger_ms=5)
    try:
        yield {
            "settings": settings,
            "sink": sink,
            "dir": sink_dir,
            "producer": producer,
            "sinks": sinks,
        }
    finally:
        producer.close(5)
        for w in sinks:
            w.stop(signal.SIGKILL)


def _count(sink_dir: Path, sql: str) -> int:
    if not sink_dir.exists():
        return 0
    try:
        return int(connect(sink_dir).execute(sql).fetchone()[0])
    except Exception:  # a file being renamed in between: ask again
        return -1


def _wait(sink_dir: Path, sql: str, n: int, sink: Worker, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    got = 0
    while time.monotonic() < end:
        got = _count(sink_dir, sql)
        if got >= n:
            return
        assert sink.proc is not None and sink.proc.poll() is None, sink.tail()
        time.sleep(0.3)
    raise AssertionError(f"{sql}: {got} of {n} after {timeout} s\n{sink.tail()}")


def _synthetic(i: int) -> tuple[str, bytes, bytes]:
    tenant = f"t{i % 5}"
    at = f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00"
    types = ("sla.warning", "sla.escalation", "sla.breach", "sla.met")
    typ = types[i % 4]
    doc: dict[str, Any] = {
        "event_id": f"sig-{i:06d}",
        "type": typ,
        "tenant": tenant,
        "ticket_id": f"T{i}",
        "clock": "response",
        "policy": "p",
        "policy_version": "1",
        "priority": "hoog",
        "deadline": at,
        "at": at,
        "observed_at": at,
    }
    if typ == "sla.warning":
        doc["threshold"] = 0.5
    if typ == "sla.escalation":
        doc["level"] = "second_line"
    return SIGNAL_ROUTES[typ], f"{tenant}:T{i}".encode(), orjson.dumps(doc)


def test_sigkill_loses_nothing_and_duplicates_nothing_after_dedup(deployment) -> None:
    s: Settings = deployment["settings"]
    producer = deployment["producer"]
    sink_dir: Path = deployment["dir"]
    total = 6000

    def send(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            topic, key, value = _synthetic(i)
            producer.send(s.topic(topic), key=key, value=value)
        producer.flush(30)

    send(0, total // 2)
    first = deployment["sink"]("--no-reports", "--flush-records", "400")
    # kill it once it has written some files, while it still works through the rest
    _wait(sink_dir, "SELECT count(*) FROM signals_raw", 800, first)
    first.kill(signal.SIGKILL)
    killed_with = _count(sink_dir, "SELECT count(*) FROM signals_raw")
    assert killed_with < total, "the sink finished before the kill: nothing was tested"
    send(total // 2, total)
    # a record the sink cannot read, on a signal topic: a dead letter, not a crash
    producer.send(s.topic(SIGNAL_ROUTES["sla.breach"]), key=b"x", value=b"{oops")
    producer.flush(30)
    second = deployment["sink"]("--no-reports", "--flush-records", "400")
    _wait(sink_dir, "SELECT count(DISTINCT event_id) FROM signals", total, second)
    _wait(sink_dir, "SELECT count(*) FROM dead_letters", 1, second)
    second.stop(signal.SIGTERM)
    assert second.proc is not None and second.proc.returncode == 0, second.tail()
    con = connect(sink_dir)
    ids = {r[0] for r in con.execute("SELECT event_id FROM signals").fetchall()}
    assert ids == {f"sig-{i:06d}" for i in range(total)}  # no loss
    n, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM signals").fetchone()
    assert n == distinct == total  # no duplicate after dedup
    raw = con.execute("SELECT count(*) FROM signals_raw").fetchone()[0]
    assert raw >= total  # (what the restart wrote twice, if anything)
    (reason,) = con.execute("SELECT reason FROM dead_letters").fetchone()
    assert reason.startswith("analytics sink: not valid JSON")


def _publish(result: Any, s: Settings, producer: KafkaProducer) -> int:
    """Send what the live runtime would have published for a replay: the signals on their
    topics, each ticket's clock records and each tenant's availability records on
    ``sla.clock-states``, the dead letters. Returns the number of signals."""
    for sig in result.signals:
        d = sig.to_dict()
        producer.send(s.topic(SIGNAL_ROUTES[d["type"]]), key=signal_key(d), value=orjson.dumps(d))
    eng = result.engine
    for key in eng.tickets:
        for rec in report_records(eng, key):
            producer.send(s.topic(CLOCK_STATES), key=rec["key"].encode(), value=orjson.dumps(rec))
    for tenant in result.availability.tenants:
        for rec in result.availability.records(tenant):
            producer.send(s.topic(CLOCK_STATES), key=rec["key"].encode(), value=orjson.dumps(rec))
    for dl in result.dead_letters:
        value = {
            "id": uuid.uuid4().hex,
            "reason": dl.reason,
            "raw": dl.raw,
            "source": {"where": dl.source},
            "dead_at": "2026-04-30T00:00:00+00:00",
        }
        producer.send(s.topic(DEAD_LETTERS), value=orjson.dumps(value))
    producer.flush(30)
    return len(result.signals)


def _examples() -> list[bytes]:
    return (EXAMPLES / "events.jsonl").read_bytes().splitlines() + (
        EXAMPLES / "monitoring.jsonl"
    ).read_bytes().splitlines()


def test_report_from_the_sink_equals_the_report_from_the_events_file(deployment) -> None:
    s = deployment["settings"]
    registry = tenants_from_data(
        yaml.safe_load((EXAMPLES / "tenants.yaml").read_text()), load_policies()
    )
    until = datetime.fromisoformat("2026-05-01T00:00:00+02:00")
    result = replay(_examples(), registry, until=until)
    n = _publish(result, s, deployment["producer"])
    sink = deployment["sink"]("--no-reports")
    _wait(deployment["dir"], "SELECT count(*) FROM signals", n, sink)
    sink.stop(signal.SIGTERM)
    con = connect(deployment["dir"])
    compared = 0
    for tenant in registry.tenants:
        policy = registry.resolve(tenant).policy
        for month in ((2026, 3), (2026, 4)):
            period = Period.of_month(month, policy.timezone)
            from_file = build_report(from_replay(result, tenant), policy, period)
            from_parquet = build_report(from_sink(con, tenant), policy, period)
            assert from_parquet.model_dump(mode="json") == from_file.model_dump(mode="json"), (
                tenant,
                month,
            )
            compared += bool(from_file.rows or from_file.availability)
    assert compared >= 5  # the examples give every tenant something to report


def test_monthly_compliance_reports_and_a_revision(deployment) -> None:
    s = deployment["settings"]
    producer = deployment["producer"]
    registry = tenants_from_data(
        yaml.safe_load((EXAMPLES / "tenants.yaml").read_text()), load_policies()
    )
    result = replay(
        _examples(), registry, until=datetime.fromisoformat("2026-05-01T00:00:00+02:00")
    )
    n = _publish(result, s, producer)
    # the runtime's clock stands at 2 May 2026 12:00 Amsterdam: March and April are closed
    sink = deployment["sink"](
        "--report-grace",
        "600",
        SLAWATCH_CLOCK_START="2026-05-02T12:00:00+02:00",
        SLAWATCH_CLOCK_SPEED="0",
    )
    _wait(deployment["dir"], "SELECT count(*) FROM signals WHERE type <> 'sla.compliance'", n, sink)
    _wait(
        deployment["dir"],
        "SELECT count(*) FROM signals WHERE type = 'sla.compliance' AND tenant = 'umbrella'",
        1,
        sink,
    )
    con = connect(deployment["dir"])
    got = con.execute(
        "SELECT period, revision, compliant, consecutive_noncompliant_months, event_id "
        "FROM signals WHERE type = 'sla.compliance' AND tenant = 'umbrella' ORDER BY period"
    ).fetchall()
    # umbrella (Covide, examples/events.jsonl): its first outcome is in April (C-1: urgent,
    # soft 4 h missed, hard met) — so April is the first month reported: noncompliant, k = 1
    assert [(p, r, c, k) for p, r, c, k, _ in got] == [("2026-04", 0, False, 1)]
    april_id = got[-1][4]
    # A late verdict for April reaches the sink: an urgent incident resolved within both
    # targets. April's soft row becomes 1 of 2 within (50 % < 90 %): still noncompliant, but
    # the rows changed, so April is revised: revision 1, its own id.
    at = "2026-04-20T09:00:00+00:00"
    late = {
        "event_id": "late-1",
        "type": "sla.met",
        "tenant": "umbrella",
        "ticket_id": "C-9",
        "clock": "resolution",
        "policy": "covide",
        "policy_version": "1.0",
        "priority": "urgent",
        "deadline": None,
        "at": at,
        "observed_at": at,
        "elapsed_business_seconds": 3600.0,
        "elapsed_wall_seconds": 3600.0,
    }
    producer.send(s.topic(SIGNAL_ROUTES["sla.met"]), key=b"umbrella:C-9", value=orjson.dumps(late))
    rec = {
        "key": "umbrella:C-9:resolution",
        "tenant": "umbrella",
        "ticket_id": "C-9",
        "clock": "resolution",
        "policy": "covide",
        "policy_version": "1.0",
        "priority": "urgent",
        "cell": None,
        "phase": "closed",
        "status": "stopped",
        "tier": "hard",
        "started_at": "2026-04-20T08:00:00+00:00",
        "deadline": None,
        "updated_at": at,
        "state": {"stops": [[1776675600000000, None]]},
        "ticket_kind": "incident",
        "hard_target": "6h",
        "hard_calendar": "incidents",
        "soft_target": "4h",
        "soft_calendar": "incidents",
        "pause_statuses": [],
        "status_log": [["2026-04-20T08:00:00+00:00", None]],
    }
    producer.send(s.topic(CLOCK_STATES), key=b"umbrella:C-9:resolution", value=orjson.dumps(rec))
    producer.flush(30)
    _wait(
        deployment["dir"],
        "SELECT count(*) FROM signals WHERE type = 'sla.compliance' AND period = '2026-04' "
        "AND tenant = 'umbrella'",
        2,
        sink,
    )
    sink.stop(signal.SIGTERM)
    on_topic = [
        r["value"]
        for r in tail_records([s.topic(REPORTS)], s.brokers, s, from_beginning=True, idle_timeout=3)
    ]
    april = [v for v in on_topic if v["tenant"] == "umbrella" and v["period"] == "2026-04"]
    assert [(v["revision"], v["compliant"]) for v in april] == [(0, False), (1, False)]
    assert april[0]["event_id"] == april_id and april[1]["event_id"] != april_id
    soft = [r for r in april[1]["rows"] if (r["clock"], r["tier"]) == ("resolution", "soft")]
    assert [(r["count"], r["percent_within"]) for r in soft] == [(2, 50.0)]
    assert all("service_credit_percent" not in v for v in april)  # 0 % is not sent
