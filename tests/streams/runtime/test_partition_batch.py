"""PartitionRunner.handle_batch: a partition's records in one call, writes coalesced (the input
loop's path, streams.runtime.batch), without Kafka. Same conventions as test_partition.py: a
"partition log" is a list of (log, offset, key, raw) records, the table a dict of the last
value written per subject."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars.timeline import us_of
from models.contracts import load_policies, load_tenants
from streams.runtime.partition import TICK_KEY, PartitionRunner, tick_value
from tests.streams.runtime.logs import EVENTS, REGISTRY, partition_log

REPO = Path(__file__).resolve().parents[3]


def _items(log: list[tuple[int, int, bytes, bytes]]) -> list[tuple[Any, ...]]:
    return [(key, raw, offset, f"t@0:{offset}", which) for which, offset, key, raw in log]


def _batches(n: int, sizes: list[int]) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges covering ``range(n)`` with the given sizes, cycled."""
    out, start, i = [], 0, 0
    while start < n:
        stop = min(n, start + sizes[i % len(sizes)])
        out.append((start, stop))
        start, i = stop, i + 1
    return out


@pytest.mark.parametrize("sizes", [[1], [5, 17], [50], [10**6]])
def test_a_batch_gives_the_signals_dead_letters_and_table_of_record_by_record(sizes) -> None:
    log = partition_log(EVENTS)
    log.insert(40, (1, 10**6, b"acme:nope", b"not json"))  # a dead letter in the middle
    one = PartitionRunner(0, REGISTRY)
    table_one: dict[str, Any] = {}
    signals_one: list[dict[str, Any]] = []
    dead_one = []
    record_keys_one: set[str] = set()
    for which, offset, key, raw in log:
        res = one.handle(key, raw, offset, f"t@0:{offset}", which)
        table_one.update(res.writes)
        signals_one.extend(res.signals)
        dead_one.extend((dl, key) for dl in res.dead_letters)
        record_keys_one.update(r["key"] for r in res.records)

    many = PartitionRunner(0, REGISTRY)
    table: dict[str, Any] = {}
    signals: list[dict[str, Any]] = []
    dead = []
    writes = records = 0
    for start, stop in _batches(len(log), sizes):
        res = many.handle_batch(_items(log[start:stop]))
        table.update(res.writes)
        signals.extend(res.signals)
        dead.extend(res.dead_letters)
        writes += len(res.writes)
        records += len(res.records)
        # once per subject per batch
        assert len({r["key"] for r in res.records}) == len(res.records)
    assert signals == signals_one  # every signal, in the same order
    assert dead == dead_one and len(dead) == 1
    assert table == table_one  # the same last value of every subject
    if sizes == [10**6]:  # one batch: one value per subject, one record set per clock
        assert writes == len(table) and records == len(record_keys_one)


def test_applied_skipped_and_ticks_are_counted_for_the_metrics() -> None:
    log = partition_log(EVENTS[:30])
    r = PartitionRunner(0, REGISTRY)
    res = r.handle_batch(_items(log))
    ticks = sum(1 for _, _, key, _ in log if key == TICK_KEY)
    assert res.ticks == ticks
    assert len(res.applied) == len(log) - ticks - len(res.dead_letters)
    assert all(isinstance(t, str) and tenant for t, tenant in res.applied)
    again = r.handle_batch(_items([x for x in log if x[2] != TICK_KEY][:5]))  # reprocessed
    assert again.skipped == 5 and not again.applied


# -- crash: whatever of a batch's writes and sends landed, every signal is sent ----------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_crash_after_partial_batch_output_loses_no_signal(data: st.DataObject) -> None:
    """Batches of random sizes; commits after some of them (``mark_committed``). A crash
    loses any subset of the table writes and of the signal sends of the batches after the
    last commit; the restarted runner, restored from the table that landed, reprocesses
    from the commit in other batch sizes. Every signal of the full run gets out."""
    log = partition_log(EVENTS)
    full = PartitionRunner(0, REGISTRY).handle_batch(_items(log)).signals
    n = len(log)
    sizes = data.draw(st.lists(st.integers(1, 40), min_size=1, max_size=5), label="sizes")
    batches = _batches(n, sizes)
    commit_at = data.draw(st.integers(0, len(batches) - 1), label="commit after batch")
    crash_at = data.draw(st.integers(commit_at, len(batches)), label="crash before batch")
    runner = PartitionRunner(0, REGISTRY)
    table: dict[str, Any] = {}
    delivered: list[dict[str, Any]] = []
    committed = 0
    for i, (start, stop) in enumerate(batches[:crash_at]):
        res = runner.handle_batch(_items(log[start:stop]))
        landed = i < commit_at  # committed batches got everything out
        for k, v in res.writes.items():
            if landed or data.draw(st.booleans(), label=f"write {i} {k}"):
                table[k] = v
        for s in res.signals:
            if landed or data.draw(st.booleans(), label=f"send {i} {s['event_id'][:8]}"):
                delivered.append(s)
        if i < commit_at:
            committed = stop
            for which in (0, 1):  # the next offset of each log at the commit
                nxt = [o for w, o, _, _ in log[:stop] if w == which]
                runner.mark_committed(which, (max(nxt) + 1) if nxt else 0)
    restarted = PartitionRunner(0, REGISTRY)
    restarted.load(json.loads(json.dumps(list(table.items()))))
    again = data.draw(st.integers(1, 60), label="batch size after restart")
    for start, stop in _batches(n - committed, [again]):
        delivered.extend(
            restarted.handle_batch(_items(log[committed + start : committed + stop])).signals
        )
    assert {s["event_id"] for s in delivered} == {s["event_id"] for s in full}


def test_a_ticket_with_many_signalling_records_in_one_uncommitted_batch_keeps_them_all() -> None:
    """A backlog applies many records of one ticket in one batch, before any commit: its
    value keeps the outbox entry of every one of them. The value lands, the signals do not
    (they go to other partitions), the worker dies: reprocessing the batch skips the records
    (applied, by the stored offsets) and sends every outbox signal again. (With the outbox
    capped at the last four records, as it was, the first rungs' signals were lost.)"""
    reg = load_tenants(REPO / "examples" / "tenants.yaml", load_policies())
    created = datetime.fromisoformat("2026-03-07T23:00:00+01:00")  # acme: 24x7 kritiek
    event = {"event_id": "k1", "type": "ticket.created", "tenant": "acme", "ticket_id": "K-1",
             "at": created.isoformat(), "impact": "company_wide", "urgency": "hoog"}  # fmt: skip
    key = b"acme:K-1"
    log = [(0, 0, key, orjson.dumps(event))]
    for i in range(1, 40):  # a tick every 5 minutes: each fires the next rung that is due
        log.append((1, i, TICK_KEY, tick_value(us_of(created + timedelta(minutes=5 * i)))))
    first = PartitionRunner(0, reg)
    res = first.handle_batch(_items(log))
    signalling = {(e[0], e[1]) for e in first.outbox["acme:K-1"]}
    assert len(signalling) >= 5  # more than the old cap
    table = {k: v for k, v in res.writes.items()}  # landed; no signal did
    restarted = PartitionRunner(0, reg)
    restarted.load(json.loads(json.dumps(list(table.items()))))
    again = restarted.handle_batch(_items(log))
    assert again.skipped == 1  # the event; the ticks are applied again (they change nothing)
    assert {s["event_id"] for s in again.signals} == {s["event_id"] for s in res.signals}


def test_committed_records_leave_the_outbox() -> None:
    reg = load_tenants(REPO / "examples" / "tenants.yaml", load_policies())
    created = datetime.fromisoformat("2026-03-07T23:00:00+01:00")
    event = {"event_id": "k1", "type": "ticket.created", "tenant": "acme", "ticket_id": "K-1",
             "at": created.isoformat(), "impact": "company_wide", "urgency": "hoog"}  # fmt: skip
    log = [(0, 0, b"acme:K-1", orjson.dumps(event))]
    log += [
        (1, i, TICK_KEY, tick_value(us_of(created + timedelta(minutes=5 * i))))
        for i in range(1, 40)
    ]
    r = PartitionRunner(0, reg)
    res = r.handle_batch(_items(log[:20]))
    box = res.writes["acme:K-1"]["out"]
    assert box and min(e[1] for e in box if e[0] == 1) < 20
    r.mark_committed(1, 20)  # log 1 up to offset 19 is committed
    r.mark_committed(0, 1)
    later = r.handle_batch(_items(log[20:]))
    assert all(e[1] >= 20 for e in later.writes["acme:K-1"]["out"])
    assert later.signals  # the later rungs still fire and are kept until committed


class _BrokenContract:
    @property
    def policy(self) -> Any:
        raise ZeroDivisionError("a bug")


class _BuggyRegistry:
    """The test registry, but the contract of ``tenant`` fails when the engine reads it, the
    way a bug would (not a rejection the engine knows how to report)."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    def resolve(self, tenant: str) -> Any:
        if tenant == self.tenant:
            return _BrokenContract()
        return REGISTRY.resolve(tenant)

    def policy_version(self, policy_id: str, version: str) -> Any:
        return REGISTRY.policy_version(policy_id, version)

    def __getattr__(self, name: str) -> Any:
        return getattr(REGISTRY, name)


def test_an_internal_error_is_the_records_dead_letter_and_the_batch_goes_on() -> None:
    """A bug while applying one record must not stop the partition or lose the record: it
    is dead-lettered with the reason, and the rest of the batch is applied."""
    events = [e for e in EVENTS if "ticket_id" in e][:40]
    victim = next(e for e in events if e["type"] == "ticket.created")
    log = partition_log(events)
    r = PartitionRunner(0, _BuggyRegistry(victim["tenant"]))
    res = r.handle_batch(_items(log))
    internal = [dl for dl, _ in res.dead_letters if "internal error" in dl.reason]
    assert internal and all("ZeroDivisionError" in dl.reason for dl in internal)
    assert any(victim["event_id"] in dl.raw for dl in internal)
    others = {e["tenant"] for e in events} - {victim["tenant"]}
    assert {tenant for _, tenant in res.applied} == others  # the others went on
