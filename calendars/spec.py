"""The calendar spec: user-facing data (YAML/dict) → a validated, immutable :class:`CalendarSpec`.

Every check is a named rule (``CalendarSpecError.rule``) and reports the path inside the spec,
so a policy file can point at the exact line a person has to fix::

    timezone: Europe/Amsterdam
    hours:                               # or the shorthand  hours: 24x7
      mon-thu: ["09:00-12:30", "13:00-17:00"]
      fri: ["09:00-12:00"]
    holidays: {country: NL, categories: [public]}
    overrides:
      - {on: "easter-2", hours: ["08:00-16:00"]}
      - {on: "12-24", hours: ["08:00-16:00"], only_if_workday: true}
      - {on: "2026-07-03", hours: []}
    workday_hours: 8

Rules (``rule`` id: what it checks):

- ``spec-type``: the spec and its parts have the right shape (mapping, list, string, ...).
- ``unknown-key``: no key outside the format (typos are errors, not silently ignored).
- ``timezone``: an IANA zone name known to this machine's tz database.
- ``day-key``: weekday keys are ``mon``..``sun``, ranges ``mon-thu``, lists ``sat,sun``.
- ``day-twice``: a weekday is given hours by at most one key.
- ``window-format``: windows are ``"HH:MM-HH:MM"`` (``24:00`` allowed as an end).
- ``window-order``: a window ends after it starts.
- ``window-overlap``: windows of one day do not overlap (touching windows are merged).
- ``never-open``: the weekly hours have at least one open window.
- ``holidays-country``: the ``holidays`` package knows the country (and subdivision).
- ``holidays-category``: the country offers the requested categories.
- ``override-on``: ``on`` is ``easter±N``, ``MM-DD`` or ``YYYY-MM-DD`` and names a real day.
- ``override-twice``: one ``on`` value is overridden at most once.
- ``workday-hours``: ``workday_hours`` is a positive number of hours, at most 24.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calendars.errors import CalendarSpecError

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 24 * 3600
ALWAYS_OPEN = "24x7"

# A window, in seconds since local midnight: [start, end), end <= 24:00.
Window = tuple[int, int]

_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_EASTER_RE = re.compile(r"^easter\s*(?:([+-])\s*(\d{1,3}))?$")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

_TOP_KEYS = frozenset({"timezone", "hours", "holidays", "overrides", "workday_hours", "name"})
_HOLIDAY_KEYS = frozenset({"country", "categories", "subdiv"})
_OVERRIDE_KEYS = frozenset({"on", "hours", "only_if_workday", "name"})


@dataclass(frozen=True, slots=True)
class HolidaySource:
    """Public holidays taken from the ``holidays`` package (data, never names, decide)."""

    country: str
    categories: tuple[str, ...] = ("public",)
    subdiv: str | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """Special hours for one kind of day; they take precedence over holidays and weekly hours.

    Exactly one of ``easter_offset`` (days after Easter Sunday), ``month_day`` (every year) and
    ``on_date`` (once) is set. ``only_if_workday``: apply only when the day would otherwise be
    open (it has weekly hours and is not a holiday).
    """

    label: str
    windows: tuple[Window, ...]
    easter_offset: int | None = None
    month_day: tuple[int, int] | None = None
    on_date: date | None = None
    only_if_workday: bool = False

    @property
    def specificity(self) -> int:
        """Several overrides may match one day; the most specific wins: a dated one, then a
        yearly one, then an Easter-relative one."""
        if self.on_date is not None:
            return 3
        if self.month_day is not None:
            return 2
        return 1


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A validated calendar. ``weekly[i]`` are the windows of weekday ``i`` (0 = Monday)."""

    timezone: ZoneInfo
    weekly: tuple[tuple[Window, ...], ...]
    holidays: HolidaySource | None
    overrides: tuple[Override, ...]
    workday_hours: float | None
    always_open: bool = False
    name: str | None = None


def _fail(rule: str, path: str, message: str) -> CalendarSpecError:
    return CalendarSpecError(rule, path, message)


def _check_keys(obj: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    unknown = sorted(str(k) for k in obj if k not in allowed)
    if unknown:
        raise _fail(
            "unknown-key",
            path,
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
        )


def parse_days(key: str, path: str) -> list[int]:
    """``"mon"`` → [0]; ``"mon-thu"`` → [0, 1, 2, 3]; ``"sat,sun"`` → [5, 6]."""
    days: list[int] = []
    for part in str(key).lower().split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = part.partition("-")
            first, last = first.strip(), last.strip()
            if first not in DAY_NAMES or last not in DAY_NAMES:
                raise _fail("day-key", path, f"{key!r} is not a day range like 'mon-fri'")
            i, j = DAY_NAMES.index(first), DAY_NAMES.index(last)
            if j < i:
                raise _fail("day-key", path, f"day range {part!r} runs backwards")
            days.extend(range(i, j + 1))
        elif part in DAY_NAMES:
            days.append(DAY_NAMES.index(part))
        else:
            raise _fail("day-key", path, f"{part!r} is not a weekday; use {', '.join(DAY_NAMES)}")
    return days


def parse_window(text: Any, path: str) -> Window:
    """``"09:00-17:00"`` → (32400, 61200) seconds since local midnight."""
    if not isinstance(text, str):
        raise _fail("window-format", path, f"a window is a string 'HH:MM-HH:MM', got {text!r}")
    m = _WINDOW_RE.match(text)
    if not m:
        raise _fail("window-format", path, f"{text!r} is not a window like '09:00-17:00'")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    for h, mi in ((h1, m1), (h2, m2)):
        if mi > 59 or h > 24 or (h == 24 and mi != 0):
            raise _fail("window-format", path, f"{text!r} has a time outside 00:00-24:00")
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if end <= start:
        raise _fail("window-order", path, f"window {text!r} must end after it starts")
    return start, end


def parse_windows(raw: Any, path: str) -> tuple[Window, ...]:
    """A list of windows → sorted, non-overlapping, touching windows merged."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, Sequence):
        raise _fail("spec-type", path, f"expected a list of windows, got {raw!r}")
    windows = sorted(parse_window(w, f"{path}[{i}]") for i, w in enumerate(raw))
    merged: list[Window] = []
    for start, end in windows:
        if merged and start < merged[-1][1]:
            raise _fail(
                "window-overlap",
                path,
                f"windows {_fmt(merged[-1])} and {_fmt((start, end))} overlap",
            )
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _fmt(window: Window) -> str:
    (a, b) = window
    return f"{a // 3600:02d}:{a % 3600 // 60:02d}-{b // 3600:02d}:{b % 3600 // 60:02d}"


def format_window(window: Window) -> str:
    """(32400, 61200) → ``"09:00-17:00"``."""
    return _fmt(window)


def _parse_weekly(raw: Any) -> tuple[tuple[tuple[Window, ...], ...], bool]:
    if isinstance(raw, str):
        if raw.strip().lower() != ALWAYS_OPEN:
            raise _fail("spec-type", "hours", f"hours is a mapping or '24x7', got {raw!r}")
        full = ((0, DAY_SECONDS),)
        return (full,) * 7, True
    if not isinstance(raw, Mapping):
        raise _fail("spec-type", "hours", f"hours is a mapping of weekdays to windows, got {raw!r}")
    weekly: list[tuple[Window, ...] | None] = [None] * 7
    for key, windows in raw.items():
        path = f"hours.{key}"
        for day in parse_days(str(key), path):
            if weekly[day] is not None:
                raise _fail("day-twice", path, f"{DAY_NAMES[day]} is given hours twice")
            weekly[day] = parse_windows(windows, path)
    result = tuple(w or () for w in weekly)
    if not any(result):
        raise _fail("never-open", "hours", "the weekly hours have no open window at all")
    always = all(w == ((0, DAY_SECONDS),) for w in result)
    return result, always


def _parse_holidays(raw: Any) -> HolidaySource | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise _fail(
            "spec-type", "holidays", f"holidays is a mapping like {{country: NL}}, got {raw!r}"
        )
    _check_keys(raw, _HOLIDAY_KEYS, "holidays")
    from calendars.countries import holiday_class

    country = str(raw.get("country", "")).upper()
    cls = holiday_class(country)
    if cls is None:
        raise _fail("holidays-country", "holidays.country", f"unknown country code {country!r}")
    subdiv = raw.get("subdiv")
    subdivisions = tuple(getattr(cls, "subdivisions", ()))
    if subdiv is not None and str(subdiv) not in subdivisions:
        raise _fail(
            "holidays-country",
            "holidays.subdiv",
            f"{country} has no subdivision {subdiv!r}; known: {', '.join(subdivisions)}",
        )
    categories_raw = raw.get("categories", ["public"])
    if isinstance(categories_raw, str):
        categories_raw = [categories_raw]
    categories = tuple(str(c).lower() for c in categories_raw)
    offered = set(getattr(cls, "supported_categories", ("public",)))
    bad = [c for c in categories if c not in offered]
    if bad or not categories:
        raise _fail(
            "holidays-category",
            "holidays.categories",
            f"{country} offers categories {', '.join(sorted(offered))}; got {list(categories)}",
        )
    return HolidaySource(country, categories, None if subdiv is None else str(subdiv))


def _parse_on(on: Any, path: str) -> dict[str, Any]:
    text = str(on).strip().lower()
    if m := _EASTER_RE.match(text):
        sign, n = m.groups()
        offset = 0 if n is None else int(n) * (-1 if sign == "-" else 1)
        return {"easter_offset": offset}
    if m := _DATE_RE.match(text):
        try:
            return {"on_date": date(int(m[1]), int(m[2]), int(m[3]))}
        except ValueError:
            raise _fail("override-on", path, f"{on!r} is not a real date") from None
    if m := _MONTH_DAY_RE.match(text):
        month, day = int(m[1]), int(m[2])
        try:
            date(2000, month, day)  # a leap year, so 02-29 is accepted
        except ValueError:
            raise _fail("override-on", path, f"{on!r} is not a real month-day") from None
        return {"month_day": (month, day)}
    raise _fail("override-on", path, f"{on!r}: use 'easter+N'/'easter-N', 'MM-DD' or 'YYYY-MM-DD'")


def _parse_overrides(raw: Any) -> tuple[Override, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise _fail("spec-type", "overrides", "overrides is a list of {on, hours} mappings")
    seen: dict[str, int] = {}
    result = []
    for i, item in enumerate(raw):
        path = f"overrides[{i}]"
        if not isinstance(item, Mapping):
            raise _fail("spec-type", path, f"an override is a mapping {{on, hours}}, got {item!r}")
        _check_keys(item, _OVERRIDE_KEYS, path)
        if "on" not in item or "hours" not in item:
            raise _fail("spec-type", path, "an override needs both 'on' and 'hours'")
        where = _parse_on(item["on"], f"{path}.on")
        key = repr(sorted(where.items()))
        if key in seen:
            raise _fail(
                "override-twice",
                f"{path}.on",
                f"{item['on']!r} is already overridden at overrides[{seen[key]}]",
            )
        seen[key] = i
        only = item.get("only_if_workday", False)
        if not isinstance(only, bool):
            raise _fail(
                "spec-type", f"{path}.only_if_workday", f"expected true/false, got {only!r}"
            )
        result.append(
            Override(
                label=str(item.get("name") or item["on"]),
                windows=parse_windows(item["hours"], f"{path}.hours"),
                only_if_workday=only,
                **where,
            )
        )
    return tuple(result)


def parse_spec(raw: Mapping[str, Any] | str) -> CalendarSpec:
    """Validate a calendar spec (a mapping, or the string ``"24x7"``)."""
    if isinstance(raw, str):
        raw = {"hours": raw}
    if not isinstance(raw, Mapping):
        raise _fail("spec-type", "", f"a calendar spec is a mapping, got {type(raw).__name__}")
    _check_keys(raw, _TOP_KEYS, "")
    tz_name = raw.get("timezone", "Europe/Amsterdam")
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail("timezone", "timezone", f"unknown timezone {tz_name!r}") from None
    if "hours" not in raw:
        raise _fail("spec-type", "hours", "a calendar needs 'hours' (weekly windows or '24x7')")
    weekly, always = _parse_weekly(raw["hours"])
    holidays = _parse_holidays(raw.get("holidays"))
    overrides = _parse_overrides(raw.get("overrides"))
    wh = raw.get("workday_hours")
    if wh is not None:
        if isinstance(wh, bool) or not isinstance(wh, int | float) or not 0 < wh <= 24:
            raise _fail(
                "workday-hours", "workday_hours", f"workday_hours is hours in (0, 24], got {wh!r}"
            )
        wh = float(wh)
    elif always:
        wh = 24.0
    name = raw.get("name")
    return CalendarSpec(
        timezone=tz,
        weekly=weekly,
        holidays=holidays,
        overrides=overrides,
        workday_hours=wh,
        always_open=always and holidays is None and not overrides,
        name=None if name is None else str(name),
    )
