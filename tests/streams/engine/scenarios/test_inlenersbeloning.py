"""Acceptance scenarios of the clock engine: Inlenersbeloning (`inlenersbeloning`).

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
    d,
    ev,
    registry,
    run,
    seen,
)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        # reported Mon 2 Mar 08:00, created Tue 10:00 (26 h): breach due Tue 08:00, fired at
        # creation (observed Tue 10:00), then the clock stops: missed
        (
            d(2026, 3, 3, 10),
            [
                (B, d(2026, 3, 3, 8), d(2026, 3, 3, 10), None),
                (MISSED, d(2026, 3, 3, 10), d(2026, 3, 3, 10), None),
            ],
        ),
        # 23 h 59 m: met
        (d(2026, 3, 3, 7, 59), [(MET, d(2026, 3, 3, 7, 59), d(2026, 3, 3, 7, 59), None)]),
        # exactly 24 h is not "more than 24 h earlier": met, no breach (engine bug, fixed)
        (d(2026, 3, 3, 8), [(MET, d(2026, 3, 3, 8), d(2026, 3, 3, 8), None)]),
    ],
)
def test_inlenersbeloning_registration_breach_at_creation(created, expected):
    out = run(
        [ev("ticket.created", "inl", "X-9", created, reported_at=d(2026, 3, 2, 8))],
        until=d(2026, 3, 10),
    )
    assert seen(out) == expected
    assert {s.clock for s in out} == {"registration"}
    assert all(s.deadline.astimezone(AMS) == d(2026, 3, 3, 8) for s in out)


def test_inlenersbeloning_registration_24h_spans_weekend_and_dst():
    # 24x7: reported Sat 28 Mar 2026 12:00 CET (11:00Z) → due Sun 29 Mar 11:00Z = 13:00 CEST;
    # created Sun 29 Mar 14:00 CEST → breach at 13:00 observed 14:00, then missed.
    out = run(
        [ev("ticket.created", "inl", "X", d(2026, 3, 29, 14), reported_at=d(2026, 3, 28, 12))]
    )
    assert seen(out) == [
        (B, d(2026, 3, 29, 13), d(2026, 3, 29, 14), None),
        (MISSED, d(2026, 3, 29, 14), d(2026, 3, 29, 14), None),
    ]


def test_inlenersbeloning_without_reported_at_is_registered_on_time():
    # no reported_at: receipt = creation, 0 h → met at once; the deadline is 24 h later
    out = run([ev("ticket.created", "inl", "X", d(2026, 3, 3, 10))], until=d(2026, 3, 10))
    assert seen(out) == [(MET, d(2026, 3, 3, 10), d(2026, 3, 3, 10), None)]
    assert out[0].deadline.astimezone(AMS) == d(2026, 3, 4, 10)


def test_inlenersbeloning_pauses_on_customer_unreachable_too():
    policy = registry().resolve("inl").policy
    from models.plan import TicketFacts

    (plan,) = policy.plan(TicketFacts(kind="question"), {})
    assert plan.clock == "registration"
    assert {"waiting_for_customer", "customer_unreachable"} <= plan.pause_statuses
    # the only ticket clock stops at creation, so later pauses, resumes, a priority, a reopen
    # are accepted and fire nothing (no numeric response/resolution times)
    out = run(
        [
            ev("ticket.created", "inl", "X", d(2026, 3, 3, 10), reported_at=d(2026, 3, 3, 9)),
            ev("ticket.updated", "inl", "X", d(2026, 3, 3, 11), status="customer_unreachable"),
            ev("ticket.updated", "inl", "X", d(2026, 3, 4, 11), status="open", priority="hoog"),
            ev("ticket.updated", "inl", "X", d(2026, 3, 5, 11), status="waiting_for_customer"),
            ev("ticket.resolved", "inl", "X", d(2026, 3, 6, 11)),
            ev("ticket.reopened", "inl", "X", d(2026, 3, 9, 11)),
        ],
        until=d(2026, 4, 1),
    )
    assert seen(out) == [(MET, d(2026, 3, 3, 10), d(2026, 3, 3, 10), None)]
