"""R9 edge cases of a tier's outcome, through the real engine (Covide, business
subscription: incidents calendar Mon–Fri 08:00–17:00; urgent resolution soft 4 h, hard 6 h;
response 8 h), and a breach explained with a pause."""

from __future__ import annotations

from tests.streams.reports.helpers import Events, report, row


def test_a_reopened_clock_counts_at_the_stop_that_ends_it() -> None:
    # Created Fri 30 Jan 2026 09:00, resolved 10:00 (1 h: met), reopened Mon 2 Feb 09:00,
    # resolved again 10:00: 1 h + 1 h = 2 h counted, still within 4 h and 6 h. The stop that
    # ends the clock is in February: January counts nothing (the clock was open at its end,
    # as far as is known now), February counts one met clock with 2 h.
    ev = Events("cov")
    ev.ticket(
        "R",
        "2026-01-30 09:00",
        ("ticket.resolved", "2026-01-30 10:00"),
        ("ticket.reopened", "2026-02-02 09:00"),
        ("ticket.resolved", "2026-02-02 10:00"),
        kind="incident",
        priority="urgent",
    )
    jan = report(ev, "2026-01", until="2026-03-01 00:00")
    feb = report(ev, "2026-02", until="2026-03-01 00:00")
    j = row(jan, "resolution", "urgent", "hard")
    f = row(feb, "resolution", "urgent", "hard")
    assert (j.count, j.open) == (0, 1)
    assert (f.count, f.met, f.median_business_seconds) == (1, 1, 7200)


def test_a_passed_deadline_is_final_even_if_a_reopen_follows() -> None:
    # Created Mon 2 Mar 2026 09:00, not resolved by 15:00 (6 h: breach at 15:00), resolved
    # 16:00, reopened Tue 09:00 and resolved 09:30: missed, fixed at the breach in March.
    ev = Events("cov")
    ev.ticket(
        "M",
        "2026-03-02 09:00",
        ("ticket.resolved", "2026-03-02 16:00"),
        ("ticket.reopened", "2026-03-03 09:00"),
        ("ticket.resolved", "2026-03-03 09:30"),
        kind="incident",
        priority="urgent",
    )
    rep = report(ev, "2026-03", until="2026-04-01 00:00")
    hard = row(rep, "resolution", "urgent", "hard")
    assert (hard.count, hard.missed) == (1, 1)
    (b,) = rep.breaches
    assert b.breached_at.isoformat() == "2026-03-02T14:00:00+00:00"
    # the last stop (Tue 09:30 CET) is when it was finally resolved
    assert b.stopped_at.isoformat() == "2026-03-03T08:30:00+00:00"


def test_a_cancelled_ticket_counts_nowhere_unless_its_deadline_had_passed() -> None:
    # A: created Mon 2 Mar 09:00, cancelled 10:00: no outcome, not open after.
    # B: created Mon 2 Mar 09:00, cancelled Tue 3 Mar 12:00: the 6 h deadline passed Mon
    #    15:00 (breach): missed in March; soft 4 h passed at 13:00: missed.
    ev = Events("cov")
    ev.ticket(
        "A",
        "2026-03-02 09:00",
        ("ticket.cancelled", "2026-03-02 10:00"),
        kind="incident",
        priority="urgent",
    )
    ev.ticket(
        "B",
        "2026-03-02 09:00",
        ("ticket.cancelled", "2026-03-03 12:00"),
        kind="incident",
        priority="urgent",
    )
    rep = report(ev, "2026-03", until="2026-04-01 00:00")
    hard = row(rep, "resolution", "urgent", "hard")
    soft = row(rep, "resolution", "urgent", "soft")
    assert (hard.count, hard.missed, hard.open) == (1, 1, 0)
    assert (soft.count, soft.missed, soft.open) == (1, 1, 0)
    assert hard.median_business_seconds is None  # no stop with a verdict


def test_a_breach_explained_with_its_pause() -> None:
    # Created Mon 2 Mar 2026 09:00 (urgent, hard 6 h). Waiting for the customer 10:00–12:00
    # (2 h paused), so the 6 h are 09–10 (1 h) and 12:00–17:00 (5 h): deadline Mon 17:00.
    # Resolved Tue 3 Mar 09:00: missed. Counted stretches: 09:00–10:00 and 12:00–17:00;
    # paused 2 h of open time.
    ev = Events("cov")
    ev.ticket("P", "2026-03-02 09:00", kind="incident", priority="urgent")
    ev.add("ticket.updated", "2026-03-02 10:00", ticket_id="P", status="waiting_for_customer")
    ev.add("ticket.updated", "2026-03-02 12:00", ticket_id="P", status="in_progress")
    ev.add("ticket.resolved", "2026-03-03 09:00", ticket_id="P")
    rep = report(ev, "2026-03", until="2026-04-01 00:00")
    (b,) = rep.breaches
    assert b.deadline.isoformat() == "2026-03-02T16:00:00+00:00"
    assert [(p.start.isoformat(), p.end.isoformat(), p.status) for p in b.pauses] == [
        ("2026-03-02T09:00:00+00:00", "2026-03-02T11:00:00+00:00", "waiting_for_customer")
    ]
    assert b.paused_seconds == 7200
    assert [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in b.segments] == [
        ("09:00", "10:00"),
        ("12:00", "17:00"),
    ]
    assert b.counted_seconds == 6 * 3600
    assert "paused 1× (2h00m of open time) while waiting_for_customer" in b.explanation
