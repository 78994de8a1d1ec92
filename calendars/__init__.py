"""Pure business-time arithmetic: opening windows, holidays, special days, timezones."""

from calendars.errors import CalendarError, CalendarSpecError, NaiveDatetimeError, SlawatchError

__all__ = ["CalendarError", "CalendarSpecError", "NaiveDatetimeError", "SlawatchError"]
