"""Which announced maintenance is excluded from downtime, and why not (issue 6): pure.

:func:`evaluate` applies a policy's :class:`~models.availability.MaintenanceRule` list to the
maintenance announced for one service, in start order. For each one it returns the
intervals excluded from downtime and, when it is not (or only partly) excluded, the rules it
broke, by name — so a report can say *why* an outage during maintenance still counted:

- no rule for its kind, or a kind that is never excluded (``excluded: false``): it counts;
- ``in_advance`` (announced before it starts), ``min_notice`` (announced at least that long
  before, business time on ``notice_calendar``), ``starts_not_before`` (local start time of
  day), ``max_per_month`` (the first N of the start's local calendar month, counted per
  ``limit_group``): any broken → the whole maintenance counts;
- ``windows`` / ``workday_windows``: only the part inside a weekly window, or a window
  from a workday to the next workday of a calendar (local wall time, DST-correct), is
  excluded; the rest counts (rule ``window``).

Maintenance only matters where the service is actually down: exclusions are subtracted from
outages by :mod:`streams.availability.downtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from calendars import BusinessCalendar
from calendars.timeline import US, us_of
from models.availability import MaintenanceRule, WeeklyWindow, WorkdayWindow
from models.durations import Duration
from streams.availability.downtime import Interval, clip, subtract, union

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Announcement:
    maintenance_id: str
    kind: str
    start_us: int
    end_us: int
    announced_us: int


@dataclass(slots=True)
class MaintenanceVerdict:
    maintenance_id: str
    kind: str
    excluded: list[Interval] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # rule names, e.g. "max_per_month"
    explanation: str = ""


def evaluate(
    announcements: Iterable[Announcement],
    rules: list[MaintenanceRule],
    tz: ZoneInfo,
    calendar: Callable[[str], BusinessCalendar] | None = None,
) -> list[MaintenanceVerdict]:
    """Verdicts in start order (see the module doc). ``calendar(name)`` resolves a rule's
    ``notice_calendar``."""
    used: dict[tuple[str, int, int], int] = {}  # (limit group, year, month) -> count
    out: list[MaintenanceVerdict] = []
    for a in sorted(announcements, key=lambda x: (x.start_us, x.maintenance_id)):
        v = MaintenanceVerdict(a.maintenance_id, a.kind)
        out.append(v)
        rule = next((r for r in rules if a.kind in r.kinds), None)
        if rule is None:
            v.broken.append("kind")
            v.explanation = f"no maintenance rule covers kind {a.kind!r}: it counts as downtime"
            continue
        if not rule.excluded:
            v.broken.append("excluded")
            v.explanation = f"{a.kind} maintenance is never excluded: it counts as downtime"
            continue
        start = datetime.fromtimestamp(a.start_us / US, tz)
        problems: list[tuple[str, str]] = []
        if rule.in_advance and not a.announced_us < a.start_us:
            problems.append(("in_advance", "announced only once it had started"))
        if rule.min_notice is not None:
            need, have = _notice(rule, rule.min_notice, a, calendar)
            if have < need:
                problems.append(
                    (
                        "min_notice",
                        f"announced {_fmt(have)} ahead; the contract asks {rule.min_notice}",
                    )
                )
        if rule.starts_not_before is not None and start.time() < rule.starts_not_before:
            problems.append(
                (
                    "starts_not_before",
                    f"starts at {start:%H:%M}, before {rule.starts_not_before:%H:%M}",
                )
            )
        if rule.max_per_month is not None:
            group = rule.limit_group or ",".join(rule.kinds)
            key = (group, start.year, start.month)
            if used.get(key, 0) >= rule.max_per_month:
                problems.append(
                    (
                        "max_per_month",
                        f"maintenance number {used[key] + 1} of {start:%B %Y}; "
                        f"at most {rule.max_per_month} a month are excluded",
                    )
                )
            else:
                used[key] = used.get(key, 0) + 1
        if problems:
            v.broken = [name for name, _ in problems]
            v.explanation = "; ".join(text for _, text in problems) + ": it counts as downtime"
            continue
        whole = [(a.start_us, a.end_us)]
        if rule.windows or rule.workday_windows:
            lo, hi = a.start_us, a.end_us
            inside = union(
                [
                    *(w for win in rule.windows or () for w in window_occurrences(win, tz, lo, hi)),
                    *(
                        w
                        for win in rule.workday_windows or ()
                        for w in workday_occurrences(win, _calendar(calendar, win.calendar), lo, hi)
                    ),
                ]
            )
            v.excluded = clip(inside, a.start_us, a.end_us)
            if subtract(whole, v.excluded):
                v.broken.append("window")
                v.explanation = "the part outside the allowed window counts as downtime"
        else:
            v.excluded = whole
    return out


def window_occurrences(win: WeeklyWindow, tz: ZoneInfo, lo: int, hi: int) -> list[Interval]:
    """The occurrences of a weekly window (local wall time) that overlap ``[lo, hi)``, as
    UTC-µs intervals; a window whose end is before its start wraps into the next week."""
    a, b = _minute(win.start), _minute(win.end)
    if b <= a:
        b += 7 * 1440
    first = datetime.fromtimestamp(lo / US, tz).date()
    monday = first - timedelta(days=first.weekday() + 7)
    out: list[Interval] = []
    while True:
        base = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
        s = us_of(base + timedelta(minutes=a))  # wall-clock arithmetic on a zoned datetime
        e = us_of(base + timedelta(minutes=b))
        if s >= hi:
            break
        if e > lo:
            out.append((s, e))
        monday += timedelta(days=7)
    return out


def workday_occurrences(
    win: WorkdayWindow, cal: BusinessCalendar, lo: int, hi: int
) -> list[Interval]:
    """The occurrences of a workday window that overlap ``[lo, hi)``: from ``win.start`` on
    each day the calendar opens until ``win.end`` on the next such day (local wall time,
    DST-correct), as UTC-µs intervals."""
    tz = cal.timezone
    # the first occurrence that can reach lo starts on the last workday before lo's date
    # (over a weekend or a holiday that is days before: Friday 16:00 covers Sunday)
    day = datetime.fromtimestamp(lo / US, tz).date() - timedelta(days=1)
    for _ in range(60):
        if cal.day(day).is_open:
            break
        day -= timedelta(days=1)
    last = datetime.fromtimestamp(hi / US, tz).date()
    out: list[Interval] = []
    while day <= last:
        if cal.day(day).is_open:
            nxt = day + timedelta(days=1)
            for _ in range(60):  # the next workday: a long closure is still bounded
                if cal.day(nxt).is_open:
                    break
                nxt += timedelta(days=1)
            s = us_of(datetime.combine(day, win.start, tz))
            e = us_of(datetime.combine(nxt, win.end, tz))
            if s < hi and e > lo:
                out.append((s, e))
        day += timedelta(days=1)
    return out


def _calendar(calendar: Callable[[str], BusinessCalendar] | None, name: str) -> BusinessCalendar:
    if calendar is None:
        raise ValueError(f"a workday window needs the policy's calendars (calendar {name!r})")
    return calendar(name)


def _minute(point: str) -> int:
    day, hm = point.split()
    h, m = hm.split(":")
    return _DAYS.index(day) * 1440 + int(h) * 60 + int(m)


def _notice(
    rule: MaintenanceRule,
    d: Duration,
    a: Announcement,
    calendar: Callable[[str], BusinessCalendar] | None,
) -> tuple[int, int]:
    """(notice needed, notice given) in µs: business time on the notice calendar for m, h
    and workdays; wall time for weeks and months (7 and 30 days)."""
    cal = calendar(rule.notice_calendar) if calendar and rule.notice_calendar else None
    if d.unit in ("weeks", "months") or cal is None:
        days = {"weeks": 7, "months": 30}.get(d.unit)
        wall = {"m": 60, "h": 3600}.get(d.unit, 86400 * (days or 1))
        return int(d.amount * wall * US), max(0, a.start_us - a.announced_us)
    per: float
    if d.unit in ("m", "h"):
        per = 60.0 if d.unit == "m" else 3600.0
    else:  # workdays: a policy's notice calendar for them declares its workday hours
        hours = cal.spec.workday_hours
        if hours is None:
            raise ValueError(f"notice calendar {rule.notice_calendar!r} has no workday_hours")
        per = hours * 3600
    return int(d.amount * per * US), cal.elapsed_us(a.announced_us, a.start_us)


def _fmt(us: int) -> str:
    return f"{us / US / 3600:.1f} h"
