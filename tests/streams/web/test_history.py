"""What the board remembers from the stream: signal histories, availability trails, the
last clock records (laid over Redis's)."""

from __future__ import annotations

from datetime import datetime

import pytest

from streams.web.history import AvailabilityTrail, RecentClocks, SignalHistory, merge_clocks


def sig(event_id: str, at: str, type_: str = "sla.warning", **kw: object) -> dict:
    return {"event_id": event_id, "type": type_, "tenant": "acme", "at": at, **kw}


def test_history_keeps_each_signal_once() -> None:
    h = SignalHistory()
    assert h.add(sig("a", "2026-03-02T10:00:00+01:00", ticket_id="T-1"))
    assert not h.add(sig("a", "2026-03-02T10:00:00+01:00", ticket_id="T-1"))  # redelivered
    assert len(h) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "sla.breach", "tenant": "acme", "at": "2026-03-02T10:00:00+01:00"},
        {"event_id": "x", "type": "sla.breach", "at": "2026-03-02T10:00:00+01:00"},
        {"event_id": "x", "type": "sla.breach", "tenant": "acme", "at": "2026-03-02T10:00:00"},
        {"event_id": "x", "type": "sla.breach", "tenant": "acme", "at": "yesterday"},
    ],
)
def test_history_refuses_what_is_not_a_signal(bad: dict) -> None:
    h = SignalHistory()
    assert not h.add(bad)
    assert len(h) == 0


def test_a_tickets_history_is_in_the_order_it_happened() -> None:
    h = SignalHistory()
    # a breach and the escalation due at the same instant: the breach first (rung order)
    h.add(sig("esc", "2026-03-02T12:00:00+01:00", "sla.escalation", ticket_id="T-1"))
    h.add(sig("br", "2026-03-02T12:00:00+01:00", "sla.breach", ticket_id="T-1"))
    h.add(sig("w50", "2026-03-02T11:00:00+01:00", ticket_id="T-1"))
    h.add(sig("other", "2026-03-02T10:30:00+01:00", ticket_id="T-2"))
    # the same instant written in UTC sorts by the instant, not the text
    h.add(sig("met", "2026-03-02T11:30:00+00:00", "sla.met", ticket_id="T-1"))
    assert [s["event_id"] for s in h.ticket("acme", "T-1")] == ["w50", "br", "esc", "met"]
    assert [s["event_id"] for s in h.recent("acme", ["sla.met", "sla.breach"])] == ["met", "br"]
    assert h.ticket("globex", "T-1") == []


def test_history_is_bounded_per_tenant_and_forgets_the_oldest() -> None:
    h = SignalHistory(per_tenant=3)
    for i in range(5):
        h.add(sig(f"s{i}", f"2026-03-02T1{i}:00:00+01:00", ticket_id="T"))
    assert [s["event_id"] for s in h.ticket("acme", "T")] == ["s2", "s3", "s4"]


def test_the_trail_of_a_services_month() -> None:
    t = AvailabilityTrail()
    base = {"tenant": "acme", "service": "portal", "target": "services", "period": "2026-03"}
    assert t.add({**base, "downtime_seconds": 60.0, "updated_at": "2026-03-02T10:00:00+01:00"})
    assert t.add({**base, "downtime_seconds": 30.0, "at": "2026-03-02T09:30:00+01:00"})
    assert not t.add({**base, "updated_at": "2026-03-02T11:00:00+01:00"})  # no figure
    assert not t.add({**base, "downtime_seconds": 5, "updated_at": "no"})
    points = t.points("acme", "portal", "services", "2026-03")
    assert [(p.isoformat(), v) for p, v in points] == [
        ("2026-03-02T09:30:00+01:00", 30.0),
        ("2026-03-02T10:00:00+01:00", 60.0),
    ]
    assert t.points("acme", "portal", "services", "2026-04") == []


def test_a_long_trail_is_thinned_in_its_older_half() -> None:
    t = AvailabilityTrail(per_series=10)
    base = {"tenant": "a", "service": "s", "target": "t", "period": "2026-03"}
    for i in range(11):
        t.add({**base, "downtime_seconds": i, "updated_at": f"2026-03-02T{10 + i}:00:00+00:00"})
    values = [v for _, v in t.points("a", "s", "t", "2026-03")]
    assert len(values) < 11
    assert values[-5:] == [6, 7, 8, 9, 10]  # the recent course stays exact
    assert values == sorted(values)


def rec(ticket: str, clock: str, updated: str, **kw: object) -> dict:
    return {"tenant": "acme", "ticket_id": ticket, "clock": clock, "updated_at": updated, **kw}


def test_recent_clock_records_expire_and_the_newest_wins() -> None:
    wall = [100.0]
    r = RecentClocks(keep=10, wall=lambda: wall[0])
    assert r.add(rec("T-1", "response", "2026-03-02T10:05:00+01:00", status="running"))
    assert not r.add(rec("T-1", "response", "2026-03-02T10:00:00+01:00", status="paused"))
    assert [x["status"] for x in r.records("acme")] == ["running"]
    assert r.records("acme", "T-2") == []
    wall[0] = 111.0
    assert r.records("acme") == []


def test_merge_lays_the_newer_record_over_redis() -> None:
    stored = [
        rec("T-1", "response", "2026-03-02T10:00:00+01:00", status="running"),
        rec("T-2", "response", "2026-03-02T10:00:00+01:00", status="running"),
    ]
    recent = [
        rec("T-1", "response", "2026-03-02T10:10:00+01:00", status="stopped"),  # newer
        rec("T-2", "response", "2026-03-02T09:50:00+01:00", status="paused"),  # older
        rec("T-3", "response", "2026-03-02T10:10:00+01:00", status="running"),  # new
    ]
    merged = {(m["ticket_id"], m["status"]) for m in merge_clocks(stored, recent)}
    assert merged == {("T-1", "stopped"), ("T-2", "running"), ("T-3", "running")}


def test_equal_instants_take_the_later_arrival_as_redis_does() -> None:
    stored = [rec("T-1", "response", "2026-03-02T10:00:00+01:00", status="running")]
    recent = [rec("T-1", "response", "2026-03-02T09:00:00+00:00", status="stopped")]
    assert [m["status"] for m in merge_clocks(stored, recent)] == ["stopped"]
    assert datetime.fromisoformat("2026-03-02T10:00:00+01:00") == datetime.fromisoformat(
        "2026-03-02T09:00:00+00:00"
    )
