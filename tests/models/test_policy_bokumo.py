"""docs/contracts.md "Bokumo ICT" — one test per clause, every matrix cell.

Calendar `office`: Mon–Fri 09:00–17:00, NL public holidays closed, workday 8 h.
2026-03-02 is a Monday (CET, +01:00); DST starts Sunday 2026-03-29; Easter Sunday 2026-04-05
(Good Friday 04-03, Easter Monday 04-06).
"""

from __future__ import annotations

import pytest

from models.errors import UnknownPriorityError
from models.plan import Escalation, Target
from tests.models.helpers import at, deadline, iso, plans, signals

MON = at("2026-03-02 09:00")  # Monday, office opens


@pytest.fixture(scope="module")
def bokumo(policies):
    return policies.policy("bokumo-ict")


# (impact, urgency, level, response deadline, resolution deadline), start Mon 03-02 09:00
CELLS = [
    # kritiek: 30 m → 09:30; 2 h → 11:00
    ("company_wide", "hoog", "kritiek", "2026-03-02 09:30", "2026-03-02 11:00"),
    # hoog: 1 h → 10:00; 24 h on 24x7 → Tue 03-03 09:00
    ("company_wide", "medium", "hoog", "2026-03-02 10:00", "2026-03-03 09:00"),
    # medium: 3 h → 12:00; 2 workdays = 16 h: Mon 8 h + Tue 8 h → Tue 17:00
    ("company_wide", "laag", "medium", "2026-03-02 12:00", "2026-03-03 17:00"),
    # hoog: 1 h → 10:00; 24 h (24x7) → Tue 09:00
    ("multiple_users", "hoog", "hoog", "2026-03-02 10:00", "2026-03-03 09:00"),
    # medium: 3 h → 12:00; 2 workdays → Tue 17:00
    ("multiple_users", "medium", "medium", "2026-03-02 12:00", "2026-03-03 17:00"),
    # laag: 5 h → 14:00; 3 workdays = 24 h: Mon 8, Tue 16, Wed 24 → Wed 03-04 17:00
    ("multiple_users", "laag", "laag", "2026-03-02 14:00", "2026-03-04 17:00"),
    # medium: 3 h → 12:00; 2 workdays → Tue 17:00
    ("single_user", "hoog", "medium", "2026-03-02 12:00", "2026-03-03 17:00"),
    # laag: 5 h → 14:00; 3 workdays → Wed 17:00
    ("single_user", "medium", "laag", "2026-03-02 14:00", "2026-03-04 17:00"),
    # laag (other cell!): 8 h → Mon 17:00 (R2: earliest instant, not Tue 09:00);
    # 5 workdays = 40 h: Mon..Fri 8 h each → Fri 03-06 17:00
    ("single_user", "laag", "laag", "2026-03-02 17:00", "2026-03-06 17:00"),
]


@pytest.mark.parametrize(("impact", "urgency", "level", "response", "resolution"), CELLS)
def test_matrix_cell_targets(bokumo, impact, urgency, level, response, resolution):
    p = plans(bokumo, impact=impact, urgency=urgency)
    assert set(p) == {"response", "resolution"}
    assert p["response"].priority == level
    assert p["response"].cell == f"{impact}/{urgency}"
    assert deadline(bokumo, "response", MON, impact=impact, urgency=urgency) == iso(response)
    assert deadline(bokumo, "resolution", MON, impact=impact, urgency=urgency) == iso(resolution)


def test_targets_belong_to_the_cell_not_the_level(bokumo):
    # single_user/laag and multiple_users/laag are both `laag` but differ (docs/contracts.md).
    a = plans(bokumo, impact="single_user", urgency="laag")
    b = plans(bokumo, impact="multiple_users", urgency="laag")
    assert a["response"].priority == b["response"].priority == "laag"
    assert a["response"].hard == Target(8, "h", "office")
    assert b["response"].hard == Target(5, "h", "office")
    assert a["resolution"].hard == Target(5, "workdays", "office")
    assert b["resolution"].hard == Target(3, "workdays", "office")


def test_hoog_resolution_is_24h_on_a_24x7_clock(bokumo):
    p = plans(bokumo, impact="multiple_users", urgency="hoog")["resolution"]
    assert p.calendar == "always"
    assert p.hard == Target(24, "h", "always")
    # Created Fri 2026-03-06 16:00: 24 h of wall-clock time → Sat 03-07 16:00 (weekend counts)
    assert deadline(
        bokumo, "resolution", at("2026-03-06 16:00"), impact="multiple_users", urgency="hoog"
    ) == iso("2026-03-07 16:00")
    # Response stays on office hours: Fri 16:00–17:00 = 1 h → Fri 17:00
    assert deadline(
        bokumo, "response", at("2026-03-06 16:00"), impact="multiple_users", urgency="hoog"
    ) == iso("2026-03-06 17:00")


def test_24x7_over_the_dst_change_counts_real_hours(bokumo):
    # Sat 2026-03-28 12:00 CET + 24 real hours; clocks jump 02:00→03:00 on Sun 03-29,
    # so the deadline is Sun 13:00 CEST (+02:00).
    assert (
        deadline(
            bokumo, "resolution", at("2026-03-28 12:00"), impact="company_wide", urgency="medium"
        )
        == "2026-03-29T13:00:00+02:00"
    )


def test_direct_level_takes_the_strictest_cell(bokumo):
    # laag → multiple_users/laag (5 h / 3 workdays), not single_user/laag (8 h / 5 workdays)
    p = plans(bokumo, priority="laag")
    assert p["response"].cell == "multiple_users/laag"
    assert p["response"].hard == Target(5, "h", "office")
    assert p["resolution"].hard == Target(3, "workdays", "office")
    # kritiek → company_wide/hoog; identifiers match case-insensitively
    k = plans(bokumo, priority="KRITIEK")
    assert k["response"].cell == "company_wide/hoog"
    assert k["resolution"].hard == Target(2, "h", "office")
    # Mon 09:00 + 5 h → 14:00
    assert deadline(bokumo, "response", MON, priority="Laag") == iso("2026-03-02 14:00")


def test_identifiers_are_case_insensitive(bokumo):
    p = plans(bokumo, impact="Company_Wide", urgency="HOOG", kind="Incident")
    assert p["response"].priority == "kritiek"


def test_unknown_values_raise_naming_the_allowed_ones(bokumo):
    with pytest.raises(UnknownPriorityError, match=r"unknown impact 'everyone'.*company_wide"):
        plans(bokumo, impact="everyone", urgency="hoog")
    with pytest.raises(UnknownPriorityError, match=r"unknown urgency 'asap'.*hoog, medium, laag"):
        plans(bokumo, impact="single_user", urgency="asap")
    with pytest.raises(UnknownPriorityError, match=r"unknown priority 'p1'.*kritiek"):
        plans(bokumo, priority="p1")
    with pytest.raises(UnknownPriorityError, match="urgency"):
        plans(bokumo, impact="single_user")
    with pytest.raises(UnknownPriorityError, match="needs a priority"):
        plans(bokumo)


def test_start_outside_hours_counts_from_next_opening(bokumo):
    # R2: created Sat 2026-03-07 10:00 → counting starts Mon 03-09 09:00; 30 m → 09:30
    assert deadline(
        bokumo, "response", at("2026-03-07 10:00"), impact="company_wide", urgency="hoog"
    ) == iso("2026-03-09 09:30")
    # created Mon 2026-03-02 07:00 (before opening) → 09:00 + 3 h → 12:00
    assert deadline(
        bokumo, "response", at("2026-03-02 07:00"), impact="single_user", urgency="hoog"
    ) == iso("2026-03-02 12:00")


def test_easter_holidays_are_closed(bokumo):
    # Thu 2026-04-02 15:00 CEST, single_user/medium (laag): response 5 h:
    #   Thu 15–17 = 2 h; Fri 04-03 Good Friday closed; weekend; Mon 04-06 Easter Monday closed;
    #   Tue 04-07 09:00 + 3 h → 12:00.
    assert deadline(
        bokumo, "response", at("2026-04-02 15:00"), impact="single_user", urgency="medium"
    ) == iso("2026-04-07 12:00")
    # resolution 3 workdays = 24 h: Thu 2, Tue 8 (10), Wed 8 (18), Thu 04-09 6 h → 15:00
    assert deadline(
        bokumo, "resolution", at("2026-04-02 15:00"), impact="single_user", urgency="medium"
    ) == iso("2026-04-09 15:00")


def test_kings_day_is_closed(bokumo):
    # Fri 2026-04-24 16:00, company_wide/laag (medium) response 3 h: Fri 1 h; Mon 04-27
    # King's Day closed; Tue 04-28 09:00 + 2 h → 11:00
    assert deadline(
        bokumo, "response", at("2026-04-24 16:00"), impact="company_wide", urgency="laag"
    ) == iso("2026-04-28 11:00")


def test_business_clock_over_dst(bokumo):
    # Fri 2026-03-27 16:00 CET, medium resolution 2 workdays = 16 h: Fri 1 h; Mon 03-30 (CEST)
    # 8 h → 9; Tue 03-31 09:00 + 7 h → 16:00 +02:00
    assert (
        deadline(
            bokumo, "resolution", at("2026-03-27 16:00"), impact="company_wide", urgency="laag"
        )
        == "2026-03-31T16:00:00+02:00"
    )


def test_escalation_ladder_on_resolution(bokumo):
    p = plans(bokumo, impact="company_wide", urgency="hoog")
    assert p["resolution"].escalations == (
        Escalation("second_line", 0.75),
        Escalation("third_line", 1.0),
    )
    assert p["response"].escalations == ()
    # kritiek resolution 2 h from Mon 09:00: 50 % → 10:00; 75 % → 10:30 (warning + second
    # line); 100 % → 11:00 (breach + third line)
    assert signals(bokumo, "resolution", MON, impact="company_wide", urgency="hoog") == [
        ("sla.warning", iso("2026-03-02 10:00"), 0.5),
        ("sla.warning", iso("2026-03-02 10:30"), 0.75),
        ("sla.escalation", iso("2026-03-02 10:30"), "second_line"),
        ("sla.breach", iso("2026-03-02 11:00"), None),
        ("sla.escalation", iso("2026-03-02 11:00"), "third_line"),
    ]


def test_escalation_second_line_at_75_percent_of_five_workdays(bokumo):
    # single_user/laag: 5 workdays = 40 h; 75 % = 30 h: Mon 8, Tue 16, Wed 24, Thu 09:00 + 6 h
    # → Thu 03-05 15:00
    sigs = signals(bokumo, "resolution", MON, impact="single_user", urgency="laag")
    assert ("sla.escalation", iso("2026-03-05 15:00"), "second_line") in sigs
    assert ("sla.escalation", iso("2026-03-06 17:00"), "third_line") in sigs


def test_critical_after_hours_runs_kritiek_on_24x7(bokumo):
    opts = {"critical_after_hours": True}
    p = plans(bokumo, opts, impact="company_wide", urgency="hoog")
    assert p["response"].calendar == p["resolution"].calendar == "always"
    assert p["resolution"].hard == Target(2, "h", "always")
    sat = at("2026-03-07 10:00")
    # with the option: Sat 10:00 + 30 m → 10:30; + 2 h → 12:00 (weekend counts)
    assert deadline(bokumo, "response", sat, opts, impact="company_wide", urgency="hoog") == iso(
        "2026-03-07 10:30"
    )
    assert deadline(bokumo, "resolution", sat, opts, impact="company_wide", urgency="hoog") == iso(
        "2026-03-07 12:00"
    )
    # without: counting starts Mon 03-09 09:00 → 09:30 and 11:00
    assert deadline(bokumo, "response", sat, impact="company_wide", urgency="hoog") == iso(
        "2026-03-09 09:30"
    )
    assert deadline(bokumo, "resolution", sat, impact="company_wide", urgency="hoog") == iso(
        "2026-03-09 11:00"
    )


def test_critical_after_hours_leaves_other_levels_on_office(bokumo):
    opts = {"critical_after_hours": "true"}
    p = plans(bokumo, opts, impact="multiple_users", urgency="hoog")
    assert p["response"].calendar == "office"
    # Sat 10:00 → Mon 09:00 + 1 h → 10:00
    assert deadline(
        bokumo, "response", at("2026-03-07 10:00"), opts, impact="multiple_users", urgency="hoog"
    ) == iso("2026-03-09 10:00")


def test_vulnerability_assessment_cvss_9_or_more(bokumo):
    p = plans(bokumo, kind="vulnerability", attributes={"cvss": 9.8})
    assert set(p) == {"assessment"}
    a = p["assessment"]
    assert a.hard == Target(24, "h", "always")
    assert "ticket.responded" in a.stop_on
    # Fri 2026-03-06 18:00 (after hours) + 24 h on 24x7 → Sat 03-07 18:00
    assert deadline(
        bokumo, "assessment", at("2026-03-06 18:00"), kind="vulnerability", attributes={"cvss": 9.0}
    ) == iso("2026-03-07 18:00")
    # cvss given as text counts too; below 9.0, missing, or not a vulnerability: no clock
    assert "assessment" in plans(bokumo, kind="vulnerability", attributes={"cvss": "9.1"})
    assert plans(bokumo, kind="vulnerability", attributes={"cvss": 8.9}) == {}
    assert plans(bokumo, kind="vulnerability") == {}
    assert "assessment" not in plans(
        bokumo, impact="single_user", urgency="laag", attributes={"cvss": 9.8}
    )


def test_pause_on_waiting_for_customer(bokumo):
    for plan in plans(bokumo, impact="single_user", urgency="laag").values():
        assert plan.pause_statuses == frozenset({"waiting_for_customer"})


def test_stop_and_reopen_events(bokumo):
    p = plans(bokumo, impact="single_user", urgency="laag")
    assert "ticket.responded" in p["response"].stop_on
    assert "ticket.resolved" in p["resolution"].stop_on
    assert p["resolution"].resume_on == frozenset({"ticket.reopened"})
    assert "ticket.responded" not in p["resolution"].stop_on


def test_warning_thresholds_default(bokumo):
    p = plans(bokumo, impact="single_user", urgency="laag")
    assert p["response"].thresholds == (0.5, 0.75)
    # 8 h response from Mon 09:00: 50 % → 13:00, 75 % → 15:00, breach 17:00
    assert signals(bokumo, "response", MON, impact="single_user", urgency="laag") == [
        ("sla.warning", iso("2026-03-02 13:00"), 0.5),
        ("sla.warning", iso("2026-03-02 15:00"), 0.75),
        ("sla.breach", iso("2026-03-02 17:00"), None),
    ]


def test_other_kinds_get_no_incident_clocks(bokumo):
    assert plans(bokumo, kind="service_request", impact="single_user", urgency="laag") == {}


def test_availability_schema(bokumo):
    (av,) = bokumo.availability
    assert av.target_percent == 99.5
    assert av.calendar == "always"
    assert av.excluded_causes == ["force_majeure"]
    planned, emergency = av.maintenance
    assert planned.kinds == ["planned"] and planned.excluded
    assert str(planned.min_notice) == "2 workdays" and planned.notice_calendar == "office"
    assert emergency.kinds == ["emergency"] and not emergency.excluded
