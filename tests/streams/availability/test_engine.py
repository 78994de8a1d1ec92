"""The availability engine on hand-worked months of the seed policies (docs/contracts.md).

Every expected instant and figure is worked out in the comment above it, from the contract's
numbers; none is computed by the code under test.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.contracts import load_policies, tenants_from_data
from models.events import parse_event
from models.signals import Signal
from streams.availability.engine import AvailabilityEngine
from streams.engine.errors import RejectedEvent

AMS = ZoneInfo("Europe/Amsterdam")
TENANTS = {
    "bok": {"policy": "bokumo-ict"},
    "one": {"policy": "1do"},
    "inl": {"policy": "inlenersbeloning"},
    "cov": {"policy": "covide", "options": {"subscription": "basic"}},
    "fms": {"policy": "smart-fms"},
}
_ids = itertools.count(1)


def registry():
    return tenants_from_data({"tenants": TENANTS}, load_policies())


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


def ev(etype: str, tenant: str, at: datetime, **kw: Any):
    data = {"event_id": f"m{next(_ids)}", "type": etype, "tenant": tenant, "at": at.isoformat()}
    for k, v in kw.items():
        data[k] = v.isoformat() if isinstance(v, datetime) else v
    return parse_event(data)


def down(tenant: str, at: datetime, service: str = "web", **kw: Any):
    return ev("monitor.down", tenant, at, service=service, **kw)


def up(tenant: str, at: datetime, service: str = "web", **kw: Any):
    return ev("monitor.up", tenant, at, service=service, **kw)


def maint(tenant: str, mid: str, kind: str, start: datetime, end: datetime, announced: datetime):
    return ev(
        "maintenance.announced",
        tenant,
        announced,
        maintenance_id=mid,
        kind=kind,
        start=start,
        end=end,
    )


def run(events, until: datetime, eng: AvailabilityEngine | None = None):
    eng = eng or AvailabilityEngine(registry())
    out = []
    for e in events:
        out.extend(eng.apply(e))
    out.extend(eng.advance(until))
    for s in out:  # every signal fits the published schema
        Signal.model_validate(s.to_dict())
    return out


def of(out, typ: str):
    return [s for s in out if s.type == typ]


def report(out, period: str):
    (r,) = [s for s in out if s.type == "availability.report" and s.period == period]
    return r


# == Smart FMS: 99.6 %, 24/7, regular maintenance from 16:00, at most two a month ==============


def test_smart_fms_four_hour_outage_inside_minor_maintenance_from_1630_counts_zero() -> None:
    # Tue 3 Mar 2026: minor maintenance 16:30–23:00 announced that morning (in advance, starts
    # after 16:00, inside the window Tue 16:00–Wed 07:00, first of the month): excluded. The
    # webservice is down 18:00–22:00 → counts 0; March is 100 %.
    out = run(
        [
            maint("fms", "m1", "minor", d(2026, 3, 3, 16, 30), d(2026, 3, 3, 23), d(2026, 3, 3, 9)),
            down("fms", d(2026, 3, 3, 18)),
            up("fms", d(2026, 3, 3, 22)),
        ],
        until=d(2026, 4, 1, 1),
    )
    r = report(out, "2026-03")
    assert (r.downtime_seconds, r.availability_percent, r.met) == (0.0, 100.0, True)
    assert r.at == d(2026, 4, 1)  # at the month's end, local midnight
    assert r.maintenance is None  # it kept the rules: nothing to explain
    # the projection fired at the outage start: if it went on, the inside of the window
    # would not count, but from 23:00 on it would: budget 743 h × 0.4 % = 2.972 h = 2 h 58 m
    # 19.2 s, so exhausted at 23:00 + 2:58:19.2 = Wed 01:58:19.2 (+1 µs: strictly over)
    (p,) = of(out, "availability.warning")
    assert p.reason == "projected" and p.at == d(2026, 3, 3, 18)
    assert p.exhausts_at == d(2026, 3, 4, 1, 58, 19, 200001)
    assert of(out, "availability.breach") == []


def test_smart_fms_the_third_maintenance_of_the_month_counts_fully() -> None:
    # two regular maintenances (minor Tue 3rd, major Fri 6th) use the month's allowance; the
    # third (minor Tue 10th 17:00–19:00) counts: the 2 h outage inside it counts 2 h of the
    # 2.972 h budget (67 %: the half warning at 17:00 + 1.486 h = 18:29:09.6)
    out = run(
        [
            maint("fms", "m1", "minor", d(2026, 3, 3, 17), d(2026, 3, 3, 19), d(2026, 3, 2, 9)),
            maint("fms", "g1", "major", d(2026, 3, 6, 18), d(2026, 3, 7, 2), d(2026, 3, 2, 9)),
            maint("fms", "m2", "minor", d(2026, 3, 10, 17), d(2026, 3, 10, 19), d(2026, 3, 2, 9)),
            down("fms", d(2026, 3, 3, 17)),
            up("fms", d(2026, 3, 3, 19)),
            down("fms", d(2026, 3, 10, 17)),
            up("fms", d(2026, 3, 10, 19)),
        ],
        until=d(2026, 4, 1),
    )
    r = report(out, "2026-03")
    assert r.downtime_seconds == 2 * 3600
    assert r.budget_seconds == 10699.2  # 743 h × 0.004 × 3600
    # 100 × (1 − 2 / 743) = 99.7308 %
    assert (r.availability_percent, r.met) == (99.7308, True)
    (w,) = [s for s in of(out, "availability.warning") if s.reason == "budget"]
    assert (w.threshold, w.at) == (0.5, d(2026, 3, 10, 18, 29, 9, 600000))
    # the signal says which maintenance counted anyway, and why
    for sig in (w, r):
        (note,) = sig.maintenance
        assert (note["maintenance_id"], note["broken"]) == ("m2", ["max_per_month"])
        assert "maintenance number 3 of March 2026" in note["explanation"]


def test_smart_fms_urgent_maintenance_counts_and_breaches_on_time() -> None:
    # Thu 12 Mar 10:00 urgent maintenance (never excluded), down 10:00 until 14:00.
    # Budget 2 h 58 m 19.2 s: half (1:29:09.6) at 11:29:09.6, three quarters (2:13:44.4) at
    # 12:13:44.4, breach just after 12:58:19.2.
    out = run(
        [
            maint("fms", "u1", "urgent", d(2026, 3, 12, 10), d(2026, 3, 12, 14), d(2026, 3, 12, 9)),
            down("fms", d(2026, 3, 12, 10)),
            up("fms", d(2026, 3, 12, 14)),
        ],
        until=d(2026, 4, 1),
    )
    assert [(s.type, s.reason, s.threshold, s.at) for s in out[:4]] == [
        ("availability.warning", "projected", None, d(2026, 3, 12, 10)),
        ("availability.warning", "budget", 0.5, d(2026, 3, 12, 11, 29, 9, 600000)),
        ("availability.warning", "budget", 0.75, d(2026, 3, 12, 12, 13, 44, 400000)),
        ("availability.breach", None, None, d(2026, 3, 12, 12, 58, 19, 200001)),
    ]
    (b,) = of(out, "availability.breach")
    assert b.availability_percent == 99.6 and b.observed_at == b.at  # fired on time
    r = report(out, "2026-03")
    # 4 h of 743 h: 99.4616 %, missed
    assert (r.downtime_seconds, r.availability_percent, r.met) == (4 * 3600, 99.4616, False)


def test_smart_fms_maintenance_starting_before_1600_counts() -> None:
    # minor maintenance from 15:00 breaks "not before 16:00": the 1 h outage in it counts
    out = run(
        [
            maint("fms", "m1", "minor", d(2026, 3, 3, 15), d(2026, 3, 3, 18), d(2026, 3, 2, 9)),
            down("fms", d(2026, 3, 3, 16)),
            up("fms", d(2026, 3, 3, 17)),
        ],
        until=d(2026, 4, 1),
    )
    r = report(out, "2026-03")
    assert r.downtime_seconds == 3600
    assert [(m["maintenance_id"], m["broken"]) for m in r.maintenance] == [
        ("m1", ["starts_not_before"])
    ]
    eng = AvailabilityEngine(registry())
    run([maint("fms", "m1", "minor", d(2026, 3, 3, 15), d(2026, 3, 3, 18), d(2026, 3, 2, 9))],
        d(2026, 3, 20), eng)  # fmt: skip
    (view,) = eng.month_view("fms", "web", 2026, 3)
    (v,) = view.maintenance
    assert v.broken == ["starts_not_before"] and "before 16:00" in v.explanation


def test_smart_fms_excluded_cause_counts_nothing() -> None:
    # a DDoS (excluded cause) of 5 h: counts 0, no warning, no breach
    out = run(
        [down("fms", d(2026, 3, 5, 9), cause="ddos"), up("fms", d(2026, 3, 5, 14))],
        until=d(2026, 4, 1),
    )
    assert [s.type for s in out] == ["availability.report"]
    assert report(out, "2026-03").downtime_seconds == 0


def test_the_cause_on_the_up_event_decides() -> None:
    # diagnosed at the end: the up names the cause (customer_caused is excluded for Smart
    # FMS); what fired while it was going on stays fired, the report counts nothing
    out = run(
        [down("fms", d(2026, 3, 5, 9)), up("fms", d(2026, 3, 5, 10), cause="customer_caused")],
        until=d(2026, 4, 1),
    )
    assert report(out, "2026-03").downtime_seconds == 0


# == Inlenersbeloning: 90 %, measured Mon–Fri 08:30–17:30 only =================================


def test_inlenersbeloning_outage_from_17_to_09_counts_sixty_minutes() -> None:
    # Thu 12 Mar 17:00 → Fri 13 Mar 09:00: 17:00–17:30 + 08:30–09:00 = 60 min. March 2026 has
    # 22 workdays × 9 h = 198 h measured; 1 h down → 100 × (1 − 1/198) = 99.4949 %
    out = run(
        [
            down("inl", d(2026, 3, 12, 17), service="app"),
            up("inl", d(2026, 3, 13, 9), service="app"),
        ],
        until=d(2026, 4, 1),
    )
    r = report(out, "2026-03")
    assert (r.downtime_seconds, r.measured_seconds) == (3600, 198 * 3600)
    assert (r.availability_percent, r.met, r.target_percent) == (99.4949, True, 90.0)


def test_inlenersbeloning_downtime_outside_the_window_never_counts() -> None:
    # a weekend-long outage Fri 17:30 → Mon 08:30 counts nothing
    out = run(
        [
            down("inl", d(2026, 3, 6, 17, 30), service="app"),
            up("inl", d(2026, 3, 9, 8, 30), service="app"),
        ],
        until=d(2026, 4, 1),
    )
    assert report(out, "2026-03").downtime_seconds == 0
    assert of(out, "availability.breach") == []


def test_inlenersbeloning_breach_on_the_third_day_of_an_outage() -> None:
    # budget 10 % of 198 h = 19.8 h of window time. Down from Mon 16 Mar 08:30 and never up:
    # Mon 9 h, Tue 9 h (18 h), then 1.8 h into Wed: breach just after Wed 18 Mar 10:18.
    # Half (9.9 h): Mon 9 h + 0.9 h → Tue 09:24. Three quarters (14.85 h): Tue 08:30 + 5.85 h
    # = Tue 14:21.
    out = run([down("inl", d(2026, 3, 16, 8, 30), service="app")], until=d(2026, 3, 19))
    assert [(s.type, s.threshold, s.at) for s in out] == [
        ("availability.warning", None, d(2026, 3, 16, 8, 30)),  # projected
        ("availability.warning", 0.5, d(2026, 3, 17, 9, 24)),
        ("availability.warning", 0.75, d(2026, 3, 17, 14, 21)),
        ("availability.breach", None, d(2026, 3, 18, 10, 18, 0, 1)),
    ]
    assert out[0].exhausts_at == d(2026, 3, 18, 10, 18, 0, 1)


def test_inlenersbeloning_maintenance_inside_the_window_hours_is_harmless() -> None:
    # planned maintenance announced on the site, Tue 17:30 → Wed 08:30: outside the measured
    # hours anyway; an outage 17:00–09:00 across it counts 17:00–17:30 and 08:30–09:00
    out = run(
        [
            maint(
                "inl", "w1", "planned", d(2026, 3, 10, 17, 30), d(2026, 3, 11, 8, 30), d(2026, 3, 9)
            ),
            down("inl", d(2026, 3, 10, 17), service="app"),
            up("inl", d(2026, 3, 11, 9), service="app"),
        ],
        until=d(2026, 4, 1),
    )
    assert report(out, "2026-03").downtime_seconds == 3600


# == Bokumo: 99.5 %, 24/7, planned maintenance needs two workdays' notice ====================


def test_bokumo_planned_maintenance_with_notice_is_excluded_late_notice_counts() -> None:
    # p1: announced Mon 2 Mar 09:00 for Wed 4 Mar 09:00 = 2 office workdays (16 h) ahead:
    # excluded. p2: announced Thu 5 Mar 09:00 for Fri 6 Mar 09:00 (8 h notice): counts.
    # Outages of 1 h inside each: 1 h counted of 743 h → 99.8654 %
    out = run(
        [
            maint("bok", "p1", "planned", d(2026, 3, 4, 9), d(2026, 3, 4, 11), d(2026, 3, 2, 9)),
            maint("bok", "p2", "planned", d(2026, 3, 6, 9), d(2026, 3, 6, 11), d(2026, 3, 5, 9)),
            down("bok", d(2026, 3, 4, 9)),
            up("bok", d(2026, 3, 4, 10)),
            down("bok", d(2026, 3, 6, 9)),
            up("bok", d(2026, 3, 6, 10)),
        ],
        until=d(2026, 4, 1),
    )
    r = report(out, "2026-03")
    assert (r.downtime_seconds, r.availability_percent) == (3600, 99.8654)


def test_bokumo_force_majeure_is_excluded() -> None:
    out = run(
        [down("bok", d(2026, 3, 4, 9), cause="force_majeure"), up("bok", d(2026, 3, 4, 19))],
        until=d(2026, 4, 1),
    )
    assert report(out, "2026-03").downtime_seconds == 0


def test_bokumo_an_outage_across_the_month_end_counts_in_both_months() -> None:
    # down Tue 31 Mar 23:00 → Wed 1 Apr 02:00: 1 h in March, 2 h in April. March's budget
    # (3.715 h) cannot be used up by the one hour left of March: no projection for March.
    # April has 720 h: budget 3.6 h; going on from April's start the outage exhausts it at
    # 00:00 + 3.6 h → the projection for April fires at the month's start
    out = run([down("bok", d(2026, 3, 31, 23)), up("bok", d(2026, 4, 1, 2))], until=d(2026, 5, 1))
    assert report(out, "2026-03").downtime_seconds == 3600
    assert report(out, "2026-04").downtime_seconds == 7200
    proj = [s for s in out if s.reason == "projected"]
    assert [(s.period, s.at) for s in proj] == [("2026-04", d(2026, 4, 1))]
    assert proj[0].exhausts_at == d(2026, 4, 1, 3, 36, 0, 1)


# == a month across a DST switch ==============================================================


def test_smart_fms_fall_back_month_measures_745_hours_and_counts_the_extra_hour() -> None:
    # October 2026 has 745 real hours (25 Oct: 02:00–03:00 twice); budget 0.4 % × 745 h =
    # 2.98 h = 2 h 58 m 48 s. Down Sun 25 Oct 01:00 CEST (23:00 UTC on the 24th) and up at
    # 04:00 CET (03:00 UTC): 4 real hours. The breach is 2:58:48 of real time after the
    # start: 01:58:48 UTC = 02:58:48 CET (the second 02:xx).
    out = run(
        [down("fms", d(2026, 10, 25, 1)), up("fms", d(2026, 10, 25, 4))], until=d(2026, 11, 1)
    )
    (b,) = of(out, "availability.breach")
    assert b.at == datetime(2026, 10, 25, 1, 58, 48, 1, tzinfo=ZoneInfo("UTC"))
    assert b.at.astimezone(AMS).utcoffset() == timedelta(hours=1)  # after the switch
    r = report(out, "2026-10")
    assert (r.measured_seconds, r.budget_seconds, r.downtime_seconds) == (
        745 * 3600,
        10728.0,
        4 * 3600,
    )


def test_spring_forward_month_measures_743_hours() -> None:
    out = run([down("fms", d(2026, 3, 29, 1)), up("fms", d(2026, 3, 29, 4))], until=d(2026, 4, 1))
    # 01:00 CET → 04:00 CEST is 2 real hours
    r = report(out, "2026-03")
    assert (r.measured_seconds, r.downtime_seconds) == (743 * 3600, 7200)


# == Covide: excluded causes, heartbeats =====================================================


def test_covide_third_party_network_outage_is_excluded() -> None:
    out = run(
        [
            down("cov", d(2026, 3, 2, 8), service="crm", cause="third_party_network"),
            up("cov", d(2026, 3, 2, 20), service="crm"),
        ],
        until=d(2026, 4, 1),
    )
    assert report(out, "2026-03").downtime_seconds == 0


def test_covide_backup_heartbeat_missed_and_recovered() -> None:
    # backup every 24 h: last at Mon 2 Mar 02:10 → missed at Tue 02:10; the next one on Tue
    # 09:00 recovers it; then missed again at Wed 09:00 if none comes
    out = run(
        [
            ev("heartbeat", "cov", d(2026, 3, 2, 2, 10), check="backup"),
            ev("heartbeat", "cov", d(2026, 3, 3, 9), check="backup"),
        ],
        until=d(2026, 3, 4, 12),
    )
    # (missed: the first instant past the deadline, 1 µs after it)
    assert [(s.type, s.check, s.at, s.deadline) for s in out] == [
        ("heartbeat.missed", "backup", d(2026, 3, 3, 2, 10, 0, 1), d(2026, 3, 3, 2, 10)),
        ("heartbeat.recovered", "backup", d(2026, 3, 3, 9), d(2026, 3, 3, 2, 10)),
        ("heartbeat.missed", "backup", d(2026, 3, 4, 9, 0, 0, 1), d(2026, 3, 4, 9)),
    ]
    assert out[0].last_seen == d(2026, 3, 2, 2, 10) and out[0].interval_seconds == 86400


def test_covide_snapshot_every_half_hour() -> None:
    # snapshots at 10:00, 10:25 and exactly 30 min later at 10:55 (on time), then nothing:
    # missed just after 11:25, once
    out = run(
        [
            ev("heartbeat", "cov", d(2026, 3, 2, 10), check="snapshot"),
            ev("heartbeat", "cov", d(2026, 3, 2, 10, 25), check="snapshot"),
            ev("heartbeat", "cov", d(2026, 3, 2, 10, 55), check="snapshot"),
        ],
        until=d(2026, 3, 2, 14),
    )
    assert [(s.type, s.deadline) for s in out] == [("heartbeat.missed", d(2026, 3, 2, 11, 25))]


# == events, duplicates, bad input ===========================================================


def test_repeated_downs_are_one_outage_and_an_up_without_a_down_is_ignored() -> None:
    eng = AvailabilityEngine(registry())
    first = down("bok", d(2026, 3, 4, 9))
    out = run(
        [
            up("bok", d(2026, 3, 4, 8)),  # no outage: ignored
            first,
            down("bok", d(2026, 3, 4, 9, 30)),
            first,  # a retry: same event_id
            up("bok", d(2026, 3, 4, 10)),
            up("bok", d(2026, 3, 4, 10, 5)),
        ],
        until=d(2026, 4, 1),
        eng=eng,
    )
    assert report(out, "2026-03").downtime_seconds == 3600
    assert (eng.stats.ignored, eng.stats.duplicates) == (2, 1)


def test_flapping_outages_count_their_union() -> None:
    # five 6-minute outages in an hour: 30 min counted
    events = []
    for i in range(5):
        events += [down("bok", d(2026, 3, 4, 9, 12 * i)), up("bok", d(2026, 3, 4, 9, 12 * i + 6))]
    assert report(run(events, until=d(2026, 4, 1)), "2026-03").downtime_seconds == 1800


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (down("one", d(2026, 3, 4, 9)), "policy 1do has no availability target"),
        (ev("heartbeat", "bok", d(2026, 3, 4), check="backup"), "expects no such check"),
        (ev("heartbeat", "inl", d(2026, 3, 4), check="snapshot"), "its heartbeat checks: backup"),
        (
            ev("maintenance.cancelled", "fms", d(2026, 3, 4), maintenance_id="nope"),
            "no maintenance.announced with that maintenance_id",
        ),
        (down("nobody", d(2026, 3, 4, 9)), "nobody"),
    ],
)
def test_input_that_measures_nothing_is_rejected_with_a_reason(event, reason) -> None:
    eng = AvailabilityEngine(registry())
    with pytest.raises(RejectedEvent) as exc:
        eng.apply(event)
    assert reason in exc.value.reason
    assert eng.tenants.get(event.tenant) is None or eng.tenants[event.tenant].services == {}


def test_a_cancelled_maintenance_excludes_nothing() -> None:
    out = run(
        [
            maint("fms", "m1", "minor", d(2026, 3, 3, 17), d(2026, 3, 3, 19), d(2026, 3, 2, 9)),
            ev("maintenance.cancelled", "fms", d(2026, 3, 3, 12), maintenance_id="m1"),
            down("fms", d(2026, 3, 3, 17)),
            up("fms", d(2026, 3, 3, 18)),
        ],
        until=d(2026, 4, 1),
    )
    assert report(out, "2026-03").downtime_seconds == 3600


def test_live_a_service_keeps_its_own_time_a_late_down_fires_what_passed_at_once() -> None:
    # live: another service's event at Thu 12 Mar 15:00 does not move web's time; web's
    # down at 10:00 fires only its projection (due 10:00); web's own up at 14:00 then fires
    # what fell due before it, each on time (observed at its own instant)
    eng = AvailabilityEngine(registry(), events_advance_time=False)
    eng.apply(down("fms", d(2026, 3, 12, 15), service="other"))
    out = eng.apply(down("fms", d(2026, 3, 12, 10)))
    assert [(s.type, s.reason, s.at) for s in out] == [
        ("availability.warning", "projected", d(2026, 3, 12, 10))
    ]
    out = eng.apply(up("fms", d(2026, 3, 12, 14)))
    half, three_q = d(2026, 3, 12, 11, 29, 9, 600000), d(2026, 3, 12, 12, 13, 44, 400000)
    breach = d(2026, 3, 12, 12, 58, 19, 200001)
    assert [(s.type, s.at, s.observed_at) for s in out] == [
        ("availability.warning", half, half),
        ("availability.warning", three_q, three_q),
        ("availability.breach", breach, breach),
    ]
    # the clock ticks to 15:00, then a down from 10:00 of a third service arrives late:
    # what passed fires at once, at its own instant, observed at the tick
    eng.advance(d(2026, 3, 12, 15))
    out = eng.apply(down("fms", d(2026, 3, 12, 10), service="api"))
    assert [(s.type, s.at, s.observed_at) for s in out] == [
        ("availability.warning", d(2026, 3, 12, 10), d(2026, 3, 12, 15)),
        ("availability.warning", d(2026, 3, 12, 11, 29, 9, 600000), d(2026, 3, 12, 15)),
        ("availability.warning", d(2026, 3, 12, 12, 13, 44, 400000), d(2026, 3, 12, 15)),
        ("availability.breach", d(2026, 3, 12, 12, 58, 19, 200001), d(2026, 3, 12, 15)),
    ]
    assert {s.service for s in out} == {"api"}


def test_signal_ids_are_stable_and_state_round_trips_through_json() -> None:
    events = [
        maint("fms", "m1", "minor", d(2026, 3, 3, 17), d(2026, 3, 3, 19), d(2026, 3, 2, 9)),
        down("fms", d(2026, 3, 3, 18)),
        up("fms", d(2026, 3, 3, 21)),
        ev("heartbeat", "cov", d(2026, 3, 3), check="backup"),
        down("inl", d(2026, 3, 16, 8, 30), service="app"),
    ]
    a = run(events, until=d(2026, 5, 1))
    # crash after the third event: the rest from a restored state
    eng = AvailabilityEngine(registry())
    first = [s for e in events[:3] for s in eng.apply(e)]
    snap = json.loads(json.dumps(eng.snapshot()))
    eng2 = AvailabilityEngine.restore(registry(), snap)
    rest = run(events[3:], until=d(2026, 5, 1), eng=eng2)
    assert [s.to_dict() for s in first + rest] == [s.to_dict() for s in a]
    assert len({s.event_id for s in a}) == len(a)  # no signal twice


def test_every_month_is_reported_while_a_service_is_known() -> None:
    out = run([down("bok", d(2026, 1, 5, 9)), up("bok", d(2026, 1, 5, 9, 30))], d(2026, 4, 2))
    assert [(s.period, s.met, s.downtime_seconds) for s in of(out, "availability.report")] == [
        ("2026-01", True, 1800),
        ("2026-02", True, 0),
        ("2026-03", True, 0),
    ]


def test_a_service_whose_name_extends_another_keeps_its_own_fired_items() -> None:
    # live: "web:eu" breaches in March; "web" alone moves on to April (its March report
    # prunes its own fired items). When "web:eu" comes back up, nothing fires again.
    eng = AvailabilityEngine(registry(), events_advance_time=False)
    first = eng.apply(down("fms", d(2026, 3, 12, 10), service="web:eu"))
    first += eng.apply(down("fms", d(2026, 3, 12, 10), service="web"))
    first += eng.apply(up("fms", d(2026, 4, 2, 10), service="web"))  # web's March ends
    again = eng.apply(up("fms", d(2026, 3, 12, 16), service="web:eu"))
    eu = [s.type for s in first + again if s.service == "web:eu"]
    assert eu == ["availability.warning"] * 3 + ["availability.breach"]  # projected, ½, ¾
    assert len({s.event_id for s in first + again}) == len(first + again)
