"""The monthly ``sla.compliance`` (MonthlyCompliance): at a month's end after the grace, once;
revised with the next revision and its own id when late data changes a reported month, and
the credit chain of the months after it revised with it. Covide, hand-worked as in
test_covide_months: a *slow* urgent incident (resolved after 5 h) misses the soft 4 h,
a *fast* one (1 h) meets both tiers; k-th noncompliant month in a row: 0 % for k ≤ 3, then
5 % × (k − 3)."""

from __future__ import annotations

from datetime import datetime

from models.ids import signal_id
from streams.reports.live import MonthlyCompliance
from tests.streams.reports.helpers import AMS, Events, data, registry

GRACE = 600_000_000  # 10 min


def us(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=AMS).timestamp() * 1e6)


def slow(ev: Events, tid: str, day: str) -> None:
    ev.ticket(
        tid, f"{day} 09:00", ("ticket.resolved", f"{day} 14:00"), kind="incident", priority="urgent"
    )


def fast(ev: Events, tid: str, day: str) -> None:
    ev.ticket(
        tid, f"{day} 09:00", ("ticket.resolved", f"{day} 10:00"), kind="incident", priority="urgent"
    )


def reporter() -> MonthlyCompliance:
    return MonthlyCompliance(lambda t: registry().resolve(t).policy, grace_us=GRACE)


def test_a_month_is_reported_once_after_its_end_and_the_grace() -> None:
    ev = Events("cov")
    slow(ev, "A", "2026-01-13")
    rc = reporter()
    rc.observe("cov", us("2026-01-13 09:00"))
    assert rc.due(us("2026-02-01 00:05")) == []  # January ended 5 min ago: grace not over
    now = us("2026-02-01 00:11")
    assert rc.due(now) == ["cov"]
    d, _ = data(ev, "2026-02-01 00:11")
    (sig,) = rc.evaluate("cov", d, now)
    assert (sig.period, sig.revision, sig.compliant, sig.consecutive_noncompliant_months) == (
        "2026-01",
        0,
        False,
        1,
    )
    assert sig.service_credit_percent is None  # 0 % is not sent
    assert sig.event_id == signal_id("cov", "compliance", "2026-01", "sla.compliance")
    # the month's end in Amsterdam: 1 Feb 00:00 CET = 31 Jan 23:00 UTC
    assert sig.at.isoformat() == "2026-01-31T23:00:00+00:00"
    assert rc.due(now) == [] and rc.evaluate("cov", d, now) == []


def test_late_data_for_a_reported_month_gives_a_revision_with_its_own_id() -> None:
    ev = Events("cov")
    slow(ev, "A", "2026-01-13")
    rc = reporter()
    rc.observe("cov", us("2026-01-13 09:00"))
    now = us("2026-02-03 12:00")
    d, _ = data(ev, "2026-02-03 12:00")
    (first,) = rc.evaluate("cov", d, now)
    # a January incident reaches the sink late: resolved in 1 h. Soft: 1 of 2 = 50 % < 90 %:
    # still noncompliant and k = 1, but the month's rows changed
    fast(ev, "B", "2026-01-20")
    rc.observe("cov", us("2026-01-20 10:00"))
    assert rc.due(now) == ["cov"]
    d, _ = data(ev, "2026-02-03 12:00")
    (rev,) = rc.evaluate("cov", d, now)
    assert (rev.period, rev.revision, rev.compliant, rev.consecutive_noncompliant_months) == (
        "2026-01",
        1,
        False,
        1,
    )
    assert rev.event_id == signal_id("cov", "compliance", "2026-01", "sla.compliance", 1)
    assert rev.event_id != first.event_id
    soft = [r for r in rev.rows if r.tier == "soft"]
    assert [(r.count, r.percent_within) for r in soft] == [(2, 50.0)]
    # data that changes nothing reported (a February ticket) revises nothing
    slow(ev, "C", "2026-02-02")
    rc.observe("cov", us("2026-02-02 14:00"))
    d, _ = data(ev, "2026-02-03 12:00")
    assert rc.evaluate("cov", d, now) == []


def test_a_revised_month_revises_the_credit_of_the_months_after_it() -> None:
    # Jan … Jun 2026 slow: k = 1 … 6, credit 0, 0, 0, 5, 10, 15 %
    days = ["2026-01-13", "2026-02-10", "2026-03-10", "2026-04-14", "2026-05-12", "2026-06-09"]
    ev = Events("cov")
    for i, day in enumerate(days):
        slow(ev, f"S{i}", day)
    rc = reporter()
    rc.observe("cov", us("2026-01-13 09:00"))
    now = us("2026-07-01 12:00")
    d, _ = data(ev, "2026-07-01 12:00")
    sent = rc.evaluate("cov", d, now)
    assert [
        (s.period, s.revision, s.consecutive_noncompliant_months, s.service_credit_percent)
        for s in sent
    ] == [
        ("2026-01", 0, 1, None),
        ("2026-02", 0, 2, None),
        ("2026-03", 0, 3, None),
        ("2026-04", 0, 4, 5.0),
        ("2026-05", 0, 5, 10.0),
        ("2026-06", 0, 6, 15.0),
    ]
    # nine fast February incidents arrive late: soft 9 of 10 = 90 % ≥ 90 %, hard 10 of 10:
    # February becomes compliant (k = 0); March k = 1, April 2, May 3 (0 %), June 4 (5 %)
    for i in range(9):
        fast(ev, f"F{i}", "2026-02-11")
    rc.observe("cov", us("2026-02-11 10:00"))
    d, _ = data(ev, "2026-07-01 12:00")
    revised = rc.evaluate("cov", d, now)
    assert [
        (
            s.period,
            s.revision,
            s.compliant,
            s.consecutive_noncompliant_months,
            s.service_credit_percent,
        )
        for s in revised
    ] == [
        ("2026-02", 1, True, 0, None),
        ("2026-03", 1, False, 1, None),
        ("2026-04", 1, False, 2, None),
        ("2026-05", 1, False, 3, None),
        ("2026-06", 1, False, 4, 5.0),
    ]


def test_what_was_sent_before_a_restart_is_remembered() -> None:
    ev = Events("cov")
    slow(ev, "A", "2026-01-13")
    now = us("2026-02-03 12:00")
    d, _ = data(ev, "2026-02-03 12:00")
    before = reporter()
    before.observe("cov", us("2026-01-13 09:00"))
    (sig,) = before.evaluate("cov", d, now)
    after = reporter()  # a new process: reads back what it sent, as the sink stores it
    after.remember(sig.model_dump(mode="json"))
    after.observe("cov", us("2026-01-13 09:00"))
    assert after.evaluate("cov", d, now) == []
