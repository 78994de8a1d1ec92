"""docs/contracts.md "Inlenersbeloning" — one test per clause.

Registration: 24 h on a 24x7 clock from `reported_at`, stopped by ticket.created.
2026-03-02 is a Monday (CET); DST starts Sunday 2026-03-29.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.errors import UnknownClockError
from models.plan import Target, TicketFacts
from tests.models.helpers import at, deadline, iso, plans, signals


@pytest.fixture(scope="module")
def inl(policies):
    return policies.policy("inlenersbeloning")


@pytest.mark.parametrize("kind", ["incident", "service_request", "change", "question"])
def test_every_ticket_is_registered_within_24h(inl, kind):
    p = plans(inl, kind=kind)
    assert set(p) == {"registration"}
    reg = p["registration"]
    assert reg.starts_at == "reported"
    assert reg.hard == Target(24, "h", "always")
    assert reg.stop_on == frozenset({"ticket.created"})
    assert reg.priority is None


def test_registration_deadline_is_24_wall_hours_after_receipt(inl):
    # reported Fri 2026-03-06 18:00 (after hours) → Sat 03-07 18:00 (24x7)
    assert deadline(inl, "registration", at("2026-03-06 18:00")) == iso("2026-03-07 18:00")
    # over the DST change: Sat 2026-03-28 12:00 CET + 24 real hours → Sun 13:00 CEST
    assert deadline(inl, "registration", at("2026-03-28 12:00")) == "2026-03-29T13:00:00+02:00"


def test_late_creation_is_a_breach_at_creation(inl):
    # The clock starts at reported_at and is stopped by ticket.created: a ticket created
    # 25 h after the report is past the deadline (reported + 24 h) when the engine first sees it,
    # so it fires the breach at creation. Here: reported Mon 09:00, deadline Tue 09:00,
    # created Tue 10:00 → already breached.
    reported = at("2026-03-02 09:00")
    created = reported + timedelta(hours=25)
    dl = deadline(inl, "registration", reported)
    assert dl == iso("2026-03-03 09:00")
    assert created.isoformat() > dl
    assert plans(inl)["registration"].thresholds == ()
    assert signals(inl, "registration", reported) == [("sla.breach", iso("2026-03-03 09:00"), None)]


def test_customer_unreachable_pauses_all_clocks(inl):
    reg = plans(inl)["registration"]
    assert reg.pause_statuses == frozenset({"waiting_for_customer", "customer_unreachable"})


def test_no_response_or_resolution_clocks(inl):
    assert inl.clock_names == ("registration",)
    with pytest.raises(UnknownClockError, match="no clock 'response'"):
        inl.rule_for("response", TicketFacts())


def test_priorities_are_ignored(inl):
    # The SLA has no priority levels; whatever a ticket carries does not matter.
    assert set(plans(inl, priority="p1", impact="x")) == {"registration"}


def test_calendars(inl):
    assert inl.calendar("support").workday_hours == 8.5
    # support desk: Mon–Fri 08:30–17:00, holidays closed
    assert inl.calendar("support").is_open(at("2026-03-02 08:30"))
    assert not inl.calendar("support").is_open(at("2026-03-02 17:00"))
    assert not inl.calendar("support").is_open(at("2026-04-06 10:00"))  # Easter Monday


def test_availability_90_percent_in_the_office_window(inl):
    (av,) = inl.availability
    assert av.target_percent == 90
    assert av.period == "calendar_month"
    win = inl.calendar(av.calendar)
    # measured Mon–Fri 08:30–17:30 only, holidays closed
    assert win.is_open(at("2026-03-02 17:29"))
    assert not win.is_open(at("2026-03-02 17:30"))
    assert not win.is_open(at("2026-03-07 12:00"))  # Saturday
    assert not win.is_open(at("2026-04-27 12:00"))  # King's Day


def test_maintenance_windows_are_excluded(inl):
    (rule,) = inl.availability[0].maintenance
    assert rule.excluded
    windows = rule.windows
    assert windows is not None

    # Mon–Thu 17:30 → 08:30 next day, Fri 17:30 → Mon 08:30
    def inside(weekday: int, hhmm: str) -> bool:
        h, m = map(int, hhmm.split(":"))
        return any(w.contains(weekday, h * 60 + m) for w in windows)

    assert inside(0, "17:30") and inside(1, "08:29") and not inside(1, "08:30")
    assert inside(4, "17:30") and inside(5, "12:00") and inside(6, "23:59")
    assert inside(0, "08:29") and not inside(2, "12:00")


def test_daily_backup_heartbeat(inl):
    (hb,) = inl.heartbeats
    assert hb.check == "backup"
    assert hb.max_interval == timedelta(hours=24)
