"""A deliberately simple brute-force oracle for business-time arithmetic.

It shares no code with ``calendars``: it reads the raw spec dict itself, asks the ``holidays``
package and ``dateutil`` (Easter) directly, and answers every question by stepping over UTC
minutes. A UTC minute ``[m, m + 1 min)`` is open iff the local wall time of ``m`` lies in a window
``[a, b)`` of the windows of ``m``'s local date. All windows are on a minute grid and every UTC
offset change of the zones used here happens on a whole minute, so openness is constant within
one UTC minute; partial minutes at the ends of a range count by their overlap.

Slow on purpose (a few milliseconds per day of span): keep spans short (``MAX_SPAN``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_pkg
from dateutil.easter import easter

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
US = 1_000_000
MIN_US = 60 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_SPAN = timedelta(days=40)  # the oracle refuses to step further than this


class OracleSpanError(RuntimeError):
    """The question needs more stepping than MAX_SPAN; shorten it."""


def _minutes(hhmm: str) -> int:
    h, m = hhmm.strip().split(":")
    return int(h) * 60 + int(m)


def _windows(raw: Any) -> list[tuple[int, int]]:
    """``["09:00-12:30", "13:00-17:00"]`` → [(540, 750), (780, 1020)] (minutes of the day)."""
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for text in raw:
        a, b = text.split("-")
        out.append((_minutes(a), _minutes(b)))
    return out


def _weekdays(key: str) -> list[int]:
    days = []
    for part in key.lower().split(","):
        part = part.strip()
        if "-" in part:
            first, last = (p.strip() for p in part.split("-"))
            days.extend(range(DAY_KEYS.index(first), DAY_KEYS.index(last) + 1))
        else:
            days.append(DAY_KEYS.index(part))
    return days


def to_us(dt: datetime) -> int:
    d = dt - EPOCH  # raises on naive datetimes, as it should
    return (d.days * 86400 + d.seconds) * US + d.microseconds


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def td_us(d: timedelta) -> int:
    return (d.days * 86400 + d.seconds) * US + d.microseconds


def first_at_or_after_wall(naive: datetime, tz: ZoneInfo) -> int:
    """The first instant (µs) whose local wall time in ``tz`` is at or after ``naive`` (a
    whole-minute wall time), by stepping over UTC minutes from 15 h before ``naive`` read as
    UTC (no zone is 15 h ahead of UTC, so that minute's wall time is earlier). Offsets change
    on whole minutes, so the answer is a whole UTC minute."""
    if naive.second or naive.microsecond:
        raise ValueError("the oracle answers for whole-minute wall times")
    m = naive.replace(tzinfo=UTC) - timedelta(hours=15)
    for _ in range(31 * 60):
        if m.astimezone(tz).replace(tzinfo=None) >= naive:
            return to_us(m)
        m += timedelta(minutes=1)
    raise OracleSpanError(f"no instant with wall time {naive} in {tz} within 31 h")


class Oracle:
    """Open time of one calendar spec (the raw dict), by minute stepping."""

    def __init__(self, spec: dict[str, Any] | str) -> None:
        if isinstance(spec, str):
            spec = {"hours": spec}
        self.tz = ZoneInfo(spec.get("timezone", "Europe/Amsterdam"))
        hours = spec["hours"]
        self.weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        if isinstance(hours, str):
            assert hours.strip().lower() == "24x7"
            self.weekly = [[(0, 1440)] for _ in range(7)]
        else:
            for key, raw in hours.items():
                for day in _weekdays(key):
                    self.weekly[day] = _windows(raw)
        self.holiday_source = spec.get("holidays")
        self.overrides = [
            (str(o["on"]).strip().lower(), _windows(o["hours"]), bool(o.get("only_if_workday")))
            for o in spec.get("overrides") or ()
        ]
        self.workday_hours = spec.get("workday_hours")
        self._holidays_by_year: dict[int, Any] = {}
        self._day_cache: dict[date, list[tuple[int, int]]] = {}
        self._minute_cache: dict[int, bool] = {}

    # -- which windows a local date has ----------------------------------------------------------
    def holiday(self, day: date) -> str | None:
        src = self.holiday_source
        if src is None:
            return None
        table = self._holidays_by_year.get(day.year)
        if table is None:
            categories = src.get("categories", ["public"])
            if isinstance(categories, str):
                categories = [categories]
            table = holidays_pkg.country_holidays(
                src["country"],
                subdiv=src.get("subdiv"),
                years=day.year,
                categories=tuple(categories),
            )
            self._holidays_by_year[day.year] = table
        return table.get(day)

    def _override(self, day: date) -> tuple[list[tuple[int, int]], bool] | None:
        """The most specific override naming ``day``: dated, then yearly, then Easter-relative."""
        dated = [o for o in self.overrides if o[0] == day.isoformat()]
        yearly = [o for o in self.overrides if o[0] == f"{day.month:02d}-{day.day:02d}"]
        movable = []
        for on, windows, only in self.overrides:
            if on.startswith("easter"):
                rest = on[len("easter") :].replace(" ", "")
                offset = int(rest) if rest else 0
                if easter(day.year) + timedelta(days=offset) == day:
                    movable.append((on, windows, only))
        for group in (dated, yearly, movable):
            if group:
                _, windows, only = group[0]
                return windows, only
        return None

    def windows(self, day: date) -> list[tuple[int, int]]:
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        weekly = self.weekly[day.weekday()]
        holiday = self.holiday(day)
        workday = bool(weekly) and holiday is None
        override = self._override(day)
        if override is not None and (not override[1] or workday):
            result = override[0]
        elif holiday is not None:
            result = []
        else:
            result = weekly
        self._day_cache[day] = result
        return result

    # -- the open minutes ------------------------------------------------------------------------
    def minute_open(self, minute: int) -> bool:
        """Is UTC minute number ``minute`` (minutes since the epoch) open?"""
        cached = self._minute_cache.get(minute)
        if cached is None:
            local = from_us(minute * MIN_US).astimezone(self.tz)
            wall = local.hour * 60 + local.minute
            cached = any(a <= wall < b for a, b in self.windows(local.date()))
            self._minute_cache[minute] = cached
        return cached

    def is_open(self, t: datetime) -> bool:
        return self.minute_open(to_us(t) // MIN_US)

    # -- the questions -----------------------------------------------------------------------------
    def elapsed(self, s: datetime, e: datetime) -> timedelta:
        s_us, e_us = to_us(s), to_us(e)
        if e_us < s_us:
            return -self.elapsed(e, s)
        if e_us - s_us > td_us(MAX_SPAN):
            raise OracleSpanError(f"elapsed over {e - s}")
        total = 0
        minute = s_us // MIN_US
        while minute * MIN_US < e_us:
            if self.minute_open(minute):
                lo = max(minute * MIN_US, s_us)
                hi = min((minute + 1) * MIN_US, e_us)
                total += hi - lo
            minute += 1
        return timedelta(microseconds=total)

    def add(self, s: datetime, d: timedelta) -> datetime:
        """d > 0: the earliest t with elapsed(s, t) == d; d < 0: the latest t <= s with
        elapsed(t, s) == -d; d == 0: s."""
        s_us, remaining = to_us(s), td_us(d)
        limit = td_us(MAX_SPAN) // MIN_US
        if remaining == 0:
            return s
        if remaining > 0:
            pos = s_us
            minute = s_us // MIN_US
            for _ in range(limit):
                if self.minute_open(minute):
                    available = (minute + 1) * MIN_US - pos
                    if remaining <= available:
                        return from_us(pos + remaining)
                    remaining -= available
                minute += 1
                pos = minute * MIN_US
            raise OracleSpanError(f"add {d} from {s}")
        remaining = -remaining
        pos = s_us
        minute = (s_us - 1) // MIN_US  # the minute holding the instant just before s
        for _ in range(limit):
            if self.minute_open(minute):
                available = pos - minute * MIN_US
                if remaining <= available:
                    return from_us(pos - remaining)
                remaining -= available
            pos = minute * MIN_US
            minute -= 1
        raise OracleSpanError(f"add {d} from {s}")

    def next_open(self, t: datetime) -> datetime:
        """t itself if open, else the first open minute after it."""
        if self.is_open(t):
            return t
        minute = to_us(t) // MIN_US + 1
        for _ in range(td_us(MAX_SPAN) // MIN_US):
            if self.minute_open(minute):
                return from_us(minute * MIN_US)
            minute += 1
        raise OracleSpanError(f"next_open from {t}")

    def last_close(self, t: datetime) -> datetime:
        """The earliest u <= t with no open time in [u, t): t itself if the instant just before
        t is open, else the end of the last open minute before t."""
        t_us = to_us(t)
        minute = (t_us - 1) // MIN_US
        if self.minute_open(minute):
            return t
        for _ in range(td_us(MAX_SPAN) // MIN_US):
            minute -= 1
            if self.minute_open(minute):
                return from_us((minute + 1) * MIN_US)
        raise OracleSpanError(f"last_close from {t}")

    def open_periods(self, s: datetime, e: datetime) -> list[tuple[datetime, datetime]]:
        """Maximal open stretches of [s, e), cut at local midnight (one local day each)."""
        s_us, e_us = to_us(s), to_us(e)
        out: list[list[int]] = []
        minute = s_us // MIN_US
        prev_day = None
        while minute * MIN_US < e_us:
            if self.minute_open(minute):
                lo = max(minute * MIN_US, s_us)
                hi = min((minute + 1) * MIN_US, e_us)
                day = from_us(minute * MIN_US).astimezone(self.tz).date()
                if out and out[-1][1] == lo and day == prev_day:
                    out[-1][1] = hi
                else:
                    out.append([lo, hi])
                prev_day = day
            minute += 1
        return [(from_us(a), from_us(b)) for a, b in out]
