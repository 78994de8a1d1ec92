"""Counting a clock's time: its running intervals, the time counted on a track, and the
instant a need is reached.

A clock runs from its business-aligned start while the ticket is not in a pausing status
(R4) and the clock is not stopped (R6). Its state keeps accumulators per track up to
``running_since`` (so the hot path adds one stretch), and everything can be recounted from
the ticket's history (status log, lifecycle, stops) when a change gives the clock another
plan or reveals a rung in the past. Pure functions over the state; the calendars come from
the ticket's :class:`~streams.engine.rules.Rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models.plan import ClockPlan
from streams.engine.rules import Rules
from streams.engine.state import ClockState, TicketState
from streams.engine.targets import Schedule


def stops_from(
    lifecycle: list[list[Any]], stop_on: Iterable[str], resume_on: Iterable[str]
) -> tuple[list[list[Any]], Any]:
    """A clock's ``[stop, resume | None]`` pairs as the ticket's lifecycle events would have
    made them had it been in the plan all along (the engine's stop and resume), and the
    ticket's status when the last stop came (kept with the event: a status change at the
    same instant may come before or after it)."""
    stops: list[list[Any]] = []
    status = None
    for t, etype, st in lifecycle:
        if stops and stops[-1][1] is None:
            if etype in resume_on:
                stops[-1][1] = t
        elif etype in stop_on:
            stops.append([t, None])
            status = st
    return stops, status


def stopped_at(clock: ClockState, t: int) -> bool:
    """Whether ``clock`` was stopped (resolved, not yet reopened) at instant ``t``."""
    return any(stop <= t and (resume is None or t < resume) for stop, resume in clock.stops)


def intervals(
    ticket: TicketState, clock: ClockState, plan: ClockPlan, until: int
) -> list[tuple[int, int]]:
    """The running intervals of ``clock`` in [origin, until): not in a pausing status and
    not stopped."""
    pauses = plan.pause_statuses
    log = ticket.status_log
    segs: list[tuple[int, int]] = []
    cursor = clock.start_us
    for i, (t, status) in enumerate(log):
        end = log[i + 1][0] if i + 1 < len(log) else until
        if i == 0 and t > cursor:  # before creation (a clock started at reported_at)
            segs.append((cursor, t))
        if status not in pauses:
            segs.append((max(t, cursor), end))
    for stop, resume in clock.stops:
        cut_end = until if resume is None else resume
        segs = [p for a, b in segs for p in _minus((a, b), (stop, cut_end))]
    lo = clock.origin_us
    return [(max(a, lo), min(b, until)) for a, b in segs if min(b, until) > max(a, lo)]


def settle(clock: ClockState, rules: Rules, at: int) -> None:
    """Add the time counted since ``running_since`` to the accumulators."""
    rs = clock.running_since
    if rs is None:
        return
    a = max(rs, clock.origin_us)
    if at > a:
        for track in list(clock.acc):
            clock.acc[track] += rules.track(track).elapsed_us(a, at)
    clock.running_since = at


def recount(
    ticket: TicketState, clock: ClockState, plan: ClockPlan, sch: Schedule, rules: Rules, at: int
) -> None:
    """Recount ``clock`` from its history (status log, stops) up to ``at``: used when it
    starts and when a change gives it another plan (R5: elapsed time is kept)."""
    if at <= max(clock.start_us, clock.origin_us):
        # a clock starting now (or before its first opening): every interval of its
        # history is empty, so nothing is counted yet
        clock.acc = dict.fromkeys(sch.tracks, 0)
    else:
        spans = intervals(ticket, clock, plan, at)
        clock.acc = {}
        for track in sch.tracks:
            cal = rules.track(track)
            clock.acc[track] = sum(cal.elapsed_us(a, b) for a, b in spans)
    clock.paused = ticket.status in plan.pause_statuses
    clock.running_since = None if (clock.stopped or clock.paused) else max(at, clock.start_us)


def counted_at(
    ticket: TicketState, clock: ClockState, plan: ClockPlan, rules: Rules, track: str, at: int
) -> int:
    """The time counted on ``track`` up to ``at``. Fast when ``at`` lies in the current
    running stretch (the accumulators hold everything before it) or at the instant the
    clock was just stopped; otherwise (a rung revealed in the past) from the history."""
    rs = clock.running_since
    if rs is not None and at >= rs:
        acc = clock.acc.get(track, 0)
        a = max(rs, clock.origin_us)
        if at > a:
            acc += rules.track(track).elapsed_us(a, at)
        return acc
    if rs is None and clock.stops and clock.stops[-1][1] is None and clock.stops[-1][0] == at:
        return clock.acc.get(track, 0)
    cal = rules.track(track)
    return sum(cal.elapsed_us(a, b) for a, b in intervals(ticket, clock, plan, at))


def instant_of(
    ticket: TicketState,
    clock: ClockState,
    plan: ClockPlan,
    rules: Rules,
    track: str,
    need: int,
    now: int,
) -> int | None:
    """When the counted time on ``track`` reaches ``need``: a past instant (from the
    history) or a future one (if running), ``None`` if not reached and not running."""
    acc = clock.acc.get(track, 0)
    cal = rules.track(track)
    rs = clock.running_since
    if need > acc:
        if rs is None:
            return None
        return cal.add_us(max(rs, clock.origin_us), need - acc)
    # reached in the past: walk the history
    total = 0
    for a, b in intervals(ticket, clock, plan, now):
        part = cal.elapsed_us(a, b)
        if total + part >= need:
            return cal.add_us(a, need - total) if need > total else a
        total += part
    return now


def _minus(seg: tuple[int, int], cut: tuple[int, int]) -> list[tuple[int, int]]:
    a, b = seg
    c, d = cut
    if d <= a or c >= b:
        return [seg]
    parts = []
    if c > a:
        parts.append((a, c))
    if d < b:
        parts.append((d, b))
    return parts
