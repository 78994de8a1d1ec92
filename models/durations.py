"""The one duration grammar of slawatch: policy targets, notice periods and heartbeat
intervals in policy files, and every duration flag of the command line (``--add``,
``--within``, ``--for``).

A duration is one or more *amount unit* terms, spaces optional, units case-insensitive:

- ``30m``, ``2h``, ``90s``, ``1h30m``, ``1h 30m``, ``24 hours`` — time (s, m, h combine);
- ``2wd``, ``2 workdays`` — workdays: the calendar's declared workday length, counted in
  its opening hours;
- ``3weeks``, ``1 week``, ``1month``, ``3 months`` — wall-clock spans (same local time that
  many weeks/months later), whole numbers, each on its own.

``d``/``day``/``days`` is refused everywhere: a "day" of an SLA is a workday to one reader
and 24 hours to the next, and slawatch never guesses which (``1d`` once meant a workday in
``slawatch calendar`` and 24 h in ``slawatch at-risk``). The error says what to write instead.

:func:`parse_terms` reads the text; :func:`parse_duration` (a policy target: one amount in
one unit) and :func:`parse_wall` (a fixed wall-clock span, a :class:`~datetime.timedelta`)
say what a context accepts. Every message names the text and what to write.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import WithJsonSchema, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from models._base import Strict, rule_error

Unit = Literal["m", "h", "workdays", "weeks", "months"]
#: every unit a text may name (``s`` only in sums of time, converted to minutes for targets)
Term = Literal["s", "m", "h", "workdays", "weeks", "months"]

_UNIT_WORDS: dict[str, Term] = {
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "m": "m",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "wd": "workdays",
    "workday": "workdays",
    "workdays": "workdays",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}
_AMBIGUOUS = frozenset({"d", "day", "days"})
_TIME_SECONDS = {"s": 1, "m": 60, "h": 3600}
_TERM = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*")
#: the JSON Schema pattern of a duration text (the parser is the judge; this helps editors)
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*[A-Za-z]+\s*)+$"
EXAMPLES = "30m, 1h30m, 2wd, 3weeks or 1month"

BUSINESS_UNITS = frozenset({"m", "h", "workdays"})
WALL_UNITS = frozenset({"weeks", "months"})


class DurationError(ValueError):
    """A duration text that cannot be read; ``str()`` says why and what to write."""


def parse_terms(text: str) -> dict[Term, float]:
    """``"1h30m"`` -> ``{"h": 1.0, "m": 30.0}``: the terms of a duration, each unit once,
    time units (s, m, h) only with each other, the total positive."""
    if not isinstance(text, str):
        raise DurationError(f"a duration is text such as {EXAMPLES}, not {text!r}")
    if not text.strip():
        raise DurationError(f"empty duration: write e.g. {EXAMPLES}")
    terms: dict[Term, float] = {}
    pos = 0
    for m in _TERM.finditer(text):
        if m.start() != pos:
            break
        pos = m.end()
        word = m[2].lower()
        if word in _AMBIGUOUS:
            n = m[1]
            raise DurationError(
                f"{text.strip()!r}: '{m[2]}' is ambiguous (a workday or 24 hours?): write "
                f"{n}wd for workdays, or {_hours(float(n) * 24)}"
            )
        unit = _UNIT_WORDS.get(word)
        if unit is None:
            raise DurationError(
                f"unknown unit {m[2]!r} in {text.strip()!r}; units: s, m, h, wd (workdays), "
                "weeks, months"
            )
        if unit in terms:
            raise DurationError(f"{text.strip()!r} names {unit} twice")
        terms[unit] = float(m[1])
    if pos != len(text) or not terms:
        rest = text[pos:].strip()
        if re.fullmatch(r"\d+(\.\d+)?", rest) and not terms:
            raise DurationError(f"{text.strip()!r} has no unit: write e.g. {EXAMPLES}")
        raise DurationError(f"cannot read duration {text.strip()!r}: write e.g. {EXAMPLES}")
    if len(terms) > 1 and not set(terms) <= _TIME_SECONDS.keys():
        raise DurationError(
            f"{text.strip()!r}: only s, m and h combine (1h30m); write workdays, weeks or "
            "months on their own"
        )
    if sum(terms.values()) <= 0:
        raise DurationError(f"duration {text.strip()!r} must be positive")
    for wall in (u for u in terms if u in WALL_UNITS):
        if not float(terms[wall]).is_integer():
            raise DurationError(
                f"{text.strip()!r}: {wall} are whole numbers (the same local time that many "
                f"{wall} later); write e.g. 2 {wall}"
            )
    return terms


def _hours(hours: float) -> str:
    return f"{hours:g}h"


def parse_duration(text: str) -> tuple[float, Unit]:
    """A target's amount in one unit: ``"2 workdays"`` -> ``(2.0, "workdays")``,
    ``"1h30m"`` -> ``(90.0, "m")`` (a sum of time in whole hours stays in hours, else
    minutes). Raises :class:`DurationError`."""
    terms = parse_terms(text)
    if len(terms) == 1:
        ((unit, amount),) = terms.items()
        if unit != "s":
            return amount, unit
    seconds = sum(amount * _TIME_SECONDS[u] for u, amount in terms.items())
    if seconds % 3600 == 0:
        return seconds / 3600, "h"
    return seconds / 60, "m"


def parse_wall(text: str) -> timedelta:
    """A fixed span of wall-clock time (``--within``, ``--for``, heartbeat intervals):
    s, m, h and weeks; workdays need a calendar and a month has no fixed length, so both are
    refused with what to write instead. Raises :class:`DurationError`."""
    terms = parse_terms(text)
    if "workdays" in terms:
        raise DurationError(
            f"{text.strip()!r}: workdays need a business calendar; this is wall-clock time, "
            f"write e.g. {_hours(terms['workdays'] * 24)}"
        )
    if "months" in terms:
        raise DurationError(
            f"{text.strip()!r}: a month has no fixed length here; write weeks or hours, e.g. 4weeks"
        )
    if "weeks" in terms:
        return timedelta(weeks=terms["weeks"])
    return timedelta(seconds=sum(a * _TIME_SECONDS[u] for u, a in terms.items()))


def format_amount(amount: float, unit: str) -> str:
    """``(2, "workdays")`` -> ``"2 workdays"``, ``(30, "m")`` -> ``"30m"``: text that
    :func:`parse_duration` reads back to the same value."""
    a = int(amount) if float(amount).is_integer() else amount
    if unit in ("m", "h"):
        return f"{a}{unit}"
    return f"{a} {unit[:-1]}" if a == 1 else f"{a} {unit}"


def format_wall(td: timedelta) -> str:
    """A wall-clock span as :func:`parse_wall` reads it back: ``24h``, ``1h30m``, ``30m``,
    ``1 week``, ``90s`` -> ``1m30s`` (never ``d``, see the module doc)."""
    secs = round(td.total_seconds())
    if secs > 0 and secs % (7 * 86400) == 0:
        return format_amount(secs // (7 * 86400), "weeks")
    sign = "-" if secs < 0 else ""
    h, rest = divmod(abs(secs), 3600)
    m, s = divmod(rest, 60)
    text = "".join(f"{n}{u}" for n, u in ((h, "h"), (m, "m"), (s, "s")) if n)
    return sign + (text or "0s")


def format_left(seconds: float) -> str:
    """Signed, compact time left, for display (the CLI tables, the board): ``25m``,
    ``2h05m``, ``1d03h``, ``-45s``, ``-1h00m``. Not read back: ``d`` here is 24 hours."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        body = f"{days}d{hours:02d}h"
    elif hours:
        body = f"{hours}h{minutes:02d}m"
    elif minutes:
        body = f"{minutes}m"
    else:
        body = f"{secs}s"
    return sign + body


class Duration(Strict):
    """An amount in a unit. Written ``"30m"``, ``"2 workdays"`` or ``{amount: 2, unit: h}``."""

    amount: float
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                amount, unit = parse_duration(value)
            except DurationError as exc:
                raise PydanticCustomError("duration", "{reason}", {"reason": str(exc)}) from None
            return {"amount": amount, "unit": unit}
        return value

    @model_validator(mode="after")
    def _positive(self) -> Duration:
        if self.amount <= 0:
            raise PydanticCustomError("duration", "duration must be positive")
        if self.unit in WALL_UNITS and not float(self.amount).is_integer():
            raise PydanticCustomError("duration", "{unit} are whole numbers", {"unit": self.unit})
        return self

    @model_serializer(mode="plain")
    def _text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return format_amount(self.amount, self.unit)

    @property
    def family(self) -> Literal["business", "wall"]:
        return "business" if self.unit in BUSINESS_UNITS else "wall"

    def nominal_hours(self, workday_hours: float | None) -> float | None:
        """Business hours for m/h/workdays (``None`` if workdays without a workday length)."""
        if self.unit == "m":
            return self.amount / 60.0
        if self.unit == "h":
            return self.amount
        if self.unit == "workdays":
            return None if workday_hours is None else self.amount * workday_hours
        return None

    def wall_days(self) -> tuple[float, float]:
        """(shortest, longest) length in days of a weeks/months duration."""
        if self.unit == "weeks":
            return self.amount * 7, self.amount * 7
        return self.amount * 28, self.amount * 31


_DURATION_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "examples": ["30m", "1h30m", "2 workdays", "2wd", "1 week", "3 months"],
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["amount", "unit"],
            "properties": {
                "amount": {"type": "number", "exclusiveMinimum": 0},
                "unit": {"enum": ["m", "h", "workdays", "weeks", "months"]},
            },
        },
    ]
}
DurationField = Annotated[Duration, WithJsonSchema(_DURATION_SCHEMA)]


def parse_interval(value: Any) -> timedelta:
    """A wall-clock interval such as ``30m``, ``24h`` or ``1 week`` (heartbeats, notice
    periods): :func:`parse_wall` as a pydantic validator."""
    if isinstance(value, timedelta):
        return value
    try:
        span = parse_wall(value)
    except DurationError as exc:
        raise rule_error("interval", str(exc)) from None
    if span <= timedelta(0):
        raise rule_error("interval", f"{str(value).strip()!r}: an interval must be longer than 0")
    return span
