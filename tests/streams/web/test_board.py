"""The board's figures from a real Redis read model (see conftest.py for the tickets and
their hand-worked deadlines), and the read model's readers the board added."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.sinks.redis_model import ReadModel
from streams.web.board import Board, clock_state, level_of, rung_of
from streams.web.history import SignalHistory
from tests.streams.web.conftest import d

pytestmark = [pytest.mark.integration]


def board(written, history: SignalHistory | None = None) -> Board:
    return Board(written.client, written.model, written.known(), history=history)


def test_what_breaches_next_at_10_15(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))
    b = board(written)
    now = b.now()
    assert now.at == d(2026, 4, 7, 10, 15) and "simulated" in now.source
    rows = b.clocks("acme", now.at)
    assert [(r["ticket_id"], r["clock"], r["state"]) for r in rows] == [
        ("T-2", "response", "at risk"),  # 10:30, 15 min left
        ("T-2", "resolution", "on track"),  # 12:00
        ("T-1", "response", "on track"),  # Tue 16:00
        ("T-1", "resolution", "on track"),  # Mon 13 Apr 16:00
    ]
    assert [r["seconds_left"] for r in rows[:3]] == [900, 6300, 5 * 3600 + 45 * 60]
    # T-2 response: 50 % (15 min) was due at 10:15 and fired; 75 % at 10:22:30 not yet
    assert rows[0]["rung"] == "warning 50 %" and rows[0]["level"] is None
    assert b.summary("acme", now.at) == {
        "tenant": "acme",
        "zone": "Europe/Amsterdam",
        "open_clocks": 4,
        "overdue": 0,
        "due_within_1h": 1,
        "breached_today": 0,
        "services": 0,
        "services_down": 0,
        "services_breached": 0,
        "availability": "none",
    }
    assert b.clocks("acme", now.at, within=timedelta(hours=2)) == rows[:2]


def test_after_the_breach(written) -> None:
    written.at(d(2026, 4, 7, 10, 45))
    b = board(written)
    at = b.now().at
    s = b.summary("acme", at)
    assert (s["open_clocks"], s["overdue"], s["due_within_1h"], s["breached_today"]) == (4, 1, 0, 1)
    first = b.clocks("acme", at)[0]
    assert (first["ticket_id"], first["state"], first["seconds_left"], first["rung"]) == (
        "T-2", "overdue", -900, "breach",
    )  # fmt: skip
    assert [(x["type"], x["ticket_id"]) for x in b.breaches("acme")] == [("sla.breach", "T-2")]
    ticket = b.ticket("acme", "T-2", at)
    assert ticket is not None
    assert [c["clock"] for c in ticket["clocks"]] == ["resolution", "response"]
    explained = {e["clock"]: e for e in ticket["explanations"]}
    assert explained["response"]["verified"] and explained["response"]["target"] == "30m"
    assert [s["type"] for s in ticket["signals"]] == ["sla.breach"]  # from Redis: no history
    assert b.ticket("acme", "NOPE", at) is None


def test_the_history_adds_warnings_and_verdicts(written) -> None:
    signals = written.at(d(2026, 4, 7, 10, 45))
    written.apply("acme", "T-2", "ticket.responded", d(2026, 4, 7, 10, 50))
    history = SignalHistory()
    for sig in written.signals:
        history.add(sig)
    b = board(written, history)
    types = [s["type"] for s in b.ticket("acme", "T-2", d(2026, 4, 7, 11))["signals"]]
    assert types == ["sla.warning", "sla.warning", "sla.breach", "sla.missed"]
    assert [v["type"] for v in b.verdicts("acme")] == ["sla.missed"]
    assert signals  # the breach was among the first batch


def test_breached_today_is_the_tenants_day(written) -> None:
    written.at(d(2026, 4, 7, 10, 45))
    b = board(written)
    # the next day in Amsterdam (but still 7 Apr in UTC until 02:00): not today any more
    assert b.summary("acme", d(2026, 4, 8, 1))["breached_today"] == 0
    assert b.summary("acme", d(2026, 4, 7, 23, 59))["breached_today"] == 1


def test_tenants_are_those_of_redis_and_the_tenants_file(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))
    assert board(written).tenants() == ["acme", "globex"]


def test_the_readers(written) -> None:
    written.at(d(2026, 4, 7, 10, 45))
    m: ReadModel = written.model
    c = written.client
    assert m.count_due(c, "acme", None, None) == 4
    assert m.count_due(c, "acme", None, d(2026, 4, 7, 10, 30)) == 1  # at the deadline: due
    assert m.count_due(c, "acme", d(2026, 4, 7, 10, 30), d(2026, 4, 7, 12)) == 1  # (10:30, 12:00]
    assert m.count_due(c, "acme", d(2026, 4, 7, 12), None) == 2
    got = m.breaches_between(c, "acme", d(2026, 4, 7, 10, 30), d(2026, 4, 7, 10, 30))
    assert [s["ticket_id"] for s in got] == ["T-2"]
    assert m.breaches_between(c, "acme", d(2026, 4, 7, 10, 31), d(2026, 4, 8)) == []
    names = [r["clock"] for r in m.ticket_clocks(c, "acme", "T-2")]
    assert names == ["resolution", "response"]  # both open: found in the due set
    written.apply("acme", "T-2", "ticket.responded", d(2026, 4, 7, 10, 50))
    assert [r["clock"] for r in m.ticket_clocks(c, "acme", "T-2")] == ["resolution"]
    stopped = m.ticket_clocks(c, "acme", "T-2", ["response"])
    assert {r["clock"]: r["status"] for r in stopped} == {"resolution": "running",
                                                          "response": "stopped"}  # fmt: skip
    # a ticket id with glob characters matches itself only
    assert m.ticket_clocks(c, "acme", "T-*") == []


@pytest.mark.parametrize(
    ("fired", "rung", "level"),
    [
        ([], None, None),
        (["warning:0.5", "warning:0.75"], "warning 75 %", None),
        (["warning:soft"], "soft target", None),
        (["warning:0.5", "escalation:second_line", "breach"], "breach", "second line"),
        (["breach", "escalation:third_line"], "escalation third line", "third line"),
    ],
)
def test_rungs_in_words(fired: list[str], rung: str | None, level: str | None) -> None:
    assert rung_of(fired) == rung
    assert level_of(fired) == level


@pytest.mark.parametrize(
    ("record", "state"),
    [
        (
            {"status": "running", "phase": "open", "deadline": "2026-04-07T10:00:00+02:00"},
            "overdue",
        ),
        (
            {"status": "running", "phase": "open", "deadline": "2026-04-07T11:00:00+02:00"},
            "at risk",
        ),
        (
            {"status": "running", "phase": "open", "deadline": "2026-04-07T11:00:01+02:00"},
            "on track",
        ),
        ({"status": "paused", "phase": "open", "deadline": "2026-04-07T09:00:00+02:00"}, "paused"),
        (
            {"status": "stopped", "phase": "open", "deadline": "2026-04-07T09:00:00+02:00"},
            "stopped",
        ),
        ({"status": "running", "phase": "open", "deadline": None}, "no deadline"),
    ],
)
def test_clock_states(record: dict, state: str) -> None:
    assert clock_state(record, d(2026, 4, 7, 10))[0] == state
