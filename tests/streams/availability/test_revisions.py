"""Late monitoring events for a month already reported: revised ``availability.report``\\s.

The live engine (an event moves only its own service's time; ticks move every service) gets
an event after a tick has taken its service past the end of the event's month. Every figure
below is worked out by hand in the comment above it, or (the property test) by the
minute-stepping oracle of ``test_engine_properties``; none by the engine.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from calendars.timeline import US
from models.ids import SIGNAL_NAMESPACE
from models.signals import Signal
from streams.availability.engine import AvailabilityEngine
from tests.streams.availability.test_engine import d, down, ev, maint, registry, up
from tests.streams.availability.test_engine_properties import (
    HI,
    MIN,
    PROPS,
    REGISTRY,
    TARGET,
    Case,
    cases,
    counted_minutes,
    events_of,
    measured_minutes,
)

# March 2026 in Amsterdam has 743 hours (the clocks go forward on the 29th)
MARCH_H = 743


def live() -> AvailabilityEngine:
    return AvailabilityEngine(registry(), events_advance_time=False)


def feed(eng: AvailabilityEngine, *steps: Any) -> list[Any]:
    """Events (applied) and instants (the clock ticks to them), in the order given; every
    signal fits the published schema."""
    out = []
    for step in steps:
        out.extend(eng.advance(step) if isinstance(step, datetime) else eng.apply(step))
    for s in out:
        Signal.model_validate(s.to_dict())
    return out


def reports(out: list[Any]) -> list[tuple[str, int, float, float, bool]]:
    return [
        (s.period, s.revision, s.availability_percent, s.downtime_seconds, s.met)
        for s in out
        if s.type == "availability.report"
    ]


def bokumo_outage_whose_up_comes_late() -> tuple[list[Any], list[Any], AvailabilityEngine]:
    """Bokumo (24/7, 99.5 %): web down Wed 4 Mar 09:00; the clock ticks to 10 May before
    the up of 10:00 is read."""
    eng = live()
    first = feed(eng, down("bok", d(2026, 3, 4, 9)), d(2026, 5, 10, 12))
    late = feed(eng, up("bok", d(2026, 3, 4, 10)))
    return first, late, eng


def test_a_late_up_revises_every_month_the_outage_was_reported_going_on() -> None:
    first, late, eng = bokumo_outage_whose_up_comes_late()
    # as known at the tick: down from Mar 4 09:00 (81 h into March) to the month's end:
    # 743 - 81 = 662 h counted, 100 x 81/743 = 10.9017 %; April down all 720 h
    assert reports(first) == [
        ("2026-03", 0, 10.9017, 662 * 3600, False),
        ("2026-04", 0, 0.0, 720 * 3600, False),
    ]
    # the up closes the outage after one hour: March 100 x (1 - 1/743) = 99.8654 %, met;
    # April never down. Revision 1 of each, at the month's end, observed at the tick
    assert reports(late) == [
        ("2026-03", 1, 99.8654, 3600, True),
        ("2026-04", 1, 100.0, 0, True),
    ]
    assert [(s.at, s.observed_at) for s in late] == [
        (d(2026, 4, 1), d(2026, 5, 10, 12)),
        (d(2026, 5, 1), d(2026, 5, 10, 12)),
    ]
    # May, the month being measured, is back to 100 % in the read model's record
    (record,) = eng.records("bok")
    assert (record["period"], record["availability_percent"]) == ("2026-05", 100.0)


def test_revision_0_keeps_its_id_and_each_revision_has_its_own() -> None:
    first, late, _ = bokumo_outage_whose_up_comes_late()
    march0, april0 = (s for s in first if s.type == "availability.report")

    # revision 0 has the id reports had before revisions existed (and a replay in event
    # order gives): uuid5 of (tenant, "availability", month, service, target, "report", type)
    def report_id(month: str) -> str:
        name = f"bok\x1favailability\x1f{month}\x1fweb\x1fservices\x1freport"
        return str(uuid.uuid5(SIGNAL_NAMESPACE, f"{name}\x1favailability.report"))

    assert march0.event_id == report_id("2026-03")
    assert april0.event_id == report_id("2026-04")
    ids = [s.event_id for s in first + late]
    assert len(ids) == len(set(ids))
    # deterministic: the same input in a fresh engine gives the same ids
    again_first, again_late, _ = bokumo_outage_whose_up_comes_late()
    assert [s.event_id for s in again_first + again_late] == ids


def test_the_same_late_input_again_revises_nothing() -> None:
    _, _, eng = bokumo_outage_whose_up_comes_late()
    late_up = up("bok", d(2026, 3, 4, 10))
    assert feed(eng, late_up) == []  # a copy under a new id: an up without a down
    assert feed(eng, late_up) == []  # the very same event: a duplicate
    # a repeated maintenance announcement (new event id) changes nothing either
    ann = maint("bok", "p1", "planned", d(2026, 3, 20, 9), d(2026, 3, 20, 10), d(2026, 3, 2, 9))
    eng2 = live()
    feed(eng2, down("bok", d(2026, 3, 4, 9)), up("bok", d(2026, 3, 4, 10)), d(2026, 4, 2))
    first = feed(eng2, ann)
    second = feed(eng2, maint("bok", "p1", "planned", ann.start, ann.end, ann.at))
    # the maintenance covers no outage: the March figure stays, no revision at all
    assert reports(first) == reports(second) == []


def test_a_late_maintenance_announcement_revises_the_month_it_excludes() -> None:
    # Smart FMS (24/7, 99.6 %: 0.4 % of 743 h = 2.972 h budget): down Tue 3 Mar 18:00-22:00,
    # 4 h: reported not met, 100 x (1 - 4/743) = 99.4616 %
    eng = live()
    first = feed(eng, down("fms", d(2026, 3, 3, 18)), up("fms", d(2026, 3, 3, 22)), d(2026, 4, 2))
    assert reports(first) == [("2026-03", 0, 99.4616, 4 * 3600, False)]
    # the minor maintenance 16:30-23:00, announced Mon 2 Mar 09:00, is read only now: it
    # keeps every rule (announced ahead, from 16:00, two a month, inside the workday window
    # 16:00-07:00), so the whole outage is excluded
    late = feed(
        eng, maint("fms", "w1", "minor", d(2026, 3, 3, 16, 30), d(2026, 3, 3, 23), d(2026, 3, 2, 9))
    )
    assert reports(late) == [("2026-03", 1, 100.0, 0, True)]


def test_a_late_down_and_up_end_at_the_figure_of_the_replay() -> None:
    # Smart FMS web, known since a half-hour outage on 10 Feb; the clock ticks to 2 Apr.
    # Then a down of Tue 10 Mar 10:00 and its up of 11:00 arrive, late.
    before = [down("fms", d(2026, 2, 10, 10)), up("fms", d(2026, 2, 10, 10, 30))]
    late_down, late_up = down("fms", d(2026, 3, 10, 10)), up("fms", d(2026, 3, 10, 11))
    eng = live()
    feed(eng, *before, d(2026, 4, 2))
    on_down = feed(eng, late_down)
    on_up = feed(eng, late_up)
    # with the down alone the outage goes on: March counts from Mar 10 10:00 (9 days 10 h
    # = 226 h in) to its end, 743 - 226 = 517 h, and what that passed fires at once:
    # projected, ½ and ¾ of the budget, the breach (observed at the tick)
    assert reports(on_down) == [("2026-03", 1, round(100 * 226 / MARCH_H, 4), 517 * 3600, False)]
    assert [s.type for s in on_down if s.period == "2026-03"] == [
        "availability.warning",
        "availability.warning",
        "availability.warning",
        "availability.breach",
        "availability.report",
    ]
    # the up: one hour, 100 x (1 - 1/743) = 99.8654 %, met: revision 2
    assert reports(on_up) == [("2026-03", 2, 99.8654, 3600, True)]
    # a replay of the same events in time order reports March exactly so, once
    replay = AvailabilityEngine(registry())
    out = feed(replay, *before, late_down, late_up, d(2026, 4, 2))
    assert [r for r in reports(out) if r[0] == "2026-03"] == [("2026-03", 0, 99.8654, 3600, True)]


def test_a_down_just_before_the_month_end_read_after_it() -> None:
    # Bokumo web (known since 2 Mar); down Tue 31 Mar 23:00 read after the tick to Wed 1 Apr
    # 00:30, when March was reported with nothing counted: March revised with the last
    # hour, 100 x (1 - 1/743) = 99.8654 %
    eng = live()
    first = feed(
        eng, down("bok", d(2026, 3, 2, 9)), up("bok", d(2026, 3, 2, 9)), d(2026, 4, 1, 0, 30)
    )
    assert reports(first) == [("2026-03", 0, 100.0, 0, True)]
    late = feed(eng, down("bok", d(2026, 3, 31, 23)))
    assert reports(late) == [("2026-03", 1, 99.8654, 3600, True)]
    # its up, at 00:30 in April, ends the outage in April only: March is not revised again
    assert reports(feed(eng, up("bok", d(2026, 4, 1, 0, 30)))) == []
    (record,) = eng.records("bok")
    assert (record["period"], record["downtime_seconds"]) == ("2026-04", 1800)


def test_only_the_last_twelve_months_are_revised() -> None:
    # down since Mon 5 Jan 2026 09:00; the clock ticks to 10 Mar 2027: January 2026 to
    # February 2027 are reported (14 months). The up of 5 Jan 10:00 then revises the twelve
    # months before March 2027, March 2026 to February 2027; January and February 2026 are
    # final
    eng = live()
    first = feed(eng, down("bok", d(2026, 1, 5, 9)), d(2027, 3, 10))
    assert [r[0] for r in reports(first)][:2] == ["2026-01", "2026-02"]
    assert len(reports(first)) == 14
    late = feed(eng, up("bok", d(2026, 1, 5, 10)))
    months = [f"2026-{m:02d}" for m in range(3, 13)] + ["2027-01", "2027-02"]
    assert [(r[0], r[1], r[2]) for r in reports(late)] == [(m, 1, 100.0) for m in months]


def test_revisions_survive_a_restore() -> None:
    eng = live()
    feed(eng, down("bok", d(2026, 3, 4, 9)), d(2026, 5, 10, 12))
    snap = json.loads(json.dumps(eng.snapshot()))
    restored = AvailabilityEngine.restore(registry(), snap, events_advance_time=False)
    late = feed(restored, up("bok", d(2026, 3, 4, 10)))
    assert [r[:2] for r in reports(late)] == [("2026-03", 1), ("2026-04", 1)]
    _, expected, _ = bokumo_outage_whose_up_comes_late()
    assert [s.to_dict() for s in late] == [s.to_dict() for s in expected]


def test_a_heartbeat_has_no_month_to_revise() -> None:
    # heartbeats are not period signals: a report older than the last one is ignored
    eng = live()
    feed(eng, ev("heartbeat", "cov", d(2026, 3, 3, 2), check="backup"), d(2026, 4, 2))
    assert feed(eng, ev("heartbeat", "cov", d(2026, 3, 3, 1), check="backup")) == []


@PROPS
@given(case=cases(), data=st.data())
def test_late_events_end_at_the_oracles_figure(case: Case, data: Any) -> None:
    """A February stream cut anywhere: the events before the cut are read in time, then the
    clock ticks into March (February is reported), then the rest, and any maintenance held
    back, arrive late. The last report of February says what the minute oracle counts; the
    revisions are numbered 0, 1, 2, … and every signal id is new."""
    if not case.outages:
        return
    events = events_of(case)
    cut = data.draw(st.integers(0, len(events)), label="cut")
    held = {
        e.event_id
        for e in events
        if e.type.startswith("maintenance.") and data.draw(st.booleans(), label="hold")
    }
    eng = AvailabilityEngine(REGISTRY, events_advance_time=False)
    out = [s for e in events[:cut] if e.event_id not in held for s in eng.apply(e)]
    out += eng.advance(HI + timedelta(days=9))
    late = [e for i, e in enumerate(events) if i >= cut or e.event_id in held]
    out += [s for e in late for s in eng.apply(e)]
    out += eng.advance(HI + timedelta(days=10))
    feb = [s for s in out if s.type == "availability.report" and s.period == "2026-02"]
    assert [s.revision for s in feb] == list(range(len(feb)))
    down_us = sum(counted_minutes(case)) * MIN
    measured_us = sum(measured_minutes(case.tenant)) * MIN
    budget_us = int(measured_us * (100 - TARGET[case.tenant]) / 100)
    last = feb[-1]
    assert last.downtime_seconds * US == down_us
    assert last.met == (down_us <= budget_us)
    ids = [s.event_id for s in out]
    assert len(ids) == len(set(ids))
