"""The engine's timers: a heap of ``(due_us, ticket_key, clock_index, clock)`` entries with
lazy invalidation.

An entry is live only while it equals its clock's ``due_us``; a clock that is rescheduled
pushes a new entry and leaves the old one to be skipped when it surfaces. Advancing costs
O(due signals · log n), never a scan of the open tickets. Timers due at the same instant pop
in (ticket, clock position) order, a function of the state alone, never of push history, so
a restored engine fires them in the same order as one that never stopped.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from streams.engine.state import TicketState

Entry = tuple[int, str, int, str]


class TimerHeap:
    def __init__(self) -> None:
        self._heap: list[Entry] = []
        self._held: list[tuple[int, TicketState, str]] | None = None

    def push(self, due: int, ticket: TicketState, name: str) -> None:
        if self._held is not None:  # a ticket being built (see hold)
            self._held.append((due, ticket, name))
            return
        idx = 0
        for other in ticket.clocks:
            if other == name:
                break
            idx += 1
        heapq.heappush(self._heap, (due, ticket.key, idx, name))

    def hold(self) -> None:
        """Hold the pushes until :meth:`release`: a ticket being created pushes timers for
        clocks its own creation may stop again (the registration clock); only the ones
        still live at the end reach the heap, so none is left stale behind."""
        self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        pushed: set[tuple[int, str]] = set()
        for due, ticket, name in held:
            clock = ticket.clocks.get(name)
            if clock is not None and clock.due_us == due and (due, name) not in pushed:
                pushed.add((due, name))
                self.push(due, ticket, name)

    def pop_due(self, now: int) -> Entry | None:
        """The next entry due at or before ``now`` (live or stale), or ``None``."""
        heap = self._heap
        if heap and heap[0][0] <= now:
            return heapq.heappop(heap)
        return None

    def next_due(self, tickets: Mapping[str, TicketState]) -> int | None:
        """The earliest live entry's instant (stale entries at the top dropped), or ``None``."""
        heap = self._heap
        while heap:
            due, key, _, name = heap[0]
            ticket = tickets.get(key)
            clock = ticket.clocks.get(name) if ticket else None
            if clock is not None and clock.due_us == due:
                return due
            heapq.heappop(heap)
        return None

    def __len__(self) -> int:
        return len(self._heap)
