"""Days → timeline: open intervals as UTC epoch microseconds with cumulative open time.

The timeline is the index that makes business-time arithmetic cost the same for a 30-minute
and a 3-month target: ``starts``/``ends`` are the open intervals (sorted, disjoint, touching
ones merged, so a 24x7 calendar is one interval), ``cum[i]`` is the open time before interval
``i`` and ``cum_end[i] = cum[i] + (ends[i] - starts[i])``. Every query is a binary search.

Local windows become UTC instants piece by piece: a local day is split where its UTC offset
changes (DST), and within each constant-offset piece a wall-clock window ``[a, b)`` is the set
of instants whose local wall time lies in it. So a window in the spring-forward gap shrinks, a
window in the repeated autumn hour counts that hour twice, and a 24x7 calendar counts real
elapsed time (23 h on the spring-forward Sunday, 25 h on the fall-back Sunday).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from calendars.days import DayRules

US = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
MAX_YEARS_AHEAD = 200  # a target needing more open time than this is refused, never looped on
# Instants a business calendar answers for: a typo'd year fails fast with a CalendarError
# instead of building centuries of index (or overflowing datetime at year 1 / 9999).
MIN_YEAR, MAX_YEAR = 1900, 2200


def us_of(dt: datetime) -> int:
    """Aware datetime → UTC epoch microseconds (exact integer)."""
    d = dt - EPOCH
    return (d.days * 86400 + d.seconds) * US + d.microseconds


MIN_US = (datetime(MIN_YEAR, 1, 2, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
MAX_US = (datetime(MAX_YEAR, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)


def _offset_us(us: int, tz: ZoneInfo) -> int:
    off = (EPOCH + timedelta(microseconds=us)).astimezone(tz).utcoffset()
    return 0 if off is None else (off.days * 86400 + off.seconds) * US + off.microseconds


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_HOUR_US = 3600 * US
#: where _steady_offset samples its 76-hour window, after its start: every 19 h, and its end
_PROBES = (19 * _HOUR_US, 38 * _HOUR_US, 57 * _HOUR_US, 76 * _HOUR_US - 1)
# (zone, proleptic ordinal of a local date) -> the zone's one UTC offset around that date, or
# None where it changes (see _steady_offset)
_STEADY: dict[tuple[ZoneInfo, int], int | None] = {}


def _steady_offset(tz: ZoneInfo, ordinal: int) -> int | None:
    """The UTC offset (µs) of ``tz`` over every instant whose local wall time can fall on
    the local date ``ordinal``, if it is one offset there; ``None`` if it changes.

    Those instants lie within 26 h of the date's wall-clock span (no zone is further than
    that from UTC), so the offset is sampled every 19 h over that 76-hour window and at its
    end: equal samples mean no change, under the same premise as :func:`_transitions` (a
    zone does not change its offset and change it back within a day). Kept per date."""
    key = (tz, ordinal)
    if key in _STEADY:
        return _STEADY[key]
    start = (ordinal - _EPOCH_ORDINAL) * 86400 * US - 26 * _HOUR_US
    first = _offset_us(start, tz)
    out: int | None = first
    for probe in _PROBES:
        if _offset_us(start + probe, tz) != first:
            out = None
            break
    if len(_STEADY) > 200_000:  # (a bound, never reached by real traffic: ~550 years)
        _STEADY.clear()
    _STEADY[key] = out
    return out


def _first_at_or_after_wall(naive: datetime, tz: ZoneInfo) -> int:
    """The first instant whose local wall time is >= ``naive`` (the transition, in a gap)."""
    ordinal = naive.toordinal()
    off = _steady_offset(tz, ordinal)
    if off is not None:  # one offset all around that date: no gap, no repeated hour
        secs = (ordinal - _EPOCH_ORDINAL) * 86400 + naive.hour * 3600
        secs += naive.minute * 60 + naive.second
        return secs * US + naive.microsecond - off
    candidate = us_of(naive.replace(tzinfo=tz, fold=0))
    back = (EPOCH + timedelta(microseconds=candidate)).astimezone(tz).replace(tzinfo=None)
    if back == naive:
        return candidate
    # ``naive`` does not exist (spring-forward gap): search the transition between the two
    # readings of it, to the second.
    lo = us_of(naive.replace(tzinfo=tz, fold=1)) // US
    hi = candidate // US
    if lo > hi:
        lo, hi = hi, lo
    while lo < hi:
        mid = (lo + hi) // 2
        reading = (EPOCH + timedelta(seconds=mid)).astimezone(tz).replace(tzinfo=None)
        if reading >= naive:
            hi = mid
        else:
            lo = mid + 1
    return lo * US


def _transitions(start: int, end: int, tz: ZoneInfo) -> list[int]:
    """UTC offset changes in [start, end), to the second (at most a few per day)."""
    found: list[int] = []
    lo_off = _offset_us(start, tz)
    while _offset_us(end - US, tz) != lo_off:
        lo, hi = start // US, (end - 1) // US
        while lo < hi:  # first second whose offset differs from lo_off
            mid = (lo + hi) // 2
            if _offset_us(mid * US, tz) != lo_off:
                hi = mid
            else:
                lo = mid + 1
        found.append(lo * US)
        start = lo * US
        lo_off = _offset_us(start, tz)
    return found


class Timeline:
    """The open intervals of a calendar over a range of whole local years, extended lazily."""

    __slots__ = (
        "_rules",
        "cum",
        "cum_end",
        "ends",
        "first_year",
        "hi",
        "last_year",
        "lo",
        "starts",
        "tz",
    )

    def __init__(self, rules: DayRules, tz: ZoneInfo) -> None:
        self._rules = rules
        self.tz = tz
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = []
        self.cum_end: list[int] = []
        self.first_year = self.last_year = 0
        self.lo = self.hi = 0  # covered UTC range [lo, hi)

    # -- building -----------------------------------------------------------------------------
    def day_intervals(self, day: date) -> list[tuple[int, int]]:
        """The open intervals of one local date as UTC microseconds."""
        plan = self._rules.plan(day)
        if not plan.windows:
            return []
        midnight = datetime(day.year, day.month, day.day)
        day_start = _first_at_or_after_wall(midnight, self.tz)
        day_end = _first_at_or_after_wall(midnight + _ONE_DAY, self.tz)
        cuts = [day_start, *_transitions(day_start, day_end, self.tz), day_end]
        wall_midnight = us_of(midnight.replace(tzinfo=UTC))  # local midnight read as if UTC
        out: list[tuple[int, int]] = []
        for p0, p1 in pairwise(cuts):
            off = _offset_us(p0, self.tz)
            for a, b in plan.windows:
                s = max(p0, wall_midnight + a * US - off)
                e = min(p1, wall_midnight + b * US - off)
                if s < e:
                    out.append((s, e))
        out.sort()
        return out

    def _year_intervals(self, year: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        day = date(year, 1, 1)
        while day.year == year:
            out.extend(self.day_intervals(day))
            day += _ONE_DAY
        return out

    def _append(self, intervals: list[tuple[int, int]]) -> None:
        starts, ends, cum, cum_end = self.starts, self.ends, self.cum, self.cum_end
        for s, e in intervals:
            if ends and s <= ends[-1]:  # touching (24x7 across midnight): merge
                if e > ends[-1]:
                    cum_end[-1] += e - ends[-1]
                    ends[-1] = e
                continue
            total = cum_end[-1] if cum_end else 0
            starts.append(s)
            ends.append(e)
            cum.append(total)
            cum_end.append(total + e - s)

    def _year_bounds(self, year: int) -> int:
        return _first_at_or_after_wall(datetime(year, 1, 1), self.tz)

    def cover(self, us: int) -> None:
        """Make sure instant ``us`` lies inside the built range (whole local years)."""
        if self.lo <= us < self.hi:
            return
        if not MIN_US <= us < MAX_US:
            from calendars.errors import CalendarError

            raise CalendarError(
                f"an instant in about the year {1970 + us // 31_557_600_000_000} is outside "
                "the supported years "
                f"{MIN_YEAR}–{MAX_YEAR - 1}"
            )
        year = (EPOCH + timedelta(microseconds=us)).astimezone(self.tz).year
        if not self.starts and self.lo == self.hi:
            self._build(year - 1, year + 1)
        elif us < self.lo:
            self._build(year - 1, self.last_year)
        else:
            for _ in range(self.last_year + 1, year + 2):
                self.extend_one_year()
            return
        if not self.lo <= us < self.hi:  # pragma: no cover - defensive, a bug if reached
            raise RuntimeError("timeline failed to cover instant")

    def _build(self, first: int, last: int) -> None:
        self.starts, self.ends, self.cum, self.cum_end = [], [], [], []
        for y in range(first, last + 1):
            self._append(self._year_intervals(y))
        self.first_year, self.last_year = first, last
        self.lo, self.hi = self._year_bounds(first), self._year_bounds(last + 1)

    def extend_one_year(self) -> None:
        if self.last_year - self.first_year > MAX_YEARS_AHEAD:
            from calendars.errors import CalendarError

            raise CalendarError(f"no such amount of open time within {MAX_YEARS_AHEAD} years")
        self.last_year += 1
        self._append(self._year_intervals(self.last_year))
        self.hi = self._year_bounds(self.last_year + 1)

    # -- queries (all instants are UTC epoch microseconds) ------------------------------------
    def open_before(self, us: int) -> int:
        """Open time in [start of timeline, us)."""
        starts = self.starts
        i = bisect_right(starts, us) - 1
        if i < 0:
            return 0
        if us >= self.ends[i]:
            return self.cum_end[i]
        return self.cum[i] + us - starts[i]

    def instant_at(self, counted: int) -> int:
        """The earliest instant at which ``counted`` open time has elapsed (counted > 0)."""
        while not self.cum_end or counted > self.cum_end[-1]:
            self.extend_one_year()
        i = bisect_left(self.cum_end, counted)
        return self.starts[i] + counted - self.cum[i]

    def latest_instant_at(self, counted: int) -> int:
        """The latest instant with exactly ``counted`` open time before it (the backward face)."""
        i = bisect_right(self.cum, counted) - 1
        return self.starts[i] + counted - self.cum[i]

    def interval_at(self, us: int) -> int:
        """Index of the interval containing ``us``, or -1."""
        i = bisect_right(self.starts, us) - 1
        return i if i >= 0 and us < self.ends[i] else -1

    def next_open(self, us: int) -> int:
        i = bisect_right(self.starts, us) - 1
        if i >= 0 and us < self.ends[i]:
            return us
        while i + 1 >= len(self.starts):
            self.extend_one_year()
        return self.starts[i + 1]

    def day_start(self, day: date) -> int:
        return _first_at_or_after_wall(datetime(day.year, day.month, day.day), self.tz)

    @staticmethod
    def from_us(us: int, tz: ZoneInfo) -> datetime:
        return (EPOCH + timedelta(microseconds=us)).astimezone(tz)
