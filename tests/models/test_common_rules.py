"""docs/contracts.md "Rules common to all policies" (R1–R7): what the policies and their plans
must say for each rule. (The engine's own behaviour under each rule is tested in
tests/streams.) Expected instants are worked out by hand in the comments."""

from __future__ import annotations

from datetime import datetime

import pytest

from models.errors import EventError
from models.events import parse_event
from models.plan import TicketFacts
from tests.models.helpers import at, deadline, iso, plans

SEEDS = ("bokumo-ict", "1do", "inlenersbeloning", "covide", "smart-fms")


# R1 Time --------------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", SEEDS)
def test_r1_every_calendar_is_amsterdam(policies, pid):
    policy = policies.policy(pid)
    assert policy.timezone.key == "Europe/Amsterdam"
    for name in policy.calendars:
        assert policy.calendar(name).timezone.key == "Europe/Amsterdam"


def test_r1_naive_timestamps_are_bad_input():
    with pytest.raises(EventError, match="has no UTC offset"):
        parse_event(
            {
                "event_id": "e",
                "type": "ticket.created",
                "tenant": "t",
                "ticket_id": "1",
                "at": "2026-03-02T09:00:00",
            }
        )


def test_r1_dst_correct(policies):
    # Smart FMS A (2 h) from Fri 2026-03-27 11:00 CET: 1 h until 12:00; DST on Sun 03-29;
    # Mon 03-30 09:00 CEST + 1 h → 10:00+02:00
    fms = policies.policy("smart-fms")
    assert (
        deadline(fms, "response", at("2026-03-27 11:00"), priority="a", channel="portal")
        == "2026-03-30T10:00:00+02:00"
    )


# R2 Business clock ------------------------------------------------------------------------------


def test_r2_deadline_is_the_earliest_instant(policies):
    # 8 business hours from Mon 09:00 on 09:00–17:00 is Mon 17:00, not Tue 09:00
    bokumo = policies.policy("bokumo-ict")
    assert deadline(
        bokumo, "response", at("2026-03-02 09:00"), impact="single_user", urgency="laag"
    ) == iso("2026-03-02 17:00")


def test_r2_start_outside_hours_counts_from_next_opening(policies):
    # Covide urgent (6 h) created Sun 2026-03-01 20:00 → Mon 08:00 + 6 h → 14:00
    covide = policies.policy("covide")
    assert deadline(covide, "resolution", at("2026-03-01 20:00"), priority="urgent") == iso(
        "2026-03-02 14:00"
    )


# R3 Units ---------------------------------------------------------------------------------------


def test_r3_units(policies):
    covide = policies.policy("covide")
    mon = at("2026-03-02 08:00")
    # h: 6 business hours → 14:00
    assert deadline(covide, "resolution", mon, priority="urgent") == iso("2026-03-02 14:00")
    # workdays: 2 × 9 h nominal = 18 h → Tue 17:00
    assert deadline(covide, "resolution", mon, priority="hoog") == iso("2026-03-03 17:00")
    # weeks: same local time 2 weeks later → Mon 03-16 08:00
    assert deadline(covide, "resolution", mon, priority="medium") == iso("2026-03-16 08:00")
    # months: 3 months later, same local time (CEST by then) → 06-02 08:00
    assert deadline(covide, "resolution", mon, priority="laag") == iso("2026-06-02 08:00")
    # m: Bokumo kritiek response 30 m → 09:30
    bokumo = policies.policy("bokumo-ict")
    assert deadline(bokumo, "response", at("2026-03-02 09:00"), priority="kritiek") == iso(
        "2026-03-02 09:30"
    )
    # 24x7: Inlenersbeloning registration 24 h from Sat 12:00 → Sun 12:00
    inl = policies.policy("inlenersbeloning")
    assert deadline(inl, "registration", at("2026-03-07 12:00")) == iso("2026-03-08 12:00")


def test_r3_workdays_use_the_declared_nominal_length(policies):
    assert policies.policy("bokumo-ict").calendar("office").workday_hours == 8
    assert policies.policy("1do").calendar("supportcenter").workday_hours == 9
    assert policies.policy("covide").calendar("incidents").workday_hours == 9


def test_r3_weeks_are_wall_clock_from_the_business_aligned_start(policies):
    # Covide medium (2 weeks) reported Fri 2026-03-06 18:00 → aligned start Mon 03-09 08:00
    # → Mon 03-23 08:00
    covide = policies.policy("covide")
    assert deadline(covide, "resolution", at("2026-03-06 18:00"), priority="medium") == iso(
        "2026-03-23 08:00"
    )


# R4 Pause ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", SEEDS)
def test_r4_every_policy_pauses_on_waiting_for_customer(policies, pid):
    policy = policies.policy(pid)
    facts = {
        "bokumo-ict": {"priority": "laag"},
        "1do": {"priority": "kritisch"},
        "inlenersbeloning": {},
        "covide": {"priority": "urgent"},
        "smart-fms": {"priority": "a", "channel": "portal"},
    }[pid]
    options = {"subscription": "basic"} if pid == "covide" else {}
    ps = plans(policy, options, **facts)
    assert ps
    for plan in ps.values():
        assert "waiting_for_customer" in plan.pause_statuses
        expected_unreachable = pid == "inlenersbeloning"
        assert ("customer_unreachable" in plan.pause_statuses) is expected_unreachable


# R5 Priority change ------------------------------------------------------------------------------


def test_r5_new_priority_gets_new_targets_from_the_original_start(policies):
    # Bokumo ticket created Mon 2026-03-02 09:00 as single_user/laag (resolution 5 workdays →
    # Fri 17:00). On Wed 03-04 10:00 it becomes company_wide/laag (2 workdays): counted from
    # the original start that is Tue 03-03 17:00 — already past at the change, so the breach
    # fires at the change (the engine's job; the policy supplies the new targets).
    bokumo = policies.policy("bokumo-ict")
    start = at("2026-03-02 09:00")
    before = deadline(bokumo, "resolution", start, impact="single_user", urgency="laag")
    after = deadline(bokumo, "resolution", start, impact="company_wide", urgency="laag")
    assert before == iso("2026-03-06 17:00")
    assert after == iso("2026-03-03 17:00")
    assert datetime.fromisoformat(after) < at("2026-03-04 10:00")


# R6 Stop / reopen ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", ["bokumo-ict", "1do", "covide", "smart-fms"])
def test_r6_response_stops_at_responded(policies, pid):
    policy = policies.policy(pid)
    p = policy.plan(
        TicketFacts(
            priority={
                "bokumo-ict": "laag",
                "1do": "kritisch",
                "covide": "urgent",
                "smart-fms": "a",
            }[pid],
            channel="portal",
        ),
        {"subscription": "basic"} if pid == "covide" else {},
    )
    resp = next(x for x in p if x.clock == "response")
    assert "ticket.responded" in resp.stop_on
    assert not resp.resume_on
    for x in p:
        if x.clock == "resolution":
            assert "ticket.resolved" in x.stop_on
            assert x.resume_on == frozenset({"ticket.reopened"})
        # cancelled stops every clock without a verdict: that is the engine's, not a stop_on
        assert "ticket.cancelled" not in x.stop_on


# R7 Thresholds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", SEEDS)
def test_r7_thresholds_are_fractions_in_order(policies, pid):
    policy = policies.policy(pid)
    for rule in policy.clocks.values():
        ts = rule.thresholds if rule.thresholds is not None else policy.defaults.thresholds
        assert all(0 < t < 1 for t in ts)
        for esc in rule.escalations:
            assert esc.at in ("breach", "same_day") or 0 < esc.at <= 1
