"""Availability targets, heartbeats, aggregate (monthly share) targets and service credits.

Availability targets and heartbeats are evaluated by :mod:`streams.availability`; aggregate
targets and service credits by the monthly report (:mod:`streams.reports.model`, which calls
:meth:`ServiceCredit.percent`).
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from models._base import Identifier, Strict, rule_error
from models.durations import DURATION_PATTERN, DurationField, format_wall, parse_interval

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_POINT_RE = re.compile(r"^\s*(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*$", re.I)
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _weekpoint(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    m = _POINT_RE.match(text)
    if not m or int(m.group(2)) > 24 or int(m.group(3)) > 59:
        raise rule_error(
            "weekly-point", f"cannot read {text!r}: write a day and a time, e.g. 'fri 16:00'"
        )
    return f"{m.group(1).lower()} {int(m.group(2)):02d}:{m.group(3)}"


WeekPoint = Annotated[str, BeforeValidator(_weekpoint)]


def _clock_time(value: Any) -> Any:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        m = _TIME_RE.match(value)
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            return time(int(m.group(1)), int(m.group(2)))
    raise rule_error("time-of-day", f"cannot read time of day {value!r}: write e.g. '16:00'")


TimeOfDay = Annotated[
    time,
    BeforeValidator(_clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,2}:\d{2}$"}),
]


Interval = Annotated[
    timedelta,
    BeforeValidator(parse_interval),
    PlainSerializer(format_wall, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["30m", "24h"]}),
]


class WeeklyWindow(Strict):
    """A window in local wall-clock time that may span days: ``{start: "fri 16:00",
    end: "mon 07:00"}`` (end before start in the week wraps into the next week)."""

    start: WeekPoint
    end: WeekPoint

    @staticmethod
    def _minutes(point: str) -> int:
        day, hm = point.split()
        h, m = hm.split(":")
        return _DAYS.index(day) * 1440 + int(h) * 60 + int(m)

    def contains(self, weekday: int, minute_of_day: int) -> bool:
        """Whether local ``weekday`` (Mon=0) at ``minute_of_day`` lies in the window."""
        t = weekday * 1440 + minute_of_day
        a, b = self._minutes(self.start), self._minutes(self.end)
        return a <= t < b if a < b else (t >= a or t < b)


class WorkdayWindow(Strict):
    """From ``start`` on each workday of ``calendar`` (a day it opens at all) until ``end``
    on the next workday, local wall time: Smart FMS minor maintenance, "werkdag 16:00 –
    volgende werkdag 07:00" (a holiday or weekend in between is skipped)."""

    calendar: Identifier
    start: TimeOfDay
    end: TimeOfDay


class MaintenanceRule(Strict):
    """When announced maintenance of the given kinds is excluded from downtime.

    Every condition given must hold for the maintenance to be excluded; otherwise (and for
    ``excluded: false`` kinds) it counts as downtime:

    - ``in_advance``: announced (``maintenance.announced`` ``at``) before it starts;
    - ``min_notice``: announced at least this long before it starts (business time on
      ``notice_calendar`` for m/h/workdays);
    - ``starts_not_before``: local start time of day at or after this;
    - ``max_per_month``: only the first N maintenances of a calendar month (rules with the
      same ``limit_group`` share one count);
    - ``windows`` (weekly) and ``workday_windows``: only the part inside one of them is
      excluded (time outside counts as downtime).
    """

    kinds: list[Identifier] = Field(min_length=1)
    excluded: bool = True
    in_advance: bool = False
    min_notice: DurationField | None = None
    notice_calendar: Identifier | None = None
    starts_not_before: TimeOfDay | None = None
    max_per_month: int | None = Field(default=None, ge=1)
    limit_group: Identifier | None = None
    windows: list[WeeklyWindow] | None = None
    workday_windows: list[WorkdayWindow] | None = None
    description: str = ""


class AvailabilityTarget(Strict):
    """Minimum availability per period, measured on a calendar (24x7 or office hours)."""

    name: Identifier = "service"
    services: list[str] | None = None
    target_percent: float = Field(gt=0, le=100)
    period: Literal["calendar_month"] = "calendar_month"
    calendar: Identifier
    excluded_causes: list[Identifier] = Field(default_factory=list)
    maintenance: list[MaintenanceRule] = Field(default_factory=list)
    description: str = ""


class Heartbeat(Strict):
    """A ``heartbeat`` event for ``check`` is expected at least every ``max_interval``."""

    check: Identifier
    max_interval: Interval
    description: str = ""


class AggregateTarget(Strict):
    """At least ``min_share`` of a clock's tickets per period stop within the ``tier`` target
    (per priority level when ``per: priority``)."""

    name: Identifier
    clock: Identifier
    tier: Literal["soft", "hard"]
    min_share: float = Field(gt=0, le=1)
    period: Literal["calendar_month"] = "calendar_month"
    per: Literal["priority", "all"] = "priority"
    priorities: list[Identifier] | None = None
    description: str = ""


class ServiceCredit(Strict):
    """A discount earned by consecutive months in which any of ``missed_when`` was missed:
    month k earns 0 % for k <= grace_months, then step_percent × (k − grace_months), capped."""

    name: Identifier
    missed_when: list[Identifier] = Field(min_length=1)
    grace_months: int = Field(default=3, ge=0)
    step_percent: float = Field(gt=0, le=100)
    cap_percent: float = Field(gt=0, le=100)
    base: str = "monthly_subscription_fee"
    description: str = ""

    @model_validator(mode="after")
    def _cap(self) -> ServiceCredit:
        if self.cap_percent < self.step_percent:
            raise PydanticCustomError("credit-cap", "cap_percent is below step_percent")
        return self

    def percent(self, consecutive_missed_months: int) -> float:
        """Credit (percent of ``base``) for the k-th consecutive missed month."""
        k = consecutive_missed_months
        if k <= self.grace_months:
            return 0.0
        return min(self.cap_percent, self.step_percent * (k - self.grace_months))
