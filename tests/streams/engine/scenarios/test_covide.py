"""Acceptance scenarios of the clock engine: Covide (`covide`).

Each expected instant is worked out by hand from docs/contracts.md in the comment above it,
never computed by the code under test (calendars and dates: helpers.py).
"""

from __future__ import annotations

import pytest

from streams.engine import Engine, RejectedEvent
from tests.streams.engine.scenarios.helpers import (
    AMS,
    MET,
    B,
    W,
    brief,
    d,
    ev,
    registry,
    run,
    seen,
)


@pytest.mark.parametrize(
    ("tenant", "expected"),
    [
        # premium 4 h from Mon 2 Mar 09:00 → 13:00 (50 % 11:00, 75 % 12:00)
        ("cov-premium", [d(2026, 3, 2, 11), d(2026, 3, 2, 12), d(2026, 3, 2, 13)]),
        # business 8 h → Mon 17:00 (50 % 13:00, 75 % 15:00)
        ("cov-business", [d(2026, 3, 2, 13), d(2026, 3, 2, 15), d(2026, 3, 2, 17)]),
        # basic 48 h on 9 h days: Mon 8, Tue 17, Wed 26, Thu 35, Fri 44, Mon 9 Mar 08:00 + 4
        # → 12:00; 50 % = 24 h → Wed 08:00 + 7 → 15:00; 75 % = 36 h → Fri 08:00 + 1 → 09:00
        ("cov-basic", [d(2026, 3, 4, 15), d(2026, 3, 6, 9), d(2026, 3, 9, 12)]),
    ],
)
def test_covide_subscription_sets_the_response_time(tenant, expected):
    out = run(
        [ev("ticket.created", tenant, "C-1", d(2026, 3, 2, 9), priority="laag")],
        until=d(2026, 3, 12),
    )
    assert [(s.type, s.at.astimezone(AMS)) for s in out if s.clock == "response"] == [
        (W, expected[0]),
        (W, expected[1]),
        (B, expected[2]),
    ]


def test_covide_urgent_soft_and_hard_tiers():
    # urgent: soft 4 h (warning tier soft), hard 6 h (breach); thresholds of the hard target:
    # 3 h → 12:00, 4.5 h → 13:30. Mon 2 Mar 09:00: soft 13:00, breach 15:00.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="urgent"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 2, 9, 5)),
        ],
        until=d(2026, 3, 12),
    )
    assert brief(out) == [
        (MET, "response", d(2026, 3, 2, 9, 5), None),
        (W, "resolution", d(2026, 3, 2, 12), 0.5),
        (W, "resolution", d(2026, 3, 2, 13), "soft"),
        (W, "resolution", d(2026, 3, 2, 13, 30), 0.75),
        (B, "resolution", d(2026, 3, 2, 15), None),
    ]


def test_covide_hoog_workday_tiers():
    # hoog: soft 1 workday = 9 h → Mon 8 + Tue 1 → Tue 3 Mar 09:00 (= 50 % of 18 h too);
    # hard 2 workdays = 18 h → Mon 8 + Tue 9 + Wed 1 → Wed 4 Mar 09:00; 75 % = 13.5 h → Tue
    # 08:00 + 5.5 → 13:30.
    out = run(
        [
            ev("ticket.created", "cov-business", "C-1", d(2026, 3, 2, 9), priority="hoog"),
            ev("ticket.responded", "cov-business", "C-1", d(2026, 3, 2, 9, 5)),
        ],
        until=d(2026, 3, 12),
    )
    assert brief(out, "resolution") == [
        (W, "resolution", d(2026, 3, 3, 9), 0.5),
        (W, "resolution", d(2026, 3, 3, 9), "soft"),
        (W, "resolution", d(2026, 3, 3, 13, 30), 0.75),
        (B, "resolution", d(2026, 3, 4, 9), None),
    ]


def test_covide_weeks_are_wall_clock_from_the_business_aligned_start():
    # medium created Sat 7 Mar 10:00 → aligned start Mon 9 Mar 08:00. soft 1 week → Mon 16 Mar
    # 08:00 (also 50 % of 2 weeks); 75 % = 10.5 days → Thu 19 Mar 20:00; hard 2 weeks → Mon
    # 23 Mar 08:00 (all CET: the DST change is on 29 Mar).
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 7, 10), priority="medium"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 9, 9)),
        ],
        until=d(2026, 4, 30),
    )
    assert brief(out, "resolution") == [
        (W, "resolution", d(2026, 3, 16, 8), 0.5),
        (W, "resolution", d(2026, 3, 16, 8), "soft"),
        (W, "resolution", d(2026, 3, 19, 20), 0.75),
        (B, "resolution", d(2026, 3, 23, 8), None),
    ]


def test_covide_weeks_keep_the_local_time_across_dst():
    # medium Mon 23 Mar 2026 09:00 CET (08:00Z); DST starts Sun 29 Mar. Weeks are wall-clock:
    # soft 1 week → Mon 30 Mar 09:00 CEST (7 d − 1 h real), hard 2 weeks → Mon 6 Apr 09:00
    # CEST (Easter Monday: wall-clock targets ignore holidays) = 335 h real. Thresholds are
    # fractions of that real time: 50 % = 167.5 h → Mon 30 Mar 07:30Z = 09:30 CEST (after the
    # soft target!); 75 % = 251.25 h → Thu 2 Apr 19:15Z = 21:15 CEST.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 23, 9), priority="medium"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 23, 9, 5)),
        ],
        until=d(2026, 4, 30),
    )
    assert brief(out, "resolution") == [
        (W, "resolution", d(2026, 3, 30, 9), "soft"),
        (W, "resolution", d(2026, 3, 30, 9, 30), 0.5),
        (W, "resolution", d(2026, 4, 2, 21, 15), 0.75),
        (B, "resolution", d(2026, 4, 6, 9), None),
    ]


def test_covide_weeks_pause_extends_by_paused_wall_time():
    # medium Mon 2 Mar 09:00: hard 2 weeks → Mon 16 Mar 09:00; waiting_for_customer from Tue
    # 3 Mar 12:00 to Thu 5 Mar 12:00 (48 h wall) → breach Wed 18 Mar 09:00; soft 1 week →
    # Mon 9 Mar 09:00 + 48 h → Wed 11 Mar 09:00.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="medium"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 2, 9, 30)),
            ev(
                "ticket.updated",
                "cov-premium",
                "C-1",
                d(2026, 3, 3, 12),
                status="waiting_for_customer",
            ),
            ev("ticket.updated", "cov-premium", "C-1", d(2026, 3, 5, 12), status="open"),
        ],
        until=d(2026, 4, 30),
    )
    tiers = [(s.type, s.at.astimezone(AMS)) for s in out if s.tier == "soft" or s.type == B]
    assert tiers == [(W, d(2026, 3, 11, 9)), (B, d(2026, 3, 18, 9))]


@pytest.mark.parametrize(
    ("created", "soft", "hard"),
    [
        # laag Mon 30 Nov 2026 09:00: soft 3 weeks → Mon 21 Dec 09:00; hard 3 months → "30 Feb"
        # clamps to Sun 28 Feb 2027 09:00 (wall-clock: a Sunday is fine)
        (d(2026, 11, 30, 9), d(2026, 12, 21, 9), d(2027, 2, 28, 9)),
        # Mon 31 Aug 2026 09:00 CEST: 3 months → "31 Nov" clamps to Mon 30 Nov 09:00 CET (same
        # local time across the 25 Oct DST change); soft → Mon 21 Sep 09:00
        (d(2026, 8, 31, 9), d(2026, 9, 21, 9), d(2026, 11, 30, 9)),
    ],
)
def test_covide_months_clamp_at_month_end(created, soft, hard):
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", created, priority="laag"),
            ev("ticket.responded", "cov-premium", "C-1", created),
        ],
        until=d(2027, 6, 1),
    )
    assert [(s.type, s.at.astimezone(AMS)) for s in out if s.tier == "soft" or s.type == B] == [
        (W, soft),
        (B, hard),
    ]


def test_covide_months_thresholds_are_fractions_of_real_elapsed_time():
    # Mon 30 Nov 2026 09:00 → Sun 28 Feb 2027 09:00 is 90 days (all CET): 50 % = 45 days →
    # Thu 14 Jan 2027 09:00; 75 % = 67.5 days → Fri 5 Feb 2027 21:00.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 11, 30, 9), priority="laag"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 11, 30, 9, 5)),
        ],
        until=d(2027, 6, 1),
    )
    assert [(s.at.astimezone(AMS), s.threshold) for s in out if s.threshold] == [
        (d(2027, 1, 14, 9), 0.5),
        (d(2027, 2, 5, 21), 0.75),
    ]


def test_covide_question_first_answer_soft_3_hard_5_workdays():
    # kind question: soft 3 workdays = 27 h: Mon 8, Tue 17, Wed 26, Thu 08:00 + 1 → Thu 5 Mar
    # 09:00; hard 45 h: Fri ends at 44 → Mon 9 Mar 09:00; 50 % = 22.5 h → Wed 08:00 + 5.5 →
    # 13:30; 75 % = 33.75 h → Thu 08:00 + 7.75 → 15:45. No resolution clock for questions.
    out = run(
        [ev("ticket.created", "cov-basic", "Q-1", d(2026, 3, 2, 9), kind="question")],
        until=d(2026, 3, 20),
    )
    assert brief(out) == [
        (W, "response", d(2026, 3, 4, 13, 30), 0.5),
        (W, "response", d(2026, 3, 5, 9), "soft"),
        (W, "response", d(2026, 3, 5, 15, 45), 0.75),
        (B, "response", d(2026, 3, 9, 9), None),
    ]


def test_covide_pause_and_resume_on_business_hours():
    # urgent Mon 2 Mar 09:00 (hard 6 h); waiting_for_customer 10:00 (1 h counted) → resumed
    # Tue 3 Mar 10:00: 5 h left → 15:00; soft 4 h: 3 h left → 13:00.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="urgent"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 2, 9, 30)),
            ev(
                "ticket.updated",
                "cov-premium",
                "C-1",
                d(2026, 3, 2, 10),
                status="waiting_for_customer",
            ),
            ev("ticket.updated", "cov-premium", "C-1", d(2026, 3, 3, 10), status="open"),
        ],
        until=d(2026, 3, 12),
    )
    # 50 % = 3 h → Tue 12:00; 75 % = 4.5 h → 13:30
    assert brief(out, "resolution") == [
        (W, "resolution", d(2026, 3, 3, 12), 0.5),
        (W, "resolution", d(2026, 3, 3, 13), "soft"),
        (W, "resolution", d(2026, 3, 3, 13, 30), 0.75),
        (B, "resolution", d(2026, 3, 3, 15), None),
    ]


def test_covide_priority_raised_from_weeks_to_hours_reveals_the_breach():
    # medium Mon 2 Mar 09:00 (wall-clock weeks); at 16:30 raised to urgent: 7.5 business
    # hours counted → soft 4 h (13:00), 50 % 3 h (12:00), 75 % 4.5 h (13:30), hard 6 h
    # (15:00) all passed: fire at once, observed 16:30, in due order.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="medium"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 2, 9, 30)),
            ev("ticket.updated", "cov-premium", "C-1", d(2026, 3, 2, 16, 30), priority="urgent"),
        ]
    )
    obs = d(2026, 3, 2, 16, 30)
    assert seen(out, "resolution") == [
        (W, d(2026, 3, 2, 12), obs, 0.5),
        (W, d(2026, 3, 2, 13), obs, "soft"),
        (W, d(2026, 3, 2, 13, 30), obs, 0.75),
        (B, d(2026, 3, 2, 15), obs, None),
    ]


def test_covide_priority_lowered_from_hours_to_weeks():
    # urgent Mon 2 Mar 09:00, lowered to medium at 10:00: 2 weeks wall-clock from the aligned
    # start Mon 09:00 → Mon 16 Mar 09:00; soft 1 week → Mon 9 Mar 09:00 (= 50 %, which fires
    # once, as tier soft and as threshold 0.5); 75 % = 10.5 days → Thu 12 Mar 21:00.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="urgent"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 2, 9, 30)),
            ev("ticket.updated", "cov-premium", "C-1", d(2026, 3, 2, 10), priority="medium"),
        ],
        until=d(2026, 4, 1),
    )
    assert brief(out, "resolution") == [
        (W, "resolution", d(2026, 3, 9, 9), 0.5),
        (W, "resolution", d(2026, 3, 9, 9), "soft"),
        (W, "resolution", d(2026, 3, 12, 21), 0.75),
        (B, "resolution", d(2026, 3, 16, 9), None),
    ]


def test_covide_reopen_resumes_the_resolution_clock():
    # urgent Mon 2 Mar 09:00, resolved 11:00 (2 h counted: met), reopened Tue 3 Mar 08:00 →
    # 50 % (3 h) 09:00, soft (4 h) 10:00, 75 % (4.5 h) 10:30, breach (6 h) 12:00.
    out = run(
        [
            ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9), priority="urgent"),
            ev("ticket.responded", "cov-premium", "C-1", d(2026, 3, 2, 9, 30)),
            ev("ticket.resolved", "cov-premium", "C-1", d(2026, 3, 2, 11)),
            ev("ticket.reopened", "cov-premium", "C-1", d(2026, 3, 3, 8)),
        ],
        until=d(2026, 3, 12),
    )
    assert brief(out, "resolution") == [
        (MET, "resolution", d(2026, 3, 2, 11), None),
        (W, "resolution", d(2026, 3, 3, 9), 0.5),
        (W, "resolution", d(2026, 3, 3, 10), "soft"),
        (W, "resolution", d(2026, 3, 3, 10, 30), 0.75),
        (B, "resolution", d(2026, 3, 3, 12), None),
    ]


def test_covide_outside_hours_starts_at_next_opening_over_good_friday():
    # urgent Thu 2 Apr 2026 18:00 (after closing): Good Friday, weekend and Easter Monday
    # closed → starts Tue 7 Apr 08:00: soft 4 h → 12:00, hard 6 h → 14:00; business response
    # 8 h → 16:00.
    out = run(
        [ev("ticket.created", "cov-business", "C-1", d(2026, 4, 2, 18), priority="urgent")],
        until=d(2026, 4, 20),
    )
    assert [(s.clock, s.at.astimezone(AMS)) for s in out if s.type == B or s.tier] == [
        ("resolution", d(2026, 4, 7, 12)),
        ("resolution", d(2026, 4, 7, 14)),
        ("response", d(2026, 4, 7, 16)),
    ]


def test_covide_needs_a_priority_for_incidents():
    eng = Engine(registry())
    with pytest.raises(RejectedEvent, match="priority"):
        eng.apply(ev("ticket.created", "cov-premium", "C-1", d(2026, 3, 2, 9)))
    assert eng.tickets == {}
