"""calendars.spec: the validated spec format and every named validation rule."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import calendars.spec
from calendars import (
    BusinessCalendar,
    CalendarError,
    CalendarSpecError,
    SlawatchError,
    parse_spec,
)

OK_HOURS = {"mon-fri": ["09:00-17:00"]}


def spec(**parts: Any) -> dict[str, Any]:
    """A valid office spec with ``parts`` replaced (a value of ``...`` removes the key)."""
    base: dict[str, Any] = {"timezone": "Europe/Amsterdam", "hours": OK_HOURS}
    base.update(parts)
    return {k: v for k, v in base.items() if v is not ...}


def override(**parts: Any) -> dict[str, Any]:
    return {"on": "12-24", "hours": ["08:00-16:00"], **parts}


# (rule, path, spec) — one or more cases for every rule named in the calendars.spec docstring
CASES: list[tuple[str, str, Any]] = [
    # spec-type
    ("spec-type", "", ["not", "a", "mapping"]),
    ("spec-type", "", 42),
    ("spec-type", "hours", spec(hours=...)),
    ("spec-type", "hours", spec(hours="weekdays")),
    ("spec-type", "hours", spec(hours=["09:00-17:00"])),
    ("spec-type", "hours.mon", spec(hours={"mon": 9})),
    ("spec-type", "hours.mon", spec(hours={"mon": {"from": "09:00"}})),
    ("spec-type", "holidays", spec(holidays="NL")),
    ("spec-type", "overrides", spec(overrides="easter-2")),
    ("spec-type", "overrides", spec(overrides={"on": "12-24", "hours": []})),
    ("spec-type", "overrides[0]", spec(overrides=["12-24"])),
    ("spec-type", "overrides[1]", spec(overrides=[override(), {"on": "12-31"}])),
    ("spec-type", "overrides[0]", spec(overrides=[{"hours": []}])),
    (
        "spec-type",
        "overrides[0].only_if_workday",
        spec(overrides=[override(only_if_workday="yes")]),
    ),
    # unknown-key
    ("unknown-key", "", spec(timezon="Europe/Amsterdam")),
    ("unknown-key", "", spec(workday=8)),
    ("unknown-key", "holidays", spec(holidays={"country": "NL", "categorie": ["public"]})),
    ("unknown-key", "overrides[0]", spec(overrides=[override(date="2026-12-24")])),
    # timezone
    ("timezone", "timezone", spec(timezone="Mars/Olympus_Mons")),
    ("timezone", "timezone", spec(timezone="CEST+2")),
    ("timezone", "timezone", spec(timezone="../../etc/passwd")),
    # day-key
    ("day-key", "hours.monday", spec(hours={"monday": ["09:00-17:00"]})),
    ("day-key", "hours.fri-mon", spec(hours={"fri-mon": ["09:00-17:00"]})),
    ("day-key", "hours.mon-xyz", spec(hours={"mon-xyz": ["09:00-17:00"]})),
    ("day-key", "hours.sat,zon", spec(hours={"sat,zon": ["09:00-17:00"]})),
    # day-twice
    ("day-twice", "hours.fri", spec(hours={"mon-fri": ["09:00-17:00"], "fri": ["09:00-12:00"]})),
    ("day-twice", "hours.sun,sun", spec(hours={"sun,sun": ["09:00-17:00"]})),
    # window-format
    ("window-format", "hours.mon[0]", spec(hours={"mon": ["9-17"]})),
    ("window-format", "hours.mon[1]", spec(hours={"mon": ["09:00-12:00", "25:00-26:00"]})),
    ("window-format", "hours.mon[0]", spec(hours={"mon": ["09:60-10:00"]})),
    ("window-format", "hours.mon[0]", spec(hours={"mon": ["23:00-24:30"]})),
    ("window-format", "hours.mon[0]", spec(hours={"mon": [9]})),
    ("window-format", "overrides[0].hours[0]", spec(overrides=[override(hours=["8:00 to 16:00"])])),
    # window-order
    ("window-order", "hours.mon[0]", spec(hours={"mon": ["17:00-09:00"]})),
    ("window-order", "hours.tue[0]", spec(hours={"tue": ["10:00-10:00"]})),
    ("window-order", "overrides[0].hours[0]", spec(overrides=[override(hours=["16:00-08:00"])])),
    # window-overlap
    ("window-overlap", "hours.mon", spec(hours={"mon": ["09:00-12:00", "11:00-13:00"]})),
    ("window-overlap", "hours.mon", spec(hours={"mon": ["13:00-17:00", "09:00-14:00"]})),
    ("window-overlap", "hours.mon", spec(hours={"mon": ["09:00-17:00", "09:00-17:00"]})),
    # never-open
    ("never-open", "hours", spec(hours={})),
    ("never-open", "hours", spec(hours={"mon-sun": []})),
    # holidays-country
    ("holidays-country", "holidays.country", spec(holidays={"country": "XX"})),
    ("holidays-country", "holidays.country", spec(holidays={"categories": ["public"]})),
    ("holidays-country", "holidays.subdiv", spec(holidays={"country": "NL", "subdiv": "Atlantis"})),
    # holidays-category
    (
        "holidays-category",
        "holidays.categories",
        spec(holidays={"country": "NL", "categories": []}),
    ),
    (
        "holidays-category",
        "holidays.categories",
        spec(holidays={"country": "NL", "categories": ["public", "bogus"]}),
    ),
    # override-on
    ("override-on", "overrides[0].on", spec(overrides=[override(on="easter*2")])),
    ("override-on", "overrides[0].on", spec(overrides=[override(on="13-01")])),
    ("override-on", "overrides[0].on", spec(overrides=[override(on="02-30")])),
    ("override-on", "overrides[0].on", spec(overrides=[override(on="2026-02-29")])),
    ("override-on", "overrides[0].on", spec(overrides=[override(on="2026-13-01")])),
    ("override-on", "overrides[0].on", spec(overrides=[override(on="tomorrow")])),
    ("override-on", "overrides[1].on", spec(overrides=[override(), override(on="24-12")])),
    # override-twice
    ("override-twice", "overrides[1].on", spec(overrides=[override(), override(hours=[])])),
    (
        "override-twice",
        "overrides[1].on",
        spec(overrides=[override(on="easter-2"), override(on="easter - 2")]),
    ),
    (
        "override-twice",
        "overrides[2].on",
        spec(overrides=[override(on="easter"), override(on="12-31"), override(on="easter+0")]),
    ),
    # workday-hours
    ("workday-hours", "workday_hours", spec(workday_hours=0)),
    ("workday-hours", "workday_hours", spec(workday_hours=-8)),
    ("workday-hours", "workday_hours", spec(workday_hours=24.5)),
    ("workday-hours", "workday_hours", spec(workday_hours=True)),
    ("workday-hours", "workday_hours", spec(workday_hours="8")),
]


@pytest.mark.parametrize(("rule", "path", "raw"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_rule_violations(rule: str, path: str, raw: Any) -> None:
    with pytest.raises(CalendarSpecError) as info:
        BusinessCalendar.from_spec(raw)
    err = info.value
    assert (err.rule, err.path) == (rule, path), str(err)
    assert f"[{rule}]" in str(err)
    assert err.message and err.message in str(err)


def test_every_documented_rule_is_tested() -> None:
    documented = set(re.findall(r"^- ``([a-z-]+)``:", calendars.spec.__doc__ or "", re.M))
    assert len(documented) >= 14
    assert documented == {rule for rule, _, _ in CASES}


def test_spec_error_hierarchy() -> None:
    with pytest.raises(CalendarSpecError) as info:
        parse_spec(spec(hours={"mon": ["17:00-09:00"]}))
    assert isinstance(info.value, CalendarError)
    assert isinstance(info.value, SlawatchError)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("hours.mon[0]: ")


# -- what a valid spec means -------------------------------------------------------------------
H = 3600


def test_weekly_windows_in_seconds_since_midnight() -> None:
    parsed = parse_spec(
        spec(hours={"mon-thu": ["09:00-12:30", "13:00-17:00"], "fri": "09:00-12:00"})
    )
    assert parsed.timezone == ZoneInfo("Europe/Amsterdam")
    assert parsed.weekly[:4] == (((9 * H, 12 * H + 1800), (13 * H, 17 * H)),) * 4
    assert parsed.weekly[4] == ((9 * H, 12 * H),)
    assert parsed.weekly[5:] == ((), ())
    assert parsed.holidays is None
    assert parsed.overrides == ()
    assert parsed.workday_hours is None
    assert not parsed.always_open


def test_windows_sorted_and_touching_windows_merged() -> None:
    parsed = parse_spec(spec(hours={"mon": ["13:00-17:00", "09:00-13:00", "18:00-24:00"]}))
    assert parsed.weekly[0] == ((9 * H, 17 * H), (18 * H, 24 * H))


@pytest.mark.parametrize(
    ("key", "days"),
    [
        ("mon", [0]),
        ("Sun", [6]),
        ("sat,sun", [5, 6]),
        ("mon-wed, fri", [0, 1, 2, 4]),
        ("mon-sun", [0, 1, 2, 3, 4, 5, 6]),
        ("thu-thu", [3]),
    ],
)
def test_day_keys(key: str, days: list[int]) -> None:
    parsed = parse_spec(spec(hours={key: ["10:00-11:00"]}))
    assert [i for i, w in enumerate(parsed.weekly) if w] == days


@pytest.mark.parametrize(
    "raw",
    [
        "24x7",
        {"hours": "24x7"},
        {"hours": " 24X7 "},
        {"timezone": "Europe/Amsterdam", "hours": {"mon-sun": ["00:00-24:00"]}},
        {"hours": {"mon-fri": "00:00-24:00", "sat,sun": ["00:00-12:00", "12:00-24:00"]}},
    ],
)
def test_always_open_forms(raw: Any) -> None:
    parsed = parse_spec(raw)
    assert parsed.always_open
    assert parsed.weekly == (((0, 24 * H),),) * 7
    assert parsed.workday_hours == 24
    assert BusinessCalendar.from_spec(raw).is_24x7


def test_always_open_hours_with_holidays_is_not_24x7() -> None:
    parsed = parse_spec({"hours": "24x7", "holidays": {"country": "NL"}})
    assert not parsed.always_open


def test_holidays_source() -> None:
    parsed = parse_spec(spec(holidays={"country": "nl"}))
    assert parsed.holidays is not None
    assert (parsed.holidays.country, parsed.holidays.categories) == ("NL", ("public",))
    parsed = parse_spec(spec(holidays={"country": "NL", "categories": "optional"}))
    assert parsed.holidays is not None and parsed.holidays.categories == ("optional",)
    parsed = parse_spec(spec(holidays={"country": "DE", "subdiv": "BY"}))
    assert parsed.holidays is not None and parsed.holidays.subdiv == "BY"


def test_overrides_parsed() -> None:
    parsed = parse_spec(
        spec(
            overrides=[
                {"on": "easter-2", "hours": ["08:00-16:00"]},
                {"on": "Easter + 39", "hours": []},
                {"on": "easter", "hours": []},
                {"on": "12-24", "hours": ["08:00-16:00"], "only_if_workday": True},
                {"on": "02-29", "hours": []},
                {"on": "2026-07-03", "hours": [], "name": "company outing"},
                {"on": date(2026, 7, 4), "hours": []},  # a YAML loader may produce a date
            ]
        )
    )
    o = parsed.overrides
    assert [x.easter_offset for x in o[:3]] == [-2, 39, 0]
    assert o[0].windows == ((8 * H, 16 * H),)
    assert (o[3].month_day, o[3].only_if_workday) == ((12, 24), True)
    assert o[4].month_day == (2, 29)
    assert (o[5].on_date, o[5].windows, o[5].label) == (date(2026, 7, 3), (), "company outing")
    assert o[6].on_date == date(2026, 7, 4)
    assert [x.specificity for x in o] == [1, 1, 1, 2, 2, 3, 3]
    assert not any(x.only_if_workday for x in o if x.month_day != (12, 24))


@pytest.mark.parametrize("hours", [8, 7.5, 24, 0.25])
def test_workday_hours_accepted(hours: float) -> None:
    parsed = parse_spec(spec(workday_hours=hours))
    assert parsed.workday_hours == hours
    assert isinstance(parsed.workday_hours, float)


def test_name_kept() -> None:
    assert parse_spec(spec(name="office")).name == "office"
    assert "office" in repr(BusinessCalendar.from_spec(spec(name="office")))
