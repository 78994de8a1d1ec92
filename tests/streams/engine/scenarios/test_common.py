"""Acceptance scenarios of the clock engine: the rules common to every seed contract.

Each expected instant is worked out by hand from docs/contracts.md in the comment above it,
never computed by the code under test (calendars and dates: helpers.py).
"""

from __future__ import annotations

import pytest

from models.events import TicketEvent
from streams.engine import Engine, RejectedEvent
from streams.engine.signal import Signal
from streams.replay import replay
from tests.streams.engine.scenarios.helpers import (
    AMS,
    MET,
    MISSED,
    B,
    E,
    W,
    brief,
    d,
    ev,
    registry,
    run,
    seen,
)


def _mixed_stream() -> list[TicketEvent]:
    return [
        ev(
            "ticket.created",
            "bok",
            "INC-1",
            d(2026, 4, 2, 16),
            impact="single_user",
            urgency="laag",
            event_id="a1",
        ),
        ev(
            "ticket.created",
            "one",
            "7781",
            d(2026, 4, 3, 8, 15),
            impact="1",
            urgency="A",
            event_id="g1",
        ),
        ev("ticket.responded", "bok", "INC-1", d(2026, 4, 7, 9, 30), event_id="a2"),
        ev(
            "ticket.updated",
            "bok",
            "INC-1",
            d(2026, 4, 7, 10),
            status="waiting_for_customer",
            event_id="a3",
        ),
        ev(
            "ticket.updated",
            "bok",
            "INC-1",
            d(2026, 4, 8, 10),
            status="in_progress",
            impact="company_wide",
            urgency="hoog",
            event_id="a4",
        ),
        ev(
            "ticket.created",
            "inl",
            "X-9",
            d(2026, 4, 9, 10),
            reported_at=d(2026, 4, 8, 8),
            event_id="i1",
        ),
        ev(
            "ticket.created",
            "fms",
            "S-1",
            d(2026, 4, 9, 11),
            channel="portal",
            priority="A",
            event_id="h1",
        ),
        ev(
            "ticket.created",
            "cov-business",
            "C-1",
            d(2026, 4, 9, 18),
            priority="urgent",
            event_id="u1",
        ),
        ev("ticket.resolved", "cov-business", "C-1", d(2026, 4, 10, 13), event_id="u2"),
    ]


def test_signal_ids_are_stable_across_two_runs_and_unique():
    a = [s.to_dict() for s in run(_mixed_stream(), until=d(2026, 4, 30))]
    b = [s.to_dict() for s in run(_mixed_stream(), until=d(2026, 4, 30))]
    assert a == b
    assert len(a) > 20
    ids = [s["event_id"] for s in a]
    assert len(set(ids)) == len(ids)


def test_signal_ids_do_not_depend_on_batching_or_replay():
    # the same stream through the offline replay (JSON lines, shuffled file order)
    lines = [e.model_dump_json(exclude_unset=True) for e in _mixed_stream()]
    direct = [s.to_dict() for s in run(_mixed_stream(), until=d(2026, 4, 30))]
    res = replay(list(reversed(lines)), registry(), until=d(2026, 4, 30))
    assert res.dead_letters == []
    assert [s.to_dict() for s in res.signals] == direct


def test_late_arriving_event_fires_the_rungs_it_reveals_at_once_observed_now():
    # Engine time is already Wed 4 Mar 12:00 when a ticket.created of Mon 2 Mar 09:00 arrives
    # (beyond any allowed lateness): Bokumo multiple_users/laag, response 5 h → Mon 14:00 (50 %
    # 11:30, 75 % 12:45); resolution 24 h: 50 % = 12 h → Mon 8 + Tue 4 → Tue 13:00, 75 % =
    # 18 h → Wed 09:00 + 2 → 11:00 (+ second_line). All due before Wed 12:00: they fire with
    # the event, observed Wed 12:00 (engine bug, fixed: they used to wait for the next advance
    # and then claim observed_at = at). The breach Wed 17:00 is still ahead: it fires on time.
    eng = Engine(registry())
    now = d(2026, 3, 4, 12)
    assert eng.advance(now) == []
    out = eng.apply(
        ev(
            "ticket.created",
            "bok",
            "L1",
            d(2026, 3, 2, 9),
            impact="multiple_users",
            urgency="laag",
        )
    )
    assert eng.stats.late == 1
    assert seen(out) == [
        (W, d(2026, 3, 2, 11, 30), now, 0.5),
        (W, d(2026, 3, 2, 12, 45), now, 0.75),
        (B, d(2026, 3, 2, 14), now, None),
        (W, d(2026, 3, 3, 13), now, 0.5),
        (W, d(2026, 3, 4, 11), now, 0.75),
        (E, d(2026, 3, 4, 11), now, "second_line"),
    ]
    later = eng.advance(d(2026, 3, 10))
    assert seen(later) == [
        (B, d(2026, 3, 4, 17), d(2026, 3, 4, 17), None),
        (E, d(2026, 3, 4, 17), d(2026, 3, 4, 17), "third_line"),
    ]


def test_1do_december_24_and_31_close_at_16():
    # ernstig (1 h) Thu 24 Dec 2026 15:30: 30 m until 16:00; Christmas (Fri 25), weekend →
    # Mon 28 Dec 08:00 + 30 m → 08:30 (50 % exactly at 16:00, 75 % Mon 08:15).
    out = run(
        [ev("ticket.created", "one", "T1", d(2026, 12, 24, 15, 30), impact="2", urgency="A")],
        until=d(2027, 1, 8),
    )
    assert [(s.type, s.at.astimezone(AMS)) for s in out if s.type != E] == [
        (W, d(2026, 12, 24, 16)),
        (W, d(2026, 12, 28, 8, 15)),
        (B, d(2026, 12, 28, 8, 30)),
    ]
    # Thu 31 Dec 15:30 likewise; New Year's Day Fri 1 Jan, weekend → Mon 4 Jan 2027 08:30
    out = run(
        [ev("ticket.created", "one", "T2", d(2026, 12, 31, 15, 30), impact="2", urgency="A")],
        until=d(2027, 1, 8),
    )
    assert [s.at.astimezone(AMS) for s in out if s.type == B] == [d(2027, 1, 4, 8, 30)]
    # the calamity service covers the hours around it: kritisch 24 Dec 15:50 + 30 m → 16:20
    out = run(
        [ev("ticket.created", "onecal", "T3", d(2026, 12, 24, 15, 50), impact="1", urgency="A")],
        until=d(2027, 1, 8),
    )
    assert [s.at.astimezone(AMS) for s in out if s.type == B] == [d(2026, 12, 24, 16, 20)]


def test_paused_time_survives_a_priority_change_onto_another_calendar():
    # bok247 single_user/laag Mon 2 Mar 09:00; waiting_for_customer 10:00 (1 h counted) →
    # resumed Tue 3 Mar 09:00; at 09:30 raised to company_wide/hoog = kritiek, 24x7 with
    # critical_after_hours. Counted on 24x7: Mon 09–10 + Tue 09:00–09:30 = 1.5 h (the paused
    # night is not counted). Resolution 2 h → Tue 10:00; its 50 % (1 h) was reached Mon 10:00,
    # its 75 % (1.5 h) at the change itself. Response 30 m → reached Mon 09:30.
    out = run(
        [
            ev(
                "ticket.created",
                "bok247",
                "T1",
                d(2026, 3, 2, 9),
                impact="single_user",
                urgency="laag",
            ),
            ev("ticket.updated", "bok247", "T1", d(2026, 3, 2, 10), status="waiting_for_customer"),
            ev("ticket.updated", "bok247", "T1", d(2026, 3, 3, 9), status="open"),
            ev(
                "ticket.updated",
                "bok247",
                "T1",
                d(2026, 3, 3, 9, 30),
                impact="company_wide",
                urgency="hoog",
            ),
        ],
        until=d(2026, 3, 4),
    )
    obs = d(2026, 3, 3, 9, 30)
    assert seen(out) == [
        (W, d(2026, 3, 2, 9, 15), obs, 0.5),
        (W, d(2026, 3, 2, 9, 22, 30), obs, 0.75),
        (B, d(2026, 3, 2, 9, 30), obs, None),
        (W, d(2026, 3, 2, 10), obs, 0.5),
        (W, d(2026, 3, 3, 9, 30), obs, 0.75),
        (E, d(2026, 3, 3, 9, 30), obs, "second_line"),
        (B, d(2026, 3, 3, 10), d(2026, 3, 3, 10), None),
        (E, d(2026, 3, 3, 10), d(2026, 3, 3, 10), "third_line"),
    ]
    assert out[-2].elapsed_business_seconds == 2 * 3600


def test_closed_gives_verdicts_cancelled_does_not_and_both_end_the_ticket():
    # Covide urgent Mon 2 Mar 09:00: response premium 4 h → 13:00 (breached), resolution hard
    # 6 h → 15:00. Closed at 14:00: response missed, resolution met.
    events = [
        ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="urgent"),
        ev("ticket.closed", "cov-premium", "C-1", d(2026, 3, 2, 14)),
    ]
    out = run(events, until=d(2026, 3, 10))
    assert [(s.type, s.clock, s.at.astimezone(AMS)) for s in out if s.type in (MET, MISSED)] == [
        (MISSED, "response", d(2026, 3, 2, 14)),
        (MET, "resolution", d(2026, 3, 2, 14)),
    ]
    assert [s for s in out if s.at.astimezone(AMS) > d(2026, 3, 2, 14)] == []
    # cancelled at 10:00: no verdict, nothing after
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-2", d(2026, 3, 2, 9), priority="urgent"),
            ev("ticket.cancelled", "cov-premium", "C-2", d(2026, 3, 2, 10)),
        ],
        until=d(2026, 3, 10),
    )
    assert out == []
    eng = Engine(registry())
    for e in events:
        eng.apply(e)
    with pytest.raises(RejectedEvent, match="already closed"):
        eng.apply(ev("ticket.reopened", "cov-premium", "C-1", d(2026, 3, 3, 9)))


def _reopen_case(ticket: str, mid: list[TicketEvent]) -> list[Signal]:
    return run(
        [
            ev(
                "ticket.created",
                "bok",
                ticket,
                d(2026, 3, 2, 9),
                impact="single_user",
                urgency="hoog",
            ),
            ev("ticket.responded", "bok", ticket, d(2026, 3, 2, 9, 30)),
            *mid,
            ev("ticket.reopened", "bok", ticket, d(2026, 3, 3, 9)),
        ],
        until=d(2026, 3, 10),
    )


def test_reopen_resumes_paused_when_the_ticket_waits_on_the_customer():
    # single_user/hoog (2 workdays = 16 h) Mon 2 Mar 09:00, resolved 10:00 (1 h counted),
    # waiting_for_customer 11:00 while resolved, reopened Tue 09:00 still waiting: the clock
    # stays paused (R4) — nothing fires (engine bug, fixed: it counted while waiting).
    out = _reopen_case(
        "R1",
        [
            ev("ticket.resolved", "bok", "R1", d(2026, 3, 2, 10)),
            ev("ticket.updated", "bok", "R1", d(2026, 3, 2, 11), status="waiting_for_customer"),
        ],
    )
    assert brief(out) == [
        (MET, "response", d(2026, 3, 2, 9, 30), None),
        (MET, "resolution", d(2026, 3, 2, 10), None),
    ]


def test_reopen_resumes_running_when_the_wait_ended_while_resolved():
    # waiting_for_customer 10:00 (1 h counted), resolved 11:00, in_progress 12:00 while
    # resolved, reopened Tue 3 Mar 09:00: the clock runs again (engine bug, fixed: it stayed
    # paused for good). 15 h left: Tue 8 (9) + Wed 7 → Wed 4 Mar 16:00; 50 % = 8 h → Tue
    # 16:00; 75 % = 12 h → Wed 12:00.
    out = _reopen_case(
        "R2",
        [
            ev("ticket.updated", "bok", "R2", d(2026, 3, 2, 10), status="waiting_for_customer"),
            ev("ticket.resolved", "bok", "R2", d(2026, 3, 2, 11)),
            ev("ticket.updated", "bok", "R2", d(2026, 3, 2, 12), status="in_progress"),
        ],
    )
    assert brief(out, "resolution")[1:] == [
        (W, "resolution", d(2026, 3, 3, 16), 0.5),
        (W, "resolution", d(2026, 3, 4, 12), 0.75),
        (E, "resolution", d(2026, 3, 4, 12), "second_line"),
        (B, "resolution", d(2026, 3, 4, 16), None),
        (E, "resolution", d(2026, 3, 4, 16), "third_line"),
    ]


def test_smart_fms_resolved_on_the_start_day_then_reopened_later_does_not_escalate():
    # D Mon 2 Mar 09:00, responded 09:10, resolved 10:00 — resolved on the business day its
    # clock started, so at Monday's close 17:00 there is nothing to escalate. Reopened Tue
    # 3 Mar 10:00: the engine then fires the Monday 17:00 escalation (observed Tue 10:00).
    out = run(
        [
            ev("ticket.created", "fms", "S-1", d(2026, 3, 2, 9), channel="portal", priority="D"),
            ev("ticket.responded", "fms", "S-1", d(2026, 3, 2, 9, 10)),
            ev("ticket.resolved", "fms", "S-1", d(2026, 3, 2, 10)),
            ev("ticket.reopened", "fms", "S-1", d(2026, 3, 3, 10)),
        ],
        until=d(2026, 3, 20),
    )
    assert [s for s in out if s.type == E] == []
