"""Acceptance scenarios of the clock engine: Bokumo ICT (`bokumo-ict`).

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


def test_bokumo_the_two_laag_cells_have_their_own_targets():
    # single_user/laag: response 8 h, resolution 5 workdays = 40 h. Mon 2 Mar 09:00:
    # response 50 % = 4 h → 13:00, 75 % = 6 h → 15:00, breach 8 h → Mon 17:00 (R2: not Tue
    # 09:00). Resolution 50 % = 20 h → Mon 8 + Tue 8 + Wed 4 → Wed 13:00; 75 % = 30 h →
    # Mon–Wed 24 + Thu 6 → Thu 15:00 (+ second_line); 40 h → Fri 6 Mar 17:00 (+ third_line).
    out = run(
        [ev("ticket.created", "bok", "T1", d(2026, 3, 2, 9), impact="single_user", urgency="laag")],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 13), 0.5),
        (W, "response", d(2026, 3, 2, 15), 0.75),
        (B, "response", d(2026, 3, 2, 17), None),
        (W, "resolution", d(2026, 3, 4, 13), 0.5),
        (W, "resolution", d(2026, 3, 5, 15), 0.75),
        (E, "resolution", d(2026, 3, 5, 15), "second_line"),
        (B, "resolution", d(2026, 3, 6, 17), None),
        (E, "resolution", d(2026, 3, 6, 17), "third_line"),
    ]
    assert {(s.priority, s.cell) for s in out} == {("laag", "single_user/laag")}

    # multiple_users/laag (same level laag): response 5 h → Mon 14:00 (50 % 2.5 h → 11:30,
    # 75 % 3.75 h → 12:45); resolution 3 workdays = 24 h → Wed 4 Mar 17:00.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T2",
                d(2026, 3, 2, 9),
                impact="multiple_users",
                urgency="laag",
            )
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out, "response") == [
        (W, "response", d(2026, 3, 2, 11, 30), 0.5),
        (W, "response", d(2026, 3, 2, 12, 45), 0.75),
        (B, "response", d(2026, 3, 2, 14), None),
    ]
    assert [s.at.astimezone(AMS) for s in out if s.type == B and s.clock == "resolution"] == [
        d(2026, 3, 4, 17)
    ]
    assert {s.cell for s in out} == {"multiple_users/laag"}


def test_bokumo_direct_level_laag_takes_the_strictest_laag_cell():
    # priority "laag" directly → the strictest laag cell multiple_users/laag (5 h / 3 workdays):
    # response breach Mon 14:00, resolution breach Wed 4 Mar 17:00 (as above).
    out = run(
        [ev("ticket.created", "bok", "T1", d(2026, 3, 2, 9), priority="laag")],
        until=d(2026, 3, 20),
    )
    breaches = [(s.clock, s.at.astimezone(AMS), s.cell) for s in out if s.type == B]
    assert breaches == [
        ("response", d(2026, 3, 2, 14), "multiple_users/laag"),
        ("resolution", d(2026, 3, 4, 17), "multiple_users/laag"),
    ]


def test_bokumo_pause_and_resume_moves_the_resolution_deadline():
    # single_user/medium: response 5 h, resolution 3 workdays = 24 h. Mon 2 Mar 09:00,
    # responded 09:30 (met), waiting_for_customer Mon 13:00 (4 h counted) → resumed Wed 4 Mar
    # 11:00: 20 h left = Wed 11–17 (6, total 10) + Thu 8 (18) + Fri 6 → Fri 6 Mar 15:00.
    # 50 % = 12 h: 10 by Wed 17:00 + 2 → Thu 11:00; 75 % = 18 h → Thu 17:00.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T1",
                d(2026, 3, 2, 9),
                impact="single_user",
                urgency="medium",
            ),
            ev("ticket.responded", "bok", "T1", d(2026, 3, 2, 9, 30)),
            ev("ticket.updated", "bok", "T1", d(2026, 3, 2, 13), status="waiting_for_customer"),
            ev("ticket.updated", "bok", "T1", d(2026, 3, 4, 11), status="in_progress"),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [
        (MET, "response", d(2026, 3, 2, 9, 30), None),
        (W, "resolution", d(2026, 3, 5, 11), 0.5),
        (W, "resolution", d(2026, 3, 5, 17), 0.75),
        (E, "resolution", d(2026, 3, 5, 17), "second_line"),
        (B, "resolution", d(2026, 3, 6, 15), None),
        (E, "resolution", d(2026, 3, 6, 15), "third_line"),
    ]
    breach = next(s for s in out if s.type == B)
    assert breach.elapsed_business_seconds == 24 * 3600
    # wall time from Mon 09:00 to Fri 15:00 = 4 days 6 h
    assert breach.elapsed_wall_seconds == (4 * 24 + 6) * 3600


def test_bokumo_priority_raised_via_matrix_reveals_passed_rungs_at_the_change():
    # single_user/laag Mon 09:00 (response 50 % would be 13:00: nothing fired yet). At 11:30
    # the cell becomes company_wide/hoog (kritiek): response 30 m → 50 % 09:15, 75 % 09:22:30,
    # breach 09:30; resolution 2 h → 50 % 10:00, 75 % 10:30 (+ second_line), breach 11:00
    # (+ third_line). All already passed: they fire at once, observed at the change (11:30).
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T1",
                d(2026, 3, 2, 9),
                impact="single_user",
                urgency="laag",
            ),
            ev(
                "ticket.updated",
                "bok",
                "T1",
                d(2026, 3, 2, 11, 30),
                impact="company_wide",
                urgency="hoog",
            ),
        ]
    )
    obs = d(2026, 3, 2, 11, 30)
    assert seen(out) == [
        (W, d(2026, 3, 2, 9, 15), obs, 0.5),
        (W, d(2026, 3, 2, 9, 22, 30), obs, 0.75),
        (B, d(2026, 3, 2, 9, 30), obs, None),
        (W, d(2026, 3, 2, 10), obs, 0.5),
        (W, d(2026, 3, 2, 10, 30), obs, 0.75),
        (E, d(2026, 3, 2, 10, 30), obs, "second_line"),
        (B, d(2026, 3, 2, 11), obs, None),
        (E, d(2026, 3, 2, 11), obs, "third_line"),
    ]
    assert {(s.priority, s.cell) for s in out} == {("kritiek", "company_wide/hoog")}
    assert [s.deadline.astimezone(AMS) for s in out if s.type == B] == [
        d(2026, 3, 2, 9, 30),
        d(2026, 3, 2, 11),
    ]


def test_bokumo_priority_lowered_keeps_elapsed_time_and_fired_rungs_stay_fired():
    # company_wide/hoog Mon 09:00: kritiek response 50 % (15 m) fires at 09:15. At 09:20
    # lowered to single_user/medium: response 5 h from 09:00 (20 min kept) → 14:00; its 50 %
    # rung (11:30) already fired under kritiek and never fires twice (R7); 75 % = 3 h 45 →
    # 12:45. Resolution now 3 workdays: 50 % = 12 h is Tue 13:00, after `until`.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T1",
                d(2026, 3, 2, 9),
                impact="company_wide",
                urgency="hoog",
            ),
            ev(
                "ticket.updated",
                "bok",
                "T1",
                d(2026, 3, 2, 9, 20),
                impact="single_user",
                urgency="medium",
            ),
        ],
        until=d(2026, 3, 2, 18),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 2, 9, 15), 0.5),
        (W, "response", d(2026, 3, 2, 12, 45), 0.75),
        (B, "response", d(2026, 3, 2, 14), None),
    ]
    assert [s.priority for s in out] == ["kritiek", "laag", "laag"]


def test_bokumo_resolve_and_reopen_resumes_without_counting_resolved_time():
    # single_user/hoog (medium: response 3 h, resolution 2 workdays = 16 h). Tue 3 Mar 09:00;
    # responded 10:00 (met); resolved 15:00 (6 h counted, met); reopened Thu 5 Mar 09:00 →
    # 10 h left: Thu 8 + Fri 2 → Fri 6 Mar 11:00. 50 % = 8 h: 6 + 2 → Thu 11:00; 75 % = 12 h →
    # Thu 15:00; resolved again Fri 12:00 → missed.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T1",
                d(2026, 3, 3, 9),
                impact="single_user",
                urgency="hoog",
            ),
            ev("ticket.responded", "bok", "T1", d(2026, 3, 3, 10)),
            ev("ticket.resolved", "bok", "T1", d(2026, 3, 3, 15)),
            ev("ticket.reopened", "bok", "T1", d(2026, 3, 5, 9)),
            ev("ticket.resolved", "bok", "T1", d(2026, 3, 6, 12)),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [
        (MET, "response", d(2026, 3, 3, 10), None),
        (MET, "resolution", d(2026, 3, 3, 15), None),
        (W, "resolution", d(2026, 3, 5, 11), 0.5),
        (W, "resolution", d(2026, 3, 5, 15), 0.75),
        (E, "resolution", d(2026, 3, 5, 15), "second_line"),
        (B, "resolution", d(2026, 3, 6, 11), None),
        (E, "resolution", d(2026, 3, 6, 11), "third_line"),
        (MISSED, "resolution", d(2026, 3, 6, 12), None),
    ]
    # the first verdict's deadline was Wed 4 Mar 17:00 (16 h from Tue 09:00)
    assert out[1].deadline.astimezone(AMS) == d(2026, 3, 4, 17)
    assert len({s.event_id for s in out}) == len(out)


def test_bokumo_hoog_resolution_is_24_hours_on_a_24x7_clock():
    # multiple_users/hoog Fri 6 Mar 16:00: response 1 h on office → Fri 17:00 (30 m 16:30,
    # 45 m 16:45); resolution 24 h wall → Sat 7 Mar 16:00 (50 % 12 h → Sat 04:00, 75 % 18 h →
    # Sat 10:00).
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T1",
                d(2026, 3, 6, 16),
                impact="multiple_users",
                urgency="hoog",
            )
        ],
        until=d(2026, 3, 10),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 6, 16, 30), 0.5),
        (W, "response", d(2026, 3, 6, 16, 45), 0.75),
        (B, "response", d(2026, 3, 6, 17), None),
        (W, "resolution", d(2026, 3, 7, 4), 0.5),
        (W, "resolution", d(2026, 3, 7, 10), 0.75),
        (E, "resolution", d(2026, 3, 7, 10), "second_line"),
        (B, "resolution", d(2026, 3, 7, 16), None),
        (E, "resolution", d(2026, 3, 7, 16), "third_line"),
    ]


@pytest.mark.parametrize(
    ("tenant", "response", "resolution"),
    [
        # without the option kritiek waits for Mon 9 Mar 09:00: 30 m → 09:30, 2 h → 11:00
        ("bok", d(2026, 3, 9, 9, 30), d(2026, 3, 9, 11)),
        # critical_after_hours: kritiek runs 24x7 from Sat 10:00: 30 m → 10:30, 2 h → 12:00
        ("bok247", d(2026, 3, 7, 10, 30), d(2026, 3, 7, 12)),
    ],
)
def test_bokumo_critical_after_hours_runs_kritiek_24x7(tenant, response, resolution):
    out = run(
        [
            ev(
                "ticket.created",
                tenant,
                "T1",
                d(2026, 3, 7, 10),
                impact="company_wide",
                urgency="hoog",
            )
        ],
        until=d(2026, 3, 10),
    )
    assert [(s.clock, s.at.astimezone(AMS)) for s in out if s.type == B] == [
        ("response", response),
        ("resolution", resolution),
    ]


def test_bokumo_option_does_not_touch_lower_levels():
    # critical_after_hours is for kritiek only: single_user/laag created Sat 7 Mar 10:00 waits
    # for Mon 9 Mar 09:00: response 8 h → Mon 17:00.
    out = run(
        [
            ev(
                "ticket.created",
                "bok247",
                "T1",
                d(2026, 3, 7, 10),
                impact="single_user",
                urgency="laag",
            )
        ],
        until=d(2026, 3, 10),
    )
    assert [(s.clock, s.at.astimezone(AMS)) for s in out if s.type == B] == [
        ("response", d(2026, 3, 9, 17))
    ]


def test_bokumo_good_friday_and_easter_monday_are_closed():
    # single_user/laag Thu 2 Apr 2026 16:00 (8 h / 40 h). Thu 16–17 = 1 h; Good Friday 3 Apr,
    # the weekend and Easter Monday 6 Apr closed → Tue 7 Apr 09:00 + 7 h → response breach
    # 16:00. Resolution: Thu 1 + Tue 8 (9) + Wed 8 (17) + Thu 8 (25) + Fri 8 (33) + Mon 13 Apr
    # 7 → 16:00. 50 % = 20 h → Thu 9 Apr 09:00 + 3 → 12:00; 75 % = 30 h → Fri 10 Apr 14:00.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "INC-1",
                d(2026, 4, 2, 16),
                impact="single_user",
                urgency="laag",
            )
        ],
        until=d(2026, 4, 20),
    )
    assert brief(out) == [
        (W, "response", d(2026, 4, 7, 12), 0.5),
        (W, "response", d(2026, 4, 7, 14), 0.75),
        (B, "response", d(2026, 4, 7, 16), None),
        (W, "resolution", d(2026, 4, 9, 12), 0.5),
        (W, "resolution", d(2026, 4, 10, 14), 0.75),
        (E, "resolution", d(2026, 4, 10, 14), "second_line"),
        (B, "resolution", d(2026, 4, 13, 16), None),
        (E, "resolution", d(2026, 4, 13, 16), "third_line"),
    ]


def test_bokumo_kings_day_is_closed():
    # multiple_users/laag Fri 24 Apr 2026 14:00, response 5 h: Fri 3 h, weekend, King's Day
    # Mon 27 Apr closed → Tue 28 Apr 09:00 + 2 h = 11:00. Resolved Tue 12:00: response
    # missed; resolution (24 h: Fri 3 + Tue 8 + Wed 8 + Thu 5 → Thu 30 Apr 14:00) met.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "T1",
                d(2026, 4, 24, 14),
                impact="multiple_users",
                urgency="laag",
            ),
            ev("ticket.resolved", "bok", "T1", d(2026, 4, 28, 12)),
        ],
        until=d(2026, 5, 10),
    )
    assert brief(out) == [
        (W, "response", d(2026, 4, 24, 16, 30), 0.5),
        (W, "response", d(2026, 4, 28, 9, 45), 0.75),
        (B, "response", d(2026, 4, 28, 11), None),
        (MISSED, "response", d(2026, 4, 28, 12), None),
        (MET, "resolution", d(2026, 4, 28, 12), None),
    ]
    assert out[-1].deadline.astimezone(AMS) == d(2026, 4, 30, 14)


@pytest.mark.parametrize(
    ("created", "breach"),
    [
        # Liberation Day Mon 5 May 2025 is a public holiday: Fri 2 May 15:00 + 2 h, Tue 6 May
        # 09:00 + 3 h → 12:00
        (d(2025, 5, 2, 15), d(2025, 5, 6, 12)),
        # 2026: Tue 5 May is an ordinary workday: Mon 4 May 15:00 + 2 h, Tue 09:00 + 3 h
        # → Tue 5 May 12:00 (closed it would be Wed 6 May 12:00)
        (d(2026, 5, 4, 15), d(2026, 5, 5, 12)),
    ],
)
def test_bokumo_liberation_day(created, breach):
    out = run(
        [ev("ticket.created", "bok", "T1", created, impact="multiple_users", urgency="laag")],
        until=breach,
    )
    assert [(s.clock, s.at.astimezone(AMS)) for s in out if s.type == B] == [("response", breach)]


def test_bokumo_vulnerability_assessment_is_24h_on_24x7_across_dst():
    # kind vulnerability, cvss 9.8, Sat 28 Mar 2026 10:00 CET (09:00Z): 24 real hours →
    # Sun 29 Mar 09:00Z = 11:00 CEST (clocks jump 02:00 → 03:00). 50 % = 12 h → 21:00Z =
    # Sat 22:00 CET; 75 % = 18 h → Sun 03:00Z = 05:00 CEST. No response/resolution clocks
    # (they apply to incidents), and no priority is needed.
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "V1",
                d(2026, 3, 28, 10),
                kind="vulnerability",
                attributes={"cvss": 9.8},
            )
        ],
        until=d(2026, 4, 5),
    )
    assert brief(out) == [
        (W, "assessment", d(2026, 3, 28, 22), 0.5),
        (W, "assessment", d(2026, 3, 29, 5), 0.75),
        (B, "assessment", d(2026, 3, 29, 11), None),
    ]


def test_bokumo_vulnerability_threshold_and_stop():
    # cvss exactly 9.0 → assessed; responded Sat 20:00 (10 h of 24) → met, deadline Sun 10:00
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "V1",
                d(2026, 3, 7, 10),
                kind="vulnerability",
                attributes={"cvss": 9.0},
            ),
            ev("ticket.responded", "bok", "V1", d(2026, 3, 7, 20)),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [(MET, "assessment", d(2026, 3, 7, 20), None)]
    assert out[0].deadline.astimezone(AMS) == d(2026, 3, 8, 10)
    # cvss 8.9 → no clock at all
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "V2",
                d(2026, 3, 7, 10),
                kind="vulnerability",
                attributes={"cvss": 8.9},
            )
        ],
        until=d(2026, 3, 20),
    )
    assert out == []


def test_bokumo_late_event_cvss_raised_reveals_a_passed_assessment_deadline():
    # cvss 7.5 Sat 7 Mar 10:00 (no clock); at Sun 8 Mar 12:00 cvss becomes 9.1: the assessment
    # clock counts from creation (R5), 24 h → Sun 10:00 already passed: fires at once with
    # at = Sun 10:00 and observed_at = Sun 12:00 (50 % Sat 22:00, 75 % Sun 04:00 likewise).
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "V1",
                d(2026, 3, 7, 10),
                kind="vulnerability",
                attributes={"cvss": 7.5},
            ),
            ev("ticket.updated", "bok", "V1", d(2026, 3, 8, 12), attributes={"cvss": 9.1}),
        ]
    )
    obs = d(2026, 3, 8, 12)
    assert seen(out) == [
        (W, d(2026, 3, 7, 22), obs, 0.5),
        (W, d(2026, 3, 8, 4), obs, 0.75),
        (B, d(2026, 3, 8, 10), obs, None),
    ]
    assert out[-1].deadline.astimezone(AMS) == d(2026, 3, 8, 10)


def test_later_events_without_kind_keep_the_ticket_kind():
    # regression (engine bug, fixed): a decoded event defaults kind="incident"; a vulnerability
    # ticket must stay one when a ticket.updated/responded without `kind` arrives (it used to
    # become an incident needing a priority, and the event was rejected).
    out = run(
        [
            ev(
                "ticket.created",
                "bok",
                "V1",
                d(2026, 3, 7, 10),
                kind="vulnerability",
                attributes={"cvss": 9.5},
            ),
            ev("ticket.updated", "bok", "V1", d(2026, 3, 7, 11), status="in_progress"),
            ev("ticket.responded", "bok", "V1", d(2026, 3, 7, 12)),
        ],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [(MET, "assessment", d(2026, 3, 7, 12), None)]
