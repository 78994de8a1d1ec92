"""Durations of the policy language: ``30m``, ``2h``, ``2 workdays``, ``1 week``, ``3 months``
(CONTRACTS R3), plain wall-clock intervals (``24h`` for heartbeats), and the nominal
comparisons used by validation (hard >= soft)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import WithJsonSchema, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from models._base import Strict, rule_error

Unit = Literal["m", "h", "workdays", "weeks", "months"]

_UNIT_WORDS: dict[str, Unit] = {
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
    "workday": "workdays",
    "workdays": "workdays",
    "wd": "workdays",
    "week": "weeks",
    "weeks": "weeks",
    "w": "weeks",
    "month": "months",
    "months": "months",
}
_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")
DURATION_PATTERN = r"^\s*\d+(\.\d+)?\s*[A-Za-z]+\s*$"

BUSINESS_UNITS = frozenset({"m", "h", "workdays"})
WALL_UNITS = frozenset({"weeks", "months"})


def parse_duration(text: str) -> tuple[float, Unit]:
    """``"2 workdays"`` -> ``(2.0, "workdays")``; raises ``ValueError`` with a readable reason."""
    m = _RE.match(text)
    if not m:
        raise ValueError(
            f"cannot read duration {text!r}: write an amount and a unit, e.g. 30m, 2h, "
            "2 workdays, 1 week, 3 months"
        )
    unit = _UNIT_WORDS.get(m.group(2).lower())
    if unit is None:
        raise ValueError(
            f"unknown unit {m.group(2)!r} in {text!r}; units: m, h, workdays, weeks, months"
        )
    amount = float(m.group(1))
    if amount <= 0:
        raise ValueError(f"duration {text!r} must be positive")
    return amount, unit


def format_amount(amount: float, unit: str) -> str:
    a = int(amount) if float(amount).is_integer() else amount
    if unit in ("m", "h"):
        return f"{a}{unit}"
    return f"{a} {unit[:-1]}" if a == 1 else f"{a} {unit}"


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
            except ValueError as exc:
                raise PydanticCustomError("duration", "{reason}", {"reason": str(exc)}) from None
            return {"amount": amount, "unit": unit}
        return value

    @model_validator(mode="after")
    def _positive(self) -> Duration:
        if self.amount <= 0:
            raise PydanticCustomError("duration", "duration must be positive")
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
            "examples": ["30m", "2h", "2 workdays", "1 week", "3 months"],
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


_WALL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_WALL_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: Any) -> timedelta:
    """A wall-clock interval such as ``30m``, ``24h`` or ``7d`` (heartbeats, notice periods)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        m = _WALL_RE.match(value)
        if m:
            return timedelta(seconds=float(m.group(1)) * _WALL_SECONDS[m.group(2)])
    raise rule_error("interval", f"cannot read interval {value!r}: write e.g. 30m, 24h or 7d")
