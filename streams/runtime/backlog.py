"""Whether a keyed partition may tick: nothing is waiting for it upstream (issue 12 §2).

Event time governs. A tick moves the subjects of a keyed partition (tickets, a tenant's
services and heartbeat checks) to the clock's "now", past their last event; that is right
only if no input record that may concern them is still on its way. A record reaches keyed
partition ``p`` by one of three roads:

* the keyed topic itself, partition ``p`` (records re-keyed by a router, and the ticks): a
  tick sent now is read after every record already there, but those are waiting too;
* ``sla.ticket-events``, partition ``p``: a record a producer keyed as we would is handled
  where it lands (log 0 of the partition), beside the keyed topic;
* ``sla.ticket-events`` and ``sla.monitoring-events``, any partition: a router re-keys a
  record onto the keyed topic, to whichever partition its ticket or tenant hashes to — so a
  record on any input partition may be bound for ``p``.

So ``p`` ticks only when (a) this worker has *finished* every record its consumer knows of on
the keyed partition ``p`` and on each input partition it owns (routed, applied or
dead-lettered: the router's lag counts, not only what Faust has fetched), and (b) the input
partitions that other workers own hold no record older than :data:`REMOTE_AGE` seconds that
their routers have not committed (:class:`GroupLag`, from the group's committed offsets; a
record younger than that may still be re-keyed after a tick, and is then a late event).

While it catches up, a worker's subjects move by their own events only, as in a replay; under
a load it never catches up with, ticks wait (and ``slawatch_timer_lag_seconds`` grows).

(c) A worker fast enough to keep pace with a producer finishes every record the broker holds
while a backfill is still being written: (a) then holds for an instant between two of the
producer's batches, and a tick there moves a subject past events still on their way (the
month of an outage reported with the ``monitor.up`` still to come). So ticks also wait while
*old* input arrives: a record whose event time is more than :data:`BACKFILL_BEHIND` seconds
behind the clock holds every tick of the worker until :data:`BACKFILL_QUIET` seconds pass
without another (:meth:`Backlog.arrived`). Live traffic (event times close to the clock)
never holds ticks this way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("slawatch.runtime")

#: ``(topic, partition)``, as Faust's ``TP`` (a named tuple of the two) compares.
Partition = tuple[str, int]

#: Another worker's input record counts as waiting once it is this many seconds old and
#: still not committed: its router needs a commit interval (1 s) to say it is done.
REMOTE_AGE = 2.0
#: How often :class:`GroupLag` asks the broker (only while other workers own inputs).
REMOTE_REFRESH = 1.0
#: An input record whose event time is this many seconds behind the clock is a backfill
#: (late delivery by more than any live integration's usual delay)...
BACKFILL_BEHIND = 60.0
#: ...and holds ticks until this many seconds have passed without another one (a producer's
#: batches follow each other within milliseconds; a tick waits that much longer at most).
BACKFILL_QUIET = 1.0


class ConsumerOffsets(Protocol):
    """What the worker's own consumer knows of a partition it owns."""

    def highwater(self, tp: Partition) -> int | None:
        """The offset the next record will get (from the last fetch), ``None`` if unknown."""

    def committed(self, tp: Partition) -> int | None:
        """The group's committed offset (the next record to process), ``None`` if none."""


@dataclass
class Backlog:
    """What this worker has finished, per input and keyed partition, and which input
    partitions of other workers hold old records (set by :class:`GroupLag`)."""

    inputs: tuple[str, ...]  # the deployed names of the input topics that routers read
    keyed: str  # the deployed name of the keyed topic
    done: dict[Partition, int] = field(default_factory=dict)  # next offset not finished
    remote: frozenset[Partition] = frozenset()
    #: the input partition of the last backfill record (:meth:`arrived`) and the monotonic
    #: time until which it holds ticks
    backfill: tuple[Partition, float] | None = None

    def finished(self, topic: str, partition: int, offset: int) -> None:
        """The record at ``offset`` is done with: routed, applied or dead-lettered."""
        tp = (topic, partition)
        if offset + 1 > self.done.get(tp, 0):
            self.done[tp] = offset + 1

    def arrived(self, tp: Partition, event_us: int, now_us: int, mono: float) -> None:
        """An input record of ``tp`` with event time ``event_us`` arrived at ``mono``
        (monotonic seconds) while the clock read ``now_us``: a backfill record (see (c) in
        the module doc) holds ticks for :data:`BACKFILL_QUIET` seconds."""
        if event_us < now_us - BACKFILL_BEHIND * 1_000_000:
            self.backfill = (tp, mono + BACKFILL_QUIET)

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Partitions revoked: another worker finishes them (and may come back to them)."""
        for tp in partitions:
            self.done.pop((tp[0], tp[1]), None)

    def behind(self, tp: Partition, offsets: ConsumerOffsets) -> bool:
        """Whether an owned partition has records this worker has not finished (one never
        fetched yet counts as behind: its end is not known)."""
        high = offsets.highwater(tp)
        if high is None:
            return True
        return max(self.done.get(tp, 0), offsets.committed(tp) or 0) < high

    def waiting(
        self,
        partition: int,
        owned: Iterable[Partition],
        offsets: ConsumerOffsets,
        mono: float | None = None,
    ) -> Partition | None:
        """A partition whose waiting records may be bound for keyed ``partition`` (the keyed
        partition itself, an owned input partition, another worker's input partition, an
        input partition a backfill is arriving on at ``mono``), or ``None``: ``partition``
        may tick."""
        if mono is not None and self.backfill is not None:
            if mono < self.backfill[1]:
                return self.backfill[0]
            self.backfill = None
        mine = sorted((t, p) for t, p in owned if t in self.inputs)
        for tp in [(self.keyed, partition), *mine]:
            if self.behind(tp, offsets):
                return tp
        return min(self.remote) if self.remote else None


@dataclass
class GroupLag:
    """Which input partitions owned by *other* workers hold records older than
    :data:`REMOTE_AGE` that the group has not committed: the end offsets of those partitions
    are sampled every :data:`REMOTE_REFRESH` seconds, and a partition is behind while the
    group's committed offset is below the end it had ``REMOTE_AGE`` seconds ago."""

    age: float = REMOTE_AGE
    samples: deque[tuple[float, dict[Partition, int]]] = field(default_factory=deque)

    def update(
        self, now: float, ends: Mapping[Partition, int], committed: Mapping[Partition, int]
    ) -> frozenset[Partition]:
        """Record the ends sampled at ``now`` (monotonic seconds); the partitions behind."""
        self.samples.append((now, dict(ends)))
        while len(self.samples) > 1 and self.samples[1][0] <= now - self.age:
            self.samples.popleft()  # keep the newest sample at least ``age`` old
        old = self.samples[0][1]  # (just started: none is that old yet, the oldest we have)
        return frozenset(tp for tp, end in old.items() if committed.get(tp, 0) < end)

    def reset(self) -> None:
        self.samples.clear()


#: ``(end offsets, committed offsets)`` of the given input partitions, from the broker.
FetchOffsets = Callable[
    [list[Partition]], Awaitable[tuple[Mapping[Partition, int], Mapping[Partition, int]]]
]


async def watch_group(
    backlog: Backlog,
    others: Callable[[], list[Partition]],
    fetch: FetchOffsets,
    refresh: float = REMOTE_REFRESH,
) -> None:
    """Keep ``backlog.remote`` up to date for the input partitions ``others()`` returns (the
    ones this worker does not own); asks the broker only while there are any."""
    lag = GroupLag()
    while True:
        tps = others()
        if not tps:
            lag.reset()
            backlog.remote = frozenset()
        else:
            try:
                ends, committed = await fetch(tps)
            except Exception as exc:  # the broker is briefly away: keep the last verdict
                log.warning("group lag of other workers' inputs unknown (%s)", exc)
            else:
                wanted = set(tps)
                ends = {tp: n for tp, n in ends.items() if tp in wanted}
                backlog.remote = lag.update(time.monotonic(), ends, committed)
        await asyncio.sleep(refresh)


__all__ = [
    "REMOTE_AGE",
    "REMOTE_REFRESH",
    "Backlog",
    "ConsumerOffsets",
    "GroupLag",
    "Partition",
    "watch_group",
]
