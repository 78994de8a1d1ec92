"""Analytics sink and report benchmark (issue 14).

    .venv/bin/python bench/bench_sink.py [--records 200000] [--tenants 100] [--clocks 1000000]
                                         [--part write|report|all] [--json]

Two measurements, each against a baseline of the same run:

- **write**: ``--records`` signal records (JSON, as they arrive from Kafka, ``--tenants``
  tenants over a month) through the sink's writer — decode, partition by tenant and month,
  one Parquet file per partition, temp file + fsync + rename + directory fsync — in batches
  of 50,000 as the sink loop flushes them; against a plain pyarrow write of the same records
  (decode, ``Table.from_pylist``, one ``pq.write_table``, no fsync). Prints records/s of each
  and the ratio.
- **report**: a year of synthetic data for ``--tenants`` Covide tenants and ``--clocks``
  clocks in all (each a final clock-state record and its signals: a verdict, a breach for
  one in ten, soft and 50 % warnings), written through the same writer in time order and
  compacted (one file per partition, as the live sink does over time); then the time of
  one tenant's one-year report (DuckDB over the files, ``slawatch report --from 2025-01-01
  --to 2025-12-31``), and of all tenants' one after the other; the baseline is DuckDB
  counting the same tenant's rows (the floor of reading its files).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # bench itself; slawatch from the venv first

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from models.contracts import load_policies, tenants_from_data  # noqa: E402
from streams.reports.model import build_report  # noqa: E402
from streams.reports.periods import Period  # noqa: E402
from streams.reports.sources import from_sink  # noqa: E402
from streams.sink.compact import compact  # noqa: E402
from streams.sink.query import connect  # noqa: E402
from streams.sink.store import open_store  # noqa: E402
from streams.sink.writer import SinkWriter  # noqa: E402

BATCH = 50_000
PRIORITIES = ("urgent", "hoog", "medium", "laag")
TARGETS = {
    "urgent": ("6h", "4h"),
    "hoog": ("2 workdays", "1 workdays"),
    "medium": ("2 weeks", "1 weeks"),
    "laag": ("3 months", "3 weeks"),
}


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def signal_records(n: int, tenants: int, seed: int) -> list[bytes]:
    rnd = random.Random(seed)
    base = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    types = ("sla.warning", "sla.breach", "sla.met", "sla.missed", "sla.escalation")
    for i in range(n):
        at = base + timedelta(seconds=rnd.randrange(28 * 86400))
        typ = types[i % 5]
        doc: dict[str, Any] = {
            "event_id": f"{i:08d}-bench",
            "type": typ,
            "tenant": f"t{i % tenants:03d}",
            "ticket_id": f"INC-{i}",
            "clock": "resolution",
            "policy": "covide",
            "policy_version": "1.0",
            "priority": PRIORITIES[i % 4],
            "deadline": _iso(at),
            "at": _iso(at),
            "observed_at": _iso(at),
            "elapsed_business_seconds": float(rnd.randrange(3600, 90000)),
            "elapsed_wall_seconds": float(rnd.randrange(3600, 900000)),
        }
        if typ == "sla.warning":
            doc["threshold"] = 0.5
        elif typ == "sla.escalation":
            doc["level"] = "second_line"
        out.append(orjson.dumps(doc))
    return out


def bench_write(args: argparse.Namespace) -> dict[str, Any]:
    records = signal_records(args.records, args.tenants, args.seed)
    work = Path(tempfile.mkdtemp(prefix="slawatch-bench-sink-"))
    try:

        def sink() -> float:
            root = work / f"sink-{time.perf_counter_ns()}"
            w = SinkWriter(open_store(root))
            t = time.perf_counter()
            for i, value in enumerate(records):
                w.add("signals", value, "sla.breaches", 0, i)
                if w.pending >= BATCH:
                    w.flush()
            w.flush()
            return time.perf_counter() - t

        def plain() -> float:
            path = work / f"plain-{time.perf_counter_ns()}.parquet"
            t = time.perf_counter()
            table = pa.Table.from_pylist([orjson.loads(v) for v in records])
            pq.write_table(table, path, compression="zstd")
            return time.perf_counter() - t

        t_sink = min(sink() for _ in range(args.repeat))
        t_plain = min(plain() for _ in range(args.repeat))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = len(records)
    return {
        "records": n,
        "tenants": args.tenants,
        "sink_records_per_s": round(n / t_sink),
        "plain_pyarrow_records_per_s": round(n / t_plain),
        "ratio": round(t_plain / t_sink, 3),
    }


def year_of_data(root: Path, tenants: int, clocks: int, seed: int) -> dict[str, int]:
    """Synthetic Covide clocks of 2025 through the real writer: per clock a final clock
    state and its signals (verdict; breach 1 in 10; soft warning 1 in 5; 50 % warning 1 in 3)."""
    rnd = random.Random(seed)
    w = SinkWriter(open_store(root))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    offset = 0
    signals = 0
    # in time order, as the sink reads them live: a flush covers days, not the whole year
    starts = sorted(rnd.randrange(364 * 86400) for _ in range(clocks))
    for c in range(clocks):
        tenant = f"t{c % tenants:03d}"
        prio = PRIORITIES[rnd.randrange(4)]
        kind = "question" if c % 10 == 0 else "incident"
        clock = "response" if kind == "question" else "resolution"
        created = start + timedelta(seconds=starts[c])
        took = timedelta(seconds=rnd.randrange(1800, 5 * 86400))
        stop = created + took
        breached = c % 10 == 3
        common = {
            "tenant": tenant,
            "ticket_id": f"T{c}",
            "clock": clock,
            "policy": "covide",
            "policy_version": "1.0",
            "priority": None if kind == "question" else prio,
        }
        sigs = []
        if c % 3 == 0:
            sigs.append({"type": "sla.warning", "threshold": 0.5, "at": created + took / 3})
        if c % 5 == 0:
            sigs.append({"type": "sla.warning", "tier": "soft", "at": created + took / 2})
        if breached:
            sigs.append({"type": "sla.breach", "at": created + took * 0.8})
        sigs.append(
            {
                "type": "sla.missed" if breached else "sla.met",
                "at": stop,
                "elapsed_business_seconds": float(took.total_seconds() / 3),
            }
        )
        for k, s in enumerate(sigs):
            at = s.pop("at")
            doc = {
                "event_id": f"{c}-{k}",
                **common,
                **s,
                "deadline": _iso(stop),
                "at": _iso(at),
                "observed_at": _iso(at),
            }
            w.add_doc("signals", doc, "sla.verdicts", 0, offset)
            offset += 1
            signals += 1
        hard, soft = ("5 workdays", "3 workdays") if kind == "question" else TARGETS[prio]
        rec = {
            "key": f"{tenant}:T{c}:{clock}",
            "tenant": tenant,
            "ticket_id": f"T{c}",
            "clock": clock,
            "policy": "covide",
            "policy_version": "1.0",
            "priority": common["priority"],
            "cell": None,
            "phase": "closed",
            "status": "stopped",
            "tier": "hard",
            "started_at": _iso(created),
            "deadline": _iso(stop),
            "breached": breached,
            "fired": [],
            "elapsed_business_seconds": took.total_seconds() / 3,
            "updated_at": _iso(stop),
            "state": {"stops": [[int(stop.timestamp() * 1e6), None]]},
            "ticket_kind": kind,
            "hard_target": hard,
            "hard_calendar": "incidents",
            "soft_target": soft,
            "soft_calendar": "incidents",
            "pause_statuses": [],
            "status_log": [[_iso(created), None]],
        }
        w.add_doc("clock_states", rec, "sla.clock-states", 0, offset)
        offset += 1
        if w.pending >= BATCH:
            w.flush()
    w.flush()
    return {"signals": signals, "clock_states": clocks, "files": w.stats.files}


def bench_report(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="slawatch-bench-report-"))
    try:
        t = time.perf_counter()
        written = year_of_data(work, args.tenants, args.clocks, args.seed)
        t_write = time.perf_counter() - t
        t = time.perf_counter()
        merged = compact(open_store(work), min_files=2)  # what the live sink does over time
        t_compact = time.perf_counter() - t
        size = sum(p.stat().st_size for p in work.rglob("*.parquet"))
        tenants = {
            f"t{i:03d}": {"policy": "covide", "options": {"subscription": "business"}}
            for i in range(args.tenants)
        }
        registry = tenants_from_data({"tenants": tenants}, load_policies())
        policy = registry.resolve("t000").policy
        period = Period.between(date(2025, 1, 1), date(2025, 12, 31), policy.timezone)

        def one(tenant: str) -> Any:
            con = connect(work, tenant=tenant)
            rep = build_report(from_sink(con, tenant), policy, period)
            con.close()
            return rep

        def floor(tenant: str) -> int:
            con = connect(work, tenant=tenant)
            n = con.execute(
                "SELECT (SELECT count(*) FROM signals WHERE tenant = ?) + "
                "(SELECT count(*) FROM clock_states WHERE tenant = ?)",
                [tenant, tenant],
            ).fetchone()[0]
            con.close()
            return int(n)

        t_floor = min(_timed(lambda: floor("t000")) for _ in range(args.repeat))
        t_one = min(_timed(lambda: one("t000")) for _ in range(args.repeat))
        rep = one("t000")
        t = time.perf_counter()
        for i in range(args.tenants):
            one(f"t{i:03d}")
        t_all = time.perf_counter() - t
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "tenants": args.tenants,
        "clocks": args.clocks,
        **{f"written_{k}": v for k, v in written.items()},
        "write_seconds": round(t_write, 2),
        "write_records_per_s": round((written["signals"] + written["clock_states"]) / t_write),
        "compact_seconds": round(t_compact, 2),
        "files_after_compaction": written["files"] - merged.files_in + merged.files_out,
        "parquet_mb": round(size / 1e6, 1),
        "one_tenant_year_report_seconds": round(t_one, 3),
        "one_tenant_count_floor_seconds": round(t_floor, 3),
        "report_vs_floor": round(t_one / t_floor, 2),
        "all_tenants_year_reports_seconds": round(t_all, 2),
        "one_tenant_rows": len(rep.rows),
        "one_tenant_breaches": len(rep.breaches),
    }


def _timed(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--tenants", type=int, default=100)
    ap.add_argument("--clocks", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--part", choices=("write", "report", "all"), default="all")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    if args.part in ("write", "all"):
        out["write"] = bench_write(args)
        if not args.json:
            w = out["write"]
            print(
                f"sink writer: {w['sink_records_per_s']:,} records/s; plain pyarrow write of "
                f"the same records: {w['plain_pyarrow_records_per_s']:,}/s; ratio "
                f"{w['ratio']:.2f} ({w['records']:,} records, {w['tenants']} tenants)"
            )
    if args.part in ("report", "all"):
        out["report"] = bench_report(args)
        if not args.json:
            r = out["report"]
            print(
                f"year of data: {r['clocks']:,} clocks, {r['written_signals']:,} signals, "
                f"{r['written_files']} files, {r['parquet_mb']} MB, written in "
                f"{r['write_seconds']} s ({r['write_records_per_s']:,} records/s); "
                f"compacted to {r['files_after_compaction']} files in {r['compact_seconds']} s"
            )
            print(
                f"one tenant's one-year report: {r['one_tenant_year_report_seconds']} s "
                f"({r['report_vs_floor']}× DuckDB counting its rows, "
                f"{r['one_tenant_count_floor_seconds']} s); all {r['tenants']} tenants: "
                f"{r['all_tenants_year_reports_seconds']} s"
            )
    if args.json:
        print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
