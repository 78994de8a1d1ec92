"""A clock that a later change brings in is derived from the ticket's whole lifecycle
history (docs: "How the clocks work", R8 of the contracts' reading): already stopped if
the ticket was responded (response) or is resolved (resolution), and counting no resolved
time. These are the five reproductions of issue 12, each expected value worked out by hand
in the comment above it (Europe/Amsterdam local time; 2026-03-02 is a Monday, CET).
"""

from __future__ import annotations

from tests.streams.engine.scenarios.helpers import MET, d, ev, run, seen


def test_1do_laag_responded_then_kritisch_is_met_at_the_response():
    # 3/C is laag (no response clock); responded 09:10; 1/A at 11:00 is kritisch (30 m on
    # supportcenter 08:00-17:00): the clock starts at creation 09:00, deadline 09:30, and is
    # already stopped at 09:10 -> met, revealed at the change. No warning, no breach.
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), impact="3", urgency="C"),
            ev("ticket.responded", "one", "T1", d(2026, 3, 2, 9, 10)),
            ev("ticket.updated", "one", "T1", d(2026, 3, 2, 11), impact="1", urgency="A"),
        ],
        until=d(2026, 3, 3, 12),
    )
    assert seen(out) == [(MET, d(2026, 3, 2, 9, 10), d(2026, 3, 2, 11), None)]
    assert out[0].deadline == d(2026, 3, 2, 9, 30)


def test_1do_kritisch_laag_responded_kritisch_is_met_at_the_response():
    # 1/A (30 m, deadline 09:30) -> 3/C at 09:05 (clock inactive) -> responded 09:10 while
    # inactive -> 1/A at 11:00: the clock comes back already stopped at 09:10 -> met.
    out = run(
        [
            ev("ticket.created", "one", "T2", d(2026, 3, 2, 9), impact="1", urgency="A"),
            ev("ticket.updated", "one", "T2", d(2026, 3, 2, 9, 5), impact="3", urgency="C"),
            ev("ticket.responded", "one", "T2", d(2026, 3, 2, 9, 10)),
            ev("ticket.updated", "one", "T2", d(2026, 3, 2, 11), impact="1", urgency="A"),
        ],
        until=d(2026, 3, 3, 12),
    )
    assert seen(out) == [(MET, d(2026, 3, 2, 9, 10), d(2026, 3, 2, 11), None)]
    assert out[0].deadline == d(2026, 3, 2, 9, 30)


def test_smart_fms_email_responded_then_portal_is_met_and_still_escalates_the_same_day():
    # e-mail tickets get no clocks; responded 09:30; moved to the portal at 10:00: response A
    # (2 h on service_window Mon 09:00-12:30, 13:00-17:00) from 09:00 -> deadline 11:00,
    # stopped at 09:30 -> met. The same-day resolution clock started Monday 09:00, the ticket
    # is not resolved that day -> escalation at Monday's closing time 17:00.
    out = run(
        [
            ev("ticket.created", "fms", "T3", d(2026, 3, 2, 9), priority="A", channel="email"),
            ev("ticket.responded", "fms", "T3", d(2026, 3, 2, 9, 30)),
            ev("ticket.updated", "fms", "T3", d(2026, 3, 2, 10), channel="portal"),
        ],
        until=d(2026, 3, 2, 18),
    )
    assert seen(out) == [
        (MET, d(2026, 3, 2, 9, 30), d(2026, 3, 2, 10), None),
        ("sla.escalation", d(2026, 3, 2, 17), d(2026, 3, 2, 17), "expert"),
    ]
    assert [s.clock for s in out] == ["response", "resolution"]
    assert out[0].deadline == d(2026, 3, 2, 11)


def test_bokumo_incident_responded_then_vulnerability_assessment_is_met():
    # single_user/laag incident: response 8 h (09:00 -> 17:00), responded 10:00 -> met.
    # At 11:00 it becomes a vulnerability with cvss 9.8: the assessment clock (24 h on 24x7
    # from creation 09:00 -> Tuesday 09:00) stops at ticket.responded -> already stopped at
    # 10:00 -> met, revealed at 11:00. The incident clocks go inactive: nothing else.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T4",
                d(2026, 3, 2, 9),
                impact="single_user",
                urgency="laag",
            ),
            ev("ticket.responded", "bok", "T4", d(2026, 3, 2, 10)),
            ev(
                "ticket.updated",
                "bok",
                "T4",
                d(2026, 3, 2, 11),
                kind="vulnerability",
                attributes={"cvss": 9.8},
            ),
        ],
        until=d(2026, 3, 20, 12),
    )
    assert [(s.clock, *x) for s, x in zip(out, seen(out), strict=True)] == [
        ("response", MET, d(2026, 3, 2, 10), d(2026, 3, 2, 10), None),
        ("assessment", MET, d(2026, 3, 2, 10), d(2026, 3, 2, 11), None),
    ]
    assert out[1].deadline == d(2026, 3, 3, 9)


def test_covide_question_resolved_reopened_then_urgent_incident_counts_no_resolved_night():
    # A question created Monday 09:00, resolved Monday 10:00, reopened Tuesday 10:00, made an
    # urgent incident Tuesday 11:00. Resolution urgent: soft 4 h, hard 6 h on incidents
    # (08:00-17:00). Counted: Monday 09:00-10:00 (1 h), then from Tuesday 10:00: the hard
    # deadline is Tuesday 15:00 (not Monday 15:00: the resolved night does not count), the
    # soft one 13:00 (1 h + 3 h), warnings at 3 h (12:00) and 4.5 h (13:30). The response
    # clock (resolving stops it) was stopped Monday 10:00 while it was the question's; it
    # keeps that verdict.
    events = [
        ev(
            "ticket.created",
            "cov-premium",
            "T5",
            d(2026, 3, 2, 9),
            kind="question",
            priority="urgent",
        ),
        ev("ticket.resolved", "cov-premium", "T5", d(2026, 3, 2, 10)),
        ev("ticket.reopened", "cov-premium", "T5", d(2026, 3, 3, 10)),
        ev("ticket.updated", "cov-premium", "T5", d(2026, 3, 3, 11), kind="incident"),
    ]
    out = run(events, until=d(2026, 3, 3, 18))
    res = [s for s in out if s.clock == "resolution"]
    assert seen(res) == [
        ("sla.warning", d(2026, 3, 3, 12), d(2026, 3, 3, 12), 0.5),
        ("sla.warning", d(2026, 3, 3, 13), d(2026, 3, 3, 13), "soft"),
        ("sla.warning", d(2026, 3, 3, 13, 30), d(2026, 3, 3, 13, 30), 0.75),
        ("sla.breach", d(2026, 3, 3, 15), d(2026, 3, 3, 15), None),
    ]
    assert res[-1].deadline == d(2026, 3, 3, 15)
    assert seen(out, "response") == [(MET, d(2026, 3, 2, 10), d(2026, 3, 2, 10), None)]
