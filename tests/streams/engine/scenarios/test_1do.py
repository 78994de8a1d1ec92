"""Acceptance scenarios of the clock engine: 1do (`1do`).

Each expected instant is worked out by hand from docs/contracts.md in the comment above it,
never computed by the code under test (calendars and dates: helpers.py).
"""

from __future__ import annotations

import pytest

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


def test_1do_kritisch_response_runs_on_the_supportcenter_calendar():
    # 1/A kritisch, 30 m. Mon 2 Mar 16:45: 15 m until 17:00 → 50 % exactly at Mon 17:00 (the
    # earliest instant, R2); Tue 08:00 + 7.5 m → 75 % 08:07:30; + 15 m → breach Tue 08:15,
    # with escalation step 1 (service_manager) at the breach.
    out = run(
        [ev("ticket.created", "one", "7781", d(2026, 3, 2, 16, 45), impact="1", urgency="A")],
        until=d(2026, 3, 5),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 17), 0.5),
        (W, "response", d(2026, 3, 3, 8, 7, 30), 0.75),
        (B, "response", d(2026, 3, 3, 8, 15), None),
        (E, "response", d(2026, 3, 3, 8, 15), "service_manager"),
    ]
    assert {(s.priority, s.cell) for s in out} == {("kritisch", "1/a")}


@pytest.mark.parametrize(
    ("created", "impact", "expected"),
    [
        # calamity_service: kritisch on 07:00–23:00. Mon 16:45 + 30 m → 17:15 the same day
        (
            d(2026, 3, 2, 16, 45),
            "1",
            [d(2026, 3, 2, 17), d(2026, 3, 2, 17, 7, 30), d(2026, 3, 2, 17, 15)],
        ),
        # Mon 22:50: 10 m until 23:00, Tue 07:00 + 20 m → 07:20 (50 % 07:05, 75 % 07:12:30)
        (
            d(2026, 3, 2, 22, 50),
            "1",
            [d(2026, 3, 3, 7, 5), d(2026, 3, 3, 7, 12, 30), d(2026, 3, 3, 7, 20)],
        ),
        # calamity is workdays only: Sat 7 Mar 10:00 → Mon 9 Mar 07:00 + 30 m → 07:30
        (
            d(2026, 3, 7, 10),
            "1",
            [d(2026, 3, 9, 7, 15), d(2026, 3, 9, 7, 22, 30), d(2026, 3, 9, 7, 30)],
        ),
        # same holidays: King's Day Mon 27 Apr 2026 10:00 → Tue 28 Apr 07:00 + 30 m → 07:30
        (
            d(2026, 4, 27, 10),
            "1",
            [d(2026, 4, 28, 7, 15), d(2026, 4, 28, 7, 22, 30), d(2026, 4, 28, 7, 30)],
        ),
        # ernstig (2/A, 1 h) stays on the supportcenter: Mon 16:30 + 30 m, Tue 08:00 + 30 m
        (
            d(2026, 3, 2, 16, 30),
            "2",
            [d(2026, 3, 2, 17), d(2026, 3, 3, 8, 15), d(2026, 3, 3, 8, 30)],
        ),
    ],
)
def test_1do_calamity_service_runs_kritisch_on_calamity_hours(created, impact, expected):
    out = run(
        [ev("ticket.created", "onecal", "T1", created, impact=impact, urgency="A")],
        until=d(2026, 5, 5),
    )
    assert [(s.type, s.at.astimezone(AMS)) for s in out if s.type != E] == [
        (W, expected[0]),
        (W, expected[1]),
        (B, expected[2]),
    ]


def test_1do_standaard_is_a_soft_target_that_never_breaches():
    # 3/A standaard: soft 1 workday = 9 h. Mon 2 Mar 09:00: Mon 09–17 = 8 h, Tue 08:00 + 1 h →
    # soft warning Tue 09:00; 50 % = 4.5 h → 13:30, 75 % = 6.75 h → 15:45. Responded Tue
    # 10:00: the verdict is missed (tier soft); there is no sla.breach and no escalation.
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), impact="3", urgency="A"),
            ev("ticket.responded", "one", "T1", d(2026, 3, 3, 10)),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 13, 30), 0.5),
        (W, "response", d(2026, 3, 2, 15, 45), 0.75),
        (W, "response", d(2026, 3, 3, 9), "soft"),
        (MISSED, "response", d(2026, 3, 3, 10), "soft"),
    ]
    # never responded at all: still no breach
    out = run(
        [ev("ticket.created", "one", "T2", d(2026, 3, 2, 9), impact="3", urgency="A")],
        until=d(2026, 6, 1),
    )
    assert [s.type for s in out] == [W, W, W]


@pytest.mark.parametrize(
    ("kind", "impact", "urgency"),
    [
        ("service_request", "1", "A"),  # only incidents get a priority and clocks
        ("change", "1", "A"),
        ("incident", "3", "B"),  # laag: "geen afspraak", no response clock
        ("incident", "2", "C"),  # laag
    ],
)
def test_1do_no_clocks(kind, impact, urgency):
    out = run(
        [
            ev(
                "ticket.created",
                "one",
                "T1",
                d(2026, 3, 2, 9),
                kind=kind,
                impact=impact,
                urgency=urgency,
            ),
            # later events without `kind` do not turn it into an incident (engine bug, fixed)
            ev("ticket.updated", "one", "T1", d(2026, 3, 2, 10), status="in_progress"),
            ev("ticket.updated", "one", "T1", d(2026, 3, 2, 11), status="waiting_for_customer"),
        ],
        until=d(2026, 4, 1),
    )
    assert out == []


def test_1do_good_friday_is_open_until_16_and_easter_monday_closed():
    # kritisch Good Friday 3 Apr 2026 15:50: open until 16:00 → 10 m; weekend, Easter Monday
    # closed → Tue 7 Apr 08:00 + 20 m → breach 08:20 (50 % = 15 m → 08:05, 75 % → 08:12:30).
    # (Closing at 17:00 it would breach Fri 16:20; closed all day, Tue 08:30.)
    out = run(
        [ev("ticket.created", "one", "T1", d(2026, 4, 3, 15, 50), impact="1", urgency="A")],
        until=d(2026, 4, 10),
    )
    assert brief(out) == [
        (W, "response", d(2026, 4, 7, 8, 5), 0.5),
        (W, "response", d(2026, 4, 7, 8, 12, 30), 0.75),
        (B, "response", d(2026, 4, 7, 8, 20), None),
        (E, "response", d(2026, 4, 7, 8, 20), "service_manager"),
    ]


def test_1do_good_friday_morning_counts():
    # standaard soft 9 h from Thu 2 Apr 2026 09:00: Thu 8 h, Good Friday 08:00 + 1 h → 09:00
    # (Bokumo would skip to Tue 7 Apr).
    out = run(
        [ev("ticket.created", "one", "T1", d(2026, 4, 2, 9), impact="3", urgency="A")],
        until=d(2026, 4, 10),
    )
    assert [s.at.astimezone(AMS) for s in out if s.tier == "soft"] == [d(2026, 4, 3, 9)]


def test_1do_kings_day_is_closed():
    # ernstig (2/A, 1 h) Fri 24 Apr 2026 16:30: 30 m, weekend, King's Day Mon 27 Apr closed →
    # Tue 28 Apr 08:30 (50 % exactly at Fri 17:00, 75 % Tue 08:15).
    out = run(
        [ev("ticket.created", "one", "T1", d(2026, 4, 24, 16, 30), impact="2", urgency="A")],
        until=d(2026, 5, 1),
    )
    assert [(s.type, s.at.astimezone(AMS)) for s in out] == [
        (W, d(2026, 4, 24, 17)),
        (W, d(2026, 4, 28, 8, 15)),
        (B, d(2026, 4, 28, 8, 30)),
        (E, d(2026, 4, 28, 8, 30)),
    ]


def test_1do_pause_and_resume():
    # ernstig 1 h Mon 2 Mar 09:00; waiting_for_customer 09:20 (20 m counted) → resumed Tue
    # 3 Mar 14:00: 40 m left → 14:40 (50 % = 30 m → 14:10, 75 % = 45 m → 14:25).
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), impact="2", urgency="A"),
            ev("ticket.updated", "one", "T1", d(2026, 3, 2, 9, 20), status="waiting_for_customer"),
            ev("ticket.updated", "one", "T1", d(2026, 3, 3, 14), status="open"),
        ],
        until=d(2026, 3, 5),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 3, 14, 10), 0.5),
        (W, "response", d(2026, 3, 3, 14, 25), 0.75),
        (B, "response", d(2026, 3, 3, 14, 40), None),
        (E, "response", d(2026, 3, 3, 14, 40), "service_manager"),
    ]
    assert out[2].elapsed_business_seconds == 3600


def test_1do_priority_raised_fires_the_passed_breach_at_the_change():
    # standaard (3/A) Mon 09:00; at 10:00 impact 1 → kritisch (30 m from 09:00): 50 % 09:15,
    # 75 % 09:22:30, breach + service_manager 09:30, all observed 10:00.
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), impact="3", urgency="A"),
            ev("ticket.updated", "one", "T1", d(2026, 3, 2, 10), impact="1"),
        ]
    )
    obs = d(2026, 3, 2, 10)
    assert seen(out) == [
        (W, d(2026, 3, 2, 9, 15), obs, 0.5),
        (W, d(2026, 3, 2, 9, 22, 30), obs, 0.75),
        (B, d(2026, 3, 2, 9, 30), obs, None),
        (E, d(2026, 3, 2, 9, 30), obs, "service_manager"),
    ]


def test_1do_priority_lowered_moves_the_deadline_and_to_laag_drops_the_clock():
    # kritisch Mon 09:00, lowered to ernstig (2/A, 1 h) at 09:10 (before kritisch's 09:15
    # warning): 50 % 09:30, 75 % 09:45, breach 10:00.
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), impact="1", urgency="A"),
            ev("ticket.updated", "one", "T1", d(2026, 3, 2, 9, 10), impact="2"),
        ],
        until=d(2026, 3, 3),
    )
    assert [(s.type, s.at.astimezone(AMS), s.priority) for s in out] == [
        (W, d(2026, 3, 2, 9, 30), "ernstig"),
        (W, d(2026, 3, 2, 9, 45), "ernstig"),
        (B, d(2026, 3, 2, 10), "ernstig"),
        (E, d(2026, 3, 2, 10), "ernstig"),
    ]
    # lowered to laag (3/C): no response target any more — nothing fires
    out = run(
        [
            ev("ticket.created", "one", "T2", d(2026, 3, 2, 9), impact="1", urgency="A"),
            ev("ticket.updated", "one", "T2", d(2026, 3, 2, 9, 10), impact="3", urgency="C"),
        ],
        until=d(2026, 3, 10),
    )
    assert out == []


def test_1do_late_event_service_request_becomes_an_incident():
    # service_request Mon 09:00 (no clocks); at 11:00 reclassified incident 1/A: the response
    # clock counts from creation (R5), 30 m → 09:30 passed: fires at once, observed 11:00.
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), kind="service_request"),
            ev(
                "ticket.updated",
                "one",
                "T1",
                d(2026, 3, 2, 11),
                kind="incident",
                impact="1",
                urgency="a",
            ),
        ]
    )
    obs = d(2026, 3, 2, 11)
    assert seen(out) == [
        (W, d(2026, 3, 2, 9, 15), obs, 0.5),
        (W, d(2026, 3, 2, 9, 22, 30), obs, 0.75),
        (B, d(2026, 3, 2, 9, 30), obs, None),
        (E, d(2026, 3, 2, 9, 30), obs, "service_manager"),
    ]


def test_1do_reopen_does_not_restart_the_response_clock():
    # ernstig Mon 09:00 (50 % 09:30); resolved 09:40 stops the response clock (met, deadline
    # 10:00); reopened 10:00: 1do has no resolution clock and the response clock does not
    # resume, so nothing more fires.
    out = run(
        [
            ev("ticket.created", "one", "T1", d(2026, 3, 2, 9), impact="2", urgency="A"),
            ev("ticket.resolved", "one", "T1", d(2026, 3, 2, 9, 40)),
            ev("ticket.reopened", "one", "T1", d(2026, 3, 2, 10)),
        ],
        until=d(2026, 3, 10),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 9, 30), 0.5),
        (MET, "response", d(2026, 3, 2, 9, 40), None),
    ]
    assert out[1].deadline.astimezone(AMS) == d(2026, 3, 2, 10)
