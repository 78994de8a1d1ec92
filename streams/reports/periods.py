"""Calendar months and report periods in a policy's time zone (R9: a tier counts in the
calendar month, policy time zone, of the instant that fixed its outcome)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from calendars.errors import SlawatchError
from calendars.timeline import EPOCH, us_of

Month = tuple[int, int]


class PeriodError(SlawatchError):
    """A report period that cannot be read (``--month``, ``--from``/``--to``)."""


def month_of(us: int, tz: ZoneInfo) -> Month:
    """The calendar month of instant ``us`` in ``tz``."""
    local = (EPOCH + timedelta(microseconds=us)).astimezone(tz)
    return (local.year, local.month)


def month_start_us(month: Month, tz: ZoneInfo) -> int:
    """The first instant of ``month`` (local midnight of its first day)."""
    return us_of(datetime(month[0], month[1], 1, tzinfo=tz))


def shift(month: Month, n: int) -> Month:
    y, m = divmod(month[0] * 12 + month[1] - 1 + n, 12)
    return (y, m + 1)


def label(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """``first`` … ``last`` inclusive (empty when ``last`` is before ``first``)."""
    out = []
    m = first
    while m <= last:
        out.append(m)
        m = shift(m, 1)
    return out


def parse_month(text: str) -> Month:
    try:
        y, m = text.strip().split("-")
        month = (int(y), int(m))
    except ValueError:
        raise PeriodError(f"{text!r} is not a month: write YYYY-MM, e.g. 2026-03") from None
    if not 1 <= month[1] <= 12 or not 1900 <= month[0] <= 2200:
        raise PeriodError(f"{text!r} is not a month: write YYYY-MM, e.g. 2026-03")
    return month


def parse_date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{flag} {text!r} is not a date: write YYYY-MM-DD") from None


@dataclass(frozen=True, slots=True)
class Period:
    """Dates ``first`` … ``last`` inclusive, in the policy's time zone ``tz``."""

    first: date
    last: date
    tz: ZoneInfo

    @classmethod
    def of_month(cls, month: Month, tz: ZoneInfo) -> Period:
        nxt = shift(month, 1)
        return cls(date(*month, 1), date(*nxt, 1) - timedelta(days=1), tz)

    @classmethod
    def between(cls, first: date, last: date, tz: ZoneInfo) -> Period:
        if last < first:
            raise PeriodError(f"--to {last} is before --from {first}")
        return cls(first, last, tz)

    @property
    def lo_us(self) -> int:
        return us_of(datetime(self.first.year, self.first.month, self.first.day, tzinfo=self.tz))

    @property
    def hi_us(self) -> int:
        nxt = self.last + timedelta(days=1)
        return us_of(datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.tz))

    @property
    def months(self) -> list[Month]:
        """The calendar months the period overlaps."""
        return months_between(
            (self.first.year, self.first.month), (self.last.year, self.last.month)
        )
