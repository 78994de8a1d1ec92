"""Pure business-time arithmetic: opening windows, holidays, special days, timezones.

A pipeline of small immutable values: spec (:mod:`calendars.spec`) → days
(:mod:`calendars.days`) → timeline (:mod:`calendars.timeline`) → calculation
(:class:`BusinessCalendar`). No I/O, no clock reading: every instant is passed in.
"""

from calendars.calendar import BusinessCalendar, Segment
from calendars.days import DayPlan, easter_sunday
from calendars.errors import (
    CalendarError,
    CalendarSpecError,
    NaiveDatetimeError,
    SlawatchError,
)
from calendars.spec import CalendarSpec, parse_spec

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
