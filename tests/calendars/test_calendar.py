"""calendars.calendar: the public BusinessCalendar API, with hand-pinned DST cases.

Expected instants are worked out by hand in the comments (or, for the multi-year checks,
counted day by day straight from the ``holidays`` package), never taken from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_pkg
import pytest

from calendars import (
    BusinessCalendar,
    CalendarError,
    DayPlan,
    NaiveDatetimeError,
    Segment,
    SlawatchError,
)

AMS = ZoneInfo("Europe/Amsterdam")
NL = {"country": "NL", "categories": ["public"]}
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)

office = BusinessCalendar.from_spec(
    {"hours": {"mon-fri": ["09:00-17:00"]}, "holidays": NL, "workday_hours": 8}
)
always = BusinessCalendar.always_open()
# every day 09:00–17:00: DST Sundays are ordinary 8-hour days for wall-clock windows
daily = BusinessCalendar.from_spec({"hours": {"mon-sun": ["09:00-17:00"]}})
# Sunday windows around the DST hour: 01:30–03:30 straddles it, 02:00–03:00 is it
straddle = BusinessCalendar.from_spec({"hours": {"sun": ["01:30-03:30"]}})
dst_hour = BusinessCalendar.from_spec({"hours": {"sun": ["02:00-03:00"]}})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def same_instant(got: datetime | None, expected: str) -> None:
    assert got is not None
    want = at(expected)
    assert got.astimezone(UTC) == want.astimezone(UTC), f"{got.isoformat()} != {expected}"
    assert got.utcoffset() == want.utcoffset(), f"{got.isoformat()}: wrong local offset"


def real(seg: Segment) -> timedelta:
    return seg.end.astimezone(UTC) - seg.start.astimezone(UTC)


# -- DST: 24x7 counts real time ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("day_start", "next_day_start", "hours"),
    [
        ("2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00", 23),  # spring forward
        ("2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00", 25),  # fall back
        ("2030-03-31T00:00+01:00", "2030-04-01T00:00+02:00", 23),
        ("2025-10-26T00:00+02:00", "2025-10-27T00:00+01:00", 25),
        ("2026-03-28T00:00+01:00", "2026-03-29T00:00+01:00", 24),  # the Saturday before
    ],
)
def test_24x7_counts_real_hours_on_dst_days(
    day_start: str, next_day_start: str, hours: int
) -> None:
    assert always.elapsed(at(day_start), at(next_day_start)) == hours * H
    segments = always.explain(at(day_start), at(next_day_start))
    assert sum((real(s) for s in segments), timedelta()) == hours * H
    assert sum((s.duration for s in segments), timedelta()) == hours * H
    same_instant(segments[0].start, day_start)
    same_instant(segments[-1].end, next_day_start)
    same_instant(always.closing_time(at(day_start).date()), next_day_start)


def test_24x7_add_across_the_switches() -> None:
    # 01:30 CET + 1 h = 00:30Z + 1 h = 01:30Z = 03:30 CEST
    same_instant(always.add(at("2026-03-29T01:30+01:00"), H), "2026-03-29T03:30+02:00")
    # 01:30 CEST + 2 h = 23:30Z + 2 h = 01:30Z = 02:30 CET, the second 02:30 of the night
    got = always.add(at("2026-10-25T01:30+02:00"), 2 * H)
    same_instant(got, "2026-10-25T02:30+01:00")
    assert got.fold == 1
    # and back: 02:30 CET - 1 h = 02:30 CEST (the first one)
    back = always.add(at("2026-10-25T02:30+01:00"), -H)
    same_instant(back, "2026-10-25T02:30+02:00")
    assert back.fold == 0
    # 24 h from Saturday noon ends at Sunday 13:00 CEST (only 24 real hours, not 25 wall hours)
    same_instant(always.add(at("2026-03-28T12:00+01:00"), 24 * H), "2026-03-29T13:00+02:00")
    same_instant(always.add(at("2026-10-24T12:00+02:00"), 24 * H), "2026-10-25T11:00+01:00")


# -- DST: wall-clock windows -------------------------------------------------------------------
def test_window_straddling_the_spring_gap_shrinks() -> None:
    # 01:30–02:00 CET (30 min), the clock jumps to 03:00 CEST, 03:00–03:30 (30 min): 1 h
    day = ("2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00")
    assert straddle.elapsed(at(day[0]), at(day[1])) == H
    # an ordinary Sunday: 2 h
    assert straddle.elapsed(at("2026-03-22T00:00+01:00"), at("2026-03-23T00:00+01:00")) == 2 * H
    # 01:45 CET + 30 min: 15 min to the jump, 15 min after 03:00 → 03:15 CEST
    same_instant(straddle.add(at("2026-03-29T01:45+01:00"), 30 * M), "2026-03-29T03:15+02:00")
    same_instant(straddle.closing_time(date(2026, 3, 29)), "2026-03-29T03:30+02:00")
    assert straddle.is_open(at("2026-03-29T01:59+01:00"))
    assert straddle.is_open(at("2026-03-29T03:00+02:00"))
    segments = straddle.explain(at(day[0]), at(day[1]))
    assert sum((real(s) for s in segments), timedelta()) == H


def test_window_inside_the_spring_gap_vanishes() -> None:
    assert dst_hour.elapsed(at("2026-03-29T00:00+01:00"), at("2026-03-30T00:00+02:00")) == 0 * H
    assert dst_hour.closing_time(date(2026, 3, 29)) is None
    assert not dst_hour.is_open(at("2026-03-29T01:00:00Z"))
    # from Saturday the next opening is not the vanished hour but the next Sunday, 02:00 CEST
    same_instant(dst_hour.next_open(at("2026-03-28T12:00+01:00")), "2026-04-05T02:00+02:00")
    same_instant(dst_hour.add(at("2026-03-28T12:00+01:00"), M), "2026-04-05T02:01+02:00")


def test_window_covering_the_repeated_hour_counts_it_twice() -> None:
    # 02:00–03:00 CEST (00:00Z–01:00Z) and again 02:00–03:00 CET (01:00Z–02:00Z): 2 h
    day = ("2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00")
    assert dst_hour.elapsed(at(day[0]), at(day[1])) == 2 * H
    assert straddle.elapsed(at(day[0]), at(day[1])) == 3 * H  # 01:30–03:30 with 02–03 twice
    # 02:30 CEST + 1 h → 02:30 CET (counting straight through the repeated hour)
    same_instant(dst_hour.add(at("2026-10-25T02:30+02:00"), H), "2026-10-25T02:30+01:00")
    same_instant(dst_hour.add(at("2026-10-25T02:00+02:00"), 2 * H), "2026-10-25T03:00+01:00")
    assert dst_hour.is_open(at("2026-10-25T02:59+01:00"))
    assert not dst_hour.is_open(at("2026-10-25T03:00+01:00"))
    same_instant(dst_hour.closing_time(date(2026, 10, 25)), "2026-10-25T03:00+01:00")
    segments = dst_hour.explain(at(day[0]), at(day[1]))
    assert sum((real(s) for s in segments), timedelta()) == 2 * H
    assert all(s.reason == "weekly hours" for s in segments)
    # another year: 2028-10-29 is the last Sunday of October
    assert dst_hour.elapsed(at("2028-10-29T00:00+02:00"), at("2028-10-30T00:00+01:00")) == 2 * H


def test_daytime_windows_ignore_the_switch() -> None:
    # 09:00–17:00 on the DST Sundays is 8 h: the switch happens at night
    assert daily.elapsed(at("2026-03-29T00:00+01:00"), at("2026-03-30T00:00+02:00")) == 8 * H
    assert daily.elapsed(at("2026-10-25T00:00+02:00"), at("2026-10-26T00:00+01:00")) == 8 * H
    # Sat 16:00 CET + 2 h: Sat 16–17 (1 h), Sun 09:00–10:00 CEST → 10:00+02:00
    same_instant(daily.add(at("2026-03-28T16:00+01:00"), 2 * H), "2026-03-29T10:00+02:00")


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # office across the spring weekend: Fri 27 Mar 16–17 CET, Mon 30 Mar 09–10 CEST
        ("2026-03-27T16:00+01:00", 2 * H, "2026-03-30T10:00+02:00"),
        # across the fall-back weekend: Fri 23 Oct 16–17 CEST, Mon 26 Oct 09–10 CET
        ("2026-10-23T16:00+02:00", 2 * H, "2026-10-26T10:00+01:00"),
        # another year: Fri 24 Oct 2025 16–17 CEST, Mon 27 Oct 09–10 CET
        ("2025-10-24T16:00+02:00", 2 * H, "2025-10-27T10:00+01:00"),
        # created in the repeated hour (a Sunday): counts from Monday 09:00 CET
        ("2026-10-25T02:30+01:00", H, "2026-10-26T10:00+01:00"),
        # backwards: Mon 30 Mar 10:00 CEST - 2 h → Fri 27 Mar 16:00 CET
        ("2026-03-30T10:00+02:00", -2 * H, "2026-03-27T16:00+01:00"),
    ],
)
def test_office_across_dst_weekends(start: str, duration: timedelta, expected: str) -> None:
    same_instant(office.add(at(start), duration), expected)


def test_office_elapsed_across_dst_weekend() -> None:
    # Fri 27 Mar 09–17 (8 h) + Mon 30 Mar 09–17 (8 h); 3 days 7 real hours apart
    s, e = at("2026-03-27T09:00+01:00"), at("2026-03-30T17:00+02:00")
    assert office.elapsed(s, e) == 16 * H
    assert office.elapsed(e, s) == -16 * H


# -- add / elapsed basics ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2026-03-09T10:00+01:00", -2 * H, "2026-03-06T16:00+01:00"),  # Mon 10:00 → Fri 16:00
        ("2026-03-09T09:00+01:00", -H, "2026-03-06T16:00+01:00"),  # Mon 09:00 → Fri 16:00
        # Tue 08:00 - 8 h: Mon 09–17 is exactly 8 h; the latest start is Mon 09:00
        ("2026-03-10T08:00+01:00", -8 * H, "2026-03-09T09:00+01:00"),
        # Sat - 1 h → Fri 16:00
        ("2026-03-07T12:00+01:00", -H, "2026-03-06T16:00+01:00"),
        # Tue 28 Apr 10:00 - 2 h: Tue 09–10, Mon 27 King's Day closed, Fri 24 Apr 16–17
        ("2026-04-28T10:00+02:00", -2 * H, "2026-04-24T16:00+02:00"),
        # 1 µs precision: Mon 16:59:59.999999 + 1 µs lands on the closing time
        ("2026-03-09T16:59:59.999999+01:00", US, "2026-03-09T17:00+01:00"),
        ("2026-03-09T17:00+01:00", US, "2026-03-10T09:00:00.000001+01:00"),
        # start given in UTC or another offset: Mon 08:00Z = 09:00 CET
        ("2026-03-09T08:00+00:00", 30 * M, "2026-03-09T09:30+01:00"),
        ("2026-03-09T13:30+05:30", 30 * M, "2026-03-09T09:30+01:00"),
    ],
)
def test_add_pins(start: str, duration: timedelta, expected: str) -> None:
    same_instant(office.add(at(start), duration), expected)


def test_add_zero_is_the_start_even_when_closed() -> None:
    for text in ("2026-03-07T12:00+01:00", "2026-03-09T10:00+01:00", "2026-03-09T17:00+01:00"):
        same = office.add(at(text), timedelta(0))
        assert same.astimezone(UTC) == at(text).astimezone(UTC)
        assert same.tzinfo == AMS


def test_subtract_is_add_backwards() -> None:
    same_instant(office.subtract(at("2026-03-09T10:00+01:00"), 2 * H), "2026-03-06T16:00+01:00")


def test_elapsed_basics() -> None:
    mon, tue = at("2026-03-09T10:00+01:00"), at("2026-03-10T10:00+01:00")
    assert office.elapsed(mon, tue) == 8 * H
    assert office.elapsed(tue, mon) == -8 * H
    assert office.elapsed(mon, mon) == timedelta(0)
    # entirely closed: Saturday to Sunday
    assert office.elapsed(at("2026-03-07T00:00+01:00"), at("2026-03-08T23:00+01:00")) == 0 * H
    # instants given in other zones
    assert office.elapsed(at("2026-03-09T08:00Z"), at("2026-03-09T13:30+05:30")) == 0 * H
    # 08:00Z = 09:00 CET; 20:30+05:30 = 15:00Z = 16:00 CET
    assert office.elapsed(at("2026-03-09T08:00Z"), at("2026-03-09T20:30+05:30")) == 7 * H


def test_add_workdays() -> None:
    s = at("2026-03-09T10:00+01:00")
    same_instant(office.add_workdays(s, 2), "2026-03-11T10:00+01:00")  # 16 h: Mon→Wed 10:00
    same_instant(office.add_workdays(s, 0.5), "2026-03-09T14:00+01:00")  # 4 h
    assert office.workdays(3) == 24 * H
    assert office.workday_hours == 8
    no_workday = BusinessCalendar.from_spec({"hours": {"mon-fri": ["09:00-17:00"]}})
    assert no_workday.workday_hours is None
    with pytest.raises(CalendarError):
        no_workday.add_workdays(s, 1)
    # 24x7 defaults to a 24-hour workday
    same_instant(always.add_workdays(at("2026-03-09T10:00+01:00"), 1), "2026-03-10T10:00+01:00")


def test_is_open_and_next_open_boundaries() -> None:
    assert office.is_open(at("2026-03-09T09:00+01:00"))  # opening instant is open
    assert office.is_open(at("2026-03-09T16:59:59.999999+01:00"))
    assert not office.is_open(at("2026-03-09T17:00+01:00"))  # closing instant is not
    assert not office.is_open(at("2026-03-09T08:59:59.999999+01:00"))
    inside = at("2026-03-09T11:11:11.111111+01:00")
    assert office.next_open(inside).astimezone(UTC) == inside.astimezone(UTC)
    assert office.next_open(inside).tzinfo == AMS
    same_instant(office.next_open(at("2026-03-09T17:00+01:00")), "2026-03-10T09:00+01:00")
    same_instant(office.next_open(at("2026-03-06T17:00+01:00")), "2026-03-09T09:00+01:00")
    # Thursday before Easter 2026 after hours → Tuesday 7 April (Good Friday, Easter Monday)
    same_instant(office.next_open(at("2026-04-02T18:00+02:00")), "2026-04-07T09:00+02:00")


# -- naive datetimes and other bad input -------------------------------------------------------
NAIVE = datetime(2026, 3, 9, 10, 0)
AWARE = at("2026-03-09T10:00+01:00")


class NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> None:
        return None


CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("add", lambda x: office.add(x, H)),
    ("add zero", lambda x: office.add(x, timedelta(0))),
    ("add negative", lambda x: office.add(x, -H)),
    ("add_workdays", lambda x: office.add_workdays(x, 1)),
    ("elapsed start", lambda x: office.elapsed(x, AWARE)),
    ("elapsed end", lambda x: office.elapsed(AWARE, x)),
    ("is_open", office.is_open),
    ("next_open", office.next_open),
    ("explain start", lambda x: office.explain(x, AWARE)),
    ("explain end", lambda x: office.explain(AWARE, x)),
    ("shift_wall", lambda x: office.shift_wall(x, weeks=1)),
    ("24x7 add", lambda x: always.add(x, H)),
]


@pytest.mark.parametrize("call", [c[1] for c in CALLS], ids=[c[0] for c in CALLS])
@pytest.mark.parametrize(
    "naive", [NAIVE, datetime(2026, 3, 9, 10, 0, tzinfo=NoOffset())], ids=["naive", "no-offset"]
)
def test_naive_datetimes_are_refused(call: Callable[[Any], Any], naive: datetime) -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        call(naive)
    assert isinstance(info.value, CalendarError)
    assert isinstance(info.value, SlawatchError)
    assert "2026" in str(info.value)  # names the offending value


@pytest.mark.parametrize("bad", ["2026-03-09T10:00+01:00", date(2026, 3, 9), 1773046800])
def test_non_datetimes_are_refused(bad: Any) -> None:
    with pytest.raises(CalendarError):
        office.add(bad, H)
    with pytest.raises(CalendarError):
        office.elapsed(bad, AWARE)


# -- results live in the calendar's zone -------------------------------------------------------
@pytest.mark.parametrize(
    "start", [at("2026-03-09T08:00Z"), at("2026-03-09T13:30+05:30"), at("2026-03-07T12:00-05:00")]
)
def test_results_in_calendar_timezone(start: datetime) -> None:
    results = [
        office.add(start, H),
        office.add(start, -H),
        office.add(start, timedelta(0)),
        office.next_open(start),
        office.shift_wall(start, weeks=1),
        *(x for seg in office.explain(start, start + 72 * H) for x in (seg.start, seg.end)),
    ]
    closing = office.closing_time(date(2026, 3, 9))
    assert closing is not None
    for dt in [*results, closing]:
        assert dt.tzinfo == AMS, dt
    ny = BusinessCalendar.from_spec(
        {"timezone": "America/New_York", "hours": {"mon-fri": ["09:00-17:00"]}}
    )
    assert ny.add(start, H).tzinfo == ZoneInfo("America/New_York")
    assert ny.timezone == ZoneInfo("America/New_York")
    # Mon 9 Mar 2026 08:00Z = 04:00 EDT (US DST began 8 Mar) → opens 09:00 EDT, + 1 h → 10:00
    same_instant(ny.add(at("2026-03-09T08:00Z"), H), "2026-03-09T10:00-04:00")


# -- explain -----------------------------------------------------------------------------------
def test_explain_reasons_and_days() -> None:
    one_do = BusinessCalendar.from_spec(
        {
            "hours": {"mon-fri": ["08:00-17:00"]},
            "holidays": NL,
            "overrides": [{"on": "easter-2", "hours": ["08:00-16:00"], "name": "Goede Vrijdag"}],
        }
    )
    # Thu 2 Apr 15:00 → Tue 7 Apr 10:00: Thu 15–17, Good Friday 08–16, Tue 08–10
    segments = one_do.explain(at("2026-04-02T15:00+02:00"), at("2026-04-07T10:00+02:00"))
    assert [(s.start.isoformat(), s.end.isoformat()) for s in segments] == [
        ("2026-04-02T15:00:00+02:00", "2026-04-02T17:00:00+02:00"),
        ("2026-04-03T08:00:00+02:00", "2026-04-03T16:00:00+02:00"),
        ("2026-04-07T08:00:00+02:00", "2026-04-07T10:00:00+02:00"),
    ]
    assert segments[0].reason == "weekly hours"
    assert "Goede Vrijdag" in segments[1].reason
    assert [s.duration for s in segments] == [2 * H, 8 * H, 2 * H]
    assert one_do.elapsed(at("2026-04-02T15:00+02:00"), at("2026-04-07T10:00+02:00")) == 12 * H
    assert "2026-04-03T08:00:00+02:00" in str(segments[1])
    assert one_do.explain(at("2026-04-07T10:00+02:00"), at("2026-04-02T15:00+02:00")) == ()
    assert one_do.explain(at("2026-04-04T10:00+02:00"), at("2026-04-05T10:00+02:00")) == ()


def test_explain_24x7_splits_at_local_midnight() -> None:
    segments = always.explain(at("2026-03-28T12:00+01:00"), at("2026-03-30T12:00+02:00"))
    # one local day may be cut further (e.g. at the DST switch); per day the sums are fixed
    per_day: dict[date, timedelta] = {}
    for seg in segments:
        per_day[seg.start.date()] = per_day.get(seg.start.date(), timedelta()) + real(seg)
    assert [(d.isoformat(), t) for d, t in per_day.items()] == [
        ("2026-03-28", 12 * H),
        ("2026-03-29", 23 * H),
        ("2026-03-30", 12 * H),
    ]


# -- day / closing_time / closed_days ----------------------------------------------------------
def test_day_and_closing_time() -> None:
    plan = office.day(date(2026, 4, 27))
    assert isinstance(plan, DayPlan)
    assert (plan.day, plan.windows) == (date(2026, 4, 27), ())
    assert "King" in plan.reason
    assert office.day(date(2026, 4, 28)).windows == ((9 * 3600, 17 * 3600),)
    same_instant(office.closing_time(date(2026, 4, 28)), "2026-04-28T17:00+02:00")
    assert office.closing_time(date(2026, 4, 27)) is None
    assert office.closing_time(date(2026, 3, 7)) is None  # Saturday
    late = BusinessCalendar.from_spec({"hours": {"mon-fri": ["18:00-24:00"]}})
    same_instant(late.closing_time(date(2026, 3, 9)), "2026-03-10T00:00+01:00")


def test_closed_days_lists_the_exceptions() -> None:
    days = office.closed_days(at("2026-04-01T00:00+02:00"), at("2026-04-30T00:00+02:00"))
    assert [d.day for d in days] == [
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 5),  # Easter Sunday (a holiday on a Sunday)
        date(2026, 4, 6),  # Easter Monday
        date(2026, 4, 27),  # King's Day
    ]


# -- shift_wall (weeks / months targets) -------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "kw", "expected"),
    [
        # same wall time one week later across the spring switch (6 days 23 real hours)
        ("2026-03-25T10:00+01:00", {"weeks": 1}, "2026-04-01T10:00+02:00"),
        ("2026-10-21T10:00+02:00", {"weeks": 1}, "2026-10-28T10:00+01:00"),
        ("2026-03-09T09:00+01:00", {"weeks": 3}, "2026-03-30T09:00+02:00"),
        # month ends clamp
        ("2026-01-31T10:00+01:00", {"months": 1}, "2026-02-28T10:00+01:00"),
        ("2028-01-31T10:00+01:00", {"months": 1}, "2028-02-29T10:00+01:00"),  # leap year
        ("2026-03-31T10:00+02:00", {"months": 1}, "2026-04-30T10:00+02:00"),
        ("2026-11-30T14:00+01:00", {"months": 3}, "2027-02-28T14:00+01:00"),
        ("2026-12-15T14:00+01:00", {"months": 12}, "2027-12-15T14:00+01:00"),
        ("2026-08-31T14:00+02:00", {"months": 14}, "2027-10-31T14:00+01:00"),
        # the local wall time of the calendar zone is kept, whatever the input's offset
        ("2026-01-31T09:00Z", {"months": 1}, "2026-02-28T10:00+01:00"),
        # a wall time in the spring gap moves to the switch (03:00 CEST), as documented
        ("2026-03-22T02:30+01:00", {"weeks": 1}, "2026-03-29T03:00+02:00"),
    ],
)
def test_shift_wall(start: str, kw: dict[str, int], expected: str) -> None:
    same_instant(office.shift_wall(at(start), **kw), expected)


def test_shift_wall_into_the_repeated_hour_keeps_the_wall_time() -> None:
    got = office.shift_wall(at("2026-10-18T02:30+02:00"), weeks=1)
    local = got.astimezone(AMS)
    assert (local.date(), local.time()) == (date(2026, 10, 25), time(2, 30))
    assert got.astimezone(UTC) in (at("2026-10-25T00:30Z"), at("2026-10-25T01:30Z"))


# -- range: long targets, far years, any order of questions ------------------------------------
def _nl_business_days(first: date, last: date) -> list[date]:
    """Mon–Fri days that are not NL public holidays, straight from the holidays package."""
    nl = holidays_pkg.country_holidays("NL", years=range(first.year, last.year + 1))
    out, day = [], first
    while day <= last:
        if day.weekday() < 5 and day not in nl:
            out.append(day)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("hours", [500, 1000, 2000, 8 * 250 * 3 + 4])
def test_long_targets_agree_with_a_day_count(hours: int) -> None:
    start = at("2026-01-05T09:00+01:00")  # a Monday, 09:00
    days = _nl_business_days(date(2026, 1, 5), date(2031, 12, 31))
    full, rest = divmod(hours, 8)
    # `full` whole days; with no rest the deadline is the closing time of the last of them
    expected_day, expected_time = (
        (days[full - 1], time(17)) if rest == 0 else (days[full], time(9 + rest))
    )
    expected = datetime.combine(expected_day, expected_time, tzinfo=AMS)
    got = office.add(start, hours * H)
    assert got.astimezone(UTC) == expected.astimezone(UTC)
    assert office.elapsed(start, got) == hours * H


def test_elapsed_over_seven_years_is_the_day_count() -> None:
    fresh = BusinessCalendar.from_spec({"hours": {"mon-fri": ["09:00-17:00"]}, "holidays": NL})
    days = _nl_business_days(date(2024, 1, 1), date(2030, 12, 31))
    s, e = at("2024-01-01T00:00+01:00"), at("2031-01-01T00:00+01:00")
    assert fresh.elapsed(s, e) == 8 * H * len(days)
    assert fresh.elapsed(e, s) == -8 * H * len(days)


def test_far_years_in_any_order() -> None:
    cal = BusinessCalendar.from_spec({"hours": {"mon-fri": ["09:00-17:00"]}, "holidays": NL})
    # first a question in 2100, then one in 2024, then 2060: all answered correctly
    assert cal.elapsed(at("2100-03-01T00:00+01:00"), at("2100-03-08T00:00+01:00")) == 40 * H
    same_instant(cal.add(at("2024-03-01T16:00+01:00"), 2 * H), "2024-03-04T10:00+01:00")
    # Mon 14 Jun 2060 09–10, back to Fri 11 Jun 16:00
    same_instant(cal.add(at("2060-06-14T10:00+02:00"), -2 * H), "2060-06-11T16:00+02:00")
    assert cal.elapsed(at("2100-03-01T00:00+01:00"), at("2100-03-08T00:00+01:00")) == 40 * H
    # and 24x7 far away: real hours
    same_instant(always.add(at("2150-06-01T12:00Z"), H), "2150-06-01T15:00+02:00")


def test_weekday_facts_used_above() -> None:
    assert [d.strftime("%a") for d in (date(2100, 3, 1), date(2060, 6, 11), date(2060, 6, 14))] == [
        "Mon",
        "Fri",
        "Mon",
    ]
    assert date(2024, 3, 1).strftime("%a") == "Fri"
    nl = holidays_pkg.country_holidays("NL", years=[2060, 2100])
    assert date(2060, 6, 11) not in nl and date(2060, 6, 14) not in nl
    assert not any(date(2100, 3, d) in nl for d in range(1, 8))


def test_constructors_and_repr() -> None:
    assert always.is_24x7
    assert not office.is_24x7
    assert BusinessCalendar.from_spec("24x7").is_24x7
    assert "Europe/Amsterdam" in repr(office)
    assert always.timezone == AMS


@pytest.mark.parametrize("year", [1, 1899, 2200, 2300, 9999])
def test_instants_outside_the_supported_years_fail_fast_with_a_calendar_error(year):
    from calendars import CalendarError

    cal = BusinessCalendar.always_open()
    with pytest.raises(CalendarError, match="outside the supported years 1900–2199"):
        cal.is_open(datetime(year, 1, 5, tzinfo=UTC))
