"""Downtime arithmetic for availability SLAs (issue 6 foundation): pure, no I/O.

Counted downtime over a period is the measurement calendar's open time inside
``union(outages) − union(exclusions)``, clipped to the period:

    measured  = open time of [period start, period end)            (the calendar's elapsed)
    counted   = open time of (outages − exclusions) ∩ period
    available = 100 × (1 − counted / measured)
    budget    = measured × (1 − target / 100)                          (downtime allowed)

Instants are UTC epoch microseconds (``calendars.timeline``); a calendar month is taken in
the calendar's timezone, so a DST month of a 24x7 calendar measures 743 or 745 hours.
Overlapping or repeated outages count once (a union). What is excluded, and why, is the
caller's decision (announced maintenance that satisfies the contract's rules, force majeure,
excluded causes); this module only subtracts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from calendars import BusinessCalendar
from calendars.timeline import us_of

Interval = tuple[int, int]  # [start_us, end_us), start < end


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint, non-touching intervals covering the same instants."""
    out: list[list[int]] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """``union(base)`` minus ``union(cuts)``."""
    cut = union(cuts)
    out: list[Interval] = []
    for a, b in union(base):
        cur = a
        for c, d in cut:
            if d <= cur or c >= b:
                continue
            if c > cur:
                out.append((cur, c))
            cur = max(cur, d)
            if cur >= b:
                break
        if cur < b:
            out.append((cur, b))
    return out


def clip(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo)]


def month_bounds_us(cal: BusinessCalendar, year: int, month: int) -> Interval:
    """A calendar month ``[first 00:00, next first 00:00)`` in the calendar's timezone."""
    tz = cal.timezone
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return us_of(start), us_of(end)


def month_measure(
    cal: BusinessCalendar, target_percent: float, year: int, month: int
) -> tuple[int, int, int, int]:
    """``(lo, hi, measured, budget)`` of a calendar month: its bounds, its open time on the
    measurement calendar, and the downtime the target allows (µs)."""
    lo, hi = month_bounds_us(cal, year, month)
    measured = cal.elapsed_us(lo, hi)
    # the budget is rounded down to whole µs: a breach is never declared late by rounding
    return lo, hi, measured, int(measured * (100 - target_percent) / 100)
