"""PartitionRunner: the live runtime's per-partition core, without Kafka.

A "partition log" here is a list of (key, raw bytes) records; the table is a dict holding the
last value written per ticket, as Faust's changelog would restore it. Crashes are simulated by
dropping some of the writes and sends of the records after the last commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.gen_events import generate, tenants_document
from models.contracts import load_policies, tenants_from_data
from streams.availability.engine import MON_PREFIX
from streams.replay import replay
from streams.runtime.partition import (
    PartitionRunner,
    route_key,
    route_monitoring_key,
)
from tests.streams.runtime.logs import (
    DOC,
    EVENTS,
    REGISTRY,
    UNTIL,
    Record,
    partition_log,
)

REPO = Path(__file__).resolve().parents[3]


def _log(events: list[dict[str, Any]], tick_every: int = 7) -> list[Record]:
    """:func:`~tests.streams.runtime.logs.partition_log`, checked to exercise both logs."""
    out = partition_log(events, tick_every)
    in_place = sum(1 for r in out if r[0] == 0)
    assert in_place > 50 and len(out) - in_place > 5  # both logs are exercised
    return out


def _run(
    runner: PartitionRunner, log, start: int, table: dict, sent: list, stop: int | None = None
):
    for i in range(start, len(log) if stop is None else stop):
        which, offset, key, raw = log[i]
        res = runner.handle(key, raw, offset, f"t@0:{offset}", which)
        table.update(res.writes)
        sent.extend(res.signals)


def _ids(signals: list[dict[str, Any]]) -> set[str]:
    return {s["event_id"] for s in signals}


@pytest.mark.parametrize("tick_every", [7, 10**9], ids=["ticks", "only-a-final-tick"])
def test_signals_are_the_replays(tick_every: int) -> None:
    # without ticks, a ticket's rungs due before its next event fire when that event comes
    # (before the event changes the plan: a priority lowered after a warning fell due)
    log = _log(EVENTS, tick_every)
    runner = PartitionRunner(0, REGISTRY)
    table: dict = {}
    sent: list = []
    _run(runner, log, 0, table, sent)
    expected = replay([json.dumps(e) for e in EVENTS], REGISTRY, until=UNTIL).signals
    assert len(expected) > 50
    kinds = {s.type.split(".")[0] for s in expected}
    assert kinds == {"sla", "availability", "heartbeat"}  # both engines are exercised
    assert _ids(sent) == {s.event_id for s in expected}
    assert len(sent) == len(_ids(sent))  # nothing twice


def test_without_ticks_each_ticket_fires_its_own_rungs_before_its_next_event() -> None:
    # a bigger stream: e.g. INC-100149 (seed 21) has its 50 % resolution warning fall due
    # under urgency "medium" before the update that lowers the urgency; the runner, seeing
    # no tick in between, must fire it when the update comes, before applying it
    doc = tenants_document(6, seed=5)
    events = generate(300, seed=21, tenants=doc)
    reg = tenants_from_data(doc, load_policies())
    runner = PartitionRunner(0, reg)
    sent: list = []
    _run(runner, _log(events, 10**9), 0, {}, sent)
    expected = replay([json.dumps(e) for e in events], reg, until=UNTIL).signals
    assert _ids(sent) == {s.event_id for s in expected}


def test_restored_runner_has_the_tables_tickets_and_timers() -> None:
    log = _log(EVENTS)
    a = PartitionRunner(0, REGISTRY)
    table: dict = {}
    _run(a, log, 0, table, [], stop=len(log) // 2)
    b = PartitionRunner(0, REGISTRY)
    assert b.load(json.loads(json.dumps(list(table.items())))) == len(table)
    assert b.next_due_us() == a.next_due_us() is not None
    assert set(b.engine.tickets) == set(a.engine.tickets)
    assert set(b.availability.tenants) == set(a.availability.tenants) != set()
    assert all(k.startswith(MON_PREFIX) or ":" in k for k in table)
    # another partition's values are not ours
    assert PartitionRunner(1, REGISTRY).load(table.items()) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_crash_after_partial_writes_loses_no_signal(data: st.DataObject) -> None:
    """Crash between the last commit C and the crash point K: of the records in (C, K], any
    subset of table writes and any subset of signal sends reached Kafka. The restarted runner
    (restored from the table that landed) reprocesses from C; every signal of the full run
    reaches the output at least once, and none that the full run would not send."""
    log = _log(EVENTS)
    full_runner = PartitionRunner(0, REGISTRY)
    full: list = []
    _run(full_runner, log, 0, {}, full)
    n = len(log)
    commit = data.draw(st.integers(0, n - 1), label="commit")
    crash = data.draw(st.integers(commit, min(n, commit + 12)), label="crash")
    runner = PartitionRunner(0, REGISTRY)
    table: dict = {}
    delivered: list = []
    _run(runner, log, 0, table, delivered, stop=commit)  # all of it flushed before the commit
    for i in range(commit, crash):  # in flight at the crash: each write/send may be lost
        which, offset, key, raw = log[i]
        res = runner.handle(key, raw, offset, f"t@0:{offset}", which)
        for k, v in res.writes.items():
            if data.draw(st.booleans(), label=f"write {offset} {k}"):
                table[k] = v
        for s in res.signals:
            if data.draw(st.booleans(), label=f"send {offset} {s['event_id'][:8]}"):
                delivered.append(s)
    restarted = PartitionRunner(0, REGISTRY)
    restarted.load(json.loads(json.dumps(list(table.items()))))
    _run(restarted, log, commit, table, delivered)
    assert _ids(delivered) == _ids(full)
    # a re-sent signal is the same signal, not a variant
    by_id: dict[str, Any] = {}
    for s in delivered:
        assert by_id.setdefault(s["event_id"], s) == s


#: an example tenant's ticket.created (examples/tenants.yaml: acme)
ACME_CREATED = {
    "event_id": "e1",
    "type": "ticket.created",
    "tenant": "acme",
    "ticket_id": "T-1",
    "at": "2026-03-02T10:00:00+01:00",
    "impact": "single_user",
    "urgency": "laag",
}


def _example_registry() -> Any:
    from models.contracts import load_tenants

    return load_tenants(REPO / "examples" / "tenants.yaml", load_policies())


def test_events_after_close_are_dead_letters_with_the_reason() -> None:
    e = ACME_CREATED
    reg = _example_registry()
    r = PartitionRunner(0, reg)
    key = b"acme:T-1"
    recs = [
        e,
        {**e, "event_id": "e2", "type": "ticket.closed", "at": "2026-03-02T11:00:00+01:00"},
        {**e, "event_id": "e3", "type": "ticket.updated", "at": "2026-03-02T12:00:00+01:00"},
    ]
    results = [r.handle(key, orjson.dumps(x), i, f"in@0:{i}") for i, x in enumerate(recs)]
    assert results[1].writes[key.decode()]["closed"] == "closed"
    assert "acme:T-1" not in r.engine.tickets  # closed tickets leave memory
    (dl,) = results[2].dead_letters
    assert "already closed" in dl.reason
    # a restarted runner remembers the closure
    r2 = PartitionRunner(0, reg)
    r2.load(results[1].writes.items())
    (dl2,) = r2.handle(key, orjson.dumps(recs[2]), 5, "in@0:5").dead_letters
    assert "already closed" in dl2.reason


def test_a_copy_of_an_applied_event_after_close_is_a_duplicate_not_a_dead_letter() -> None:
    """After a crash the router may re-key input records again: they come back on the keyed
    topic at new offsets. A copy of the closing event (or of any event the ticket applied)
    is skipped, before and after a restore; an event the ticket never saw is a dead letter."""
    reg = _example_registry()
    e = ACME_CREATED
    close = {**e, "event_id": "e2", "type": "ticket.closed", "at": "2026-03-02T11:00:00+01:00"}
    key = b"acme:T-1"
    r = PartitionRunner(0, reg)
    r.handle(key, orjson.dumps(e), 0, "in@0:0")
    closing = r.handle(key, orjson.dumps(close), 1, "in@0:1")
    assert closing.writes["acme:T-1"]["seen"] == ["e1", "e2"]
    r2 = PartitionRunner(0, reg)
    r2.load(closing.writes.items())
    for runner in (r, r2):
        for offset, copy in ((7, close), (8, e)):
            res = runner.handle(key, orjson.dumps(copy), offset, f"in@3:{offset}")
            assert res.skipped and not res.dead_letters and not res.signals
        late = {**e, "event_id": "e9", "type": "ticket.updated"}
        (dl,) = runner.handle(key, orjson.dumps(late), 9, "in@3:9").dead_letters
        assert "already closed" in dl.reason
        (bad,) = runner.handle(key, b"not json", 10, "in@3:10").dead_letters
        assert "already closed" in bad.reason


def test_a_ticket_event_under_a_monitoring_key_is_a_dead_letter() -> None:
    r = PartitionRunner(0, REGISTRY)
    tenant = next(iter(DOC["tenants"]))
    raw = orjson.dumps(
        {"event_id": "t1", "type": "ticket.created", "tenant": tenant, "ticket_id": "X",
         "at": "2026-03-02T10:00:00+01:00", "priority": "laag"}
    )  # fmt: skip
    (dl,) = r.handle((MON_PREFIX + tenant).encode(), raw, 0, "in@0:0").dead_letters
    assert "send ticket.* events to sla.ticket-events" in dl.reason
    assert r.engine.tickets == {}


def test_monitoring_records_route_by_tenant() -> None:
    raw = b'{"type":"monitor.down","tenant":"acme","service":"web"}'
    assert route_monitoring_key(raw, 1000) == ((MON_PREFIX + "acme").encode(), None)
    assert str(route_monitoring_key(b'{"service":"web"}', 1000)[1]) == (
        "missing or non-string tenant: a monitoring event needs it to be routed"
    )
    assert "exceeds the limit" in str(route_monitoring_key(raw, 10)[1])


def test_a_monitoring_event_on_the_ticket_topic_is_a_dead_letter() -> None:
    r = PartitionRunner(0, REGISTRY)
    raw = (
        b'{"event_id":"m1","type":"heartbeat","tenant":"x","check":"backup",'
        b'"at":"2026-03-02T10:00:00+01:00"}'
    )
    res = r.handle(b"x:backup", raw, 0, "in@0:0")
    assert len(res.dead_letters) == 1
    assert "sla.monitoring-events" in res.dead_letters[0].reason


@pytest.mark.parametrize(
    ("raw", "key", "reason"),
    [
        (b'{"tenant":"acme","ticket_id":"INC-1","type":"x"}', b"acme:INC-1", None),
        (b"not json", None, "not valid JSON"),
        (b"[1, 2]", None, "must be a JSON object, got list"),
        (b'{"tenant":"acme"}', None, "missing or non-string ticket_id"),
        (b'{"tenant":7,"ticket_id":"1"}', None, "missing or non-string tenant"),
        (b'{"tenant":"","ticket_id":""}', None, "tenant and ticket_id"),
        (b'{"tenant":"a","ticket_id":"1","pad":"' + b"x" * 300 + b'"}', None, "exceeds the limit"),
    ],
)
def test_route_key(raw: bytes, key: bytes | None, reason: str | None) -> None:
    got_key, problem = route_key(raw, 256)
    assert got_key == key
    if reason is None:
        assert problem is None
    else:
        assert reason in str(problem)
