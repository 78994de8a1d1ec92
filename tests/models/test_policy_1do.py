"""docs/contracts.md "1do" — one test per clause, every matrix cell and level.

Calendar `supportcenter`: Mon–Fri 08:00–17:00, NL public holidays closed except Good Friday
(open 08:00–16:00); 5, 24 and 31 December close at 16:00 on workdays; workday 9 h.
Calendar `calamity`: workdays 07:00–23:00, same holidays (Good Friday open).
2026-03-02 is a Monday (CET). Good Friday 2026-04-03; Easter Monday 2026-04-06.
"""

from __future__ import annotations

import pytest

from models.errors import UnknownPriorityError
from models.plan import Escalation, Target, TicketFacts
from tests.models.helpers import at, deadline, iso, plans, signals

MON = at("2026-03-02 08:00")  # Monday, supportcenter opens


@pytest.fixture(scope="module")
def onedo(policies):
    return policies.policy("1do")


MATRIX = [
    ("1", "a", "kritisch"),
    ("2", "a", "ernstig"),
    ("3", "a", "standaard"),
    ("1", "b", "ernstig"),
    ("2", "b", "standaard"),
    ("3", "b", "laag"),
    ("1", "c", "standaard"),
    ("2", "c", "laag"),
    ("3", "c", "laag"),
]


@pytest.mark.parametrize(("impact", "urgency", "level"), MATRIX)
def test_priority_matrix(onedo, impact, urgency, level):
    # urgency given upper-case as in the contract ("A"), matched case-insensitively
    got, cell = onedo.resolve_priority(TicketFacts(impact=impact, urgency=urgency.upper()))
    assert (got, cell) == (level, f"{impact}/{urgency}")


# response deadline from Mon 08:00 (None: no breach deadline)
@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        ("1", "a", "2026-03-02 08:30"),  # kritisch: 30 m → 08:30
        ("2", "a", "2026-03-02 09:00"),  # ernstig: 1 h → 09:00
        ("1", "b", "2026-03-02 09:00"),  # ernstig
        ("3", "a", None),  # standaard: soft only, no breach deadline
        ("2", "b", None),
        ("1", "c", None),
    ],
)
def test_response_targets_per_cell(onedo, impact, urgency, expected):
    got = deadline(onedo, "response", MON, impact=impact, urgency=urgency)
    assert got == (iso(expected) if expected else None)


def test_kritisch_and_ernstig_are_hard_targets(onedo):
    assert plans(onedo, priority="kritisch")["response"].hard == Target(30, "m", "supportcenter")
    assert plans(onedo, priority="ernstig")["response"].hard == Target(1, "h", "supportcenter")


def test_standaard_is_a_soft_target_only(onedo):
    p = plans(onedo, priority="standaard")["response"]
    assert p.hard is None
    assert p.soft == Target(1, "workdays", "supportcenter")
    # 1 workday = 9 h from Mon 08:00 → 17:00 (soft warning); thresholds are fractions of the
    # soft target: 50 % = 4.5 h → 12:30; 75 % = 6.75 h → 14:45. No breach, no escalation.
    assert signals(onedo, "response", MON, priority="standaard") == [
        ("sla.warning", iso("2026-03-02 12:30"), 0.5),
        ("sla.warning", iso("2026-03-02 14:45"), 0.75),
        ("sla.warning", iso("2026-03-02 17:00"), "soft"),
    ]


def test_laag_has_no_response_clock(onedo):
    assert plans(onedo, priority="laag") == {}
    assert plans(onedo, impact="3", urgency="c") == {}


@pytest.mark.parametrize("kind", ["service_request", "change", "question"])
def test_only_incidents_get_clocks(onedo, kind):
    # service requests and changes get no fixed priority (§7.7, §7.8); the priority given is
    # not even looked at.
    assert plans(onedo, kind=kind, priority="kritisch") == {}
    assert plans(onedo, kind=kind, priority="nonsense") == {}


def test_escalation_step_1_at_response_breach(onedo):
    p = plans(onedo, priority="kritisch")["response"]
    assert p.escalations == (Escalation("service_manager", "breach"),)
    # 30 m from Mon 08:00: 50 % 08:15, 75 % 08:22:30, breach + service manager at 08:30
    assert signals(onedo, "response", MON, priority="kritisch") == [
        ("sla.warning", iso("2026-03-02 08:15"), 0.5),
        ("sla.warning", "2026-03-02T08:22:30+01:00", 0.75),
        ("sla.breach", iso("2026-03-02 08:30"), None),
        ("sla.escalation", iso("2026-03-02 08:30"), "service_manager"),
    ]
    # a soft-only clock never breaches, so it never escalates
    assert plans(onedo, priority="standaard")["response"].escalations == ()


def test_priority_aliases_from_the_table(onedo):
    # "Prio1 – Ernstig", "Prio2 – Standaard", "Prio3 - Laag"
    assert plans(onedo, priority="Prio1")["response"].priority == "ernstig"
    assert plans(onedo, priority="prio2")["response"].priority == "standaard"
    assert plans(onedo, priority="PRIO3") == {}


def test_unknown_values(onedo):
    with pytest.raises(UnknownPriorityError, match=r"unknown impact '4'; allowed: 1, 2, 3"):
        plans(onedo, impact="4", urgency="a")
    with pytest.raises(UnknownPriorityError, match=r"unknown urgency 'd'; allowed: a, b, c"):
        plans(onedo, impact="1", urgency="d")


def test_good_friday_open_until_16(onedo):
    # ernstig 1 h from Thu 2026-04-02 16:30 CEST: Thu 16:30–17:00 = 30 m; Good Friday opens
    # 08:00 → + 30 m = Fri 04-03 08:30
    assert deadline(onedo, "response", at("2026-04-02 16:30"), priority="ernstig") == iso(
        "2026-04-03 08:30"
    )
    # ernstig from Good Friday 15:30: 15:30–16:00 = 30 m (closes 16:00); weekend; Easter
    # Monday closed; Tue 04-07 08:00 + 30 m → 08:30
    assert deadline(onedo, "response", at("2026-04-03 15:30"), priority="ernstig") == iso(
        "2026-04-07 08:30"
    )


def test_december_24_and_31_close_at_16(onedo):
    # Thu 2026-12-24 15:30 ernstig: 15:30–16:00 = 30 m; Fri 12-25 and Sat 12-26 Christmas,
    # Sun; Mon 12-28 08:00 + 30 m → 08:30
    assert deadline(onedo, "response", at("2026-12-24 15:30"), priority="ernstig") == iso(
        "2026-12-28 08:30"
    )
    # Thu 2026-12-31 15:30: 30 m until 16:00; Fri 2027-01-01 New Year closed; weekend;
    # Mon 2027-01-04 08:30
    assert deadline(onedo, "response", at("2026-12-31 15:30"), priority="ernstig") == iso(
        "2027-01-04 08:30"
    )


def test_december_5_closes_at_16_only_on_a_workday(onedo):
    # 2025-12-05 is a Friday: 15:30–16:00 = 30 m; Mon 12-08 08:00 + 30 m → 08:30
    assert deadline(onedo, "response", at("2025-12-05 15:30"), priority="ernstig") == iso(
        "2025-12-08 08:30"
    )
    # 2026-12-05 is a Saturday: stays closed. Fri 12-04 16:30–17:00 = 30 m; Mon 12-07 08:30
    assert deadline(onedo, "response", at("2026-12-04 16:30"), priority="ernstig") == iso(
        "2026-12-07 08:30"
    )


def test_calamity_service_moves_kritisch_response(onedo):
    opts = {"calamity_service": True}
    p = plans(onedo, opts, priority="kritisch")["response"]
    assert p.calendar == "calamity"
    assert p.hard == Target(30, "m", "calamity")
    # Mon 2026-03-02 22:00 + 30 m on calamity (07:00–23:00) → 22:30
    assert deadline(onedo, "response", at("2026-03-02 22:00"), opts, priority="kritisch") == iso(
        "2026-03-02 22:30"
    )
    # without the option: supportcenter opens Tue 08:00 → 08:30
    assert deadline(onedo, "response", at("2026-03-02 22:00"), priority="kritisch") == iso(
        "2026-03-03 08:30"
    )


def test_calamity_service_leaves_ernstig_on_supportcenter(onedo):
    opts = {"calamity_service": True}
    assert plans(onedo, opts, priority="ernstig")["response"].calendar == "supportcenter"
    # Mon 22:00 → Tue 08:00 + 1 h → 09:00
    assert deadline(onedo, "response", at("2026-03-02 22:00"), opts, priority="ernstig") == iso(
        "2026-03-03 09:00"
    )


def test_calamity_calendar_same_holidays_good_friday_open(onedo):
    opts = {"calamity_service": True}
    # Thu 2026-04-02 22:50 CEST kritisch: 10 m until 23:00; Good Friday opens 07:00 on the
    # calamity calendar → + 20 m = 07:20
    assert deadline(onedo, "response", at("2026-04-02 22:50"), opts, priority="kritisch") == iso(
        "2026-04-03 07:20"
    )
    # Easter Monday closed: Sun 04-05 12:00 → Tue 04-07 07:00 + 30 m → 07:30
    assert deadline(onedo, "response", at("2026-04-05 12:00"), opts, priority="kritisch") == iso(
        "2026-04-07 07:30"
    )


def test_pause_and_stop(onedo):
    p = plans(onedo, priority="kritisch")["response"]
    assert p.pause_statuses == frozenset({"waiting_for_customer"})
    assert "ticket.responded" in p.stop_on


def test_no_resolution_clock(onedo):
    assert onedo.clock_names == ("response",)
