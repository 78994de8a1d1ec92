"""Acceptance scenarios of the clock engine: Smart FMS (`smart-fms`).

Each expected instant is worked out by hand from docs/contracts.md in the comment above it,
never computed by the code under test (calendars and dates: helpers.py).
"""

from __future__ import annotations

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
    run,
    seen,
)


def test_smart_fms_only_portal_tickets_get_clocks():
    out = run(
        [
            ev("ticket.created", "fms", "S-2", d(2026, 3, 2, 11), channel="email", priority="A"),
            ev("ticket.updated", "fms", "S-2", d(2026, 3, 2, 12), status="in_progress"),
        ],
        until=d(2026, 4, 1),
    )
    assert out == []
    # no channel at all is not the portal either
    assert (
        run(
            [ev("ticket.created", "fms", "S-3", d(2026, 3, 2, 11), priority="A")],
            until=d(2026, 4, 1),
        )
        == []
    )


def test_smart_fms_portal_response_and_same_day_escalation():
    # A (2 h) Mon 2 Mar 11:00: 11:00–12:30 = 1.5 h, lunch, 13:00 + 0.5 h → 13:30 (50 % 1 h →
    # 12:00, 75 % 1.5 h → 12:30 exactly at the lunch break); same_day escalation at Monday's
    # closing time 17:00.
    out = run(
        [ev("ticket.created", "fms", "S-1", d(2026, 3, 2, 11), channel="portal", priority="A")],
        until=d(2026, 3, 12),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 12), 0.5),
        (W, "response", d(2026, 3, 2, 12, 30), 0.75),
        (B, "response", d(2026, 3, 2, 13, 30), None),
        (E, "resolution", d(2026, 3, 2, 17), "expert"),
    ]


def test_smart_fms_friday_closes_at_noon():
    # B (8 h) Fri 6 Mar 10:00: same_day escalation at Friday's closing time 12:00. Response:
    # Fri 10–12 = 2 h; Mon 9 Mar 09–12:30 = 3.5 (5.5); 13:00 + 2.5 → 15:30. 50 % = 4 h → Mon
    # 11:00; 75 % = 6 h → 13:30.
    out = run(
        [ev("ticket.created", "fms", "S-1", d(2026, 3, 6, 10), channel="portal", priority="B")],
        until=d(2026, 3, 12),
    )
    assert brief(out) == [
        (E, "resolution", d(2026, 3, 6, 12), "expert"),
        (W, "response", d(2026, 3, 9, 11), 0.5),
        (W, "response", d(2026, 3, 9, 13, 30), 0.75),
        (B, "response", d(2026, 3, 9, 15, 30), None),
    ]
    assert out[0].deadline.astimezone(AMS) == d(2026, 3, 6, 12)


def test_smart_fms_friday_afternoon_starts_monday():
    # A Fri 6 Mar 13:00 (after Friday's close): starts Mon 9 Mar 09:00 → response 11:00,
    # same_day escalation Monday 17:00.
    out = run(
        [ev("ticket.created", "fms", "S-1", d(2026, 3, 6, 13), channel="portal", priority="A")],
        until=d(2026, 3, 12),
    )
    assert [(s.type, s.at.astimezone(AMS)) for s in out if s.type != W] == [
        (B, d(2026, 3, 9, 11)),
        (E, d(2026, 3, 9, 17)),
    ]


def test_smart_fms_kings_day():
    # A Fri 24 Apr 2026 11:00: Fri 11–12 = 1 h (= 50 %, and same_day at 12:00); King's Day
    # Mon 27 Apr closed → Tue 28 Apr 09:00 + 1 h → 10:00 (75 % 09:30).
    out = run(
        [ev("ticket.created", "fms", "S-1", d(2026, 4, 24, 11), channel="portal", priority="A")],
        until=d(2026, 5, 1),
    )
    assert brief(out) == [
        (W, "response", d(2026, 4, 24, 12), 0.5),
        (E, "resolution", d(2026, 4, 24, 12), "expert"),
        (W, "response", d(2026, 4, 28, 9, 30), 0.75),
        (B, "response", d(2026, 4, 28, 10), None),
    ]


def test_smart_fms_pause_resume_and_resolved_before_close():
    # A Mon 2 Mar 09:00; waiting 09:30 (30 m counted) → resumed 11:00: 1.5 h left → 12:30
    # (50 % = 1 h → 11:30, 75 % → 12:00). Resolved 14:00: response missed (stopped by
    # resolve), resolution met before Monday's 17:00 (tier same_day), no escalation.
    out = run(
        [
            ev("ticket.created", "fms", "S-1", d(2026, 3, 2, 9), channel="portal", priority="A"),
            ev("ticket.updated", "fms", "S-1", d(2026, 3, 2, 9, 30), status="waiting_for_customer"),
            ev("ticket.updated", "fms", "S-1", d(2026, 3, 2, 11), status="open"),
            ev("ticket.resolved", "fms", "S-1", d(2026, 3, 2, 14)),
        ],
        until=d(2026, 3, 12),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 11, 30), 0.5),
        (W, "response", d(2026, 3, 2, 12), 0.75),
        (B, "response", d(2026, 3, 2, 12, 30), None),
        (MISSED, "response", d(2026, 3, 2, 14), None),
        (MET, "resolution", d(2026, 3, 2, 14), "same_day"),
    ]


def test_smart_fms_priority_changes():
    # raised C → A at Mon 14:00 (created 09:00): A's 2 h passed at 11:00 (50 % 10:00, 75 %
    # 10:30): fire at once, observed 14:00. (C's own 50 % = 8 h had not come.)
    out = run(
        [
            ev("ticket.created", "fms", "S-1", d(2026, 3, 2, 9), channel="portal", priority="C"),
            ev("ticket.updated", "fms", "S-1", d(2026, 3, 2, 14), priority="A"),
        ]
    )
    obs = d(2026, 3, 2, 14)
    assert seen(out, "response") == [
        (W, d(2026, 3, 2, 10), obs, 0.5),
        (W, d(2026, 3, 2, 10, 30), obs, 0.75),
        (B, d(2026, 3, 2, 11), obs, None),
    ]
    # lowered A → D at 09:30: D = 56 h on 7.5 h days (Fri 3 h). 50 % = 28 h: Mon 7.5, Tue 15,
    # Wed 22.5, Thu 4 Mar... → Thu 5 Mar: 09–12:30 (26), 13:00 + 2 → 15:00. 75 % = 42 h: Thu
    # 30, Fri 33, Mon 9 Mar 40.5, Tue 10 Mar 09:00 + 1.5 → 10:30. Breach 56 h: Tue 48, Wed
    # 55.5, Thu 12 Mar 09:00 + 0.5 → 09:30.
    out = run(
        [
            ev("ticket.created", "fms", "S-2", d(2026, 3, 2, 9), channel="portal", priority="A"),
            ev("ticket.updated", "fms", "S-2", d(2026, 3, 2, 9, 30), priority="D"),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out, "response") == [
        (W, "response", d(2026, 3, 5, 15), 0.5),
        (W, "response", d(2026, 3, 10, 10, 30), 0.75),
        (B, "response", d(2026, 3, 12, 9, 30), None),
    ]


def test_smart_fms_late_event_channel_becomes_portal():
    # email Mon 2 Mar 09:00 (no clocks); at Tue 3 Mar 10:00 it is moved to the portal with
    # priority A: both clocks count from creation, so response 2 h (Mon 11:00) and the
    # same_day escalation (Mon 17:00) have passed: fire at once, observed Tue 10:00.
    out = run(
        [
            ev("ticket.created", "fms", "S-1", d(2026, 3, 2, 9), channel="email"),
            ev("ticket.updated", "fms", "S-1", d(2026, 3, 3, 10), channel="portal", priority="a"),
        ]
    )
    obs = d(2026, 3, 3, 10)
    assert seen(out) == [
        (W, d(2026, 3, 2, 10), obs, 0.5),
        (W, d(2026, 3, 2, 10, 30), obs, 0.75),
        (B, d(2026, 3, 2, 11), obs, None),
        (E, d(2026, 3, 2, 17), obs, "expert"),
    ]


def test_smart_fms_reopen_escalates_at_the_start_day_close():
    # D Mon 2 Mar 09:00, responded 09:10, resolved 10:00 (met, same_day); reopened 11:00 and
    # not resolved by Monday 17:00 → escalation 17:00; resolved Tue 10:00 → missed (same_day).
    out = run(
        [
            ev("ticket.created", "fms", "S-1", d(2026, 3, 2, 9), channel="portal", priority="D"),
            ev("ticket.responded", "fms", "S-1", d(2026, 3, 2, 9, 10)),
            ev("ticket.resolved", "fms", "S-1", d(2026, 3, 2, 10)),
            ev("ticket.reopened", "fms", "S-1", d(2026, 3, 2, 11)),
            ev("ticket.resolved", "fms", "S-1", d(2026, 3, 3, 10)),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [
        (MET, "response", d(2026, 3, 2, 9, 10), None),
        (MET, "resolution", d(2026, 3, 2, 10), "same_day"),
        (E, "resolution", d(2026, 3, 2, 17), "expert"),
        (MISSED, "resolution", d(2026, 3, 3, 10), "same_day"),
    ]


def test_smart_fms_resolved_over_the_start_day_close_never_escalates():
    # A Fri 27 Mar 2026 07:00 (before opening: the clock starts 09:00, same_day = Friday's
    # close 12:00), resolved 07:00, reopened 12:01: at 12:00 the ticket stood resolved, so the
    # same_day rung is moot for good, the reopen does not revive it (found by hypothesis).
    # The resolve also stops the response clock (A = 2 h from 09:00) before it started: met.
    out = run(
        [
            ev("ticket.created", "fms", "S-2", d(2026, 3, 27, 7), channel="portal", priority="a"),
            ev("ticket.resolved", "fms", "S-2", d(2026, 3, 27, 7)),
            ev("ticket.reopened", "fms", "S-2", d(2026, 3, 27, 12, 1)),
        ],
        until=d(2026, 4, 10),
    )
    assert brief(out) == [
        (MET, "response", d(2026, 3, 27, 7), None),
        (MET, "resolution", d(2026, 3, 27, 7), "same_day"),
    ]
