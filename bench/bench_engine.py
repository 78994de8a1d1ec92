"""Clock engine benchmark: replay throughput, timers vs open tickets, state size (issue 4 "Speed").

Commands (from the repository root; one core, figures are ratios within one run)::

    .venv/bin/python bench/bench_engine.py                    # all three parts, default sizes
    .venv/bin/python bench/bench_engine.py --part replay --events 200000
    .venv/bin/python bench/bench_engine.py --part timers --sizes 1000,1000000 --batch 20000
    .venv/bin/python bench/bench_engine.py --part state
    .venv/bin/python bench/bench_engine.py --part replay --profile   # + cProfile top costs
    # a fixed input file instead of the generated one (tenants file next to it, see gen_events):
    .venv/bin/python bench/gen_events.py --tickets 21500 --seed 7 --out /tmp/events.jsonl
    .venv/bin/python bench/bench_engine.py --part replay --file /tmp/events.jsonl

Parts:

(a) ``replay``: end to end from a JSONL file, as ``slawatch replay`` does it: read the file →
    :func:`streams.replay.replay` (decode every line with ``parse_event``, sort by instant,
    apply through the :class:`Processor`/:class:`Engine`) → every signal serialised to JSON
    bytes. Reported with the split measured in the same run: parse only (``parse_event`` on the
    same lines), engine only (the already decoded, sorted events through a fresh engine) and
    serialisation only. Goal: ≥ 50,000 events/s end to end.
(b) ``timers``: the same batch of events (≈ 20k realistic events of fresh tickets, with an
    ``advance`` call every 10 events) applied to engines already holding N open tickets
    (1,000 vs 1,000,000). The background tickets are created just before the batch window
    and are parked so that none of their timers falls due inside it (Covide basic incidents
    of priority laag and Covide questions — first warning after 2.5 working days —, Bokumo
    and 1do tickets waiting for the customer, Inlenersbeloning and Smart FMS e-mail tickets
    with no running clock); the window ends before their first due instant. So every size
    does exactly the same work (checked: the signals are identical) and the ratio shows what
    the size of the ticket table and of the timer heap costs. Goal: ratio ≤ 1.5.
(c) ``state``: bytes of serialised state per open ticket (``orjson.dumps(ticket.to_dict())``)
    for tickets in mid-life (after the batch) and freshly created ones, and Python heap per
    ticket (tracemalloc while creating 10,000 tickets; RSS growth per ticket for the largest
    size of (b)).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # bench itself; slawatch from the venv (the compiled build) first

from bench.gen_events import (  # noqa: E402
    default_tenant_count,
    generate,
    jsonl,
    tenants_document,
)
from calendars.timeline import us_of  # noqa: E402
from models.contracts import load_policies, load_tenants, tenants_from_data  # noqa: E402
from models.events import TicketEvent, parse_event  # noqa: E402
from streams.engine import Engine, RejectedEvent  # noqa: E402
from streams.replay import collector_paused, replay  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
EVENTS_PER_TICKET = 9.3  # what gen_events produces on average


# == helpers ===================================================================================
def rss_mib() -> float:
    """Resident set size of this process (MiB), from /proc."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def clock() -> float:
    return time.perf_counter()


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<44} {value:>16}  {note}")


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} ev/s" if seconds > 0 else "inf"


# == (a) replay throughput =====================================================================
def ensure_file(path: Path | None, events: int, seed: int) -> tuple[Path, Path]:
    """The events file and its tenants file (generated into /tmp if not given)."""
    if path is not None:
        tenants = path.with_name(path.stem + ".tenants.yaml")
        if not tenants.exists():
            sys.exit(f"{tenants} not found (bench/gen_events.py writes it next to the events)")
        return path, tenants
    tickets = max(1, round(events / EVENTS_PER_TICKET))
    path = Path(f"/tmp/slawatch-bench-{tickets}-{seed}.jsonl")
    tenants = path.with_name(path.stem + ".tenants.yaml")
    if not (path.exists() and tenants.exists()):
        from bench.gen_events import write

        t0 = clock()
        write(path, tickets, seed, tenants)
        print(f"  generated {path} ({tickets} tickets) in {clock() - t0:.1f}s")
    return path, tenants


def bench_replay(path: Path, tenants: Path, repeat: int, profile: bool) -> dict[str, Any]:
    registry = load_tenants(tenants, load_policies())
    print(f"\n(a) replay throughput — {path}")

    def end_to_end() -> tuple[float, int, int, Any]:
        t0 = clock()
        with path.open("rb") as fh:
            lines = fh.readlines()
        with collector_paused():  # as slawatch replay runs: replay and output
            result = replay(lines, registry, source=str(path))
            blob = b"".join(orjson.dumps(s.to_dict()) + b"\n" for s in result.signals)
        return clock() - t0, len(lines), len(blob), result

    e2e = []
    result = None
    n = nbytes = 0
    for _ in range(repeat):
        gc.collect()
        secs, n, nbytes, result = end_to_end()
        e2e.append(secs)
    assert result is not None
    with path.open("rb") as fh:
        lines = fh.readlines()

    parse = []
    for _ in range(repeat):
        gc.collect()
        with collector_paused():
            t0 = clock()
            events = [parse_event(line) for line in lines]
            parse.append(clock() - t0)

    decoded = sorted(
        ((us_of(e.at), i, e) for i, e in enumerate(events) if isinstance(e, TicketEvent)),
        key=lambda x: (x[0], x[1]),
    )
    ordered = [e for _, _, e in decoded]
    engine_only = []
    signals: list[Any] = []
    for _ in range(repeat):
        gc.collect()
        eng = Engine(registry)
        with collector_paused():
            t0 = clock()
            signals = run_engine(eng, ordered)
            engine_only.append(clock() - t0)
        del eng

    with_gc = []  # the live worker runs with the collector on (tuned: streams/cli/worker_cmd)
    for _ in range(repeat):
        gc.collect()
        eng = Engine(registry)
        t0 = clock()
        run_engine(eng, ordered)
        with_gc.append(clock() - t0)
        del eng

    ser = []
    for _ in range(repeat):
        t0 = clock()
        b"".join(orjson.dumps(s.to_dict()) + b"\n" for s in signals)
        ser.append(clock() - t0)

    summary = result.summary()
    best = {
        k: min(v)
        for k, v in {
            "e2e": e2e,
            "parse": parse,
            "engine": engine_only,
            "ser": ser,
            "with_gc": with_gc,
        }.items()
    }
    row(
        "events (lines)",
        f"{n:,}",
        f"{summary['tickets']:,} tickets, "
        f"{sum(summary['signals'].values()):,} signals ({nbytes / 2**20:.1f} MiB JSON), "
        f"{summary['dead_letters']} dead letters",
    )
    row(
        "end to end (read+parse+engine+JSON out)",
        rate(n, best["e2e"]),
        f"{best['e2e']:.2f}s  goal ≥ 50,000 ev/s  {'OK' if n / best['e2e'] >= 50000 else 'BELOW'}",
    )
    row(
        "parse only (parse_event, as in replay)",
        rate(n, best["parse"]),
        f"{best['parse']:.2f}s  e2e/parse time = {best['e2e'] / best['parse']:.1f}×",
    )
    row(
        "engine only (decoded, sorted events)",
        rate(n, best["engine"]),
        f"{best['engine']:.2f}s  {best['engine'] / best['e2e']:.0%} of e2e",
    )
    row(
        "engine only, cyclic GC on (default thresholds)",
        rate(n, best["with_gc"]),
        f"{best['with_gc']:.2f}s  (the collector's share ≈ "
        f"{1 - best['engine'] / best['with_gc']:.0%})",
    )
    row(
        "signals → JSON only",
        f"{len(signals) / best['ser']:,.0f} sig/s",
        f"{best['ser']:.2f}s  {best['ser'] / best['e2e']:.0%} of e2e",
    )
    row("signals by type", "", orjson.dumps(summary["signals"]).decode())
    if profile:
        profile_replay(lines, registry)
    return {
        "events": n,
        "e2e_s": best["e2e"],
        "parse_s": best["parse"],
        "engine_s": best["engine"],
        "engine": result.engine,
    }


def run_engine(eng: Engine, events: list[Any]) -> list[Any]:
    out: list[Any] = []
    for ev in events:
        try:
            out.extend(eng.apply(ev))
        except RejectedEvent as exc:
            out.extend(exc.signals)
    if events:
        out.extend(eng.advance(events[-1].at))
    return out


def profile_replay(lines: list[bytes], registry: Any, top: int = 25) -> None:
    import cProfile
    import pstats

    pr = cProfile.Profile()
    pr.enable()
    result = replay(lines, registry)
    b"".join(orjson.dumps(s.to_dict()) + b"\n" for s in result.signals)
    pr.disable()
    print(f"\n  cProfile of the end-to-end run (top {top} by own time; profiling slows it ~2×):")
    st = pstats.Stats(pr, stream=sys.stdout)
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)


# == (b) timers flat as open tickets grow ======================================================
WINDOW_START = datetime(2026, 3, 2, 0, 0, tzinfo=AMS)  # Monday; no holiday that week
PARK_AT = WINDOW_START  # background tickets are created at this instant


class Background:
    """Parked open tickets (see the module docstring): no timer due before ~Wed 12:30."""

    def __init__(self, doc: dict[str, Any]) -> None:
        by: dict[tuple[str, str], list[str]] = {}
        for name, spec in doc["tenants"].items():
            opt = ",".join(f"{k}={v}" for k, v in sorted((spec.get("options") or {}).items()))
            by.setdefault((spec["policy"], opt), []).append(name)
        self.basic = by[("covide", "subscription=basic")]
        self.covide = [t for (p, _), ts in by.items() if p == "covide" for t in ts]
        self.paused = [t for (p, _), ts in by.items() if p in ("bokumo-ict", "1do") for t in ts]
        self.inlener = by[("inlenersbeloning", "")]
        self.smart = by[("smart-fms", "")]

    def profile(self, i: int) -> tuple[str, dict[str, Any]]:
        """Tenant and fields of background ticket ``i`` (seven profiles in turn)."""
        p = i % 7
        if p in (0, 1):  # Covide basic, laag: response 48 h business, resolution 3 months
            return self.basic[i % len(self.basic)], {"priority": "laag", "channel": "email"}
        if p == 2:  # Covide question: first warning at 2.5 working days
            return self.covide[i % len(self.covide)], {"kind": "question"}
        if p in (3, 4):  # Bokumo / 1do incident, waiting for the customer: clocks paused
            tenant = self.paused[i % len(self.paused)]
            onedo = tenant.startswith("onedo")
            if p == 3:
                fields = (
                    {"impact": "2", "urgency": "b"}
                    if onedo
                    else {"impact": "single_user", "urgency": "medium"}
                )
            else:
                fields = {"priority": "laag" if onedo else "medium"}
            return tenant, {**fields, "status": "waiting_for_customer"}
        if p == 5:  # Inlenersbeloning: registration clock stopped at creation
            return self.inlener[i % len(self.inlener)], {
                "kind": "question",
                "reported_at": PARK_AT - timedelta(hours=2),
            }
        return self.smart[i % len(self.smart)], {"channel": "email", "priority": "c"}

    def events(self, n: int) -> Iterator[TicketEvent]:
        base = {
            "type": "ticket.created",
            "at": PARK_AT,
            "kind": "incident",
            "channel": None,
            "priority": None,
            "impact": None,
            "urgency": None,
            "status": "new",
            "reported_at": None,
        }
        for i in range(n):
            tenant, fields = self.profile(i)
            yield TicketEvent.model_construct(
                **{
                    **base,
                    "attributes": {},
                    **fields,
                    "event_id": f"bg{i:08d}-0000-4000-8000-000000000000",
                    "tenant": tenant,
                    "ticket_id": f"BG-{i}",
                }
            )


def build(registry: Any, bg: Background, n: int) -> tuple[Engine, float]:
    eng = Engine(registry)
    t0 = clock()
    for ev in bg.events(n):
        eng.apply(ev)
    return eng, clock() - t0


def make_batch(doc: dict[str, Any], size: int, seed: int, cutoff_us: int) -> list[TicketEvent]:
    """``size`` events of fresh tickets created Mon–Tue, cut before ``cutoff_us``."""
    tickets = max(100, size // 6)
    while True:
        raw = generate(tickets, seed + 1, doc, start=WINDOW_START.date(), days=2)
        out = [ev for ev in map(parse_event, jsonl(raw)) if us_of(ev.at) < cutoff_us]
        if len(out) >= size:
            return out[:size]
        tickets = tickets * 3 // 2


def run_batch(eng: Engine, batch: list[TicketEvent]) -> tuple[float, list[Any], int]:
    """Apply the batch, advancing time half-way to the next event after every 10th event."""
    ats = [us_of(e.at) for e in batch]
    out: list[Any] = []
    advances = 0
    apply, advance = eng.apply, eng.advance_us
    t0 = clock()
    for i, ev in enumerate(batch):
        try:
            out.extend(apply(ev))
        except RejectedEvent as exc:
            out.extend(exc.signals)
        if i % 10 == 9 and i + 1 < len(ats) and ats[i + 1] > ats[i]:
            out.extend(advance((ats[i] + ats[i + 1]) // 2))
            advances += 1
    return clock() - t0, out, advances


def heap_min_due(eng: Engine) -> int | None:
    due = [
        c.due_us for t in eng.tickets.values() for c in t.clocks.values() if c.due_us is not None
    ]
    return min(due) if due else None


def bench_timers(sizes: list[int], batch_size: int, seed: int, repeat: int) -> dict[str, Any]:
    print(
        f"\n(b) timers: {batch_size:,} events (+ advance every 10) on engines holding N open"
        " tickets"
    )
    doc = tenants_document(default_tenant_count(200_000), seed)
    registry = tenants_from_data(doc, load_policies(), "<bench tenants>")
    bg = Background(doc)
    probe, _ = build(registry, bg, 5000)
    first_due = heap_min_due(probe)
    assert first_due is not None
    cutoff = first_due - 60 * 1_000_000
    del probe
    batch = make_batch(doc, batch_size, seed, cutoff)
    print(
        f"  background tickets parked at {PARK_AT.isoformat()}; first background timer "
        f"{datetime.fromtimestamp(first_due / 1e6, AMS).isoformat()}; batch "
        f"{batch[0].at.isoformat()} → {batch[-1].at.isoformat()}"
    )
    print(
        f"  {'open tickets':>14} {'build s':>8} {'build µs/t':>10} {'RSS MiB':>8} "
        f"{'heap':>9} {'full GC s':>9} {'µs/event':>9} {'ratio':>6} {'signals':>8}"
    )
    results: dict[int, float] = {}
    reference: list[str] | None = None
    extra: dict[str, Any] = {}
    base_rss = rss_mib()
    for n in sizes:
        times = []
        for _ in range(repeat):
            gc.collect()
            rss0 = rss_mib()
            eng, build_s = build(registry, bg, n)
            rss1 = rss_mib()
            heap = len(eng.timers)
            # One full collection now, timed on its own: otherwise the first one the batch
            # triggers (due after the build's allocations) lands inside the measurement and
            # costs seconds at 1M tickets (it walks every object of every ticket).
            t0 = clock()
            gc.collect()
            full_gc = clock() - t0
            secs, out, _ = run_batch(eng, batch)
            times.append(secs)
            ids = [s.event_id for s in out]
            if any(s.ticket_id.startswith("BG-") for s in out):
                print("  !! a background ticket fired inside the batch window")
            if reference is None:
                reference = ids
            elif ids != reference:
                print(f"  !! N={n}: the batch's signals differ from the first size's")
            if n == max(sizes):
                extra = {
                    "engine": eng,
                    "rss_per_ticket": (rss1 - rss0) * 2**20 / max(n, 1),
                    "rss": rss1,
                    "base_rss": base_rss,
                }
            del eng
        per_event = min(times) / len(batch) * 1e6
        results[n] = per_event
        ratio = per_event / results[sizes[0]]
        print(
            f"  {n:>14,} {build_s:>8.1f} {build_s / n * 1e6:>10.1f} {rss1:>8.0f} "
            f"{heap:>9,} {full_gc:>9.2f} {per_event:>9.2f} {ratio:>6.2f} {len(out):>8,}"
        )
    lo, hi = sizes[0], sizes[-1]
    ratio = results[hi] / results[lo]
    row(
        f"time per event {hi:,} vs {lo:,} open",
        f"{ratio:.2f}×",
        f"goal ≤ 1.5×  {'OK' if ratio <= 1.5 else 'ABOVE'}",
    )
    print(
        "  (full GC s: one gc.collect() over the whole state, the pause the cyclic collector"
        " adds every time the long-lived objects grow by 25 %; gc.freeze() after loading"
        " state avoids it)"
    )
    return {"per_event": results, **extra, "batch": batch, "registry": registry, "bg": bg}


# == (c) state size ============================================================================
def bench_state(
    timers: dict[str, Any] | None, replay_res: dict[str, Any] | None, seed: int
) -> None:
    print("\n(c) state per open ticket")
    if timers is None or "engine" not in timers:
        doc = tenants_document(default_tenant_count(200_000), seed)
        registry = tenants_from_data(doc, load_policies(), "<bench tenants>")
        bg = Background(doc)
        eng, _ = build(registry, bg, 1000)
        doc_batch = make_batch(doc, 20000, seed, heap_min_due(eng) - 60_000_000)
        run_batch(eng, doc_batch)
        timers = {"engine": eng, "registry": registry, "bg": bg}
    eng = timers["engine"]
    fresh = [t for k, t in eng.tickets.items() if k.split(":", 1)[1].startswith("BG-")]
    mid = [
        t
        for k, t in eng.tickets.items()
        if not k.split(":", 1)[1].startswith("BG-") and t.phase == "open"
    ]

    def avg_bytes(tickets: list[Any], sample: int = 20000) -> tuple[float, int]:
        step = max(1, len(tickets) // sample)
        picked = tickets[::step]
        if not picked:
            return float("nan"), 0
        return sum(len(orjson.dumps(t.to_dict())) for t in picked) / len(picked), len(picked)

    b, k = avg_bytes(mid)
    row(
        "JSON bytes/ticket, mid-life (batch tickets)",
        f"{b:,.0f} B",
        f"{len(mid):,} open, avg of {k:,}",
    )
    b, k = avg_bytes(fresh)
    row("JSON bytes/ticket, just created (background)", f"{b:,.0f} B", f"avg of {k:,}")
    if replay_res is not None and replay_res.get("engine") is not None:
        open_end = [t for t in replay_res["engine"].tickets.values() if t.phase == "open"]
        b, k = avg_bytes(open_end)
        row("JSON bytes/ticket, open at end of replay", f"{b:,.0f} B", f"{len(open_end):,} open")
    if "rss_per_ticket" in timers:
        row(
            "RSS growth per background ticket",
            f"{timers['rss_per_ticket']:,.0f} B",
            f"RSS {timers['rss']:,.0f} MiB at {len(eng.tickets):,} tickets",
        )
    registry, bg = timers["registry"], timers["bg"]
    events = list(bg.events(10000))
    gc.collect()
    tracemalloc.start()
    e2 = Engine(registry)
    for ev in events[:100]:  # warm the plan/schedule caches outside the measurement
        e2.apply(ev)
    before = tracemalloc.get_traced_memory()[0]
    for ev in events[100:]:
        e2.apply(ev)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    row(
        "Python heap per created ticket (tracemalloc)",
        f"{(after - before) / 9900:,.0f} B",
        "incl. its timer heap entries",
    )


# == main ======================================================================================
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["all", "replay", "timers", "state"], default="all")
    ap.add_argument("--events", type=int, default=200_000, help="(a) approx. events generated")
    ap.add_argument("--file", type=Path, default=None, help="(a) use this JSONL file instead")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (best kept)")
    ap.add_argument("--profile", action="store_true", help="(a) cProfile the end-to-end run")
    ap.add_argument("--sizes", default="1000,1000000", help="(b) open tickets, comma-separated")
    ap.add_argument("--batch", type=int, default=20000, help="(b) events in the measured batch")
    args = ap.parse_args(argv)
    import streams.engine.engine as engine_module

    code = (
        "pure Python (the source tree, or a SLAWATCH_PURE_PYTHON=1 install)"
        if engine_module.__file__.endswith(".py")
        else "compiled (mypyc)"
    )
    print(
        f"slawatch engine bench — Python {sys.version.split()[0]}, pid {os.getpid()}, "
        f"{date.today().isoformat()}; RSS {rss_mib():.0f} MiB; engine {code}"
    )
    rep = tim = None
    if args.part in ("all", "replay"):
        path, tenants = ensure_file(args.file, args.events, args.seed)
        rep = bench_replay(path, tenants, args.repeat, args.profile)
    if args.part in ("all", "timers"):
        sizes = [int(s) for s in args.sizes.split(",")]
        tim = bench_timers(sizes, args.batch, args.seed, args.repeat)
    if args.part in ("all", "state"):
        bench_state(tim, rep, args.seed)
    print(f"\npeak RSS {peak_rss_mib():,.0f} MiB")
    return 0


def peak_rss_mib() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
