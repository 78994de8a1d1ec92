"""Availability engine benchmark: replay throughput of monitoring events (issue 6).

    .venv/bin/python bench/bench_availability.py [--tenants 60] [--days 140] [--seed 1]

Generates the monitoring stream of ``bench.gen_events.monitoring_events`` (outages with and
without excluded causes, repeated downs, announced and cancelled maintenance, daily backup
heartbeats) for ``--tenants`` tenants over ``--days`` days, then measures in one run:

- baseline: ``parse_event`` on every line (decoding and validation only);
- the availability engine alone on the decoded events, in event-time order;
- ``streams.replay.replay`` end to end (decode, sort, engine).

and prints events/s and each figure's ratio to the baseline (min of 3 runs).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # bench itself; slawatch from the venv (the compiled build) first

from bench.gen_events import monitoring_events, tenants_document  # noqa: E402
from calendars.timeline import us_of  # noqa: E402
from models.contracts import load_policies, tenants_from_data  # noqa: E402
from models.events import parse_event  # noqa: E402
from streams.availability.engine import AvailabilityEngine  # noqa: E402
from streams.replay import replay  # noqa: E402


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tenants", type=int, default=60)
    ap.add_argument("--days", type=int, default=140)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    doc = tenants_document(args.tenants)
    events = monitoring_events(doc, args.seed, days=args.days)
    lines = [orjson.dumps(e) for e in events]
    registry = tenants_from_data(doc, load_policies())
    decoded = sorted((parse_event(x) for x in lines), key=lambda e: us_of(e.at))
    signals: list = []

    def engine_only() -> None:
        eng = AvailabilityEngine(registry)
        out = [s for e in decoded for s in eng.apply(e)]
        out.extend(eng.advance(decoded[-1].at))
        signals[:] = out

    t_parse = best(lambda: [parse_event(x) for x in lines])
    t_engine = best(engine_only)
    t_e2e = best(lambda: replay(lines, registry))
    n = len(lines)
    print(f"availability bench: {n:,} monitoring events, {args.tenants} tenants, {args.days} days")
    print(f"  signals: {len(signals):,}")
    for name, t in (
        ("parse only (baseline)", t_parse),
        ("engine only", t_engine),
        ("replay end to end", t_e2e),
    ):
        print(f"  {name:<24} {n / t:>10,.0f} ev/s  {t * 1e6 / n:>7.1f} µs/ev  {t / t_parse:>5.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
