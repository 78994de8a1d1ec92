"""When a keyed partition may tick (streams.runtime.backlog): the decisions, without Kafka.

The worker's consumer is represented by what it reports (the last fetched high watermark
and the committed offset per partition), as a plain table; the integration test
``test_the_clock_waits_for_a_router_still_working_through_its_input`` runs the same logic
on the embedded broker.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from streams.runtime.backlog import Backlog, GroupLag, Partition, watch_group

TICKETS, MONITORING, KEYED = "sla.ticket-events", "sla.monitoring-events", "app.by-ticket"


@dataclass
class Seen:
    """What a consumer reports: ``high`` per partition (absent: never fetched), ``committed``."""

    high: dict[Partition, int] = field(default_factory=dict)
    committed_: dict[Partition, int] = field(default_factory=dict)

    def highwater(self, tp: Partition) -> int | None:
        return self.high.get(tp)

    def committed(self, tp: Partition) -> int | None:
        return self.committed_.get(tp)


def backlog() -> Backlog:
    return Backlog(inputs=(TICKETS, MONITORING), keyed=KEYED)


OWNED = [(TICKETS, 0), (TICKETS, 1), (MONITORING, 0), (MONITORING, 1), (KEYED, 0), (KEYED, 1)]


def caught_up() -> Seen:
    return Seen(high={tp: 0 for tp in OWNED})


def test_nothing_waiting_anywhere_the_partition_may_tick() -> None:
    assert backlog().waiting(0, OWNED, caught_up()) is None


def test_a_router_behind_on_any_input_partition_holds_every_keyed_partition() -> None:
    # monitoring partition 1 holds 10 records, the router has finished 4 of them: any of
    # the rest may be re-keyed to keyed partition 0 (or 1)
    b, seen = backlog(), caught_up()
    seen.high[(MONITORING, 1)] = 10
    for offset in range(4):
        b.finished(MONITORING, 1, offset)
    assert b.waiting(0, OWNED, seen) == (MONITORING, 1)
    assert b.waiting(1, OWNED, seen) == (MONITORING, 1)
    for offset in range(4, 10):
        b.finished(MONITORING, 1, offset)
    assert b.waiting(0, OWNED, seen) is None


def test_fetched_is_not_finished() -> None:
    # Faust has handed the records to the router (its read offset is at the end), but the
    # router has not re-keyed them yet: still waiting
    b, seen = backlog(), caught_up()
    seen.high[(TICKETS, 0)] = 3
    b.finished(TICKETS, 0, 0)
    assert b.waiting(1, OWNED, seen) == (TICKETS, 0)


def test_the_keyed_partition_itself_and_only_its_own() -> None:
    b, seen = backlog(), caught_up()
    seen.high[(KEYED, 1)] = 5  # re-keyed records not applied yet on keyed partition 1
    assert b.waiting(1, OWNED, seen) == (KEYED, 1)
    assert b.waiting(0, OWNED, seen) is None  # they are not bound for partition 0
    b.finished(KEYED, 1, 4)
    assert b.waiting(1, OWNED, seen) is None


def test_after_a_restart_the_committed_offset_counts_as_finished() -> None:
    b, seen = backlog(), caught_up()
    seen.high[(TICKETS, 1)] = 50
    seen.committed_[(TICKETS, 1)] = 50  # done by the previous run of the worker
    assert b.waiting(0, OWNED, seen) is None
    seen.committed_[(TICKETS, 1)] = 49
    assert b.waiting(0, OWNED, seen) == (TICKETS, 1)


def test_a_partition_never_fetched_is_not_known_to_be_done() -> None:
    seen = caught_up()
    del seen.high[(MONITORING, 0)]
    assert backlog().waiting(0, OWNED, seen) == (MONITORING, 0)


def test_other_topics_of_the_assignment_do_not_count() -> None:
    seen = caught_up()
    seen.high[("app-tickets-changelog", 0)] = 99
    assert backlog().waiting(0, [*OWNED, ("app-tickets-changelog", 0)], seen) is None


def test_another_workers_input_partition_with_old_records_holds_the_ticks() -> None:
    b = backlog()
    b.remote = frozenset({(MONITORING, 3)})
    assert b.waiting(0, OWNED, caught_up()) == (MONITORING, 3)


def test_revoked_partitions_are_forgotten() -> None:
    b, seen = backlog(), caught_up()
    seen.high[(TICKETS, 1)] = 3
    b.finished(TICKETS, 1, 2)
    b.forget([(TICKETS, 1)])
    assert b.waiting(0, OWNED, seen) == (TICKETS, 1)  # the next owner's progress is unknown


def test_group_lag_counts_records_older_than_its_age() -> None:
    lag, x = GroupLag(age=2.0), (MONITORING, 3)
    # just started: whatever is not committed counts (no older sample yet)
    assert lag.update(0.0, {x: 10}, {x: 5}) == {x}
    # 1 s later: the 10 records there at 0 s are committed; the 10 new ones are young
    assert lag.update(1.0, {x: 20}, {x: 10}) == frozenset()
    assert lag.update(2.5, {x: 30}, {x: 12}) == frozenset()  # compared with the 0 s end
    # at 3.5 s the newest sample at least 2 s old is the one of 1 s (end 20): 15 < 20
    assert lag.update(3.5, {x: 30}, {x: 15}) == {x}
    assert lag.update(4.5, {x: 30}, {x: 30}) == frozenset()


def test_watch_group_asks_only_while_other_workers_own_inputs() -> None:
    b, x = backlog(), (MONITORING, 3)
    calls: list[list[Partition]] = []
    rounds = iter([[x], [x], []])

    def others() -> list[Partition]:
        try:
            return next(rounds)
        except StopIteration:
            raise asyncio.CancelledError from None

    async def fetch(tps: list[Partition]) -> tuple[dict, dict]:
        calls.append(tps)
        if len(calls) == 2:
            raise OSError("broker away")  # the last verdict stays
        return {x: 7, (TICKETS, 9): 1}, {x: 2}

    seen: list[frozenset] = []

    async def run() -> None:
        task = asyncio.ensure_future(watch_group(b, others, fetch, refresh=0.0))
        while not task.done():
            seen.append(b.remote)
            await asyncio.sleep(0)
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert calls == [[x], [x]]
    assert {x} in seen  # behind after the first round, still after the failed one
    assert b.remote == frozenset()  # no other worker's input: nothing to wait for


# -- (c) a backfill arriving holds ticks ----------------------------------------------------------

NOW_US = 1_780_000_000 * 1_000_000  # the clock (µs)


def test_old_input_arriving_holds_every_tick_until_it_has_been_quiet_a_while() -> None:
    # the worker keeps pace with a producer writing months-old events: between two of the
    # producer's batches it has finished everything the broker holds, yet more is coming
    from streams.runtime.backlog import BACKFILL_BEHIND, BACKFILL_QUIET

    b, seen = backlog(), caught_up()
    old = NOW_US - int(90 * 24 * 3600 * 1e6)
    b.arrived((MONITORING, 0), old, NOW_US, mono=100.0)
    assert b.waiting(1, OWNED, seen, mono=100.0) == (MONITORING, 0)
    assert b.waiting(0, OWNED, seen, mono=100.0 + BACKFILL_QUIET / 2) == (MONITORING, 0)
    b.arrived((MONITORING, 0), old, NOW_US, mono=100.8)  # the next batch: held longer
    assert b.waiting(0, OWNED, seen, mono=101.5) == (MONITORING, 0)
    assert b.waiting(0, OWNED, seen, mono=100.8 + BACKFILL_QUIET + 0.01) is None
    # without the instant (callers that do not track arrivals) the rule is (a) and (b) only
    b.arrived((TICKETS, 1), old, NOW_US, mono=200.0)
    assert b.waiting(0, OWNED, seen) is None
    # a record just behind the clock is live traffic, not a backfill
    b2 = backlog()
    b2.arrived((TICKETS, 0), NOW_US - int((BACKFILL_BEHIND - 1) * 1e6), NOW_US, mono=5.0)
    assert b2.waiting(0, OWNED, seen, mono=5.0) is None
