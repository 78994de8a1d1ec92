"""Pure business-time arithmetic: opening windows, holidays, special days, timezones.

A pipeline of small immutable values: spec (:mod:`calendars.spec`) → days
(:mod:`calendars.days`) → timeline (:mod:`calendars.timeline`) → calculation
(:class:`BusinessCalendar`). No I/O, no clock reading: every instant is passed in.
"""

from models import _native

_native.install()  # before any compiled module is looked up

from calendars.calendar import BusinessCalendar, Segment  # noqa: E402
from calendars.days import DayPlan, easter_sunday  # noqa: E402
from calendars.errors import (  # noqa: E402
    CalendarError,
    CalendarSpecError,
    NaiveDatetimeError,
    SlawatchError,
)
from calendars.spec import CalendarSpec, parse_spec  # noqa: E402

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
