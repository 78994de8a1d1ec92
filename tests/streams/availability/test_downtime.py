"""Downtime arithmetic: hand-worked cases from docs/contracts.md and properties against a
minute-stepping oracle (is the calendar open in this minute, is the service down in it and
not excluded)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import BusinessCalendar
from calendars.timeline import US, us_of
from models.contracts import load_policies
from streams.availability.downtime import (
    Interval,
    clip,
    month_bounds_us,
    month_measure,
    subtract,
    union,
)

AMS = ZoneInfo("Europe/Amsterdam")
MIN = 60 * US
H = 3600 * US
POLICIES = load_policies()
WINDOW = POLICIES["inlenersbeloning"].calendar("availability_window")
ALWAYS = BusinessCalendar.always_open("Europe/Amsterdam")


def t(*args: int) -> int:
    return us_of(datetime(*args, tzinfo=AMS))


def counted_downtime_us(
    cal: BusinessCalendar, outages: list[Interval], exclusions: list[Interval], lo: int, hi: int
) -> int:
    """Open time of the calendar inside ``(outages − exclusions) ∩ [lo, hi)``: the engine's
    formula from the module's primitives (each tested here against the minute oracle)."""
    return sum(cal.elapsed_us(a, b) for a, b in clip(subtract(outages, exclusions), lo, hi))


def test_inlenersbeloning_outage_from_17_to_09_counts_sixty_minutes() -> None:
    # measured only on workdays 08:30–17:30: Tue 17:00–17:30 and Wed 08:30–09:00
    outage = (t(2026, 3, 3, 17), t(2026, 3, 4, 9))
    lo, hi = month_bounds_us(WINDOW, 2026, 3)
    assert counted_downtime_us(WINDOW, [outage], [], lo, hi) == 60 * MIN


def test_an_outage_inside_an_exclusion_counts_zero_and_the_rest_counts() -> None:
    # Smart FMS: a 4-hour Tuesday-night outage inside announced maintenance from 16:30 counts
    # nothing; the same outage with maintenance ending at 22:00 counts the hour after it
    outage = (t(2026, 3, 3, 19), t(2026, 3, 3, 23))
    lo, hi = month_bounds_us(ALWAYS, 2026, 3)
    inside = (t(2026, 3, 3, 16, 30), t(2026, 3, 4, 2))
    assert counted_downtime_us(ALWAYS, [outage], [inside], lo, hi) == 0
    short = (t(2026, 3, 3, 16, 30), t(2026, 3, 3, 22))
    assert counted_downtime_us(ALWAYS, [outage], [short], lo, hi) == H


@pytest.mark.parametrize(
    ("month", "hours"),
    [(2, 672), (3, 743), (10, 745), (11, 720)],  # 2026: DST starts 29 Mar, ends 25 Oct
)
def test_a_24x7_month_measures_its_real_hours(month: int, hours: int) -> None:
    lo, hi, measured, budget = month_measure(ALWAYS, 99.5, 2026, month)
    assert measured == hours * H
    assert budget == hours * H * 5 // 1000  # 0.5 %
    assert counted_downtime_us(ALWAYS, [], [], lo, hi) == 0


def test_smart_fms_march_budget_and_breach() -> None:
    # 99.6 % of March 2026 (743 h) leaves 2.972 h = 2 h 58 min 19.2 s of downtime
    budget = 743 * H * 4 // 1000
    assert budget == (2 * 3600 + 58 * 60 + 19.2) * US
    lo = t(2026, 3, 10, 12)
    m_lo, m_hi, _, m_budget = month_measure(ALWAYS, 99.6, 2026, 3)
    assert m_budget == budget
    assert counted_downtime_us(ALWAYS, [(lo, lo + budget)], [], m_lo, m_hi) == budget  # met
    assert counted_downtime_us(ALWAYS, [(lo, lo + budget + 1)], [], m_lo, m_hi) > budget


def test_repeated_downs_are_one_outage() -> None:
    lo, hi = month_bounds_us(ALWAYS, 2026, 3)
    a = (t(2026, 3, 2, 10), t(2026, 3, 2, 11))
    b = (t(2026, 3, 2, 10, 30), t(2026, 3, 2, 12))
    assert counted_downtime_us(ALWAYS, [a, b, a], [], lo, hi) == 2 * H


# -- properties against a minute oracle ------------------------------------------------------

BASE = t(2026, 3, 27)  # a window across the spring-forward night (29 March)
SPAN_MIN = 5 * 24 * 60
minutes = st.integers(0, SPAN_MIN)
intervals = st.lists(
    st.tuples(minutes, st.integers(1, 18 * 60)).map(
        lambda p: (BASE + p[0] * MIN, BASE + (p[0] + p[1]) * MIN)
    ),
    max_size=5,
)
CALS = {"window": WINDOW, "always": ALWAYS}


def _oracle(cal: BusinessCalendar, outages, exclusions, lo: int, hi: int) -> int:
    n = 0
    for m in range((hi - lo) // MIN):
        a = lo + m * MIN
        instant = datetime.fromtimestamp(a / US, UTC)
        down = any(s <= a < e for s, e in outages)
        excluded = any(s <= a < e for s, e in exclusions)
        if down and not excluded and cal.is_open(instant):
            n += 1
    return n * MIN


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(CALS)), outages=intervals, exclusions=intervals)
def test_counted_downtime_agrees_with_the_minute_oracle(name, outages, exclusions) -> None:
    cal = CALS[name]
    lo, hi = BASE, BASE + SPAN_MIN * MIN
    got = counted_downtime_us(cal, outages, exclusions, lo, hi)
    assert got == _oracle(cal, outages, exclusions, lo, hi)
    assert 0 <= got <= cal.elapsed_us(lo, hi)  # never more than the measured time


@settings(max_examples=60, deadline=None)
@given(outages=intervals, extra=intervals, exclusions=intervals)
def test_availability_is_monotone_in_added_outages(outages, extra, exclusions) -> None:
    lo, hi = BASE, BASE + SPAN_MIN * MIN
    before = counted_downtime_us(WINDOW, outages, exclusions, lo, hi)
    after = counted_downtime_us(WINDOW, outages + extra, exclusions, lo, hi)
    assert after >= before


@given(a=intervals, b=intervals)
def test_union_and_subtract_are_set_operations(a, b) -> None:
    def points(ivs):
        return {m for s, e in ivs for m in range((s - BASE) // MIN, (e - BASE) // MIN)}

    u = union(a)
    assert points(u) == points(a)
    assert all(x[1] < y[0] for x, y in itertools.pairwise(u))  # disjoint, not touching
    assert points(subtract(a, b)) == points(a) - points(b)


def test_month_bounds_are_local_midnights() -> None:
    lo, hi = month_bounds_us(ALWAYS, 2026, 12)
    assert datetime.fromtimestamp(lo / US, AMS) == datetime(2026, 12, 1, tzinfo=AMS)
    assert datetime.fromtimestamp(hi / US, AMS) == datetime(2027, 1, 1, tzinfo=AMS)
    assert hi - lo == 31 * 24 * H
    assert timedelta(microseconds=hi - lo) == timedelta(days=31)
