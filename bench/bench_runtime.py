"""The live runtime's speed (issues 5, 16): pipeline throughput against a raw passthrough and a
raw reference pipeline of the same messages on the same broker, in one run, and the signal
latency of the timers with many open tickets.

Usage::

    .venv/bin/python bench/bench_runtime.py            # 50,000 events; latency 200 tickets,
                                                       # then again with 100,000 open tickets
    .venv/bin/python bench/bench_runtime.py --quick    # 10,000 events; 50 tickets, 10,000 open
    .venv/bin/python bench/bench_runtime.py --json     # one JSON object on stdout (the
                                                       # progress goes to stderr)

Run it on the compiled build (``make build``): the workers run the slawatch this script
imports. One embedded broker (Tansu), 4 partitions, all in one run:

(a) **passthrough**: the N ticket events (``bench/gen_events.py``, many tenants on the five
    seed policies, event-time order, keyed ``tenant:ticket_id``) produced to a topic, then a
    raw aiokafka consume → orjson parse → produce → flush (``bench/bench_kafka.passthrough``).
(b) **raw reference pipeline**: the same messages, consumed by aiokafka in batches (explicit
    assignment, no group), applied by one :class:`PartitionRunner` per partition
    (``handle_batch``) and its outputs produced — changelog records, clock states, signals,
    dead letters — as the worker produces them (``streams.runtime.produce.BatchSender``),
    until every one is acknowledged: the pipeline without Faust, commits or the table store.
(c) **pipeline**: the same N events produced to ``sla.ticket-events`` (a fresh topic prefix),
    then one ``slawatch worker`` (``SLAWATCH_READ_MODEL=false``, the clock frozen at the
    first event's instant, ``SLAWATCH_CLOCK_SPEED=0``, so only event time drives signals:
    a backlog, processed as in a replay). Timed from the moment the worker's input loop has
    its partitions (the ``assignment …`` line of its log, after the group join and the
    table's recovery) to the last record it wrote (CreateTime): events/s, and the ratios to
    (a) and (b).
(d) **signal latency**: a worker with a real-time clock (``SLAWATCH_CLOCK_SPEED=1``) and K
    quiet Bokumo ``kritiek`` tickets (tenant with ``critical_after_hours``: a 30-minute
    response target on the 24x7 calendar) created so that their breaches fall due 3–13 s
    ahead; latency = the moment a consumer receives the breach from ``sla.breaches`` (and,
    second figure, the record's CreateTime) minus the due instant, in wall time. Then the
    same after loading ``--loaded`` open tickets (Covide basic, nothing due for days) into
    the same worker. p50 / p99 / max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import yaml
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO))  # the installed slawatch first

import streams  # noqa: E402
from bench.bench_kafka import create_topics, passthrough  # noqa: E402
from bench.bench_kafka import produce as raw_produce  # noqa: E402
from bench.gen_events import generate, tenants_document  # noqa: E402
from models.settings import EMBEDDED_SESSION_TIMEOUT, Settings  # noqa: E402
from streams.embedded import EmbeddedKafka, _pdeathsig_preexec  # noqa: E402
from streams.topics import ensure_topics  # noqa: E402

PARTITIONS = 4
OUT_TOPICS = ("sla.clock-states", "sla.warnings", "sla.escalations", "sla.breaches", "sla.verdicts")
LAT_TENANT = "lat-bokumo"
LOAD_TENANT = "load-covide"


# == helpers ======================================================================================


class Worker:
    """One ``slawatch worker`` subprocess logging to a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams", "worker", "-l", "info"],
                env=env,
                cwd=log.parent,
                stdin=subprocess.DEVNULL,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_pdeathsig_preexec(),
            )

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited ({self.proc.returncode}):\n{self.tail()}")

    def ready(self) -> bool:
        return "contracts:" in self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while not self.ready():
            self.check()
            if time.monotonic() > end:
                raise RuntimeError(f"worker not ready after {timeout} s:\n{self.tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def worker_env(settings: Settings, tenants: Path, data: Path, **clock: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    env.update(
        {
            # the workers run the slawatch this bench imported (the installed build)
            "PYTHONPATH": str(Path(streams.__file__).resolve().parent.parent),
            "SLAWATCH_BROKERS": settings.brokers,
            "SLAWATCH_TOPIC_PREFIX": settings.topic_prefix,
            "SLAWATCH_APP_ID": settings.app_id,
            "SLAWATCH_PARTITIONS": str(PARTITIONS),
            "SLAWATCH_SESSION_TIMEOUT": str(EMBEDDED_SESSION_TIMEOUT),
            "SLAWATCH_TENANTS_FILE": str(tenants),
            "SLAWATCH_DATA_DIR": str(data),
            "SLAWATCH_READ_MODEL": "false",
        }
    )
    env.update({f"SLAWATCH_CLOCK_{k.upper()}": v for k, v in clock.items()})
    return env


def deployment(bootstrap: str, name: str) -> Settings:
    tag = uuid.uuid4().hex[:6]
    s = Settings(
        brokers=bootstrap,
        topic_prefix=f"{name}{tag}.",
        app_id=f"slawatch-{name}{tag}",
        partitions=PARTITIONS,
        security_protocol="PLAINTEXT",
    )
    ensure_topics(bootstrap, s)
    return s


def committed(settings: Settings) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        offsets = admin.list_group_offsets(settings.app_id).get(settings.app_id, {})
    finally:
        admin.close()
    total: Counter[str] = Counter()
    for tp, om in offsets.items():
        total[tp.topic] += max(om.offset, 0)
    return dict(total)


def scan(bootstrap: str, topics: list[str], idle: float = 1.5) -> dict[str, tuple[int, int, int]]:
    """``{topic: (records, min CreateTime ms, max CreateTime ms)}`` of whole topics."""
    consumer = KafkaConsumer(
        bootstrap_servers=[bootstrap],
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    try:
        tps = [
            TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t))
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        stats = {t: [0, 2**63, 0] for t in topics}
        last = time.monotonic()
        while time.monotonic() - last < idle:
            for tp, recs in consumer.poll(timeout_ms=200, max_records=50_000).items():
                st = stats[tp.topic]
                for r in recs:
                    st[0] += 1
                    st[1] = min(st[1], r.timestamp)
                    st[2] = max(st[2], r.timestamp)
                last = time.monotonic()
        return {t: (n, lo, hi) for t, (n, lo, hi) in stats.items()}
    finally:
        consumer.close(autocommit=False)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# == (a), (b), (c): throughput ====================================================================


async def raw_pipeline(
    bootstrap: str, src: str, n: int, registry: Any, prefix: str
) -> tuple[float, dict[str, int]]:
    """(b): ``src`` (N records keyed ``tenant:ticket_id``, on the partition that key hashes
    to) → one PartitionRunner per partition → the worker's outputs, produced under
    ``prefix`` until acknowledged. Seconds, and the records written per kind."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.structs import TopicPartition as ATP

    from streams.runtime.partition import (
        PartitionRunner,
        dead_letter_record,
        signal_key,
        source_of,
    )
    from streams.runtime.produce import BatchSender

    changelog, states, dead = f"{prefix}changelog", f"{prefix}clock-states", f"{prefix}dead"
    signals = f"{prefix}signals"
    create_topics(bootstrap, [changelog, states, dead, signals], PARTITIONS)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=1024**2,  # as the worker's (Faust's default)
        fetch_max_wait_ms=100,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=256 * 1024, acks=-1
    )
    await consumer.start()
    await producer.start()
    try:
        tps = [ATP(src, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        sender = BatchSender(producer)
        await sender.prepare([changelog, states, dead, signals])
        runners = {p: PartitionRunner(p, registry) for p in range(PARTITIONS)}
        counts: Counter[str] = Counter()
        futures: list[Any] = []
        seen = 0
        start = time.perf_counter()
        while seen < n:
            batch = await consumer.getmany(timeout_ms=100, max_records=20_000)
            for tp, recs in batch.items():
                run = [
                    (r.key, r.value, r.offset, source_of(src, tp.partition, r.offset), 0)
                    for r in recs
                ]
                res = runners[tp.partition].handle_batch(run)
                for key, value in res.writes.items():
                    sender.add(changelog, key.encode(), orjson.dumps(value), tp.partition)
                for sig in res.signals:
                    sender.add(signals, signal_key(sig), orjson.dumps(sig))
                for rec in res.records:
                    sender.add(states, rec["key"].encode(), orjson.dumps(rec))
                for dl, key in res.dead_letters:
                    sender.add(dead, *dead_letter_record(dl, key, 0))
                counts.update(
                    changelog=len(res.writes),
                    signals=len(res.signals),
                    clock_states=len(res.records),
                    dead_letters=len(res.dead_letters),
                )
                seen += len(recs)
            futures.extend(s.future for s in await sender.send())
            if not batch and time.perf_counter() - start > 300:
                raise RuntimeError(f"raw pipeline: only {seen} of {n} records")
        await asyncio.gather(*futures)
        return time.perf_counter() - start, dict(counts)
    finally:
        await producer.stop()
        await consumer.stop()


LOG_TIME = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]")


def loop_started(log: Path) -> float:
    """Wall time (epoch s) of the worker's ``assignment …`` log line: its input loop owns its
    partitions and starts reading."""
    for line in log.read_text(errors="replace").splitlines():
        m = LOG_TIME.match(line)
        if m and "] assignment " in line and "keyed partitions" in line:
            stamp = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
            return stamp.timestamp()  # the worker logs local time, as this process reads it
    raise RuntimeError(f"no 'assignment' line in {log}")


def bench_throughput(kafka: EmbeddedKafka, n: int, workdir: Path) -> dict[str, Any]:
    from models.contracts import load_policies, tenants_from_data

    bootstrap = kafka.bootstrap
    tickets = max(10, n // 9 + 50)
    doc = tenants_document(max(9, min(900, tickets // 200)), seed=7)
    events = generate(tickets, seed=7, tenants=doc)[:n]
    n = len(events)
    pairs = [(f"{e['tenant']}:{e['ticket_id']}".encode(), orjson.dumps(e)) for e in events]
    avg = statistics.mean(len(v) for _, v in pairs)
    registry = tenants_from_data(doc, load_policies())

    # (a) passthrough of the same messages
    run = uuid.uuid4().hex[:6]
    src, dst = f"bench-{run}-in", f"bench-{run}-out"
    create_topics(bootstrap, [src, dst], PARTITIONS)
    produce_s = asyncio.run(raw_produce(bootstrap, src, pairs))
    pass_s = asyncio.run(passthrough(bootstrap, src, dst, PARTITIONS, n))
    say(
        f"  passthrough: {n / pass_s:,.0f} msg/s  ({n:,} × ~{avg:.0f} B; "
        f"produce {n / produce_s:,.0f} msg/s)"
    )
    # (b) the raw reference pipeline, on the same input topic
    raw_s, raw_out = asyncio.run(raw_pipeline(bootstrap, src, n, registry, f"bench-{run}-raw-"))
    say(
        f"  raw reference pipeline: {n / raw_s:,.0f} events/s  (aiokafka → PartitionRunner → "
        f"producer; {raw_out.get('clock_states', 0):,} clock states, "
        f"{raw_out.get('signals', 0):,} signals, {raw_out.get('changelog', 0):,} table writes)"
    )

    # (c) the full pipeline on the same messages, as a backlog
    s = deployment(bootstrap, "bench")
    tenants = workdir / "bench.tenants.yaml"
    tenants.write_text(yaml.safe_dump(doc, sort_keys=False))
    asyncio.run(raw_produce(bootstrap, s.topic("sla.ticket-events"), pairs))
    first = datetime.fromisoformat(events[0]["at"]).astimezone(UTC)
    w = Worker(
        worker_env(s, tenants, workdir / "data-bench", start=first.isoformat(), speed="0"),
        workdir / "worker-bench.log",
    )
    try:
        wait_consumed(s, w, n)
        started = loop_started(w.log)
    finally:
        w.stop()
    stats = scan(bootstrap, [s.topic(t) for t in OUT_TOPICS])
    end_ms = max(hi for cnt, _, hi in stats.values() if cnt)
    pipe_s = end_ms / 1000 - started
    outs = {t.removeprefix(s.topic_prefix): stats[t][0] for t in stats}
    say(
        f"  pipeline:    {n / pipe_s:,.0f} events/s  ({n:,} events in {pipe_s:.2f} s; "
        f"{outs['sla.clock-states']:,} clock states, "
        f"{sum(v for k, v in outs.items() if k != 'sla.clock-states'):,} signals)"
    )
    ratio = pass_s / pipe_s
    ratio_raw = raw_s / pipe_s
    say(f"  ratio pipeline/passthrough: {ratio:.1%}  (goal ≥ 30 %)")
    say(f"  ratio pipeline/raw reference pipeline: {ratio_raw:.1%}  (goal ≥ 80 %)")
    return {
        "events": n,
        "avg_value_bytes": round(avg),
        "tenants": len(doc["tenants"]),
        "passthrough_msgs_per_s": round(n / pass_s),
        "raw_engine_pipeline_events_per_s": round(n / raw_s),
        "pipeline_events_per_s": round(n / pipe_s),
        "ratio_pipeline_passthrough": round(ratio, 4),
        "ratio_pipeline_raw": round(ratio_raw, 4),
        "pipeline_seconds": round(pipe_s, 3),
        "outputs": outs,
        "raw_outputs": raw_out,
    }


def wait_consumed(s: Settings, w: Worker, n: int, timeout: float = 600) -> None:
    """Until the worker's group has committed all ``n`` input records and its keyed topic's
    committed offsets stop moving (commits every second)."""
    keyed = s.topic(f"{s.app_id}.ticket-events.by-ticket")
    t0 = time.monotonic()
    while committed(s).get(s.topic("sla.ticket-events"), 0) < n:
        w.check()
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"pipeline did not consume {n} events in {timeout} s:\n{w.tail()}")
        time.sleep(0.5)
    last: int | None = None
    while (now := committed(s).get(keyed, 0)) != last:
        last = now
        w.check()
        time.sleep(2.5)


# == (d): latency ==================================================================================


class BreachReader(threading.Thread):
    """Reads ``sla.breaches`` from the beginning; records (receive wall time, CreateTime,
    value) per breach."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True, name="breach-reader")
        self.bootstrap, self.topic = bootstrap, topic
        self.got: dict[str, tuple[float, float, dict[str, Any]]] = {}
        self.stop_flag = threading.Event()

    def run(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=[self.bootstrap], group_id=None, enable_auto_commit=False
        )
        try:
            tps = [TopicPartition(self.topic, p) for p in range(PARTITIONS)]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            while not self.stop_flag.is_set():
                for recs in consumer.poll(timeout_ms=50).values():
                    now = time.time()
                    for r in recs:
                        v = orjson.loads(r.value)
                        self.got.setdefault(v["ticket_id"], (now, r.timestamp / 1000, v))
        finally:
            consumer.close(autocommit=False)


def bench_latency(kafka: EmbeddedKafka, k: int, loaded: int, workdir: Path) -> list[dict[str, Any]]:
    bootstrap = kafka.bootstrap
    s = deployment(bootstrap, "lat")
    tenants = workdir / "lat.tenants.yaml"
    tenants.write_text(
        yaml.safe_dump(
            {
                "tenants": {
                    LAT_TENANT: {"policy": "bokumo-ict", "options": {"critical_after_hours": True}},
                    LOAD_TENANT: {"policy": "covide", "options": {"subscription": "basic"}},
                }
            }
        )
    )
    start = datetime.fromisoformat("2026-03-03T10:00:00+01:00")  # a Tuesday
    origin = time.time()
    w = Worker(
        worker_env(
            s,
            tenants,
            workdir / "data-lat",
            start=start.isoformat(),
            speed="1",
            origin=datetime.fromtimestamp(origin, UTC).isoformat(),
        ),
        workdir / "worker-lat.log",
    )
    reader = BreachReader(bootstrap, s.topic("sla.breaches"))
    reader.start()
    producer = KafkaProducer(bootstrap_servers=[bootstrap], linger_ms=5)
    topic = s.topic("sla.ticket-events")

    def sim(wall: float) -> datetime:
        return start + timedelta(seconds=wall - origin)

    results = []
    try:
        w.wait_ready()
        for phase, load in (("idle", 0), ("loaded", loaded)):
            if load:
                t_load = time.monotonic()
                at = sim(time.time()) - timedelta(hours=1)
                for i in range(load):
                    ev = {
                        "event_id": f"load-{i}",
                        "type": "ticket.created",
                        "tenant": LOAD_TENANT,
                        "ticket_id": f"L-{i}",
                        "at": at.isoformat(),
                        "priority": "laag",
                    }
                    producer.send(
                        topic, key=f"{LOAD_TENANT}:L-{i}".encode(), value=orjson.dumps(ev)
                    )
                producer.flush()
                keyed = s.topic(f"{s.app_id}.ticket-events.by-ticket")
                while committed(s).get(topic, 0) < load + k:
                    w.check()
                    time.sleep(0.5)
                last: int | None = None
                while (now := committed(s).get(keyed, 0)) != last:
                    last = now
                    w.check()
                    time.sleep(1.5)
                loaded_s = time.monotonic() - t_load
                say(f"  {load:,} open tickets loaded in {loaded_s:.1f} s")
            # K quiet kritiek tickets, breaches due 3..13 s from now (30 min after creation)
            base = time.time() + 3
            due_wall: dict[str, float] = {}
            for i in range(k):
                wall_due = base + 10 * i / max(1, k)
                tid = f"{phase}-{i}"
                created = sim(wall_due) - timedelta(minutes=30)
                ev = {
                    "event_id": tid,
                    "type": "ticket.created",
                    "tenant": LAT_TENANT,
                    "ticket_id": tid,
                    "at": created.isoformat(),
                    "impact": "company_wide",
                    "urgency": "hoog",
                }
                producer.send(topic, key=f"{LAT_TENANT}:{tid}".encode(), value=orjson.dumps(ev))
                due = (created + timedelta(minutes=30)).astimezone(UTC)
                due_wall[tid] = origin + (due - start).total_seconds()
            producer.flush()
            end = time.monotonic() + 40
            while time.monotonic() < end and not all(t in reader.got for t in due_wall):
                w.check()
                time.sleep(0.2)
            lat_rx, lat_ct, missing = [], [], 0
            for tid, wall in due_wall.items():
                got = reader.got.get(tid)
                if got is None:
                    missing += 1
                    continue
                rx, ct, v = got
                assert v["clock"] == "response", v
                lat_rx.append(rx - wall)
                lat_ct.append(ct - wall)
            if not lat_rx:
                raise RuntimeError(f"no breach arrived ({phase}):\n{w.tail()}")
            row = {
                "phase": phase,
                "open_tickets": load + (k if phase == "loaded" else 0),
                "tickets": k,
                "missing": missing,
                "received_p50_ms": round(pct(lat_rx, 0.5) * 1000),
                "received_p99_ms": round(pct(lat_rx, 0.99) * 1000),
                "received_max_ms": round(max(lat_rx) * 1000),
                "created_p50_ms": round(pct(lat_ct, 0.5) * 1000),
                "created_p99_ms": round(pct(lat_ct, 0.99) * 1000),
                "created_max_ms": round(max(lat_ct) * 1000),
                "min_ms": round(min(lat_rx) * 1000),
            }
            if phase == "loaded":
                row["load_seconds"] = round(loaded_s, 2)
            results.append(row)
            say(
                f"  latency ({phase}, {row['open_tickets']:,} open tickets, {k} breaches"
                f"{f', {missing} MISSING' if missing else ''}): "
                f"received p50 {row['received_p50_ms']} ms, p99 {row['received_p99_ms']} ms, "
                f"max {row['received_max_ms']} ms; CreateTime p50 {row['created_p50_ms']} ms, "
                f"p99 {row['created_p99_ms']} ms"
            )
            if not loaded:
                break
    finally:
        reader.stop_flag.set()
        w.stop()
        reader.join(5)
        producer.close(5)
    return results


# == main ==========================================================================================


_JSON = False


def say(line: str) -> None:
    """Progress for a person: stdout, or stderr under ``--json`` (stdout is the JSON)."""
    print(line, file=sys.stderr if _JSON else sys.stdout, flush=True)


def main() -> int:
    global _JSON
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--events", type=int, default=50_000, help="throughput events")
    ap.add_argument("-k", "--latency-tickets", type=int, default=200)
    ap.add_argument("--loaded", type=int, default=100_000, help="open tickets (0: skip)")
    ap.add_argument("--quick", action="store_true", help="10,000 events, 50 tickets, 10,000 open")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object (only that)")
    args = ap.parse_args()
    _JSON = args.json
    if args.quick:
        args.events, args.latency_tickets, args.loaded = 10_000, 50, 10_000

    report: dict[str, Any] = {"date": datetime.now(UTC).date().isoformat(), "cpus": os.cpu_count()}
    say(f"bench_runtime: embedded Tansu broker, {PARTITIONS} partitions, {os.cpu_count()} CPUs")
    started = time.monotonic()
    kafka = EmbeddedKafka().start()
    try:
        with tempfile.TemporaryDirectory(prefix="slawatch-bench-") as tmp:
            if not args.skip_throughput:
                report.update(bench_throughput(kafka, args.events, Path(tmp)))
            if not args.skip_latency:
                rows = bench_latency(kafka, args.latency_tickets, args.loaded, Path(tmp))
                report["latency"] = rows
                last = rows[-1]  # with the loaded open tickets, when there are any
                report["latency_p99_ms"] = last["received_p99_ms"]
                report["latency_open_tickets"] = last["open_tickets"]
    finally:
        kafka.stop()
    report["bench_seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
