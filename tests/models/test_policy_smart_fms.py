"""docs/contracts.md "Smart FMS" — one test per clause, every priority.

Calendar `service_window`: Mon–Thu 09:00–12:30 and 13:00–17:00 (7.5 h), Fri 09:00–12:00
(3 h), NL public holidays closed. 2026-03-02 is a Monday (CET); King's Day 2026-04-27 (Mon).
"""

from __future__ import annotations

import pytest

from models.plan import Escalation, Target
from tests.models.helpers import at, deadline, iso, plans, signals

MON = at("2026-03-02 09:00")
PORTAL = {"channel": "portal"}


@pytest.fixture(scope="module")
def fms(policies):
    return policies.policy("smart-fms")


@pytest.mark.parametrize(
    ("priority", "hours", "expected"),
    [
        ("a", 2, "2026-03-02 11:00"),  # 09:00 + 2 h
        # 8 h: Mon 3.5 + 4 = 7.5; Tue 09:00 + 0.5 → 09:30
        ("b", 8, "2026-03-03 09:30"),
        # 16 h: Mon 7.5, Tue 7.5 (15); Wed 09:00 + 1 → 10:00
        ("c", 16, "2026-03-04 10:00"),
        # 56 h: Mon–Thu 30, Fri 3 (33); Mon 7.5 (40.5), Tue (48), Wed (55.5); Thu 03-12 09:30
        ("d", 56, "2026-03-12 09:30"),
    ],
)
def test_response_per_priority(fms, priority, hours, expected):
    p = plans(fms, priority=priority.upper(), **PORTAL)["response"]
    assert p.hard == Target(hours, "h", "service_window")
    assert deadline(fms, "response", MON, priority=priority, **PORTAL) == iso(expected)


def test_lunch_break_does_not_count(fms):
    # A from Mon 11:30: 11:30–12:30 = 1 h; 13:00 + 1 h → 14:00
    assert deadline(fms, "response", at("2026-03-02 11:30"), priority="a", **PORTAL) == iso(
        "2026-03-02 14:00"
    )


def test_friday_closes_at_noon(fms):
    # A from Fri 2026-03-06 11:00: 1 h until 12:00; Mon 03-09 09:00 + 1 h → 10:00
    assert deadline(fms, "response", at("2026-03-06 11:00"), priority="a", **PORTAL) == iso(
        "2026-03-09 10:00"
    )


def test_holiday_closed(fms):
    # A from Fri 2026-04-24 11:30 CEST: 30 m; Mon 04-27 King's Day closed;
    # Tue 04-28 09:00 + 1.5 h → 10:30
    assert deadline(fms, "response", at("2026-04-24 11:30"), priority="a", **PORTAL) == iso(
        "2026-04-28 10:30"
    )


@pytest.mark.parametrize("channel", ["email", "phone", "chat", "monitoring", "other", None])
def test_only_portal_tickets_get_clocks(fms, channel):
    assert plans(fms, priority="a", channel=channel) == {}
    # not even an unknown priority is looked at
    assert plans(fms, priority="zz", channel=channel) == {}


def test_resolution_escalates_same_day(fms):
    p = plans(fms, priority="c", **PORTAL)["resolution"]
    assert p.hard is None and p.soft is None
    assert p.escalations == (Escalation("expert", "same_day"),)
    assert p.thresholds == ()
    # Mon 10:00 → the escalation at that day's closing time, 17:00, and nothing else
    assert signals(fms, "resolution", at("2026-03-02 10:00"), priority="c", **PORTAL) == [
        ("sla.escalation", iso("2026-03-02 17:00"), "expert")
    ]
    assert deadline(fms, "resolution", at("2026-03-02 10:00"), priority="c", **PORTAL) is None


def test_same_day_on_friday_and_after_hours(fms):
    # Fri 10:00 → Fri closes 12:00
    assert signals(fms, "resolution", at("2026-03-06 10:00"), priority="b", **PORTAL) == [
        ("sla.escalation", iso("2026-03-06 12:00"), "expert")
    ]
    # Fri 13:00 (after close): the clock starts Mon 03-09 09:00 → escalates Mon 17:00
    assert signals(fms, "resolution", at("2026-03-06 13:00"), priority="b", **PORTAL) == [
        ("sla.escalation", iso("2026-03-09 17:00"), "expert")
    ]


def test_response_warnings(fms):
    # A 2 h from Mon 09:00: 50 % → 10:00, 75 % → 10:30, breach 11:00
    assert signals(fms, "response", MON, priority="a", **PORTAL) == [
        ("sla.warning", iso("2026-03-02 10:00"), 0.5),
        ("sla.warning", iso("2026-03-02 10:30"), 0.75),
        ("sla.breach", iso("2026-03-02 11:00"), None),
    ]


def test_availability(fms):
    (av,) = fms.availability
    assert av.target_percent == 99.6 and av.calendar == "always"
    assert set(av.excluded_causes) == {
        "force_majeure",
        "customer_caused",
        "ddos",
        "customer_requested",
        "customer_no_cooperation",
        "customer_systems",
    }
    rules = {r.kinds[0]: r for r in av.maintenance}
    major, minor, urgent = rules["major"], rules["minor"], rules["urgent"]
    assert major.excluded and minor.excluded and not urgent.excluded
    assert major.max_per_month == minor.max_per_month == 2
    assert major.limit_group == minor.limit_group == "regular"  # two per month in total
    assert major.in_advance and minor.in_advance
    assert str(major.starts_not_before) == "16:00:00"
    assert major.windows is not None and minor.workday_windows is not None
    # major: Fri 16:00 – Mon 07:00
    assert major.windows[0].contains(4, 16 * 60)
    assert major.windows[0].contains(0, 6 * 60 + 59)
    assert not major.windows[0].contains(0, 7 * 60)
    # minor: workday 16:00 – next workday 07:00 of the service window (holidays skipped)
    (win,) = minor.workday_windows
    assert (win.calendar, str(win.start), str(win.end)) == (
        "service_window",
        "16:00:00",
        "07:00:00",
    )
