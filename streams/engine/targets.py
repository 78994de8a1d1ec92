"""Targets → due items: what a clock fires, and when, on the business calendars.

A clock's targets resolve, once per plan, to *items*: each is an amount of counted time
(``need``, in µs) on a *track* (the calendar whose open time counts), or — for ``same_day``
escalations — an absolute instant. The same items drive the live engine and
:func:`project`, the "if never paused or stopped" schedule shown by ``slawatch deadline``.

Tracks: ``m``/``h``/``workdays`` count the open time of the target's calendar; ``weeks`` and
``months`` are wall-clock durations from the clock's business-aligned start (docs/contracts.md R3),
counted on the real-time track :data:`WALL`, so paused time extends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from calendars import BusinessCalendar
from calendars.timeline import EPOCH, US, us_of
from models.plan import ClockPlan, Target

WALL = "~wall"  # the track that counts real elapsed time (weeks/months targets)

ItemKind = Literal["warning", "breach", "escalation"]
_ORDER = {"warning": 0, "breach": 1, "escalation": 2}


@lru_cache(maxsize=64)
def wall_calendar(timezone: str) -> BusinessCalendar:
    return BusinessCalendar.always_open(timezone)


def track_calendar(policy: Any, track: str) -> BusinessCalendar:
    """The calendar whose open time a track counts."""
    if track == WALL:
        return wall_calendar(str(policy.timezone))
    return policy.calendar(track)


@dataclass(frozen=True, slots=True)
class Goal:
    """A resolved target: ``need`` µs of counted time on ``track``."""

    track: str
    need: int

    # Written out so that mypyc compiles them (the generated ones are interpreted); the
    # __init__ is checked against the fields by tests/test_build.py.
    def __init__(self, track: str, need: int) -> None:
        object.__setattr__(self, "track", track)
        object.__setattr__(self, "need", need)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Goal) and other.__class__ is self.__class__:  # (as generated)
            return self.track == other.track and self.need == other.need
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.track, self.need))


def resolve_target(policy: Any, target: Target, origin_us: int) -> Goal:
    """``target`` counted from the clock's origin (UTC epoch µs)."""
    cal = policy.calendar(target.calendar)
    amount = target.amount
    if target.unit == "m":
        return Goal(target.calendar, round(amount * 60 * US))
    if target.unit == "h":
        return Goal(target.calendar, round(amount * 3600 * US))
    if target.unit == "workdays":
        d = cal.workdays(amount)
        return Goal(target.calendar, (d.days * 86400 + d.seconds) * US + d.microseconds)
    if target.unit == "weeks":
        end_us = cal.shift_wall_us(origin_us, weeks=int(amount))
    else:  # months
        end_us = cal.shift_wall_us(origin_us, months=int(amount))
    return Goal(WALL, end_us - origin_us)


@dataclass(frozen=True, slots=True)
class Item:
    """One signal a clock fires at most once (docs/contracts.md R7).

    ``key`` is stable across priority changes (it names the rung, not the instant), so a
    rung that already fired never fires again. ``at_us`` is set for absolute items
    (``same_day``); the others fire when ``need`` µs have been counted on ``track``.
    """

    key: str
    kind: ItemKind
    track: str
    need: int
    at_us: int | None = None
    threshold: float | None = None
    tier: str | None = None
    level: str | None = None

    # Written out so that mypyc compiles them (the generated ones are interpreted); the
    # __init__ is checked against the fields by tests/test_build.py.
    def __init__(
        self,
        key: str,
        kind: ItemKind,
        track: str,
        need: int,
        at_us: int | None = None,
        threshold: float | None = None,
        tier: str | None = None,
        level: str | None = None,
    ) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "track", track)
        object.__setattr__(self, "need", need)
        object.__setattr__(self, "at_us", at_us)
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "tier", tier)
        object.__setattr__(self, "level", level)

    @property
    def order(self) -> int:
        return _ORDER[self.kind]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A clock's resolved goals and items, for one plan and one start."""

    origin_us: int
    hard: Goal | None
    soft: Goal | None
    same_day_us: int | None
    items: tuple[Item, ...]
    #: the tracks the items count on (sorted; absolute items count on none)
    tracks: tuple[str, ...] = ()

    # Written out so that mypyc compiles them (the generated ones are interpreted); the
    # __init__ is checked against the fields by tests/test_build.py.
    def __init__(
        self,
        origin_us: int,
        hard: Goal | None,
        soft: Goal | None,
        same_day_us: int | None,
        items: tuple[Item, ...],
        tracks: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "origin_us", origin_us)
        object.__setattr__(self, "hard", hard)
        object.__setattr__(self, "soft", soft)
        object.__setattr__(self, "same_day_us", same_day_us)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "tracks", tracks)

    @property
    def verdict_goal(self) -> Goal | None:
        return self.hard or self.soft

    def at_origin(self, origin_us: int) -> Schedule:
        """The same schedule from another origin (a plan whose items do not depend on it)."""
        return Schedule(origin_us, self.hard, self.soft, self.same_day_us, self.items, self.tracks)


def goals(
    policy: Any, plan: ClockPlan, cal: BusinessCalendar, origin_us: int
) -> tuple[Goal | None, Goal | None, int | None]:
    """What :func:`schedule` derives from the origin: the hard and soft goals and the
    same-day instant (the closing time of the origin's local date, if a rung asks for it)."""
    hard = resolve_target(policy, plan.hard, origin_us) if plan.hard else None
    soft = resolve_target(policy, plan.soft, origin_us) if plan.soft else None
    same_day_us: int | None = None
    for esc in plan.escalations:
        if esc.at == "same_day":
            close = cal.closing_time(cal.to_local(origin_us).date())
            if close is not None:
                same_day_us = us_of(close)
    return hard, soft, same_day_us


def schedule(policy: Any, plan: ClockPlan, start: datetime) -> Schedule:
    """Resolve ``plan`` for a clock that started at ``start``."""
    cal = policy.calendar(plan.calendar)
    origin_us = us_of(cal.next_open(start))
    return build(plan, origin_us, *goals(policy, plan, cal, origin_us))


def build(
    plan: ClockPlan,
    origin_us: int,
    hard: Goal | None,
    soft: Goal | None,
    same_day_us: int | None,
) -> Schedule:
    """The schedule of ``plan`` from ``origin_us``, given what :func:`goals` derived there."""
    base = hard or soft
    items: list[Item] = []
    if base is not None:
        for f in plan.thresholds:
            items.append(
                Item(f"warning:{f:g}", "warning", base.track, round(base.need * f), threshold=f)
            )
    if soft is not None:
        items.append(Item("warning:soft", "warning", soft.track, soft.need, tier="soft"))
    if hard is not None:
        items.append(Item("breach", "breach", hard.track, hard.need))
    for esc in plan.escalations:
        key = f"escalation:{esc.level}"
        if esc.at == "same_day":
            if same_day_us is None:  # origin is an opening instant, so its day has hours
                continue
            items.append(Item(key, "escalation", "", 0, at_us=same_day_us, level=esc.level))
        elif base is not None:
            frac = 1.0 if esc.at == "breach" else float(esc.at)
            items.append(
                Item(key, "escalation", base.track, round(base.need * frac), level=esc.level)
            )
    tracks = tuple(sorted({i.track for i in items if i.at_us is None}))
    return Schedule(origin_us, hard, soft, same_day_us, tuple(items), tracks)


@dataclass(frozen=True, slots=True)
class ProjectedSignal:
    type: str  # "sla.warning" | "sla.escalation" | "sla.breach"
    at: datetime
    threshold: float | None = None
    tier: str | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class Projection:
    """What a clock would fire if never paused or stopped."""

    start: datetime
    origin: datetime
    deadline: datetime | None
    soft_deadline: datetime | None
    signals: tuple[ProjectedSignal, ...]


def project(policy: Any, plan: ClockPlan, start: datetime) -> Projection:
    """The breach deadline and every warning/escalation/breach instant of ``plan`` from
    ``start``, assuming no pause and no stop."""
    sch = schedule(policy, plan, start)
    tz = policy.calendar(plan.calendar).timezone
    origin = policy.calendar(plan.calendar).next_open(start)

    def instant(track: str, need: int) -> datetime:
        return track_calendar(policy, track).add(origin, timedelta(microseconds=need))

    out = []
    for item in sch.items:
        if item.at_us is not None:
            at = (EPOCH + timedelta(microseconds=item.at_us)).astimezone(tz)
        else:
            at = instant(item.track, item.need)
        out.append((at, item.order, item))
    out.sort(key=lambda x: (x[0], x[1]))
    signals = tuple(
        ProjectedSignal(
            f"sla.{item.kind}", at, threshold=item.threshold, tier=item.tier, level=item.level
        )
        for at, _, item in out
    )
    return Projection(
        start=start.astimezone(tz),
        origin=origin,
        deadline=instant(sch.hard.track, sch.hard.need) if sch.hard else None,
        soft_deadline=instant(sch.soft.track, sch.soft.need) if sch.soft else None,
        signals=signals,
    )
