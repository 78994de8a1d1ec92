"""1do's priority-1 incidents (ch. 11 "Evaluatie van prioriteit-1 incidenten"), hand-worked.

1do (docs/contracts.md "1do"): calendar ``supportcenter`` Mon–Fri 08:00–17:00; response
kritisch 30 m, ernstig ("Prio1 – Ernstig") 1 h, standaard soft 1 workday. The priority-1
levels are the one the ``prio1`` alias names and the stricter one: kritisch, ernstig.
Matrix: 1/a kritisch, 2/a ernstig, 3/a standaard, 3/b laag (no response clock).

March 2026 (CET, UTC+1):

- P-3 kritisch, created Fri 27 Feb 16:45: 15 m that day, 15 m Mon 2 Mar from 08:00 →
  deadline Mon 08:15; responded Mon 08:05: met in March (started in February).
- P-1 kritisch, created Mon 2 Mar 09:00, responded 09:20: met.
- P-2 ernstig, created Tue 3 Mar 16:30: 30 m that day, 30 m Wed from 08:00 → deadline
  Wed 4 Mar 08:30; responded 09:00: missed at 08:30 — a breach.
- L-1 created laag (3/b: no response clock) Mon 9 Mar 10:00, raised to 1/a (kritisch) at
  10:10: the clock counts from creation → deadline 10:30; responded 10:20: met.
- P-4 kritisch, created Tue 31 Mar 16:50: 10 m that day → deadline Wed 1 Apr 08:20;
  responded 08:10: met in April, open at the end of March.
- S-1 standaard (3/a), created Mon 2 Mar 10:00, responded 11:00: not priority 1.
"""

from __future__ import annotations

from functools import cache

from models.report import Report
from tests.streams.reports.helpers import Events, report, row


@cache
def events() -> Events:
    ev = Events("one")
    ev.ticket(
        "P-3", "2026-02-27 16:45", ("ticket.responded", "2026-03-02 08:05"), impact="1", urgency="a"
    )
    ev.ticket(
        "P-1", "2026-03-02 09:00", ("ticket.responded", "2026-03-02 09:20"), impact="1", urgency="a"
    )
    ev.ticket(
        "S-1", "2026-03-02 10:00", ("ticket.responded", "2026-03-02 11:00"), impact="3", urgency="a"
    )
    ev.ticket(
        "P-2", "2026-03-03 16:30", ("ticket.responded", "2026-03-04 09:00"), impact="2", urgency="a"
    )
    ev.ticket("L-1", "2026-03-09 10:00", impact="3", urgency="b")
    ev.add("ticket.updated", "2026-03-09 10:10", ticket_id="L-1", impact="1", urgency="a")
    ev.add("ticket.responded", "2026-03-09 10:20", ticket_id="L-1")
    ev.ticket(
        "P-4", "2026-03-31 16:50", ("ticket.responded", "2026-04-01 08:10"), impact="1", urgency="a"
    )
    return ev


@cache
def march() -> Report:
    return report(events(), "2026-03", until="2026-04-02 00:00")


def test_priority_one_list_of_march() -> None:
    rep = march()
    assert rep.priority_one_levels == ["kritisch", "ernstig"]
    got = [
        (
            p.ticket_id,
            p.priority,
            p.started_at.isoformat(),
            [(c.clock, c.tier, c.outcome, c.at.isoformat()) for c in p.clocks],
        )
        for p in rep.priority_one
    ]
    assert got == [
        (
            "P-3",
            "kritisch",
            "2026-02-27T15:45:00+00:00",
            [("response", "hard", "met", "2026-03-02T07:05:00+00:00")],
        ),
        (
            "P-1",
            "kritisch",
            "2026-03-02T08:00:00+00:00",
            [("response", "hard", "met", "2026-03-02T08:20:00+00:00")],
        ),
        (
            "P-2",
            "ernstig",
            "2026-03-03T15:30:00+00:00",
            [("response", "hard", "missed", "2026-03-04T07:30:00+00:00")],
        ),
        (
            "L-1",
            "kritisch",
            "2026-03-09T09:00:00+00:00",
            [("response", "hard", "met", "2026-03-09T09:20:00+00:00")],
        ),
        (
            "P-4",
            "kritisch",
            "2026-03-31T14:50:00+00:00",
            [("response", "hard", "met", "2026-04-01T06:10:00+00:00")],
        ),
    ]


def test_rows_and_the_breach_explained() -> None:
    rep = march()
    k = row(rep, "response", "kritisch", "hard")
    assert (k.count, k.met, k.missed, k.open, k.target) == (3, 3, 0, 1, "30m")
    e = row(rep, "response", "ernstig", "hard")
    assert (e.count, e.missed, e.target) == (1, 1, "1h")
    s = row(rep, "response", "standaard", "soft")
    assert (s.count, s.met, s.target) == (1, 1, "1 workdays")
    assert all(r.compliant is None for r in rep.rows)  # 1do declares no aggregate
    (b,) = rep.breaches
    assert (b.ticket_id, b.priority, b.target, b.calendar) == (
        "P-2",
        "ernstig",
        "1h",
        "supportcenter",
    )
    assert b.deadline.isoformat() == "2026-03-04T07:30:00+00:00"
    assert b.stopped_at.isoformat() == "2026-03-04T08:00:00+00:00"
    assert b.counted_seconds == 3600
    # the two stretches of open time: Tue 16:30–17:00 and Wed 08:00–08:30 (local)
    assert [(s.start.isoformat(), s.end.isoformat(), s.seconds) for s in b.segments] == [
        ("2026-03-03T16:30:00+01:00", "2026-03-03T17:00:00+01:00", 1800.0),
        ("2026-03-04T08:00:00+01:00", "2026-03-04T08:30:00+01:00", 1800.0),
    ]
    assert b.pauses == [] and b.paused_seconds == 0.0
    assert "deadline Wed 04 Mar 2026 08:30" in b.explanation


def test_february_lists_the_ticket_started_then() -> None:
    feb = report(events(), "2026-02", until="2026-04-02 00:00")
    assert [p.ticket_id for p in feb.priority_one] == ["P-3"]
    assert row(feb, "response", "kritisch", "hard").open == 1
