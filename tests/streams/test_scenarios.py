"""Acceptance scenarios of the clock engine with the five REAL seed policies (policies/*.yaml).

Each expected instant is worked out by hand from CONTRACTS.md in the comment above it, never
computed by the code under test. Local time is Europe/Amsterdam; ``d(...)`` builds a local
instant. Calendars (CONTRACTS):

- Bokumo ``office`` Mon–Fri 09:00–17:00 (8 h workday), NL public holidays closed incl. Good
  Friday; ``always`` 24x7.
- 1do ``supportcenter`` Mon–Fri 08:00–17:00 (9 h workday), holidays closed except Good Friday
  08:00–16:00; ``calamity`` workdays 07:00–23:00.
- Inlenersbeloning registration: 24 h on 24x7 from ``reported_at``.
- Covide ``incidents`` Mon–Fri 08:00–17:00 (9 h workday); weeks/months are wall-clock.
- Smart FMS ``service_window`` Mon–Thu 09:00–12:30 + 13:00–17:00, Fri 09:00–12:00.

Warnings at 50 % / 75 % of the hard target (of the soft target when there is no hard one)
are the slawatch default in every seed policy but Inlenersbeloning (none).

Dates used: 2026-03-02 is a Monday (CET, UTC+1); 2026-03-29 and 2026-10-25 are DST
weekends; Good Friday 2026-04-03, Easter Monday 2026-04-06, King's Day Monday 2026-04-27;
Liberation Day Monday 2025-05-05 is a public holiday (every fifth year), 2026-05-05 is not.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.contracts import load_policies, tenants_from_data
from models.events import TicketEvent, parse_event
from models.signals import Signal as SignalModel
from streams.engine import Engine, RejectedEvent
from streams.engine.engine import Signal
from streams.replay import replay

AMS = ZoneInfo("Europe/Amsterdam")

TENANTS: dict[str, dict[str, Any]] = {
    "bok": {"policy": "bokumo-ict"},
    "bok247": {"policy": "bokumo-ict", "options": {"critical_after_hours": True}},
    "one": {"policy": "1do"},
    "onecal": {"policy": "1do", "options": {"calamity_service": True}},
    "inl": {"policy": "inlenersbeloning"},
    "cov-premium": {"policy": "covide", "options": {"subscription": "premium"}},
    "cov-business": {"policy": "covide", "options": {"subscription": "business"}},
    "cov-basic": {"policy": "covide", "options": {"subscription": "basic"}},
    "fms": {"policy": "smart-fms"},
}


@cache
def registry():
    return tenants_from_data({"tenants": TENANTS}, load_policies())


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


_ids = itertools.count(1)


def ev(etype: str, tenant: str, ticket: str, at: datetime, **fields: Any) -> TicketEvent:
    """A ticket event decoded exactly as the processor decodes one from JSON."""
    data: dict[str, Any] = {
        "event_id": fields.pop("event_id", f"{tenant}-{ticket}-{next(_ids)}"),
        "type": etype,
        "tenant": tenant,
        "ticket_id": ticket,
        "at": at.isoformat(),
    }
    for k, v in fields.items():
        data[k] = v.isoformat() if isinstance(v, datetime) else v
    event = parse_event(json.dumps(data))
    assert isinstance(event, TicketEvent)
    return event


def run(events: list[TicketEvent], until: datetime | None = None) -> list[Signal]:
    eng = Engine(registry())
    out: list[Signal] = []
    for e in events:
        out.extend(eng.apply(e))
    if until is not None:
        out.extend(eng.advance(until))
    for s in out:  # every signal is publishable
        SignalModel.model_validate(s.to_dict())
    return out


def tag(s: Signal) -> Any:
    return s.threshold if s.threshold is not None else (s.tier or s.level)


def brief(signals: list[Signal], clock: str | None = None) -> list[tuple]:
    """(type, clock, at, threshold|tier|level) in local time."""
    return [
        (s.type, s.clock, s.at.astimezone(AMS), tag(s))
        for s in signals
        if clock is None or s.clock == clock
    ]


def seen(signals: list[Signal], clock: str | None = None) -> list[tuple]:
    """(type, at, observed_at, threshold|tier|level): for signals revealed late."""
    return [
        (s.type, s.at.astimezone(AMS), s.observed_at.astimezone(AMS), tag(s))
        for s in signals
        if clock is None or s.clock == clock
    ]


W, B, E, MET, MISSED = "sla.warning", "sla.breach", "sla.escalation", "sla.met", "sla.missed"


# =============================================================================================
# Bokumo ICT
# =============================================================================================


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


# =============================================================================================
# 1do
# =============================================================================================


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


# =============================================================================================
# Inlenersbeloning
# =============================================================================================


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


# =============================================================================================
# Covide
# =============================================================================================


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


# =============================================================================================
# Smart FMS
# =============================================================================================


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


# =============================================================================================
# Across policies
# =============================================================================================


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
