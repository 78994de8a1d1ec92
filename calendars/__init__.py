"""Pure business-time arithmetic: opening windows, holidays, special days, timezones.

A pipeline of small immutable values: spec (:mod:`calendars.spec`) → days
(:mod:`calendars.days`) → timeline (:mod:`calendars.timeline`) → calculation
(:class:`BusinessCalendar`). No I/O, no clock reading: every instant is passed in.

The names below are imported on first use, so that ``calendars.errors`` (the error
hierarchy every package shares) costs nothing to import (``slawatch --help`` needs it,
not the arithmetic).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for mypy and mypyc (compiled modules import these names)
    from calendars.calendar import BusinessCalendar, Segment
    from calendars.days import DayPlan, easter_sunday
    from calendars.errors import (
        CalendarError,
        CalendarSpecError,
        NaiveDatetimeError,
        SlawatchError,
    )
    from calendars.spec import CalendarSpec, parse_spec

_EXPORTS = {
    "BusinessCalendar": "calendars.calendar",
    "Segment": "calendars.calendar",
    "DayPlan": "calendars.days",
    "easter_sunday": "calendars.days",
    "CalendarError": "calendars.errors",
    "CalendarSpecError": "calendars.errors",
    "NaiveDatetimeError": "calendars.errors",
    "SlawatchError": "calendars.errors",
    "CalendarSpec": "calendars.spec",
    "parse_spec": "calendars.spec",
}

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "CalendarSpec",
    "CalendarSpecError",
    "DayPlan",
    "NaiveDatetimeError",
    "Segment",
    "SlawatchError",
    "easter_sunday",
    "parse_spec",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'calendars' has no attribute {name!r}")
    return getattr(import_module(module), name)
