"""Scale-out of the live runtime (issue 16): two workers against one, a rebalance under load,
and the size of a worker holding many open tickets on the ``rocksdb://`` store.

Usage::

    .venv/bin/python bench/bench_scale.py                  # all three parts (~10 min)
    .venv/bin/python bench/bench_scale.py --quick          # smaller (~3 min)
    .venv/bin/python bench/bench_scale.py --part sizing --open 1000000 --json

Run it on the compiled build (``make build``); the workers run the slawatch this script
imports. One embedded broker (Tansu), 4 partitions.

(1) **scale-out**: one worker, then (a fresh deployment) two workers on the same topic, in two
    ways: *backlog*: N ticket events wait in ``sla.ticket-events`` and the workers start
    together (timed from the first input loop's start to the last output's CreateTime);
    *live*: once the group is stable the N events are produced as fast as aiokafka goes
    (timed from the first input's CreateTime), this script's producer competing for the same
    cores. With the CPU seconds each process used (workers, broker, producer), to tell what
    bounds it on this machine.
(2) **rebalance under load**: events produced at a steady rate while a second worker joins
    and the first then leaves (SIGTERM); afterwards a worker with the clock at the end
    fires what is due. The signals on the output topics must be the replay's, each once.
(3) **sizing on rocksdb://**: ``--open`` ``ticket.created`` (Covide basic: nothing due for
    days) into one worker with ``SLAWATCH_STORE=rocksdb://`` (``--store``): its RSS holding
    them; then
    restarted on its data directory, and restarted on an empty one (every ticket recovered
    from the changelog topic): seconds until its input loop has its runners.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import yaml

sys.path.append(str(Path(__file__).resolve().parents[1]))  # the installed slawatch first

from bench.bench_kafka import produce as raw_produce
from bench.bench_runtime import (
    OUT_TOPICS,
    Worker,
    committed,
    deployment,
    loop_started,
    scan,
    worker_env,
)
from bench.gen_events import generate, tenants_document
from streams.embedded import EmbeddedKafka

SIGNAL_TOPICS = ("sla.warnings", "sla.escalations", "sla.breaches", "sla.verdicts")


def say(line: str) -> None:
    print(line, file=sys.stderr if JSON else sys.stdout, flush=True)


JSON = False


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def assignments(w: Worker) -> list[str]:
    return [ln for ln in w.log.read_text(errors="replace").splitlines() if "] assignment " in ln]


def wait_stable(workers: list[Worker], timeout: float = 120, quiet: float = 4.0) -> None:
    """Until every worker has an assignment and none has had a new one for ``quiet`` s."""
    end = time.monotonic() + timeout
    seen = -1
    since = time.monotonic()
    while time.monotonic() < end:
        for w in workers:
            w.check()
        counts = [len(assignments(w)) for w in workers]
        if sum(counts) != seen:
            seen, since = sum(counts), time.monotonic()
        elif all(counts) and time.monotonic() - since >= quiet:
            return
        time.sleep(0.3)
    raise RuntimeError("the group did not settle:\n" + "\n---\n".join(w.tail() for w in workers))


# == (1) scale-out ================================================================================


def bench_scale_out(kafka: EmbeddedKafka, n: int, workdir: Path) -> dict[str, Any]:
    tickets = max(10, n // 9 + 50)
    doc = tenants_document(max(9, min(900, tickets // 200)), seed=11)
    events = generate(tickets, seed=11, tenants=doc)[:n]
    n = len(events)
    pairs = [(f"{e['tenant']}:{e['ticket_id']}".encode(), orjson.dumps(e)) for e in events]
    tenants = workdir / "scale.tenants.yaml"
    tenants.write_text(yaml.safe_dump(doc, sort_keys=False))
    first = datetime.fromisoformat(events[0]["at"]).astimezone(UTC)
    rows = []
    for mode in ("backlog", "live"):
        for count in (1, 2):
            s = deployment(kafka.bootstrap, f"scale{mode}{count}")
            if mode == "backlog":  # waiting before the workers start
                asyncio.run(raw_produce(kafka.bootstrap, s.topic("sla.ticket-events"), pairs))
            workers = [
                Worker(
                    worker_env(
                        s, tenants, workdir / f"data-{mode}{count}-{i}", start=first.isoformat(),
                        speed="0",
                    ),
                    workdir / f"worker-{mode}{count}-{i}.log",
                )
                for i in range(count)
            ]  # fmt: skip
            try:
                if mode == "live":
                    wait_stable(workers)
                broker_cpu = cpu_seconds(kafka.pid)
                cpu0 = [cpu_seconds(w.proc.pid) for w in workers]
                mine = 0.0
                produce_s = None
                if mode == "live":
                    t0 = time.process_time()
                    produce_s = asyncio.run(
                        raw_produce(kafka.bootstrap, s.topic("sla.ticket-events"), pairs)
                    )
                    mine = time.process_time() - t0
                deadline = time.monotonic() + 600
                while committed(s).get(s.topic("sla.ticket-events"), 0) < n:
                    for w in workers:
                        w.check()
                    if time.monotonic() > deadline:
                        raise RuntimeError("not consumed:\n" + workers[0].tail())
                    time.sleep(0.5)
                time.sleep(2)  # the last outputs
                cpu = [cpu_seconds(w.proc.pid) - c for w, c in zip(workers, cpu0, strict=True)]
                broker_cpu = cpu_seconds(kafka.pid) - broker_cpu
                rounds = sum(len(assignments(w)) for w in workers)
                started = min(loop_started(w.log) for w in workers)
            finally:
                for w in workers:
                    w.stop()
            outs = scan(kafka.bootstrap, [s.topic(t) for t in OUT_TOPICS])
            end_ms = max(hi for cnt, _, hi in outs.values() if cnt)
            if mode == "live":
                topic = s.topic("sla.ticket-events")
                begin = scan(kafka.bootstrap, [topic])[topic][1] / 1000
            else:  # from the moment the first input loop had partitions
                begin = started
            secs = end_ms / 1000 - begin
            row = {
                "mode": mode,
                "workers": count,
                "events": n,
                "events_per_s": round(n / secs),
                "seconds": round(secs, 2),
                "assignments": rounds,
                "cpu_s_workers": [round(c, 1) for c in cpu],
                "cpu_s_broker": round(broker_cpu, 1),
                "cpu_s_producer": round(mine, 1),
            }
            if produce_s is not None:
                row["produce_msgs_per_s"] = round(n / produce_s)
            rows.append(row)
            say(
                f"  {mode}, {count} worker(s): {row['events_per_s']:,} events/s ({n:,} in "
                f"{secs:.1f} s, {rounds} assignment(s)); CPU s: workers {row['cpu_s_workers']}, "
                f"broker {row['cpu_s_broker']}, producer {row['cpu_s_producer']}"
            )
    out: dict[str, Any] = {"runs": rows}
    for mode in ("backlog", "live"):
        one, two = (r["events_per_s"] for r in rows if r["mode"] == mode)
        out[f"ratio_two_to_one_{mode}"] = round(two / one, 3)
        say(f"  two workers / one ({mode}): {two / one:.2f}×")
    return out


# == (2) rebalance under load =====================================================================


def bench_rebalance(kafka: EmbeddedKafka, n: int, rate: float, workdir: Path) -> dict[str, Any]:
    from models.contracts import load_policies, tenants_from_data
    from streams.replay import replay

    tickets = max(10, n // 9 + 50)
    doc = tenants_document(max(9, min(900, tickets // 200)), seed=12)
    events = generate(tickets, seed=12, tenants=doc)[:n]
    n = len(events)
    tenants = workdir / "rebalance.tenants.yaml"
    tenants.write_text(yaml.safe_dump(doc, sort_keys=False))
    s = deployment(kafka.bootstrap, "rebal")
    t0 = (datetime.fromisoformat(events[0]["at"]) - timedelta(hours=1)).isoformat()
    until = (datetime.fromisoformat(events[-1]["at"]) + timedelta(days=30)).isoformat()

    def worker(name: str, clock: str) -> Worker:
        return Worker(
            worker_env(s, tenants, workdir / f"data-{name}", start=clock, speed="0"),
            workdir / f"worker-{name}.log",
        )

    progress = {"sent": 0}

    def produce() -> None:
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=[kafka.bootstrap], linger_ms=5)
        start = time.monotonic()
        for i, e in enumerate(events):
            key = f"{e['tenant']}:{e['ticket_id']}".encode()
            producer.send(s.topic("sla.ticket-events"), key=key, value=orjson.dumps(e))
            progress["sent"] = i + 1
            ahead = (i + 1) / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        producer.flush()
        producer.close()

    a = worker("a", t0)
    b: Worker | None = None
    try:
        wait_stable([a])
        feeder = threading.Thread(target=produce, daemon=True)
        feeder.start()
        time.sleep(n / rate / 3)
        b = worker("b", t0)  # joins: partitions move from a to b
        wait_stable([a, b], quiet=2.0)
        while progress["sent"] < 2 * n // 3:
            time.sleep(0.2)
        a.stop()  # leaves (SIGTERM): b takes everything
        say(f"  a left (SIGTERM, exit {a.proc.returncode}) after {progress['sent']:,} events sent")
        feeder.join()
        deadline = time.monotonic() + 600
        while committed(s).get(s.topic("sla.ticket-events"), 0) < n:
            b.check()
            if time.monotonic() > deadline:
                raise RuntimeError("not consumed:\n" + b.tail())
            time.sleep(0.5)
        time.sleep(3)
        b.stop()
        final = worker("final", until)  # fires every timer due up to the end
        try:
            wait_stable([final], quiet=2.0)
            time.sleep(8)
        finally:
            final.stop()
    finally:
        for w in (a, b):
            if w is not None:
                w.stop()
    got: list[dict[str, Any]] = []
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=[kafka.bootstrap], enable_auto_commit=False)
    tps = [TopicPartition(s.topic(t), p) for t in SIGNAL_TOPICS for p in range(4)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    idle = time.monotonic()
    while time.monotonic() - idle < 2:
        for recs in consumer.poll(timeout_ms=300).values():
            got.extend(orjson.loads(r.value) for r in recs)
            idle = time.monotonic()
    consumer.close()
    registry = tenants_from_data(doc, load_policies())
    expected = {
        x.event_id
        for x in replay(
            [orjson.dumps(e) for e in events], registry, until=datetime.fromisoformat(until)
        ).signals
    }
    ids = [g["event_id"] for g in got]
    twice = len(ids) - len(set(ids))
    result = {
        "events": n,
        "rate": rate,
        "signals_expected": len(expected),
        "signals_seen": len(set(ids)),
        "missing": len(expected - set(ids)),
        "extra": len(set(ids) - expected),
        "fired_twice": twice,
    }
    say(
        f"  rebalance under load: {n:,} events at {rate:,.0f}/s, b joined then a left: "
        f"{result['signals_seen']:,} signals, {result['missing']} missing, "
        f"{result['extra']} extra, {twice} fired twice (replay: {len(expected):,})"
    )
    return result


# == (3) sizing on rocksdb:// =====================================================================


def bench_sizing(
    kafka: EmbeddedKafka, n_open: int, workdir: Path, store: str = "rocksdb://"
) -> dict[str, Any]:
    s = deployment(kafka.bootstrap, "size")
    tenants = workdir / "size.tenants.yaml"
    tenant = "size-covide"
    tenants.write_text(
        yaml.safe_dump(
            {"tenants": {tenant: {"policy": "covide", "options": {"subscription": "basic"}}}}
        )
    )
    clock = datetime.fromisoformat("2026-03-03T10:00:00+01:00")
    at = (clock - timedelta(minutes=10)).isoformat()

    def env(data: str) -> dict[str, str]:
        e = worker_env(s, tenants, workdir / data, start=clock.isoformat(), speed="0")
        e["SLAWATCH_STORE"] = store
        return e

    pairs = [
        (
            f"{tenant}:L-{i}".encode(),
            orjson.dumps(
                {
                    "event_id": f"o-{i}",
                    "type": "ticket.created",
                    "tenant": tenant,
                    "ticket_id": f"L-{i}",
                    "at": at,
                    "priority": "laag",
                }
            ),
        )
        for i in range(n_open)
    ]
    w = Worker(env("data-size"), workdir / "worker-size.log")
    out: dict[str, Any] = {"open_tickets": n_open, "store": store}
    try:
        wait_stable([w])
        base = rss_mib(w.proc.pid)
        t0 = time.monotonic()
        asyncio.run(raw_produce(kafka.bootstrap, s.topic("sla.ticket-events"), pairs))
        while committed(s).get(s.topic("sla.ticket-events"), 0) < n_open:
            w.check()
            time.sleep(0.5)
        out["load_seconds"] = round(time.monotonic() - t0, 1)
        time.sleep(3)
        out["rss_idle_mib"] = round(base)
        out["rss_mib"] = round(rss_mib(w.proc.pid))
        out["rss_peak_mib"] = round(rss_mib(w.proc.pid, "VmHWM"))
    finally:
        w.stop()
    out["data_dir_mib"] = round(
        sum(f.stat().st_size for f in (workdir / "data-size").rglob("*") if f.is_file()) / 2**20
    )
    say(
        f"  {n_open:,} open tickets on {store}: loaded in {out['load_seconds']} s; worker RSS "
        f"{out['rss_mib']:,} MiB (idle {out['rss_idle_mib']} MiB, peak {out['rss_peak_mib']:,}); "
        f"data dir {out['data_dir_mib']:,} MiB"
    )
    for name, data in (
        ("restart_own_data_dir", "data-size"),
        ("restart_empty_data_dir", "data-new"),
    ):
        w = Worker(env(data), workdir / f"worker-{name}.log")
        started = time.time()
        try:
            deadline = time.monotonic() + 900
            while True:
                w.check()
                try:
                    ready = loop_started(w.log)
                    break
                except RuntimeError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            text = w.log.read_text(errors="replace")
            restored = [ln for ln in text.splitlines() if "tickets restored in" in ln]
            out[name] = {
                "seconds_to_ready": round(ready - started, 1),
                "restored": restored[-1].split("] ", 2)[-1].strip() if restored else None,
                "rss_mib": round(rss_mib(w.proc.pid)),
            }
        finally:
            w.stop()
        say(
            f"  restart ({name.removeprefix('restart_').replace('_', ' ')}): ready after "
            f"{out[name]['seconds_to_ready']} s ({out[name]['restored']}); RSS "
            f"{out[name]['rss_mib']:,} MiB"
        )
    return out


# == main =========================================================================================


def main() -> int:
    global JSON
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["all", "scale", "rebalance", "sizing"], default="all")
    ap.add_argument("-n", "--events", type=int, default=100_000, help="scale-out events")
    ap.add_argument("--rebalance-events", type=int, default=30_000)
    ap.add_argument("--rate", type=float, default=1_000, help="events/s during the rebalance")
    ap.add_argument("--open", type=int, default=1_000_000, help="open tickets (sizing)")
    ap.add_argument("--store", default="rocksdb://", help="the table store (sizing)")
    ap.add_argument("--quick", action="store_true", help="20k events, 10k at 1k/s, 100k open")
    ap.add_argument("--json", action="store_true", help="print one JSON object (only that)")
    args = ap.parse_args()
    JSON = args.json
    if args.quick:
        args.events, args.rebalance_events, args.open = 20_000, 10_000, 100_000
    report: dict[str, Any] = {"date": datetime.now(UTC).date().isoformat(), "cpus": os.cpu_count()}
    say(f"bench_scale: embedded Tansu broker, 4 partitions, {os.cpu_count()} CPUs")
    kafka = EmbeddedKafka().start()
    try:
        with tempfile.TemporaryDirectory(prefix="slawatch-scale-") as tmp:
            if args.part in ("all", "scale"):
                report["scale_out"] = bench_scale_out(kafka, args.events, Path(tmp))
            if args.part in ("all", "rebalance"):
                report["rebalance"] = bench_rebalance(
                    kafka, args.rebalance_events, args.rate, Path(tmp)
                )
            if args.part in ("all", "sizing"):
                report["sizing"] = bench_sizing(kafka, args.open, Path(tmp), args.store)
    finally:
        kafka.stop()
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
