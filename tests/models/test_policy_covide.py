"""docs/contracts.md "Covide" — one test per clause, every priority and subscription.

Calendar `incidents`: Mon–Fri 08:00–17:00, NL public holidays closed, workday 9 h.
2026-03-02 is a Monday (CET); DST starts Sunday 2026-03-29; Ascension Day 2026-05-14.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.errors import OptionError
from models.plan import Target
from tests.models.helpers import at, deadline, iso, plans, signals

MON = at("2026-03-02 08:00")
PREMIUM = {"subscription": "premium"}


@pytest.fixture(scope="module")
def covide(policies):
    return policies.policy("covide")


# priority, soft (warning) instant, hard (breach) instant — started Mon 03-02 08:00
RESOLUTION = [
    # urgent: soft 4 h → 12:00; hard 6 h → 14:00
    ("urgent", "2026-03-02 12:00", "2026-03-02 14:00"),
    # hoog: soft 1 workday = 9 h → Mon 17:00; hard 2 workdays = 18 h → Tue 03-03 17:00
    ("hoog", "2026-03-02 17:00", "2026-03-03 17:00"),
    # medium: soft 1 week → Mon 03-09 08:00; hard 2 weeks → Mon 03-16 08:00 (wall clock)
    ("medium", "2026-03-09 08:00", "2026-03-16 08:00"),
    # laag: soft 3 weeks → Mon 03-23 08:00; hard 3 months → Tue 06-02 08:00 (CEST, same
    # local time)
    ("laag", "2026-03-23 08:00", "2026-06-02 08:00"),
]


@pytest.mark.parametrize(("priority", "soft", "hard"), RESOLUTION)
def test_resolution_two_tiers(covide, priority, soft, hard):
    sigs = signals(covide, "resolution", MON, PREMIUM, priority=priority)
    assert ("sla.warning", iso(soft), "soft") in sigs
    assert ("sla.breach", iso(hard), None) in sigs
    assert deadline(covide, "resolution", MON, PREMIUM, priority=priority) == iso(hard)


def test_resolution_targets_and_units(covide):
    p = {
        lv: plans(covide, PREMIUM, priority=lv)["resolution"]
        for lv in ("urgent", "hoog", "medium", "laag")
    }
    assert (p["urgent"].soft, p["urgent"].hard) == (
        Target(4, "h", "incidents"),
        Target(6, "h", "incidents"),
    )
    assert (p["hoog"].soft, p["hoog"].hard) == (
        Target(1, "workdays", "incidents"),
        Target(2, "workdays", "incidents"),
    )
    assert (p["medium"].soft, p["medium"].hard) == (
        Target(1, "weeks", "incidents"),
        Target(2, "weeks", "incidents"),
    )
    assert (p["laag"].soft, p["laag"].hard) == (
        Target(3, "weeks", "incidents"),
        Target(3, "months", "incidents"),
    )


def test_reported_outside_hours_starts_at_next_opening(covide):
    # Sat 2026-03-07 10:00 → business-aligned start Mon 03-09 08:00;
    # medium hard 2 weeks → Mon 03-23 08:00; urgent hard 6 h → Mon 14:00
    assert deadline(
        covide, "resolution", at("2026-03-07 10:00"), PREMIUM, priority="medium"
    ) == iso("2026-03-23 08:00")
    assert deadline(
        covide, "resolution", at("2026-03-07 10:00"), PREMIUM, priority="urgent"
    ) == iso("2026-03-09 14:00")
    # Mon 2026-03-02 17:30 (after hours) → Tue 08:00 + 6 h → Tue 14:00
    assert deadline(
        covide, "resolution", at("2026-03-02 17:30"), PREMIUM, priority="urgent"
    ) == iso("2026-03-03 14:00")


def test_months_clamp_at_end_of_month(covide):
    # Tue 2026-03-31 10:00 CEST + 3 months → June has 30 days → Tue 2026-06-30 10:00
    assert deadline(covide, "resolution", at("2026-03-31 10:00"), PREMIUM, priority="laag") == iso(
        "2026-06-30 10:00"
    )


def test_ascension_day_is_closed(covide):
    # urgent from Wed 2026-05-13 14:00 CEST: Wed 14–17 = 3 h; Thu 05-14 Ascension closed;
    # Fri 05-15 08:00 + 3 h → 11:00 (hard); soft 4 h: 1 h on Fri → 09:00
    sigs = signals(covide, "resolution", at("2026-05-13 14:00"), PREMIUM, priority="urgent")
    assert ("sla.warning", iso("2026-05-15 09:00"), "soft") in sigs
    assert ("sla.breach", iso("2026-05-15 11:00"), None) in sigs


@pytest.mark.parametrize(
    ("subscription", "expected"),
    [
        ("premium", "2026-03-02 12:00"),  # 4 h from Mon 08:00
        ("business", "2026-03-02 16:00"),  # 8 h
        # 48 business hours: Mon–Fri 5 × 9 h = 45 h; next Mon 08:00 + 3 h → 03-09 11:00
        ("basic", "2026-03-09 11:00"),
    ],
)
def test_response_by_subscription(covide, subscription, expected):
    opts = {"subscription": subscription}
    p = plans(covide, opts, priority="hoog")["response"]
    assert p.calendar == "incidents"
    assert deadline(covide, "response", MON, opts, priority="hoog") == iso(expected)


def test_response_needs_the_subscription_option(covide):
    with pytest.raises(OptionError, match="needs option subscription"):
        plans(covide, priority="urgent")
    with pytest.raises(OptionError, match="unknown value 'gold'"):
        plans(covide, {"subscription": "gold"}, priority="urgent")
    # option values match case-insensitively
    assert plans(covide, {"subscription": "Premium"}, priority="urgent")["response"].hard == Target(
        4, "h", "incidents"
    )


def test_questions_first_answer(covide):
    p = plans(covide, kind="question")
    assert set(p) == {"response"}
    r = p["response"]
    assert r.soft == Target(3, "workdays", "incidents")
    assert r.hard == Target(5, "workdays", "incidents")
    # from Mon 08:00: soft 3 × 9 h = 27 h → Wed 03-04 17:00; hard 45 h → Fri 03-06 17:00
    sigs = signals(covide, "response", MON, kind="question")
    assert ("sla.warning", iso("2026-03-04 17:00"), "soft") in sigs
    assert ("sla.breach", iso("2026-03-06 17:00"), None) in sigs


def test_other_kinds(covide):
    assert plans(covide, kind="service_request", priority="urgent") == {}


def test_monthly_compliance_aggregates(covide):
    agg = {a.name: a for a in covide.aggregates}
    assert (agg["resolution_soft"].tier, agg["resolution_soft"].min_share) == ("soft", 0.90)
    assert (agg["resolution_hard"].tier, agg["resolution_hard"].min_share) == ("hard", 0.999)
    assert agg["resolution_soft"].per == "priority"
    assert (agg["questions_soft"].clock, agg["questions_soft"].min_share) == (
        "question_response",
        0.90,
    )
    assert agg["questions_hard"].min_share == 1.0


@pytest.mark.parametrize(
    ("k", "percent"),
    [
        (1, 0),
        (2, 0),
        (3, 0),  # k ≤ 3 → 0 %
        (4, 5),
        (5, 10),
        (6, 15),  # 5 % × (k − 3)
        (13, 50),
        (14, 50),
        (40, 50),  # capped at 50 %
    ],
)
def test_service_credit(covide, k, percent):
    (credit,) = covide.service_credits
    assert credit.missed_when == ["resolution_soft", "resolution_hard"]
    assert credit.percent(k) == percent


def test_availability_and_exclusions(covide):
    (av,) = covide.availability
    assert av.target_percent == 99.5 and av.calendar == "always"
    assert set(av.excluded_causes) == {
        "third_party_network",
        "customer_config",
        "customer_site",
        "force_majeure",
    }


def test_heartbeats(covide):
    hb = {h.check: h.max_interval for h in covide.heartbeats}
    assert hb == {"backup": timedelta(hours=24), "snapshot": timedelta(minutes=30)}


def test_pause_and_reopen(covide):
    p = plans(covide, PREMIUM, priority="urgent")
    assert p["resolution"].pause_statuses == frozenset({"waiting_for_customer"})
    assert p["resolution"].resume_on == frozenset({"ticket.reopened"})


def test_resolution_deadline_does_not_need_the_subscription(covide):
    # Only the response clock depends on the option; asking for resolution alone works.
    assert deadline(covide, "resolution", MON, priority="urgent") == iso("2026-03-02 14:00")
