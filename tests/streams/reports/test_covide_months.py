"""Covide's monthly compliance and service credit (§7.1, §7.3, §9.1), hand-worked.

Covide (docs/contracts.md "Covide"): calendar ``incidents`` Mon–Fri 08:00–17:00; urgent
resolution soft 4 h (the 90 % figure), hard 6 h (99.9 %); questions soft 3 workdays, hard
5 workdays (9 h workday). A month is noncompliant for the credit when a *resolution*
aggregate is missed; with k such months in a row, month k earns 0 % for k ≤ 3, then
5 % × (k − 3), at most 50 %; a compliant month resets k. Questions are reported but do not
feed the credit.

Each month has one urgent incident created at 09:00 on a workday:

- *slow*: resolved 14:00 the same day = 5 h of business time. Soft 4 h passed at 13:00
  (missed), hard 6 h not reached (met). resolution_soft: 0 of 1 within = 0 % < 90 %:
  noncompliant. resolution_hard: 1 of 1 = 100 % ≥ 99.9 %.
- *fast*: resolved 10:00 = 1 h: both tiers met, compliant.

The months, Jan 2025 … May 2026 (17): slow, slow, fast (+ a late question), then 14 slow.
k and credit, by hand:

    2025-01 k=1 0 %   2025-02 k=2 0 %   2025-03 k=0 0 % (fast: reset)
    2025-04 k=1 0 %   2025-05 k=2 0 %   2025-06 k=3 0 %   2025-07 k=4 5 %
    2025-08 k=5 10 %  2025-09 k=6 15 %  2025-10 k=7 20 %  2025-11 k=8 25 %
    2025-12 k=9 30 %  2026-01 k=10 35 % 2026-02 k=11 40 % 2026-03 k=12 45 %
    2026-04 k=13 50 % 2026-05 k=14 50 % (5 × 11 = 55, capped at 50)
"""

from __future__ import annotations

from functools import cache

from models.report import Report
from tests.streams.reports.helpers import Events, report, row

#: a workday (no NL holiday) in each month, Jan 2025 … May 2026
DAYS = [
    "2025-01-10",
    "2025-02-10",
    "2025-03-10",
    "2025-04-10",
    "2025-05-12",
    "2025-06-10",
    "2025-07-10",
    "2025-08-11",
    "2025-09-10",
    "2025-10-10",
    "2025-11-10",
    "2025-12-10",
    "2026-01-12",
    "2026-02-10",
    "2026-03-10",
    "2026-04-10",
    "2026-05-11",
]
FAST = {"2025-03-10"}


@cache
def events() -> Events:
    ev = Events("cov")
    for i, day in enumerate(DAYS):
        done = "10:00" if day in FAST else "14:00"
        ev.ticket(
            f"INC-{i}",
            f"{day} 09:00",
            ("ticket.resolved", f"{day} {done}"),
            kind="incident",
            priority="urgent",
        )
    # March 2025: a question created Mon 10 Mar 09:00, answered Tue 18 Mar 09:00. Business
    # time: Mon 09–17 8 h, Tue–Fri 9 h each → 27 h (3 workdays) reached Thu 13 Mar 09:00
    # (8 + 9 + 9 + 1): soft missed then; 45 h (5 workdays) reached Mon 17 Mar 09:00
    # (8 + 4 × 9 = 44 by Fri 17:00, + 1): hard missed then. Both in March.
    ev.ticket("Q-1", "2025-03-10 09:00", ("ticket.responded", "2025-03-18 09:00"), kind="question")
    return ev


@cache
def month(m: str) -> Report:
    return report(events(), m, until="2026-06-01 00:00")


def test_a_slow_month_misses_the_soft_aggregate_only() -> None:
    rep = month("2025-01")
    soft = row(rep, "resolution", "urgent", "soft")
    hard = row(rep, "resolution", "urgent", "hard")
    assert (soft.count, soft.met, soft.missed, soft.percent_within) == (1, 0, 1, 0.0)
    assert (soft.aggregate_target_percent, soft.compliant, soft.target) == (90.0, False, "4h")
    assert (hard.count, hard.met, hard.missed, hard.percent_within) == (1, 1, 0, 100.0)
    assert (hard.aggregate_target_percent, hard.compliant, hard.target) == (99.9, True, "6h")
    # resolved after 5 h of business time (09:00–14:00), no pause
    assert hard.median_business_seconds == hard.p90_business_seconds == 5 * 3600
    assert rep.compliant is False
    assert (rep.consecutive_noncompliant_months, rep.service_credit_percent) == (1, 0.0)


def test_consecutive_months_then_a_reset_then_the_cap() -> None:
    expected = {
        "2025-01": (1, 0.0),
        "2025-02": (2, 0.0),
        "2025-03": (0, 0.0),
        "2025-04": (1, 0.0),
        "2025-05": (2, 0.0),
        "2025-06": (3, 0.0),
        "2025-07": (4, 5.0),
        "2025-08": (5, 10.0),
        "2025-09": (6, 15.0),
        "2025-10": (7, 20.0),
        "2025-11": (8, 25.0),
        "2025-12": (9, 30.0),
        "2026-01": (10, 35.0),
        "2026-02": (11, 40.0),
        "2026-03": (12, 45.0),
        "2026-04": (13, 50.0),
        "2026-05": (14, 50.0),
    }
    got = {
        m: (month(m).consecutive_noncompliant_months, month(m).service_credit_percent)
        for m in expected
    }
    assert got == expected
    # the trend of the last report: Jun 2025 … May 2026, the same figures month by month
    trend = month("2026-05").months
    assert [m.month for m in trend] == list(expected)[5:]
    assert [(m.consecutive_noncompliant_months, m.service_credit_percent) for m in trend] == [
        expected[m.month] for m in trend
    ]


def test_questions_are_reported_but_do_not_feed_the_credit() -> None:
    rep = month("2025-03")
    # the pooled question rows (aggregates `per: all`): priority null
    qsoft = row(rep, "response", None, "soft", kind="question")
    qhard = row(rep, "response", None, "hard", kind="question")
    assert (qsoft.count, qsoft.missed, qsoft.aggregate_target_percent, qsoft.compliant) == (
        1,
        1,
        90.0,
        False,
    )
    assert (qhard.count, qhard.missed, qhard.aggregate_target_percent, qhard.compliant) == (
        1,
        1,
        100.0,
        False,
    )
    assert (qsoft.target, qhard.target) == ("3 workdays", "5 workdays")
    # the fast incident met both resolution tiers
    assert row(rep, "resolution", "urgent", "soft").compliant is True
    # not compliant (a question aggregate missed), yet k resets: questions feed no credit
    assert rep.compliant is False
    assert (rep.consecutive_noncompliant_months, rep.service_credit_percent) == (0, 0.0)
    # the question's hard deadline: Mon 17 Mar 2025 09:00 CET = 08:00 UTC
    (breach,) = [b for b in rep.breaches if b.ticket_id == "Q-1"]
    assert breach.breached_at.isoformat() == "2025-03-17T08:00:00+00:00"
    assert breach.kind == "question"


def test_a_month_without_clocks_of_a_priority_is_not_noncompliant() -> None:
    # June 2026 has no incident at all: compliant, and k resets (R9)
    rep = month("2026-06")
    assert rep.rows == []
    assert rep.compliant is True
    assert (rep.consecutive_noncompliant_months, rep.service_credit_percent) == (0, 0.0)


def test_a_clock_counts_in_the_local_month_of_its_stop() -> None:
    # Created Fri 27 Feb 2026 16:00 CET; resolved Sun 1 Mar 00:30 CET = Sat 28 Feb 23:30 UTC.
    # Business time: Fri 16:00–17:00 = 1 h, nothing at the weekend: both tiers met at the
    # stop, an instant of March in Amsterdam (February in UTC): March counts it; at the end
    # of February it was still open.
    ev = Events("cov")
    ev.ticket(
        "EDGE",
        "2026-02-27 16:00",
        ("ticket.resolved", "2026-03-01 00:30"),
        kind="incident",
        priority="urgent",
    )
    feb = report(ev, "2026-02", until="2026-04-01 00:00")
    mar = report(ev, "2026-03", until="2026-04-01 00:00")
    f = row(feb, "resolution", "urgent", "hard")
    m = row(mar, "resolution", "urgent", "hard")
    assert (f.count, f.open) == (0, 1)
    assert (m.count, m.met, m.open) == (1, 1, 0)
    assert m.median_business_seconds == 3600
