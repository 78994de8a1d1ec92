"""Why this deadline, from a clock record alone (:mod:`streams.web.explain`).

The records come from the real engine (``Engine.apply``/``advance``/``clock_records``) on
the seed policies; every expected period and deadline is worked out by hand from the
calendars (docs/contracts.md): Bokumo ``office`` Mon–Fri 09:00–17:00 with the Dutch public
holidays closed (Good Friday 3 April 2026, Easter Monday 6 April 2026); Smart FMS
``service_window``. Times are Europe/Amsterdam (CEST, UTC+2, in April).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.contracts import load_policies, tenants_from_data
from models.events import parse_event
from streams.engine import Engine
from streams.web.explain import explain_record

AMS = ZoneInfo("Europe/Amsterdam")
TENANTS = {
    "acme": {"policy": "bokumo-ict"},
    "hooli": {"policy": "smart-fms"},
}
_ids = itertools.count(1)


class Contracts:
    """The board's view of the contracts (streams.web.board.Known does the same)."""

    def __init__(self) -> None:
        self.registry = tenants_from_data({"tenants": TENANTS}, load_policies())

    def policy(self, policy_id: str, version: str) -> Any:
        try:
            return self.registry.policy_version(policy_id, version)
        except LookupError:
            return None

    def options(self, tenant: str) -> Mapping[str, Any]:
        return self.registry.resolve(tenant).options


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


def records(events: list[tuple[str, datetime, dict]], until: datetime, tenant: str = "acme"):
    contracts = Contracts()
    eng = Engine(contracts.registry)
    for etype, at, fields in events:
        raw = {"event_id": f"e{next(_ids)}", "type": etype, "tenant": tenant,
               "ticket_id": "T-1", "at": at.isoformat(), **fields}  # fmt: skip
        eng.apply(parse_event(json.dumps(raw)))
    eng.advance(until)
    return {r["clock"]: r for r in eng.clock_records(f"{tenant}:T-1")}, contracts


CREATED = ("ticket.created", d(2026, 4, 2, 16), {"impact": "single_user", "urgency": "laag"})


def periods(e) -> list[tuple[datetime, datetime, str]]:
    return [(p.start.astimezone(AMS), p.end.astimezone(AMS), p.reason) for p in e.periods]


def test_a_deadline_across_easter_is_the_open_hours_it_counts() -> None:
    # single_user/laag: response 8 h on `office`. Thu 2 Apr 16:00–17:00 is 1 h; Good Friday,
    # the weekend and Easter Monday are closed; Tue 7 Apr 09:00–16:00 is the other 7 h.
    recs, contracts = records([CREATED], d(2026, 4, 2, 16, 30))
    e = explain_record(recs["response"], contracts)
    assert e.deadline == d(2026, 4, 7, 16)
    assert (e.target, e.calendar, e.tier, e.priority, e.cell) == (
        "8h", "office", "hard", "laag", "single_user/laag",
    )  # fmt: skip
    assert e.counts_from == d(2026, 4, 2, 16)
    assert e.since == d(2026, 4, 2, 16) and e.counted_before == 0
    assert periods(e) == [
        (d(2026, 4, 2, 16), d(2026, 4, 2, 17), "weekly hours"),
        (d(2026, 4, 7, 9), d(2026, 4, 7, 16), "weekly hours"),
    ]
    assert e.counted_total == 8 * 3600
    assert e.closed_days == (
        "2026-04-03 Fri: closed (holiday: Good Friday)",
        "2026-04-05 Sun: closed (holiday: Easter Sunday)",
        "2026-04-06 Mon: closed (holiday: Easter Monday)",
    )
    assert e.pause_statuses == ("waiting_for_customer",)
    assert e.adds_up and e.verified and e.notes == ()
    # the resolution clock: 5 workdays of 8 h = 40 h from Thu 16:00: Thu 1 h, Tue–Fri
    # 7–10 Apr 32 h, Mon 13 Apr 09:00–16:00 7 h
    r = explain_record(recs["resolution"], contracts)
    assert r.target == "5 workdays" and r.verified
    assert r.deadline == d(2026, 4, 13, 16)
    assert [p.start.astimezone(AMS).date().day for p in r.periods] == [2, 7, 8, 9, 10, 13]


def test_a_ticket_created_after_hours_counts_from_the_next_opening() -> None:
    created = ("ticket.created", d(2026, 3, 6, 20), {"impact": "single_user", "urgency": "laag"})
    recs, contracts = records([created], d(2026, 3, 7, 12))
    e = explain_record(recs["response"], contracts)
    assert e.started_at == d(2026, 3, 6, 20)
    assert e.counts_from == d(2026, 3, 9, 9)  # Friday evening → Monday 09:00
    assert periods(e) == [(d(2026, 3, 9, 9), d(2026, 3, 9, 17), "weekly hours")]
    assert e.deadline == d(2026, 3, 9, 17) and e.verified


def test_after_a_pause_the_account_starts_where_counting_resumed() -> None:
    # 30 min counted (Thu 16:00–16:30), waiting for the customer until Tue 7 Apr 10:00;
    # the other 7.5 h: Tue 10:00–17:00 (7 h) and Wed 8 Apr 09:00–09:30
    events = [
        CREATED,
        ("ticket.updated", d(2026, 4, 2, 16, 30), {"status": "waiting_for_customer"}),
        ("ticket.updated", d(2026, 4, 7, 10), {"status": "in_progress"}),
    ]
    recs, contracts = records(events, d(2026, 4, 7, 11))
    e = explain_record(recs["response"], contracts)
    assert e.deadline == d(2026, 4, 8, 9, 30)
    assert e.since == d(2026, 4, 7, 10) and e.counted_before == 1800
    assert periods(e) == [
        (d(2026, 4, 7, 10), d(2026, 4, 7, 17), "weekly hours"),
        (d(2026, 4, 8, 9), d(2026, 4, 8, 9, 30), "weekly hours"),
    ]
    assert e.verified


def test_a_paused_clock_has_no_deadline_and_says_why() -> None:
    events = [
        CREATED,
        ("ticket.updated", d(2026, 4, 2, 16, 30), {"status": "waiting_for_customer"}),
    ]
    recs, contracts = records(events, d(2026, 4, 3, 12))
    e = explain_record(recs["response"], contracts)
    assert e.status == "paused" and e.deadline is None
    assert e.periods == () and not e.verified
    assert any("paused" in n for n in e.notes)


def test_an_overdue_clock_is_explained_from_its_start() -> None:
    recs, contracts = records([CREATED], d(2026, 4, 8, 12))
    e = explain_record(recs["response"], contracts)
    assert recs["response"]["breached"]
    assert e.deadline == d(2026, 4, 7, 16) and e.since == d(2026, 4, 2, 16)
    assert e.counted_total == 8 * 3600 and e.verified


def test_a_record_whose_deadline_does_not_follow_is_not_verified() -> None:
    recs, contracts = records([CREATED], d(2026, 4, 2, 16, 30))
    tampered = dict(recs["response"])
    tampered["deadline"] = (d(2026, 4, 7, 17)).isoformat()  # an hour later than the policy's
    e = explain_record(tampered, contracts)
    assert not e.adds_up and not e.verified
    assert e.counted_total == 9 * 3600
    assert any("do not add up" in n for n in e.notes)


def test_an_unknown_policy_version_is_said_not_guessed() -> None:
    recs, contracts = records([CREATED], d(2026, 4, 2, 16, 30))
    other = {**recs["response"], "policy_version": "99"}
    e = explain_record(other, contracts)
    assert e.periods == () and not e.verified
    assert "not known to this board" in e.notes[0]
    assert e.to_dict()["notes"] == list(e.notes)


def test_a_same_day_escalation_clock_names_its_rule() -> None:
    # Smart FMS clocks apply to portal tickets only: the plan is found through the channel
    created = ("ticket.created", d(2026, 3, 2, 10), {"priority": "a", "channel": "portal"})
    recs, contracts = records([created], d(2026, 3, 2, 10, 30), tenant="hooli")
    assert recs["resolution"]["tier"] == "same_day"
    e = explain_record(recs["resolution"], contracts)
    assert e.deadline == d(2026, 3, 2, 17)  # Monday's closing time of the service window
    assert any("closing time" in n for n in e.notes)
    # response a: 2 h of the service window from 10:00 → 12:00, before the lunch break
    r = explain_record(recs["response"], contracts)
    assert periods(r) == [(d(2026, 3, 2, 10), d(2026, 3, 2, 12), "weekly hours")]
    assert r.verified and r.calendar == "service_window"


@pytest.mark.parametrize("drop", ["state", "started_at"])
def test_a_record_without_its_state_gives_what_it_has(drop: str) -> None:
    recs, contracts = records([CREATED], d(2026, 4, 2, 16, 30))
    e = explain_record({k: v for k, v in recs["response"].items() if k != drop}, contracts)
    assert e.deadline == d(2026, 4, 7, 16)
    assert not e.verified
    assert datetime.fromisoformat(e.to_dict()["deadline"]) == d(2026, 4, 7, 16)
