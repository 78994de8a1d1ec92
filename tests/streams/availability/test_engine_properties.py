"""The availability engine against a minute-stepping oracle (hypothesis).

The oracle walks February 2026 minute by minute and decides for each minute, with the
contract's words and nothing of the engine: is the service down, is the cause excluded, is
the measurement calendar open, does announced maintenance that keeps the rules cover it. From
the counted minutes it derives the report, the breach and the warning instants. Then:
the engine agrees with it; downtime never exceeds the measured time; availability never
rises when an outage is added; and the signals do not depend on how often time is advanced
or on a crash and restore between events.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars.timeline import US, us_of
from models.contracts import load_policies, tenants_from_data
from models.events import parse_event
from streams.availability.engine import AvailabilityEngine

AMS = ZoneInfo("Europe/Amsterdam")
MIN = 60 * US
LO = datetime(2026, 2, 1, tzinfo=AMS)
HI = datetime(2026, 3, 1, tzinfo=AMS)
MINUTES = int((HI - LO).total_seconds()) // 60  # 28 days: no DST switch in February
POLICIES = load_policies()
REGISTRY = tenants_from_data(
    {"tenants": {"fms": {"policy": "smart-fms"}, "inl": {"policy": "inlenersbeloning"}}},
    POLICIES,
)
TARGET = {"fms": 99.6, "inl": 90.0}
EXCLUDED_CAUSES = {"fms": {"ddos", "customer_caused"}, "inl": set()}
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def local(minute: int) -> datetime:
    return (LO.astimezone(UTC) + timedelta(minutes=minute)).astimezone(AMS)


@cache
def measured_minutes(tenant: str) -> tuple[bool, ...]:
    """Per minute: does the measurement calendar count it (24/7, or Inlenersbeloning's
    Mon–Fri 08:30–17:30; February 2026 has no Dutch public holiday)."""
    out = []
    for m in range(MINUTES):
        t = local(m)
        if tenant == "fms":
            out.append(True)
        else:
            hm = t.hour * 60 + t.minute
            out.append(t.weekday() < 5 and 8 * 60 + 30 <= hm < 17 * 60 + 30)
    return tuple(out)


def in_window(kind: str, t: datetime) -> bool:
    """Smart FMS: minor = workday 16:00 – next workday 07:00, major = Fri 16:00 – Mon 07:00
    (February 2026 has no Dutch public holiday: every weekday is a workday)."""
    wd, hm = t.weekday(), t.hour * 60 + t.minute
    if kind == "major":
        return (wd == 4 and hm >= 16 * 60) or wd in (5, 6) or (wd == 0 and hm < 7 * 60)
    return not (wd < 5 and 7 * 60 <= hm < 16 * 60)


@dataclass(frozen=True)
class Case:
    tenant: str
    outages: tuple[tuple[int, int, str | None], ...]  # (start minute, end minute, cause)
    maintenance: tuple[tuple[str, str, int, int, int], ...]  # (id, kind, start, end, announced)


@st.composite
def cases(draw: Any, tenant: str | None = None) -> Case:
    tenant = tenant or draw(st.sampled_from(["fms", "inl"]))
    outages = []
    t = draw(st.integers(0, 3 * 1440))
    for _ in range(draw(st.integers(0, 6))):
        length = draw(st.integers(1, 14 * 60 if tenant == "fms" else 3 * 1440))
        if t + length >= MINUTES:
            break
        cause = draw(st.sampled_from([None, None, "ddos", "customer_caused", "other"]))
        outages.append((t, t + length, cause))
        t += length + draw(st.integers(1, 3 * 1440))
    maintenance = []
    if tenant == "fms":
        for i in range(draw(st.integers(0, 4))):
            start = draw(st.integers(0, MINUTES - 1))
            end = min(MINUTES, start + draw(st.integers(1, 3 * 1440)))
            kind = draw(st.sampled_from(["minor", "major", "urgent"]))
            announced = max(0, start - draw(st.integers(-120, 3 * 1440)))
            maintenance.append((f"mt{i}", kind, start, end, announced))
    return Case(tenant, tuple(outages), tuple(maintenance))


# == the oracle ===============================================================================
def counted_minutes(case: Case) -> list[bool]:
    """Per minute of February: does it count as downtime?"""
    # which maintenance is excluded: regular (minor/major), first two of the month in start
    # order (every regular one takes a place), announced before it starts, starting at or
    # after 16:00 local time; then only the minutes inside its kind's window
    regular = sorted(
        (m for m in case.maintenance if m[1] in ("minor", "major")), key=lambda m: (m[2], m[0])
    )
    kept = [m for i, m in enumerate(regular) if i < 2 and m[4] < m[2] and local(m[2]).hour >= 16]
    measured = measured_minutes(case.tenant)
    out = []
    for minute in range(MINUTES):
        down = any(
            a <= minute < b and c not in EXCLUDED_CAUSES[case.tenant] for a, b, c in case.outages
        )
        excluded = any(
            s <= minute < e and in_window(kind, local(minute)) for _, kind, s, e, _ in kept
        )
        out.append(down and measured[minute] and not excluded)
    return out


def first_instant(counted: list[bool], need_us: int) -> datetime | None:
    """The instant the counted time reaches ``need_us``, minute by minute."""
    total = 0
    for minute, c in enumerate(counted):
        if c:
            if total + MIN >= need_us:
                start = LO.astimezone(UTC) + timedelta(minutes=minute)
                return start + timedelta(microseconds=need_us - total)
            total += MIN
    return None


# == the engine ===============================================================================
_seq = itertools.count()


def events_of(case: Case) -> list[Any]:
    raw = []
    svc = "web" if case.tenant == "fms" else "app"
    for a, b, cause in case.outages:
        down = {"type": "monitor.down", "service": svc, "at": a}
        if cause:
            down["cause"] = cause
        raw += [down, {"type": "monitor.up", "service": svc, "at": b}]
    for mid, kind, s, e, ann in case.maintenance:
        raw.append(
            {"type": "maintenance.announced", "maintenance_id": mid, "kind": kind,
             "start": local(s).isoformat(), "end": local(e).isoformat(), "at": ann}
        )  # fmt: skip
    raw.sort(key=lambda r: r["at"])  # stable: a down before its up
    out = []
    for r in raw:
        r = {**r, "at": local(r["at"]).isoformat(), "tenant": case.tenant}
        out.append(parse_event({"event_id": f"p{next(_seq)}", **r}))
    return out


def run(case: Case, advance_every: int | None = None, cut: int | None = None) -> list[dict]:
    eng = AvailabilityEngine(REGISTRY)
    out = []
    for i, e in enumerate(events_of(case)):
        if cut is not None and i == cut:
            eng = AvailabilityEngine.restore(REGISTRY, json.loads(json.dumps(eng.snapshot())))
        if advance_every and eng.now_us is not None:
            t = eng.now_us
            while t + advance_every * MIN < us_of(e.at):
                t += advance_every * MIN
                out.extend(eng.advance_us(t))
        out.extend(eng.apply(e))
    out.extend(eng.advance(HI + timedelta(hours=1)))
    return [s.to_dict() for s in out]


def feb(signals: list[dict], typ: str) -> list[dict]:
    return [s for s in signals if s["type"] == typ and s.get("period") == "2026-02"]


# == properties ===============================================================================
@PROPS
@given(case=cases())
def test_the_month_agrees_with_the_minute_oracle(case: Case) -> None:
    counted = counted_minutes(case)
    if not case.outages:
        return  # no service is known: nothing is reported
    signals = run(case)
    (report,) = feb(signals, "availability.report")
    measured_us = sum(measured_minutes(case.tenant)) * MIN
    budget_us = int(measured_us * (100 - TARGET[case.tenant]) / 100)
    down_us = sum(counted) * MIN
    assert report["downtime_seconds"] * US == down_us
    assert report["measured_seconds"] * US == measured_us
    assert 0 <= down_us <= measured_us  # downtime never exceeds the measured time
    assert report["met"] == (down_us <= budget_us)
    breaches = feb(signals, "availability.breach")
    want = first_instant(counted, budget_us + 1)
    assert [datetime.fromisoformat(b["at"]) for b in breaches] == ([want] if want else [])
    for frac in (0.5, 0.75):
        need = max(1, -(-budget_us * int(frac * 100) // 100))
        got = [
            datetime.fromisoformat(w["at"])
            for w in feb(signals, "availability.warning")
            if w.get("threshold") == frac
        ]
        want = first_instant(counted, need)
        assert got == ([want] if want else []), frac


@PROPS
@given(case=cases(), data=st.data())
def test_availability_never_rises_when_an_outage_is_added(case: Case, data: Any) -> None:
    if not case.outages:
        return
    # one more outage, after the last (the outages stay disjoint)
    start = case.outages[-1][1] + data.draw(st.integers(1, 2 * 1440), label="gap")
    if start >= MINUTES - 1:
        return
    end = data.draw(st.integers(start + 1, min(MINUTES, start + 20 * 60)), label="end")
    cause = data.draw(st.sampled_from([None, "ddos"]), label="cause")
    more = Case(case.tenant, (*case.outages, (start, end, cause)), case.maintenance)
    (before,) = feb(run(case), "availability.report")
    (after,) = feb(run(more), "availability.report")
    assert after["availability_percent"] <= before["availability_percent"]
    assert after["downtime_seconds"] >= before["downtime_seconds"]


@PROPS
@given(case=cases(), every=st.sampled_from([7, 60, 24 * 60]), data=st.data())
def test_signals_do_not_depend_on_advancing_or_a_restore(case: Case, every: int, data) -> None:
    whole = run(case)
    assert run(case, advance_every=every) == whole
    n = len(events_of(case))
    cut = data.draw(st.integers(0, max(0, n - 1)), label="restore before event")
    assert run(case, cut=cut) == whole
    ids = [s["event_id"] for s in whole]
    assert len(ids) == len(set(ids))  # no signal twice


@PROPS
@given(a=cases(tenant="fms"), b=cases(tenant="fms"), data=st.data())
def test_live_interleaving_of_services_gives_the_replays_signals(a: Case, b: Case, data) -> None:
    # two services of one tenant, their events interleaved at random (each service's own
    # order kept, maintenance first: announced before it starts), through the live engine
    # (an event moves only its own service's time), then the clock jumps to the end: the
    # same signals, at the same instants, as the replay of the time-ordered stream
    def service_events(case: Case, svc: str) -> list[Any]:
        evs = [e for e in events_of(case) if e.type.startswith("monitor.")]
        return [e.model_copy(update={"service": svc}) for e in evs]

    maint = [e for e in events_of(a) if e.type.startswith("maintenance.")]
    web, api = service_events(a, "web"), service_events(b, "api")
    replayed = AvailabilityEngine(REGISTRY)
    expected = []
    for e in sorted(maint + web + api, key=lambda e: us_of(e.at)):  # stable: own order kept
        expected.extend(replayed.apply(e))
    expected.extend(replayed.advance(HI + timedelta(hours=1)))
    live = AvailabilityEngine(REGISTRY, events_advance_time=False)
    got = [s for e in maint for s in live.apply(e)]
    queues = [list(web), list(api)]
    while any(queues):
        q = data.draw(st.sampled_from([q for q in queues if q]), label="next from")
        got.extend(live.apply(q.pop(0)))
    got.extend(live.advance(HI + timedelta(hours=1)))

    def brief(sigs: list[Any]) -> list[tuple[str, datetime]]:
        return sorted((s.event_id, s.at) for s in sigs)

    assert brief(got) == brief(expected)
