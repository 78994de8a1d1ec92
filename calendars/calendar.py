"""Timeline → calculation: the public :class:`BusinessCalendar`.

Forward and backward are two faces of one abstraction: ``add(start, d)`` with a positive
``d`` is the earliest instant by which ``d`` of open time has been counted from ``start``;
with a negative ``d`` it is the latest instant from which ``-d`` of open time runs up to
``start``. ``elapsed(a, b)`` is the open time in ``[a, b)`` (negative when ``b < a``).
"""

from __future__ import annotations

import calendar as _stdcal
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calendars.days import DayPlan, DayRules
from calendars.errors import CalendarError, NaiveDatetimeError
from calendars.spec import CalendarSpec, parse_spec
from calendars.timeline import EPOCH, US, Timeline, _first_at_or_after_wall

_fromtimestamp = datetime.fromtimestamp


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of counted open time, for audit: ``[start, end)`` in the calendar's zone."""

    start: datetime
    end: datetime
    reason: str

    @property
    def duration(self) -> timedelta:
        # real elapsed time: subtracting two datetimes of the same ZoneInfo would give the
        # wall-clock difference (wrong across a DST switch), so go through UTC
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.start.isoformat()} → {self.end.isoformat()} ({self.duration}, {self.reason})"


class BusinessCalendar:
    """Opening hours + holidays + special days in one timezone, with exact, O(log n) arithmetic.

    Build it with :meth:`from_spec`; it is immutable from the outside (its index grows lazily
    to cover the years asked about) and safe to share between clocks.
    """

    __slots__ = ("_closing", "_rules", "_tl", "spec")

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self._rules = DayRules(spec)
        self._tl = Timeline(self._rules, spec.timezone)
        self._closing: dict[date, datetime | None] = {}  # closing_time, per date asked

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | str) -> BusinessCalendar:
        """Validate ``spec`` (see :mod:`calendars.spec`) and build the calendar."""
        return cls(parse_spec(spec))

    @classmethod
    def always_open(cls, timezone: str = "Europe/Amsterdam") -> BusinessCalendar:
        """A 24x7 calendar: counts real elapsed time."""
        return cls.from_spec({"timezone": timezone, "hours": "24x7"})

    # -- properties ----------------------------------------------------------------------------
    @property
    def timezone(self) -> ZoneInfo:
        return self.spec.timezone

    @property
    def workday_hours(self) -> float | None:
        return self.spec.workday_hours

    @property
    def is_24x7(self) -> bool:
        return self.spec.always_open

    def __repr__(self) -> str:
        name = f" {self.spec.name!r}" if self.spec.name else ""
        return f"<BusinessCalendar{name} {self.spec.timezone.key}>"

    # -- conversions ---------------------------------------------------------------------------
    # The hot paths below are written out by hand (no helper calls, no isinstance checks): a
    # naive datetime makes ``dt - EPOCH`` raise TypeError, which becomes NaiveDatetimeError.
    def _us(self, dt: datetime, what: str) -> int:
        try:
            d = dt - EPOCH
        except TypeError:
            raise self._bad(dt, what) from None
        us = (d.days * 86400 + d.seconds) * US + d.microseconds
        tl = self._tl
        if not tl.lo <= us < tl.hi:
            tl.cover(us)
        return us

    @staticmethod
    def _bad(dt: object, what: str) -> CalendarError:
        if isinstance(dt, datetime):
            return NaiveDatetimeError(what, dt)
        return CalendarError(f"{what} must be an aware datetime, got {type(dt).__name__}")

    def _dt(self, us: int) -> datetime:
        q, r = divmod(us, US)
        out = _fromtimestamp(q, self.spec.timezone)
        return out.replace(microsecond=r) if r else out

    # -- arithmetic ----------------------------------------------------------------------------
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of open time has been counted from
        ``start`` (docs/contracts.md R2: a start outside the hours counts from the next opening; a
        deadline landing on a closing time is that closing time). ``duration == 0`` returns
        ``start``; a negative duration counts backwards (the latest such instant)."""
        s = self._us(start, "start")
        n = (duration.days * 86400 + duration.seconds) * US + duration.microseconds
        tl = self._tl
        if n > 0:
            starts = tl.starts
            i = bisect_right(starts, s) - 1
            if i < 0:
                target = n
            elif s >= tl.ends[i]:
                target = tl.cum_end[i] + n
            else:
                target = tl.cum[i] + s - starts[i] + n
            if target > tl.cum_end[-1]:
                return self._dt(tl.instant_at(target))
            j = bisect_left(tl.cum_end, target)
            return self._dt(starts[j] + target - tl.cum[j])
        if n == 0:
            return start.astimezone(self.spec.timezone)
        target = tl.open_before(s) + n
        while target < 0:  # needs open time before the built range: rebuild a year earlier
            tl.cover(tl.lo - 1)
            target = tl.open_before(s) + n
        return self._dt(tl.latest_instant_at(target))

    # -- the microsecond face: the same arithmetic on UTC epoch µs, for the engine's hot loops --
    def elapsed_us(self, start_us: int, end_us: int) -> int:
        """Open µs in ``[start_us, end_us)`` (0 if ``end_us <= start_us``)."""
        if end_us <= start_us:
            return 0
        tl = self._tl
        if not tl.lo <= start_us < tl.hi:
            tl.cover(start_us)
        if not tl.lo <= end_us < tl.hi:
            tl.cover(end_us)
        return tl.open_before(end_us) - tl.open_before(start_us)

    def add_us(self, start_us: int, need_us: int) -> int:
        """The earliest instant (µs) with ``need_us > 0`` open µs counted from ``start_us``."""
        tl = self._tl
        if not tl.lo <= start_us < tl.hi:
            tl.cover(start_us)
        return tl.instant_at(tl.open_before(start_us) + need_us)

    def to_local(self, instant_us: int) -> datetime:
        """The instant ``instant_us`` (UTC epoch µs) as an aware datetime in local time."""
        return self._dt(instant_us)

    def next_open_us(self, instant_us: int) -> int:
        tl = self._tl
        if not tl.lo <= instant_us < tl.hi:
            tl.cover(instant_us)
        return tl.next_open(instant_us)

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The latest instant from which ``duration`` of open time runs up to ``end``."""
        return self.add(end, -duration)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time in ``[start, end)``; negative if ``end`` is before ``start``."""
        s = self._us(start, "start")
        e = self._us(end, "end")
        tl = self._tl  # covering ``end`` keeps ``start`` covered: the index only ever grows
        return timedelta(0, 0, tl.open_before(e) - tl.open_before(s))

    def add_workdays(self, start: datetime, workdays: float) -> datetime:
        """``add(start, workdays × workday_hours)`` (docs/contracts.md R3)."""
        return self.add(start, self.workdays(workdays))

    def workdays(self, workdays: float) -> timedelta:
        """``workdays`` nominal workdays as a duration of open time."""
        if self.spec.workday_hours is None:
            raise CalendarError(
                "this calendar declares no workday_hours, so 'workdays' is undefined"
            )
        return timedelta(hours=workdays * self.spec.workday_hours)

    def is_open(self, instant: datetime) -> bool:
        return self._tl.interval_at(self._us(instant, "instant")) >= 0

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` itself if open, else the next opening."""
        us = self._us(instant, "instant")
        nxt = self._tl.next_open(us)
        return instant.astimezone(self.spec.timezone) if nxt == us else self._dt(nxt)

    # -- wall-clock arithmetic (weeks / months targets, docs/contracts.md R3) ----------------
    def shift_wall(self, start: datetime, *, weeks: int = 0, months: int = 0) -> datetime:
        """The same local wall time ``weeks`` weeks and ``months`` months later (a day past
        the end of the month clamps to its last day; a wall time in a DST gap moves to the
        transition)."""
        return self._dt(self.shift_wall_us(self._us(start, "start"), weeks=weeks, months=months))

    def shift_wall_us(self, start_us: int, *, weeks: int = 0, months: int = 0) -> int:
        """:meth:`shift_wall` on UTC epoch microseconds."""
        tl = self._tl
        if not tl.lo <= start_us < tl.hi:
            tl.cover(start_us)  # (as for any instant asked about: a far year is refused)
        local = self._dt(start_us)
        year, month, day = local.year, local.month, local.day
        if months:
            y, m = divmod(month - 1 + months, 12)
            year, month = year + y, m + 1
            day = min(day, _stdcal.monthrange(year, month)[1])
        naive = datetime(year, month, day, local.hour, local.minute, local.second)
        naive += timedelta(7 * weeks, 0, local.microsecond)
        return _first_at_or_after_wall(naive, self.spec.timezone)

    # -- audit ---------------------------------------------------------------------------------
    def day(self, day: date) -> DayPlan:
        """The windows of one local date and why (weekly hours, holiday, override)."""
        return self._rules.plan(day)

    def closing_time(self, day: date) -> datetime | None:
        """The end of the last open window of local date ``day`` (``None`` if closed)."""
        try:
            return self._closing[day]
        except KeyError:
            pass
        intervals = self._tl.day_intervals(day)
        out = self._closing[day] = self._dt(intervals[-1][1]) if intervals else None
        return out

    def explain(self, start: datetime, end: datetime) -> tuple[Segment, ...]:
        """The open segments counted in ``[start, end)``, one per local day and window (split
        again at a DST switch), each with the rule that opened it: "why this deadline"."""
        s = self._us(start, "start")
        e = self._us(end, "end")
        segments: list[Segment] = []
        if e <= s:
            return ()
        day = self._dt(s).date()
        last = self._dt(e).date()
        while day <= last:
            plan = self._rules.plan(day)
            for a, b in self._tl.day_intervals(day):
                a, b = max(a, s), min(b, e)
                if a < b:
                    segments.append(Segment(self._dt(a), self._dt(b), plan.reason))
            day += timedelta(days=1)
        return tuple(segments)

    def closed_days(self, start: datetime, end: datetime) -> tuple[DayPlan, ...]:
        """Days in ``[start, end]`` whose hours differ from the weekly hours (holidays,
        overrides): the exceptions a person checks when disputing a deadline."""
        day, last = start.astimezone(self.timezone).date(), end.astimezone(self.timezone).date()
        out = []
        while day <= last:
            plan = self._rules.plan(day)
            if plan.reason != "weekly hours":
                out.append(plan)
            day += timedelta(days=1)
        return tuple(out)
