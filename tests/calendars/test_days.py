"""calendars.days: Easter, and which windows a local date gets (override > holiday > weekly)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.easter import easter

from calendars import DayPlan, easter_sunday, parse_spec
from calendars.days import DayRules

H = 3600
NL = {"country": "NL", "categories": ["public"]}


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2029, date(2029, 4, 1)),
        (2030, date(2030, 4, 21)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday_known_dates(year: int, sunday: date) -> None:
    assert easter_sunday(year) == sunday


def test_easter_sunday_agrees_with_dateutil() -> None:
    assert all(easter_sunday(y) == easter(y) for y in range(1583, 3000))


def rules(**parts: object) -> DayRules:
    raw: dict[str, object] = {"hours": {"mon-fri": ["09:00-17:00"]}, "holidays": NL}
    raw.update(parts)
    return DayRules(parse_spec(raw))


OFFICE = ((9 * H, 17 * H),)


def test_weekly_hours() -> None:
    r = rules()
    tuesday = r.plan(date(2026, 3, 3))
    assert tuesday == DayPlan(date(2026, 3, 3), OFFICE, "weekly hours")
    assert tuesday.is_open
    saturday = r.plan(date(2026, 3, 7))
    assert (saturday.windows, saturday.reason, saturday.is_open) == ((), "weekly hours", False)


def test_holiday_beats_weekly_hours() -> None:
    plan = rules().plan(date(2026, 4, 27))  # King's Day, a Monday
    assert plan.windows == ()
    assert not plan.is_open
    assert plan.reason.startswith("holiday")
    assert "King" in plan.reason


def test_no_holiday_source_means_no_holidays() -> None:
    r = DayRules(parse_spec({"hours": {"mon-fri": ["09:00-17:00"]}}))
    assert r.plan(date(2026, 4, 27)).windows == OFFICE
    assert r.holiday_name(date(2026, 4, 27)) is None


def test_holiday_names_from_the_package() -> None:
    r = rules()
    assert r.holiday_name(date(2026, 4, 3)) == "Good Friday"
    assert r.holiday_name(date(2025, 5, 5)) == "Liberation Day"
    assert r.holiday_name(date(2026, 5, 5)) is None  # only in lustrum years
    assert r.holiday_name(date(2030, 5, 5)) == "Liberation Day"
    # asked in any order, over many years
    assert r.holiday_name(date(2040, 12, 25)) is not None
    assert r.holiday_name(date(2019, 12, 26)) is not None
    assert r.holiday_name(date(2026, 12, 28)) is None


def test_override_beats_holiday() -> None:
    r = rules(overrides=[{"on": "easter+1", "hours": ["10:00-12:00"]}])
    plan = r.plan(date(2026, 4, 6))  # Easter Monday
    assert plan.windows == ((10 * H, 12 * H),)
    assert plan.reason.startswith("override")
    assert "easter+1" in plan.reason


def test_override_can_open_a_weekend_day_and_close_a_workday() -> None:
    r = rules(
        overrides=[
            {"on": "2026-03-07", "hours": ["10:00-14:00"]},  # a Saturday
            {"on": "2026-03-09", "hours": [], "name": "company outing"},  # a Monday
        ]
    )
    assert r.plan(date(2026, 3, 7)).windows == ((10 * H, 14 * H),)
    closed = r.plan(date(2026, 3, 9))
    assert (closed.windows, closed.is_open) == ((), False)
    assert "company outing" in closed.reason


def test_most_specific_override_wins() -> None:
    # Easter Sunday 2026 is 5 April: all three name it; the dated one wins
    r = rules(
        hours={"mon-sun": ["09:00-17:00"]},
        overrides=[
            {"on": "easter", "hours": ["01:00-02:00"]},
            {"on": "04-05", "hours": ["03:00-04:00"]},
            {"on": "2026-04-05", "hours": ["05:00-06:00"]},
        ],
    )
    assert r.plan(date(2026, 4, 5)).windows == ((5 * H, 6 * H),)
    # 5 April 2027 (Easter Monday): the yearly one beats the holiday
    assert r.plan(date(2027, 4, 5)).windows == ((3 * H, 4 * H),)
    # Easter Sunday 2027 is 28 March: only the Easter-relative one
    assert r.plan(date(2027, 3, 28)).windows == ((1 * H, 2 * H),)
    # 5 April 2026 aside, the yearly one beats the Easter one when both match: Easter 2037 is
    # 5 April as well
    assert easter(2037) == date(2037, 4, 5)
    assert r.plan(date(2037, 4, 5)).windows == ((3 * H, 4 * H),)


def test_only_if_workday() -> None:
    r = rules(overrides=[{"on": "12-24", "hours": ["08:00-16:00"], "only_if_workday": True}])
    # Thursday 24 Dec 2026: a workday → the override applies
    thu = r.plan(date(2026, 12, 24))
    assert thu.windows == ((8 * H, 16 * H),)
    assert thu.reason.startswith("override")
    # Sunday 24 Dec 2028: no weekly hours → the weekly (closed) hours stand
    assert r.plan(date(2028, 12, 24)).windows == ()
    assert r.plan(date(2028, 12, 24)).reason == "weekly hours"


def test_only_if_workday_does_not_apply_on_a_holiday() -> None:
    # Christmas 2026 is a Friday (weekly hours, but a holiday) → stays closed as a holiday
    r = rules(overrides=[{"on": "12-25", "hours": ["10:00-12:00"], "only_if_workday": True}])
    plan = r.plan(date(2026, 12, 25))
    assert plan.windows == ()
    assert plan.reason.startswith("holiday")
    # without only_if_workday the override opens it
    r = rules(overrides=[{"on": "12-25", "hours": ["10:00-12:00"]}])
    assert r.plan(date(2026, 12, 25)).windows == ((10 * H, 12 * H),)


def test_easter_offsets_follow_easter_every_year() -> None:
    r = rules(overrides=[{"on": "easter-2", "hours": ["08:00-16:00"]}])
    for year in range(2024, 2031):
        good_friday = easter(year) - timedelta(days=2)
        assert r.plan(good_friday).windows == ((8 * H, 16 * H),), year
        assert r.plan(good_friday + timedelta(days=3)).windows == (), year  # Easter Monday


def test_leap_day_override_only_in_leap_years() -> None:
    r = rules(overrides=[{"on": "02-29", "hours": []}])
    assert r.plan(date(2028, 2, 29)).windows == ()  # a Tuesday, closed by the override
    assert r.plan(date(2027, 3, 1)).windows == OFFICE  # a Monday, untouched


def test_dayplan_str() -> None:
    text = str(rules().plan(date(2026, 4, 27)))
    assert text.startswith("2026-04-27 Mon: closed")
    assert "King" in text
    assert str(rules().plan(date(2026, 3, 3))) == "2026-03-03 Tue: 09:00-17:00 (weekly hours)"
