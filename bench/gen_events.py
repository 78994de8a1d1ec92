"""Deterministic generator of a realistic ticket-event stream (JSON lines) for the benchmarks.

    .venv/bin/python bench/gen_events.py --tickets 20000 --seed 7 --out /tmp/events.jsonl
    # also writes /tmp/events.tenants.yaml (or --tenants-out FILE), then e.g.
    .venv/bin/slawatch replay /tmp/events.jsonl --tenants /tmp/events.tenants.yaml --out /dev/null

The same ``--seed`` and arguments always give byte-identical files.

What it produces:

- tenants spread over the five seed policies with their options: Bokumo ICT with
  ``critical_after_hours`` on and off; 1do with and without ``calamity_service``; Covide on the
  premium, business and basic subscriptions; Smart FMS (tickets via the portal and by e-mail);
  Inlenersbeloning (tickets carry ``reported_at``, sometimes more than 24 h before creation).
  Ticket volume per tenant is skewed (a few big tenants, many small ones).
- about ten events per ticket: ``ticket.created`` with impact/urgency (matrix policies) or a
  direct priority, kind, channel; assignment and triage updates; ``ticket.responded``; pauses
  (``waiting_for_customer`` and back, sometimes twice; ``customer_unreachable`` for
  Inlenersbeloning); priority changes up and down (and e-mail → portal for Smart FMS);
  ``ticket.resolved``; some ``ticket.reopened`` and resolved again; ``ticket.closed``; a few
  ``ticket.cancelled``.
- instants from January to May 2026 (local time, Europe/Amsterdam offsets; the DST switch of
  29 March is inside the range), mostly in office hours on working days but also evenings,
  weekends and the Dutch public holidays (New Year, Easter, King's Day, Liberation Day,
  Ascension, Whitsun). Event ids are UUID-like strings, as ITSM tools send them.

Lines are written in event-time order (a ticket's own events strictly increasing). Every event
carries the ticket's ``kind``, as webhook snapshots do.

As a module::

    from bench.gen_events import generate, tenants_document
    tenants = tenants_document(n_tenants=60, seed=7)
    events = generate(20000, seed=7, tenants=tenants)   # list of dicts, event-time order
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")
START = date(2026, 1, 5)  # a Monday
DAYS = 140  # to 24 May 2026 (Whitsun weekend)
MIN = 60
HOUR = 3600
DAY = 86400

# (policy, options) profiles, cycled over the tenants so every option value is present.
PROFILES: list[tuple[str, dict[str, Any]]] = [
    ("bokumo-ict", {"critical_after_hours": True}),
    ("bokumo-ict", {"critical_after_hours": False}),
    ("1do", {"calamity_service": True}),
    ("1do", {"calamity_service": False}),
    ("covide", {"subscription": "premium"}),
    ("covide", {"subscription": "business"}),
    ("covide", {"subscription": "basic"}),
    ("smart-fms", {}),
    ("inlenersbeloning", {}),
]
SHORT = {
    "bokumo-ict": "bokumo",
    "1do": "onedo",
    "covide": "covide",
    "smart-fms": "smartfms",
    "inlenersbeloning": "inlener",
}

BOKUMO_IMPACTS = ["company_wide", "multiple_users", "single_user"]
BOKUMO_URGENCIES = ["hoog", "medium", "laag"]
BOKUMO_LEVELS = ["kritiek", "hoog", "medium", "laag"]
ONEDO_IMPACTS = ["1", "2", "3"]
ONEDO_URGENCIES = ["A", "B", "C"]
ONEDO_LEVELS = ["kritisch", "ernstig", "standaard", "laag", "prio1", "Prio2", "prio3"]
COVIDE_LEVELS = ["urgent", "hoog", "medium", "laag"]
SMART_LEVELS = ["A", "B", "C", "D"]
WORK_STATUSES = ["assigned", "in_progress", "investigating", "on_hold"]


def tenants_document(n_tenants: int = 60, seed: int = 0) -> dict[str, Any]:
    """A tenant contracts document (``load_tenants``/``tenants_from_data`` format) with
    ``n_tenants`` tenants cycling through :data:`PROFILES`."""
    del seed  # the tenant set depends only on its size (stable across seeds)
    tenants: dict[str, Any] = {}
    for i in range(max(n_tenants, len(PROFILES))):
        policy, options = PROFILES[i % len(PROFILES)]
        spec: dict[str, Any] = {"policy": policy}
        if options:
            spec["options"] = dict(options)
        tenants[f"{SHORT[policy]}-{i:04d}"] = spec
    return {"tenants": tenants}


def default_tenant_count(tickets: int) -> int:
    return max(len(PROFILES), min(900, tickets // 200))


# == instants ==================================================================================
def iso(ts: int) -> str:
    """Local ISO 8601 with offset (seconds precision) of a UTC epoch second."""
    return datetime.fromtimestamp(ts, AMS).isoformat()


def local_ts(day: date, seconds: int) -> int:
    """UTC epoch second of ``day`` at ``seconds`` after local midnight."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return int(datetime(day.year, day.month, day.day, h, m, s, tzinfo=AMS).timestamp())


def creation_instant(rng: random.Random, start: date, days: int) -> int:
    """Mostly office hours on working days; some evenings, nights, weekends, holidays."""
    while True:
        day = start + timedelta(days=rng.randrange(days))
        weekend = day.weekday() >= 5
        if weekend and rng.random() < 0.75:  # weekends get ~1/4 of a weekday's volume
            continue
        break
    r = rng.random()
    if r < 0.80:
        secs = rng.randrange(8 * HOUR, 17 * HOUR + 30 * MIN)
    elif r < 0.95:
        secs = rng.randrange(17 * HOUR + 30 * MIN, 23 * HOUR)
    else:
        secs = rng.randrange(0, 8 * HOUR)
    return local_ts(day, secs)


def gap(rng: random.Random, lo: int, hi: int) -> int:
    """A log-uniform delay in seconds (many short ones, a tail of long ones)."""
    lo = max(lo, 1)
    return int(lo * (hi / lo) ** rng.random())


# == tickets ===================================================================================
def _priority_facts(rng: random.Random, policy: str) -> dict[str, Any]:
    if policy == "bokumo-ict":
        if rng.random() < 0.75:
            return {
                "impact": rng.choices(BOKUMO_IMPACTS, weights=[1, 3, 6])[0],
                "urgency": rng.choices(BOKUMO_URGENCIES, weights=[2, 4, 4])[0],
            }
        return {"priority": rng.choices(BOKUMO_LEVELS, weights=[1, 2, 4, 4])[0]}
    if policy == "1do":
        if rng.random() < 0.7:
            return {
                "impact": rng.choices(ONEDO_IMPACTS, weights=[1, 3, 6])[0],
                "urgency": rng.choices(ONEDO_URGENCIES, weights=[2, 4, 4])[0],
            }
        return {"priority": rng.choice(ONEDO_LEVELS)}
    if policy == "covide":
        return {"priority": rng.choices(COVIDE_LEVELS, weights=[1, 2, 4, 3])[0]}
    if policy == "smart-fms":
        return {"priority": rng.choices(SMART_LEVELS, weights=[1, 3, 4, 2])[0]}
    return {}


def _shift(values: list[str], current: str, rng: random.Random) -> str:
    """Another value one step up or down (priority raised or lowered)."""
    low = [v.lower() for v in values]
    i = low.index(current.lower()) if current.lower() in low else 0
    j = i + rng.choice((-1, 1))
    if j < 0 or j >= len(values):
        j = i - (j - i)
    return values[max(0, min(len(values) - 1, j))]


def _priority_change(rng: random.Random, policy: str, facts: dict[str, Any]) -> dict[str, Any]:
    """An update that raises or lowers the priority (matrix: impact or urgency)."""
    if policy == "bokumo-ict":
        if "impact" in facts:
            if rng.random() < 0.5:
                return {"urgency": _shift(BOKUMO_URGENCIES, facts["urgency"], rng)}
            return {"impact": _shift(BOKUMO_IMPACTS, facts["impact"], rng)}
        return {"priority": _shift(BOKUMO_LEVELS, facts["priority"], rng)}
    if policy == "1do":
        if "impact" in facts:
            if rng.random() < 0.5:
                return {"urgency": _shift(ONEDO_URGENCIES, facts["urgency"], rng)}
            return {"impact": _shift(ONEDO_IMPACTS, facts["impact"], rng)}
        return {"priority": _shift(ONEDO_LEVELS[:4], facts["priority"], rng)}
    if policy == "covide":
        return {"priority": _shift(COVIDE_LEVELS, facts["priority"], rng)}
    if policy == "smart-fms":
        return {"priority": _shift(SMART_LEVELS, facts["priority"], rng)}
    return {}


def _created_fields(rng: random.Random, policy: str, now: int) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if policy == "bokumo-ict":
        r = rng.random()
        if r < 0.85:
            f["kind"] = "incident"
        elif r < 0.95:
            f["kind"] = "service_request"
        else:
            f["kind"] = "vulnerability"
            f["attributes"] = {"cvss": rng.choice([9.8, 9.1, 7.5, 5.3]), "cve": "CVE-2026-0001"}
        f["channel"] = rng.choice(["portal", "email", "phone"])
    elif policy == "1do":
        f["kind"] = rng.choices(["incident", "service_request", "change"], weights=[8, 1.5, 0.5])[0]
        f["channel"] = rng.choice(["phone", "email", "portal"])
    elif policy == "covide":
        f["kind"] = "question" if rng.random() < 0.2 else "incident"
        f["channel"] = rng.choice(["email", "portal"])
    elif policy == "smart-fms":
        f["kind"] = "incident"
        f["channel"] = "portal" if rng.random() < 0.7 else "email"
    else:  # inlenersbeloning: received by mail/phone, registered later
        f["kind"] = rng.choice(["incident", "question", "service_request"])
        f["channel"] = rng.choice(["email", "phone"])
        delay = gap(rng, 5 * MIN, 60 * HOUR)  # a few exceed the 24 h registration target
        f["reported_at"] = iso(now - delay)
    if f["kind"] != "question" or policy != "covide":
        f.update(_priority_facts(rng, policy))
    if policy == "1do" and f["kind"] != "incident":
        for k in ("impact", "urgency", "priority"):
            f.pop(k, None)
    return f


class _Ticket:
    """Builds one ticket's events (instants strictly increasing)."""

    __slots__ = ("events", "facts", "kind", "n", "now", "policy", "rng", "tenant", "ticket_id")

    def __init__(self, rng: random.Random, tenant: str, policy: str, ticket_id: str, now: int):
        self.rng = rng
        self.tenant = tenant
        self.policy = policy
        self.ticket_id = ticket_id
        self.now = now
        self.n = 0
        self.facts: dict[str, Any] = {}
        self.kind = "incident"
        self.events: list[tuple[int, dict[str, Any]]] = []

    def emit(self, etype: str, delay: int, **fields: Any) -> None:
        self.now += max(1, delay)
        self.n += 1
        ev: dict[str, Any] = {
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "type": etype,
            "tenant": self.tenant,
            "ticket_id": self.ticket_id,
            "at": iso(self.now),
            "kind": self.kind,
        }
        ev.update(fields)
        self.events.append((self.now, ev))


def ticket_events(
    rng: random.Random, tenant: str, policy: str, ticket_id: str, created: int
) -> list[tuple[int, dict[str, Any]]]:
    """The events of one ticket as ``(utc_epoch_second, event_dict)``."""
    t = _Ticket(rng, tenant, policy, ticket_id, created - 1)
    fields = _created_fields(rng, policy, created)
    t.facts = {k: v for k, v in fields.items() if k in ("priority", "impact", "urgency")}
    has_priority = bool(t.facts)
    t.kind = fields["kind"]
    t.emit("ticket.created", 1, status="new", **fields)
    pause = "waiting_for_customer"
    if policy == "inlenersbeloning" and rng.random() < 0.3:
        pause = "customer_unreachable"

    if rng.random() < 0.9:
        t.emit("ticket.updated", gap(rng, 1 * MIN, 45 * MIN), status="assigned")
    if rng.random() < 0.03:  # cancelled early (duplicate report, withdrawn)
        t.emit("ticket.cancelled", gap(rng, 5 * MIN, 2 * DAY), status="cancelled")
        return t.events
    t.emit("ticket.responded", gap(rng, 2 * MIN, 6 * HOUR), status="in_progress")
    if has_priority and rng.random() < 0.55:  # triage raises or lowers the priority
        ch = _priority_change(rng, policy, t.facts)
        t.facts.update(ch)
        t.emit("ticket.updated", gap(rng, 5 * MIN, 4 * HOUR), **ch)
    if policy == "smart-fms" and fields.get("channel") == "email" and rng.random() < 0.3:
        t.emit("ticket.updated", gap(rng, 5 * MIN, 2 * HOUR), channel="portal")  # re-filed
    if rng.random() < 0.7:
        t.emit(
            "ticket.updated",
            gap(rng, 10 * MIN, 8 * HOUR),
            status="investigating",
            attributes={"assignee": f"agent-{rng.randrange(40)}"},
        )
    cycles = 0
    if rng.random() < 0.8:
        cycles = 2 if rng.random() < 0.5 else 1
    for _ in range(cycles):
        t.emit("ticket.updated", gap(rng, 10 * MIN, 1 * DAY), status=pause)
        t.emit("ticket.updated", gap(rng, 30 * MIN, 4 * DAY), status="in_progress")
        if rng.random() < 0.4:  # a note from the engineer, no fact or status change
            t.emit(
                "ticket.updated",
                gap(rng, 5 * MIN, 6 * HOUR),
                attributes={"last_note": f"n{rng.randrange(1000)}"},
            )
    if has_priority and rng.random() < 0.35:  # changed back (or again)
        ch = _priority_change(rng, policy, t.facts)
        t.facts.update(ch)
        t.emit("ticket.updated", gap(rng, 10 * MIN, 1 * DAY), **ch)
    if rng.random() < 0.03:  # cancelled after work started
        t.emit("ticket.cancelled", gap(rng, 1 * HOUR, 3 * DAY), status="cancelled")
        return t.events
    t.emit("ticket.resolved", gap(rng, 15 * MIN, 5 * DAY), status="resolved")
    if rng.random() < 0.15:
        t.emit("ticket.reopened", gap(rng, 1 * HOUR, 3 * DAY), status="in_progress")
        if rng.random() < 0.5:
            t.emit("ticket.updated", gap(rng, 10 * MIN, 1 * DAY), status=pause)
            t.emit("ticket.updated", gap(rng, 30 * MIN, 2 * DAY), status="in_progress")
        t.emit("ticket.resolved", gap(rng, 30 * MIN, 3 * DAY), status="resolved")
    if rng.random() < 0.92:  # a few resolved tickets are never closed (still open at the end)
        t.emit("ticket.closed", gap(rng, 1 * HOUR, 6 * DAY), status="closed")
    return t.events


def _tenant_weights(names: list[str], rng: random.Random) -> list[float]:
    """Skewed volume: Zipf-like over a shuffled order."""
    order = list(range(len(names)))
    rng.shuffle(order)
    return [1.0 / (1 + rank) ** 0.8 for rank in order]


def generate(
    tickets: int,
    seed: int = 0,
    tenants: dict[str, Any] | None = None,
    *,
    start: date = START,
    days: int = DAYS,
) -> list[dict[str, Any]]:
    """Events of ``tickets`` tickets in event-time order (a ticket's own order kept)."""
    out = list(_generated(tickets, seed, tenants, start, days))
    out.sort(key=lambda x: (x[0], x[1]))
    return [ev for _, _, ev in out]


def _generated(
    tickets: int, seed: int, tenants: dict[str, Any] | None, start: date, days: int
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """``(utc second, sequence number, event)`` of every ticket, in generation order."""
    rng = random.Random(seed)
    doc = tenants or tenants_document(default_tenant_count(tickets), seed)
    names = list(doc["tenants"])
    policies = [doc["tenants"][n]["policy"] for n in names]
    weights = _tenant_weights(names, rng)
    cum: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    # every tenant gets at least one ticket (when there are enough), then by weight
    picks = list(range(len(names)))[: min(tickets, len(names))]
    picks += rng.choices(range(len(names)), cum_weights=cum, k=tickets - len(picks))
    seq = 0
    for n, ti in enumerate(picks, start=1):
        policy = policies[ti]
        tid = _ticket_id(policy, n)
        created = creation_instant(rng, start, days)
        for ts, ev in ticket_events(rng, names[ti], policy, tid, created):
            seq += 1
            yield ts, seq, ev


#: Tickets generated (and sorted) in memory at a time by :func:`write`; more are sorted on
#: disk (runs merged), so a file of any size is written in bounded memory.
CHUNK_TICKETS = 100_000


def _sorted_lines(
    tickets: int, seed: int, doc: dict[str, Any], tmp: Path, days: int = DAYS
) -> Iterator[bytes]:
    """The JSON lines of :func:`generate`'s events, in the same order, sorted in runs of
    :data:`CHUNK_TICKETS` tickets spilled to ``tmp`` and merged."""
    import heapq
    import marshal

    import orjson

    runs: list[Path] = []
    run: list[tuple[int, int, bytes]] = []
    last_ticket = ""

    def spill() -> None:
        run.sort()
        path = tmp / f"run-{len(runs):04d}"
        with path.open("wb") as fh:
            for i in range(0, len(run), 4096):
                marshal.dump(run[i : i + 4096], fh)
        runs.append(path)
        run.clear()

    tickets_in_run = 0
    for ts, seq, ev in _generated(tickets, seed, doc, START, days):
        if ev["ticket_id"] != last_ticket:
            last_ticket = ev["ticket_id"]
            tickets_in_run += 1
            if tickets_in_run > CHUNK_TICKETS:
                spill()
                tickets_in_run = 1
        run.append((ts, seq, orjson.dumps(ev) + b"\n"))
    if run:
        spill()

    def read(path: Path) -> Iterator[tuple[int, int, bytes]]:
        with path.open("rb") as fh:
            while True:
                try:
                    chunk = marshal.load(fh)
                except EOFError:
                    return
                yield from chunk

    for _, _, line in heapq.merge(*(read(p) for p in runs)):
        yield line


# == monitoring ===================================================================================
#: per policy: services, causes an outage may carry (excluded ones included), maintenance
#: kinds, heartbeat checks with their interval (seconds)
MONITORED: dict[str, dict[str, Any]] = {
    "bokumo-ict": {
        "services": ["portal", "mail"],
        "causes": [None, None, None, "force_majeure"],
        "maintenance": ["planned", "planned", "emergency"],
        "checks": {},
    },
    "inlenersbeloning": {
        "services": ["app"],
        "causes": [None],
        "maintenance": ["planned"],
        "checks": {"backup": DAY},
    },
    "covide": {
        "services": ["crm"],
        "causes": [None, None, "third_party_network", "customer_site"],
        "maintenance": ["major"],
        "checks": {"backup": DAY},
    },
    "smart-fms": {
        "services": ["webservice"],
        "causes": [None, None, "ddos", "customer_caused"],
        "maintenance": ["minor", "minor", "major", "urgent"],
        "checks": {},
    },
}


def monitoring_events(
    doc: dict[str, Any],
    seed: int = 0,
    *,
    start: date = START,
    days: int = DAYS,
    outages_per_week: float = 1.5,
) -> list[dict[str, Any]]:
    """Monitoring events for the tenants of ``doc`` whose policy measures availability, in
    event-time order: outages (``monitor.down``/``up``, some with a repeated down, some
    flapping, some with a cause the contract excludes), announced maintenance (in advance or
    late, some at 16:00 or later, a few cancelled), and daily backup heartbeats with a
    missed day now and then. Deterministic for a seed."""
    rng = random.Random(seed * 7919 + 13)
    out: list[tuple[int, int, dict[str, Any]]] = []
    seq = 0
    t0 = local_ts(start, 0)
    span = days * DAY

    def add(ts: int, ev: dict[str, Any]) -> None:
        nonlocal seq
        seq += 1
        ev = {"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), **ev}
        ev["at"] = iso(ts)
        out.append((ts, seq, ev))

    for tenant, spec in doc["tenants"].items():
        mon = MONITORED.get(spec["policy"])
        if mon is None:
            continue
        for service in mon["services"]:
            n = max(1, int(rng.expovariate(1 / (outages_per_week * days / 7))))
            for _ in range(n):
                a = t0 + rng.randrange(span)
                length = int(
                    rng.choice([5 * MIN, 20 * MIN, HOUR, 3 * HOUR, 9 * HOUR]) * rng.random()
                )
                length = max(MIN, length)
                cause = rng.choice(mon["causes"])
                down: dict[str, Any] = {
                    "type": "monitor.down",
                    "tenant": tenant,
                    "service": service,
                }
                if cause:
                    down["cause"] = cause
                add(a, down)
                if rng.random() < 0.2:  # the monitor repeats itself
                    add(a + min(length - 1, 2 * MIN), dict(down))
                add(a + length, {"type": "monitor.up", "tenant": tenant, "service": service})
        for i in range(max(1, days // 14)):
            kind = rng.choice(mon["maintenance"])
            day = start + timedelta(days=rng.randrange(days))
            begin = local_ts(day, rng.choice([16, 17, 18, 20, 22, 10]) * HOUR)
            end = begin + rng.choice([2, 4, 8, 14]) * HOUR
            ahead = rng.choice([HOUR, DAY, 3 * DAY, 7 * DAY])
            mid = f"{tenant}-mw{i}"
            add(
                begin - ahead,
                {"type": "maintenance.announced", "tenant": tenant, "maintenance_id": mid,
                 "kind": kind, "start": iso(begin), "end": iso(end)},
            )  # fmt: skip
            if rng.random() < 0.1:
                add(begin - ahead // 2, {"type": "maintenance.cancelled", "tenant": tenant,
                                         "maintenance_id": mid})  # fmt: skip
        for check, every in mon["checks"].items():
            ts = t0 + 2 * HOUR + rng.randrange(HOUR)
            while ts < t0 + span:
                if rng.random() > 0.04:  # now and then a night without a backup
                    add(ts, {"type": "heartbeat", "tenant": tenant, "check": check})
                ts += every - rng.randrange(20 * MIN)  # a little early, never late
    out.sort(key=lambda x: (x[0], x[1]))
    return [ev for _, _, ev in out]


def _ticket_id(policy: str, n: int) -> str:
    if policy == "bokumo-ict":
        return f"INC-{100000 + n}"
    if policy == "1do":
        return str(700000 + n)
    if policy == "covide":
        return f"C-{n}"
    if policy == "smart-fms":
        return f"SFMS-{n:07d}"
    return f"IB-{n}"


def jsonl(events: list[dict[str, Any]]) -> Iterator[bytes]:
    import orjson

    for ev in events:
        yield orjson.dumps(ev) + b"\n"


def write(
    out: Path,
    tickets: int,
    seed: int,
    tenants_out: Path | None = None,
    n_tenants: int | None = None,
    days: int = DAYS,
) -> tuple[Path, int]:
    """Write the events file and its tenants file; returns (tenants path, events written)."""
    import yaml

    doc = tenants_document(n_tenants or default_tenant_count(tickets), seed)
    tenants_path = tenants_out or out.with_name(out.stem + ".tenants.yaml")
    tenants_path.write_text(
        "# generated by bench/gen_events.py\n" + yaml.safe_dump(doc, sort_keys=False)
    )
    n = 0
    with out.open("wb") as fh:
        if tickets <= CHUNK_TICKETS:
            for line in jsonl(generate(tickets, seed, doc, days=days)):
                fh.write(line)
                n += 1
        else:
            import tempfile

            with tempfile.TemporaryDirectory(prefix="gen-events-") as tmp:
                for line in _sorted_lines(tickets, seed, doc, Path(tmp), days):
                    fh.write(line)
                    n += 1
    return tenants_path, n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tickets", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--days",
        type=int,
        default=DAYS,
        help=f"tickets created over this many days from {START} (default {DAYS}: to Whitsun)",
    )
    ap.add_argument("--out", type=Path, required=True, help="events file (JSON lines)")
    ap.add_argument(
        "--tenants-out",
        type=Path,
        default=None,
        help="tenants file (default: OUT with .tenants.yaml)",
    )
    ap.add_argument(
        "--tenants",
        type=int,
        default=None,
        dest="n_tenants",
        help="number of tenants (default: tickets/200, 9..900)",
    )
    args = ap.parse_args(argv)
    tpath, n = write(args.out, args.tickets, args.seed, args.tenants_out, args.n_tenants, args.days)
    print(f"{n} events for {args.tickets} tickets → {args.out}; tenants → {tpath}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
