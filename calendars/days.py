"""Schedule → days: which windows a given local date has, and why (for audit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from calendars.spec import CalendarSpec, Override, Window, format_window


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The opening windows of one local date and the rule that gave them."""

    day: date
    windows: tuple[Window, ...]
    reason: str  # "weekly hours" | "holiday: <name>" | "override <on>"

    @property
    def is_open(self) -> bool:
        return bool(self.windows)

    def __str__(self) -> str:
        hours = ", ".join(format_window(w) for w in self.windows) or "closed"
        return f"{self.day.isoformat()} {self.day.strftime('%a')}: {hours} ({self.reason})"


class DayRules:
    """Resolves each date of a :class:`CalendarSpec` to a :class:`DayPlan`.

    Precedence: an override (most specific first: dated, yearly, Easter-relative) beats a
    holiday, which beats the weekly hours. ``only_if_workday`` overrides apply only on days
    that would otherwise be open.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self._spec = spec
        self._holiday_years: set[int] = set()
        self._holidays: Any = None
        self._by_date = {o.on_date: o for o in spec.overrides if o.on_date is not None}
        self._by_month_day = {o.month_day: o for o in spec.overrides if o.month_day is not None}
        self._by_easter = [o for o in spec.overrides if o.easter_offset is not None]
        self._easter: dict[int, dict[date, Override]] = {}

    def holiday_name(self, day: date) -> str | None:
        source = self._spec.holidays
        if source is None:
            return None
        if day.year not in self._holiday_years:
            from calendars.countries import holiday_class

            years = set(range(day.year - 1, day.year + 3)) | self._holiday_years
            country = holiday_class(source.country)
            if country is None:  # (a spec is validated when built: not reached)
                from calendars.errors import CalendarError

                raise CalendarError(f"unknown holiday country {source.country!r}")
            self._holidays = country(
                subdiv=source.subdiv,
                years=sorted(years),
                categories=source.categories,
            )
            self._holiday_years = years
        return self._holidays.get(day)

    def _override(self, day: date) -> Override | None:
        if (o := self._by_date.get(day)) is not None:
            return o
        if (o := self._by_month_day.get((day.month, day.day))) is not None:
            return o
        if self._by_easter:
            table = self._easter.get(day.year)
            if table is None:
                easter = easter_sunday(day.year)
                table = {easter + timedelta(days=o.easter_offset or 0): o for o in self._by_easter}
                self._easter[day.year] = table
            return table.get(day)
        return None

    def plan(self, day: date) -> DayPlan:
        weekly = self._spec.weekly[day.weekday()]
        holiday = self.holiday_name(day)
        override = self._override(day)
        if override is not None and (not override.only_if_workday or (weekly and not holiday)):
            return DayPlan(day, override.windows, f"override {override.label}")
        if holiday is not None:
            return DayPlan(day, (), f"holiday: {holiday}")
        return DayPlan(day, weekly, "weekly hours")
