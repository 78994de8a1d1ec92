"""Property tests: BusinessCalendar against the brute-force oracle (tests/calendars/oracle.py).

Every expected value comes from the oracle (minute stepping over UTC minutes, its own reading
of the raw spec dict) or from an algebraic law, never from the code under test. Generated
starts lean towards the DST weekends (last Sundays of March and October), Easter, King's Day,
Liberation Day and Christmas of 2024–2030; spans stay within a few days so the oracle is quick.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from dateutil.easter import easter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from calendars import BusinessCalendar
from tests.calendars.oracle import Oracle, first_at_or_after_wall
from tests.calendars.oracle import from_us as from_oracle_us
from tests.calendars.oracle import to_us as to_oracle_us

AMS = ZoneInfo("Europe/Amsterdam")
NL = {"country": "NL", "categories": ["public"]}
# CALENDAR_PROPERTY_EXAMPLES=5000 for a deep search; the default keeps the module quick
EXAMPLES = int(os.environ.get("CALENDAR_PROPERTY_EXAMPLES", "200"))
PROPS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- the calendars (raw spec dicts, read independently by the oracle and the code) -------------
OFFICE = {"hours": {"mon-fri": ["09:00-17:00"]}, "holidays": NL, "workday_hours": 8}
ONE_DO = {
    "hours": {"mon-fri": "08:00-17:00"},
    "holidays": NL,
    "overrides": [
        {"on": "easter-2", "hours": ["08:00-16:00"]},
        {"on": "12-05", "hours": ["08:00-16:00"], "only_if_workday": True},
        {"on": "12-24", "hours": ["08:00-16:00"], "only_if_workday": True},
        {"on": "12-31", "hours": ["08:00-16:00"], "only_if_workday": True},
    ],
    "workday_hours": 9,
}
LUNCH = {
    "hours": {"mon-thu": ["09:00-12:30", "13:00-17:00"], "fri": ["09:00-12:00"]},
    "holidays": NL,
    "workday_hours": 7.5,
}
ALWAYS = {"timezone": "Europe/Amsterdam", "hours": "24x7"}
# Windows straddling the DST hours (02:00-03:00 local) and local midnight.
NIGHT = {
    "hours": {
        "mon-sat": ["00:00-01:00", "01:30-03:30", "22:00-24:00"],
        "sun": ["00:00-02:30", "02:45-03:15", "23:00-24:00"],
    },
    "workday_hours": 5,
}
WEEKEND = {"hours": {"sat,sun": ["00:00-24:00"]}, "workday_hours": 24}
OVERRIDES = {
    "hours": {"mon-fri": ["09:00-17:00"]},
    "holidays": NL,
    "overrides": [
        {"on": "easter+1", "hours": ["10:00-12:00"]},  # beats the Easter Monday holiday
        {"on": "04-27", "hours": ["10:00-14:00"]},  # King's Day open, even on a weekend
        {"on": "12-24", "hours": ["09:00-12:00"], "only_if_workday": True},
        {"on": "2026-12-24", "hours": ["13:00-15:00"]},  # dated beats yearly
        {"on": "2027-03-28", "hours": ["01:00-04:00"]},  # the spring-forward Sunday
        {"on": "2028-10-29", "hours": ["00:30-03:30"]},  # the fall-back Sunday
        {"on": "2025-10-22", "hours": []},  # a one-off closure
    ],
    "workday_hours": 8,
}

FIXED = {
    "office": (OFFICE, timedelta(hours=40)),
    "1do": (ONE_DO, timedelta(hours=45)),
    "lunch": (LUNCH, timedelta(hours=36)),
    "24x7": (ALWAYS, timedelta(days=9)),
    "night": (NIGHT, timedelta(hours=40)),
    "weekend": (WEEKEND, timedelta(hours=60)),
    "overrides": (OVERRIDES, timedelta(hours=40)),
}


@cache
def calendar(name: str) -> BusinessCalendar:
    return BusinessCalendar.from_spec(FIXED[name][0])


@cache
def oracle(name: str) -> Oracle:
    return Oracle(FIXED[name][0])


# -- generated instants ------------------------------------------------------------------------
def last_sunday(year: int, month: int) -> date:
    d = date(year, month, 31)
    return d - timedelta(days=(d.weekday() - 6) % 7)


YEARS = range(2024, 2031)
DST_SUNDAYS = [last_sunday(y, m) for y in YEARS for m in (3, 10)]
SPECIAL_DAYS = [
    d
    for y in YEARS
    for d in (
        easter(y) - timedelta(days=2),
        easter(y) + timedelta(days=1),
        date(y, 4, 27),
        date(y, 5, 5),
        date(y, 12, 24),
        date(y, 12, 31),
        date(y, 12, 5),
    )
]
SUB_MINUTE = st.sampled_from([0, 0, 0, 0, 0, 1, 30_000_000, 59_999_999, 123_456])
INPUT_ZONES = st.sampled_from([UTC, AMS, AMS, timezone(timedelta(hours=5, minutes=30))])


def _near(day: date, tz: ZoneInfo, spread_minutes: int) -> st.SearchStrategy[datetime]:
    midnight = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    return st.integers(-spread_minutes, spread_minutes).map(
        lambda m: midnight + timedelta(minutes=m)
    )


@st.composite
def instants(draw: st.DrawFn, tz: ZoneInfo = AMS, anchors: tuple[date, ...] = ()) -> datetime:
    """An aware instant in 2024–2030, biased to DST weekends and holidays (given in any zone)."""
    kind = draw(st.sampled_from(["dst", "dst", "dst-hour", "special", "any"]))
    if kind == "any":
        base = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(0, 7 * 365 * 1440))
        )
    elif kind == "special":
        base = draw(_near(draw(st.sampled_from(SPECIAL_DAYS)), tz, 3 * 1440))
    else:
        days = anchors or tuple(DST_SUNDAYS)
        spread = 3 * 1440 if kind == "dst" else 240
        # the DST change happens in the small hours of the anchor day
        base = draw(_near(draw(st.sampled_from(days)), tz, spread)) + timedelta(
            hours=0 if kind == "dst" else 2
        )
    base += timedelta(microseconds=draw(SUB_MINUTE))
    return base.astimezone(draw(INPUT_ZONES))


def durations(max_d: timedelta) -> st.SearchStrategy[timedelta]:
    minutes = int(max_d.total_seconds() // 60)
    return st.builds(
        lambda m, us: timedelta(minutes=m, microseconds=us),
        st.integers(1, minutes),
        st.sampled_from([0, 0, 0, 0, 1, 15_000_000, 999_999]),
    ).filter(lambda d: d <= max_d)


calendar_names = st.sampled_from(sorted(FIXED))


def utc(dt: datetime) -> datetime:
    """Compare instants in UTC: PEP 495 makes an aware datetime inside a repeated (fall-back)
    hour compare unequal (``==``) to every datetime of another zone, even the same instant."""
    return dt.astimezone(UTC)


def _assert_in_cal_zone(cal: BusinessCalendar, dt: datetime) -> None:
    assert dt.tzinfo == cal.timezone, dt
    # the canonical local reading of its instant: right wall time and fold (no gap times)
    canonical = utc(dt).astimezone(cal.timezone)
    assert (dt.replace(tzinfo=None), dt.fold) == (canonical.replace(tzinfo=None), canonical.fold)


# -- agreement with the oracle -----------------------------------------------------------------
@PROPS
@given(name=calendar_names, data=st.data())
def test_add_agrees_with_oracle(name: str, data: st.DataObject) -> None:
    cal, orc = calendar(name), oracle(name)
    s = data.draw(instants())
    d = data.draw(durations(FIXED[name][1]))
    got = cal.add(s, d)
    assert utc(got) == utc(orc.add(s, d)), (name, s, d)
    _assert_in_cal_zone(cal, got)


@PROPS
@given(name=calendar_names, data=st.data())
def test_add_backwards_agrees_with_oracle(name: str, data: st.DataObject) -> None:
    cal, orc = calendar(name), oracle(name)
    s = data.draw(instants())
    d = data.draw(durations(FIXED[name][1]))
    got = cal.add(s, -d)
    assert utc(got) == utc(orc.add(s, -d)), (name, s, -d)
    _assert_in_cal_zone(cal, got)


@PROPS
@given(name=calendar_names, data=st.data())
def test_elapsed_agrees_with_oracle(name: str, data: st.DataObject) -> None:
    cal, orc = calendar(name), oracle(name)
    s = data.draw(instants())
    delta = data.draw(st.integers(-7 * 1440, 7 * 1440)) * 60 + data.draw(st.integers(0, 59))
    e = s + timedelta(seconds=delta)
    assert cal.elapsed(s, e) == orc.elapsed(s, e), (name, s, e)


@PROPS
@given(name=calendar_names, data=st.data())
def test_is_open_and_next_open_agree_with_oracle(name: str, data: st.DataObject) -> None:
    cal, orc = calendar(name), oracle(name)
    t = data.draw(instants())
    assert cal.is_open(t) == orc.is_open(t), (name, t)
    nxt = cal.next_open(t)
    assert utc(nxt) == utc(orc.next_open(t)), (name, t)
    _assert_in_cal_zone(cal, nxt)


@PROPS
@given(name=calendar_names, data=st.data())
def test_explain_matches_oracle_open_periods(name: str, data: st.DataObject) -> None:
    cal, orc = calendar(name), oracle(name)
    s = data.draw(instants())
    # end = start + n minutes of real time (wall-clock arithmetic on an aware datetime would
    # put the end of 02:00 (fold=1) + 1 min on the fall-back night *before* the start)
    e = (utc(s) + timedelta(minutes=data.draw(st.integers(1, 4 * 1440)))).astimezone(s.tzinfo)
    segments = cal.explain(s, e)
    # durations in real time (UTC): same-zone datetime subtraction ignores the DST fold
    real = [utc(seg.end) - utc(seg.start) for seg in segments]
    assert sum(real, timedelta()) == cal.elapsed(s, e)
    # merge touching segments of one local day; the result must be the oracle's open periods
    merged: list[list[datetime]] = []
    for seg in segments:
        assert utc(s) <= utc(seg.start) < utc(seg.end) <= utc(e), seg
        _assert_in_cal_zone(cal, seg.start)
        _assert_in_cal_zone(cal, seg.end)
        local_start = seg.start.astimezone(cal.timezone)
        last_local = (utc(seg.end) - timedelta(microseconds=1)).astimezone(cal.timezone)
        assert local_start.date() == last_local.date(), f"segment spans two local days: {seg}"
        if (
            merged
            and utc(merged[-1][1]) == utc(seg.start)
            and (merged[-1][0].astimezone(cal.timezone).date() == local_start.date())
        ):
            merged[-1][1] = seg.end
        else:
            merged.append([seg.start, seg.end])
    assert [(utc(a), utc(b)) for a, b in merged] == orc.open_periods(s, e)
    assert [seg.duration for seg in segments] == real  # Segment.duration is real time too


@PROPS
@given(name=st.sampled_from(["office", "1do", "lunch", "24x7", "overrides"]), data=st.data())
def test_add_workdays_agrees_with_oracle(name: str, data: st.DataObject) -> None:
    cal, orc = calendar(name), oracle(name)
    s = data.draw(instants())
    n = data.draw(st.sampled_from([1, 2, 3, 0.5]))
    hours = FIXED[name][0].get("workday_hours", 24)
    assert utc(cal.add_workdays(s, n)) == utc(orc.add(s, timedelta(hours=n * hours))), (name, s, n)


# -- algebraic laws (no oracle needed, so longer spans across all of 2024–2030) ----------------
LONG = st.builds(lambda m: timedelta(minutes=m), st.integers(1, 2000 * 60))


@PROPS
@given(name=calendar_names, s=instants(), d=LONG)
def test_elapsed_of_add_is_the_duration(name: str, s: datetime, d: timedelta) -> None:
    cal = calendar(name)
    assert cal.elapsed(s, cal.add(s, d)) == d
    assert cal.elapsed(cal.add(s, -d), s) == d


@PROPS
@given(name=calendar_names, s=instants(), a=LONG, b=LONG)
def test_add_composes(name: str, s: datetime, a: timedelta, b: timedelta) -> None:
    cal = calendar(name)
    assert utc(cal.add(cal.add(s, a), b)) == utc(cal.add(s, a + b))
    assert utc(cal.add(cal.add(s, -a), -b)) == utc(cal.add(s, -(a + b)))


@PROPS
@given(name=calendar_names, s=instants(), a=LONG, b=LONG, gap=st.integers(0, 3 * 86400))
def test_monotone(name: str, s: datetime, a: timedelta, b: timedelta, gap: int) -> None:
    cal = calendar(name)
    lo, hi = min(a, b), max(a, b)
    # compare in UTC: same-zone comparison of aware datetimes ignores the DST fold
    assert utc(cal.add(s, lo)) <= utc(cal.add(s, hi))
    assert utc(cal.add(s, -hi)) <= utc(cal.add(s, -lo)) <= utc(s)
    later = utc(s) + timedelta(seconds=gap)  # (aware + timedelta drops fold: add in UTC)
    assert utc(cal.add(s, a)) <= utc(cal.add(later, a))
    assert timedelta(0) <= cal.elapsed(s, later) <= utc(later) - utc(s)
    assert cal.elapsed(s, later) == -cal.elapsed(later, s)
    assert utc(cal.add(s, timedelta(0))) == utc(s)


@PROPS
@given(name=calendar_names, data=st.data())
def test_backward_round_trips(name: str, data: st.DataObject) -> None:
    """add(add(s, d), -d) is the next opening at or after s; add(add(s, -d), d) is the earliest
    instant u <= s with no open time in [u, s) (s itself, or the last closing before it)."""
    cal, orc = calendar(name), oracle(name)
    s = data.draw(instants())
    d = data.draw(durations(FIXED[name][1]))
    assert utc(cal.add(cal.add(s, d), -d)) == utc(orc.next_open(s)), (name, s, d)
    assert utc(cal.add(cal.add(s, -d), d)) == utc(orc.last_close(s)), (name, s, d)


# -- generated calendars -----------------------------------------------------------------------
def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def window_lists(draw: st.DrawFn, grid: int, max_windows: int = 3) -> list[str]:
    n = draw(st.integers(0, max_windows))
    cuts = sorted(
        draw(st.lists(st.integers(0, 1440 // grid), min_size=2 * n, max_size=2 * n, unique=True))
    )
    return [
        f"{_hhmm(a * grid)}-{_hhmm(b * grid)}" for a, b in zip(cuts[::2], cuts[1::2], strict=True)
    ]


def _transition_days(tz: ZoneInfo) -> tuple[date, ...]:
    """Days in 2024–2030 on which ``tz`` changes its UTC offset (found with zoneinfo alone)."""
    out = []
    day = date(2024, 1, 1)
    while day.year <= 2030:
        noon = datetime.combine(day, time(12), tzinfo=UTC)
        if noon.astimezone(tz).utcoffset() != (noon + timedelta(days=1)).astimezone(tz).utcoffset():
            out.append(day + timedelta(days=1))
        day += timedelta(days=1)
    return tuple(out)


ZONES = {
    name: _transition_days(ZoneInfo(name))
    for name in (
        "Europe/Amsterdam",
        "America/Santiago",  # changes at local midnight
        "Asia/Beirut",  # changes at local midnight (spring: midnight does not exist)
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "America/New_York",
    )
}


@st.composite
def generated_specs(draw: st.DrawFn) -> dict:
    grid = draw(st.sampled_from([15, 30]))
    tz = draw(st.sampled_from(["Europe/Amsterdam"] * 4 + sorted(ZONES)))
    hours = {day: draw(window_lists(grid)) for day in ("mon", "tue", "wed", "thu", "fri")}
    hours["sat,sun" if draw(st.booleans()) else "sat"] = draw(window_lists(grid, 2))
    if not any(hours.values()):
        hours["mon"] = ["09:00-17:00"]
    spec: dict = {"timezone": tz, "hours": hours}
    if draw(st.booleans()):
        spec["holidays"] = NL
    ons = draw(
        st.lists(
            st.one_of(
                st.sampled_from(["12-24", "12-31", "04-27", "05-05", "01-01"]),
                st.integers(-3, 50).map(lambda n: f"easter{n:+d}" if n else "easter"),
                st.sampled_from(DST_SUNDAYS + SPECIAL_DAYS).map(date.isoformat),
            ),
            max_size=4,
            unique=True,
        )
    )
    if ons:
        spec["overrides"] = [
            {"on": on, "hours": draw(window_lists(grid, 2)), "only_if_workday": draw(st.booleans())}
            for on in ons
        ]
    return spec


def _weekly_open(spec: dict) -> timedelta:
    orc = Oracle(spec)
    return timedelta(minutes=sum(b - a for day in orc.weekly for a, b in day))


@settings(PROPS, max_examples=EXAMPLES + EXAMPLES // 4)
@given(spec=generated_specs(), data=st.data())
def test_generated_calendars_agree_with_oracle(spec: dict, data: st.DataObject) -> None:
    cal, orc = BusinessCalendar.from_spec(spec), Oracle(spec)
    tz = ZoneInfo(spec["timezone"])
    s = data.draw(instants(tz, ZONES[spec["timezone"]]))
    max_d = min(_weekly_open(spec), timedelta(hours=30))
    d = data.draw(durations(max_d))
    assert utc(cal.add(s, d)) == utc(orc.add(s, d)), (s, d)
    assert utc(cal.add(s, -d)) == utc(orc.add(s, -d)), (s, -d)
    e = s + timedelta(minutes=data.draw(st.integers(-3 * 1440, 3 * 1440)))
    assert cal.elapsed(s, e) == orc.elapsed(s, e), (s, e)
    assert cal.is_open(s) == orc.is_open(s), s
    assert utc(cal.next_open(s)) == utc(orc.next_open(s)), s


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_transition_days_found(zone: str) -> None:
    """Guard for the generator: every zone above really changes offset twice a year."""
    assert len(ZONES[zone]) == 14


# -- local wall time -> instant (shift_wall, day starts) ----------------------------------------
# Zones with DST rules of every shape: the EU's (01:00 UTC switches), the US's (02:00 local),
# Lord Howe's half-hour shift, southern-hemisphere summers, none at all.
WALL_ZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Europe/London",
    "Asia/Kolkata",
]


@st.composite
def wall_times(draw: st.DrawFn) -> datetime:
    """Whole-minute local wall times of 1990-2040, half of them on a DST weekend (the
    Sundays of March/April and September/October/November) at night."""
    year = draw(st.integers(1990, 2040))
    if draw(st.booleans()):
        month = draw(st.sampled_from([3, 4, 9, 10, 11]))
        day = draw(st.integers(1, 30 if month in (4, 9, 11) else 31))
        hour = draw(st.integers(0, 4))
    else:
        month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
        hour = draw(st.integers(0, 23))
    return datetime(year, month, day, hour, draw(st.integers(0, 59)))


@PROPS
@given(zone=st.sampled_from(WALL_ZONES), naive=wall_times())
@example(zone="Europe/Amsterdam", naive=datetime(2026, 3, 29, 2, 30))  # in the spring gap
@example(zone="Europe/Amsterdam", naive=datetime(2026, 10, 25, 2, 30))  # the repeated hour
@example(zone="America/New_York", naive=datetime(2026, 3, 8, 2, 0))
@example(zone="Australia/Lord_Howe", naive=datetime(2026, 4, 5, 1, 45))  # half-hour fold
@example(zone="Australia/Lord_Howe", naive=datetime(2026, 10, 4, 2, 10))  # half-hour gap
def test_a_wall_time_becomes_the_first_instant_at_or_after_it(zone: str, naive: datetime):
    from calendars.timeline import _first_at_or_after_wall

    tz = ZoneInfo(zone)
    assert _first_at_or_after_wall(naive, tz) == first_at_or_after_wall(naive, tz)


@PROPS
@given(
    zone=st.sampled_from(WALL_ZONES),
    naive=wall_times(),
    weeks=st.integers(0, 8),
    months=st.integers(0, 14),
)
def test_shift_wall_keeps_the_local_wall_time(zone: str, naive: datetime, weeks, months):
    """The same wall time ``weeks``/``months`` later (a day past the month's end clamps to
    its last day), as the oracle finds the instant of that wall time."""
    import calendar as stdcal

    tz = ZoneInfo(zone)
    cal = BusinessCalendar.from_spec({"timezone": zone, "hours": "24x7"})
    start = from_oracle_us(first_at_or_after_wall(naive, tz))
    local = start.astimezone(tz)
    y, m = divmod(local.month - 1 + months, 12)
    day = min(local.day, stdcal.monthrange(local.year + y, m + 1)[1])
    target = datetime(local.year + y, m + 1, day, local.hour, local.minute) + timedelta(weeks=weeks)
    got = cal.shift_wall(start, weeks=weeks, months=months)
    assert to_oracle_us(got) == first_at_or_after_wall(target, tz)
    assert got.tzinfo is not None
