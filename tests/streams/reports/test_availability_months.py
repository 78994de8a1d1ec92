"""Availability in the report: a Bokumo and a Smart FMS month, hand-worked.

March 2026 in Amsterdam has 31 × 24 h − 1 h (spring forward on the 29th) = 743 h =
2,674,800 s, measured 24/7 by both policies. The report takes each service's
``availability.report`` (the month's end) of the highest revision.
"""

from __future__ import annotations

import pytest

from tests.streams.reports.helpers import Events, report

MARCH_S = 743 * 3600  # 2,674,800


def test_bokumo_month_counts_the_outage_and_excludes_force_majeure() -> None:
    # Bokumo §3: ≥ 99.5 % per calendar month; force majeure excluded (§8).
    # portal down Tue 10 Mar 10:00–12:00 (2 h = 7,200 s, counted) and Fri 13 Mar
    # 08:00–13:00 (5 h, cause force_majeure: not counted).
    # availability = 100 × (1 − 7,200 / 2,674,800) = 99.730821… → 99.7308 %
    # budget = 0.5 % × 2,674,800 = 13,374 s: met.
    ev = Events("bok")
    ev.add("monitor.down", "2026-03-10 10:00", service="portal")
    ev.add("monitor.up", "2026-03-10 12:00", service="portal")
    ev.add("monitor.down", "2026-03-13 08:00", service="portal", cause="force_majeure")
    ev.add("monitor.up", "2026-03-13 13:00", service="portal")
    rep = report(ev, "2026-03", until="2026-04-01 01:00")
    (a,) = rep.availability
    assert (a.service, a.month, a.target) == ("portal", "2026-03", "services")
    assert a.availability_percent == 99.7308
    assert (a.target_percent, a.met) == (99.5, True)
    assert a.downtime_seconds == 7200
    assert a.budget_seconds == pytest.approx(0.005 * MARCH_S)  # 13,374 s
    assert rep.rows == [] and rep.breaches == []


def test_smart_fms_month_missed_by_an_outage_beyond_the_budget() -> None:
    # Smart FMS "Bereikbaarheid": ≥ 99.6 %; (D)DoS excluded. webservice down Wed 4 Mar
    # 09:00–12:00 (3 h = 10,800 s, counted) and Thu 5 Mar 20:00–Fri 00:00 (4 h, ddos: not
    # counted). budget = 0.4 % × 2,674,800 = 10,699.2 s < 10,800: missed.
    # availability = 100 × (1 − 10,800 / 2,674,800) = 99.596231… → 99.5962 %
    ev = Events("fms")
    ev.add("monitor.down", "2026-03-04 09:00", service="webservice")
    ev.add("monitor.up", "2026-03-04 12:00", service="webservice")
    ev.add("monitor.down", "2026-03-05 20:00", service="webservice", cause="ddos")
    ev.add("monitor.up", "2026-03-06 00:00", service="webservice")
    rep = report(ev, "2026-03", until="2026-04-01 01:00")
    (a,) = rep.availability
    assert (a.service, a.month) == ("webservice", "2026-03")
    assert a.availability_percent == 99.5962
    assert (a.target_percent, a.met) == (99.6, False)
    assert a.downtime_seconds == 10800
    assert a.budget_seconds == pytest.approx(0.004 * MARCH_S)  # 10,699.2 s
    # April has no report yet (its month has not ended by the until instant)
    april = report(ev, "2026-04", until="2026-04-01 01:00")
    assert april.availability == []
    # March in the trend of April's report
    assert [m.availability[0].availability_percent for m in april.months if m.availability] == [
        99.5962
    ]
