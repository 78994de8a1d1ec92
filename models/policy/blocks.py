"""The building blocks of a policy document: targets, conditions, clock rules, the priority
scheme, options and defaults (pydantic models, validated on their own; the rules that relate
them to each other are :mod:`models.policy.validation`'s)."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from models._base import Identifier, Strict, or_string, rule_error
from models.durations import DurationField
from models.errors import OptionError
from models.vocabulary import Channel, Kind, TicketEventType

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def version_text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise rule_error(
            "version-text",
            f'version must be text: write version: "{value}" (quoted; YAML reads {value} as a '
            "number and would turn 1.10 into 1.1)",
        )
    return value


def _lower_list(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [v.strip().lower() if isinstance(v, str) else v for v in value]
    return value


class TargetSpec(Strict):
    """A clock's target for one priority: ``hard`` (breach) and/or ``soft`` (warning only),
    on ``calendar`` (default: the clock's calendar). A bare string means ``{hard: ...}``."""

    model_config = ConfigDict(
        json_schema_extra=or_string("shorthand for {hard: <duration>}, e.g. '30m'")
    )

    hard: DurationField | None = None
    soft: DurationField | None = None
    calendar: Identifier | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"hard": value}
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> TargetSpec:
        if self.hard is None and self.soft is None:
            raise PydanticCustomError("target-empty", "a target needs a hard or a soft duration")
        return self

    def describe(self) -> str:
        parts = []
        if self.hard is not None:
            parts.append(str(self.hard))
        if self.soft is not None:
            parts.append(f"soft {self.soft}")
        text = ", ".join(parts)
        return f"{text} on {self.calendar}" if self.calendar else text


_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_COND_RE = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(==|!=|>=|<=|>|<|\sin\s)\s*([^<>=!\s].*?)\s*$")


class Condition(Strict):
    """A test on a ticket attribute, e.g. ``cvss >= 9.0`` (written as that string, or as
    ``{attribute: cvss, op: ">=", value: 9.0}``). A missing attribute never matches."""

    model_config = ConfigDict(
        json_schema_extra=or_string("'<attribute> <op> <value>', e.g. 'cvss >= 9.0'")
    )

    attribute: str
    op: Literal["==", "!=", ">=", ">", "<=", "<", "in"]
    value: float | int | str | bool | list[float | int | str | bool]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        m = _COND_RE.match(value)
        if not m:
            raise rule_error(
                "condition", f"cannot read condition {value!r}: write e.g. 'cvss >= 9.0'"
            )
        raw = m.group(3)
        parsed: Any
        op = m.group(2).strip()
        if op == "in":
            parsed = [_literal(p) for p in raw.strip("[]").split(",") if p.strip()]
        else:
            parsed = _literal(raw)
        return {"attribute": m.group(1), "op": op, "value": parsed}

    def matches(self, attributes: Mapping[str, Any]) -> bool:
        if self.attribute not in attributes:
            return False
        actual = attributes[self.attribute]
        if self.op == "in":
            options = self.value if isinstance(self.value, list) else [self.value]
            return any(_equal(actual, o) for o in options)
        if self.op in ("==", "!="):
            eq = _equal(actual, self.value)
            return eq if self.op == "==" else not eq
        a, b = _number(actual), _number(self.value)
        if a is None or b is None:
            return False
        return bool(_OPS[self.op](a, b))

    def __str__(self) -> str:
        return f"{self.attribute} {self.op} {self.value}"


def _literal(text: str) -> Any:
    text = text.strip().strip("'\"")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


class Applies(Strict):
    """Which tickets a clock rule applies to (all given conditions must hold)."""

    kinds: list[Kind] | None = None
    channels: list[Channel] | None = None
    priorities: list[Identifier] | None = None
    attributes: list[Condition] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = dict(value)
            for key in ("kinds", "channels"):
                if key in value:
                    value[key] = _lower_list(value[key])
            if isinstance(value.get("attributes"), str):
                value["attributes"] = [value["attributes"]]
        return value

    def matches(self, kind: str, channel: str | None, attributes: Mapping[str, Any]) -> bool:
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.channels is not None and channel not in self.channels:
            return False
        return all(c.matches(attributes) for c in self.attributes)


class EscalationSpec(Strict):
    """A rung of the ladder: ``at`` a fraction of the hard target in (0, 1], ``breach`` or
    ``same_day`` (closing time of the business day the clock started)."""

    level: Identifier
    at: float | Literal["breach", "same_day"]


class ClockRule(Strict):
    """One clock rule. The key in ``clocks:`` names it; ``clock`` (default: the key) is the
    clock name the engine and signals use, so two rules for disjoint ticket kinds may both
    produce a ``response`` clock."""

    clock: Identifier | None = None
    description: str = ""
    applies: Applies = Field(default_factory=Applies)
    starts_at: Literal["created", "reported"] = "created"
    stop_on: list[TicketEventType] = Field(min_length=1)
    resume_on: list[TicketEventType] = Field(default_factory=list)
    pause_statuses: list[Identifier] | None = None
    calendar: Identifier
    target: TargetSpec | None = None
    targets: dict[Identifier, TargetSpec | None] | None = None
    thresholds: list[float] | None = None
    escalations: list[EscalationSpec] = Field(default_factory=list)


class Matrix(Strict):
    """Impact × urgency → level. ``cells`` keys are ``"<impact>/<urgency>"``."""

    impacts: list[Identifier] = Field(min_length=1)
    urgencies: list[Identifier] = Field(min_length=1)
    cells: dict[Identifier, Identifier]


class PriorityScheme(Strict):
    """Levels, strictest first; optionally a matrix, aliases and a default level."""

    levels: list[Identifier] = Field(min_length=1)
    aliases: dict[Identifier, Identifier] = Field(default_factory=dict)
    matrix: Matrix | None = None
    direct: dict[Identifier, Identifier] = Field(default_factory=dict)
    default: Identifier | None = None


class OptionEffect(Strict):
    """What an option value changes: for the listed clock rules (default all) and priority
    levels or cells (default all), move the clock to ``calendar`` and/or replace its target."""

    when: bool | Identifier
    clocks: list[Identifier] | None = None
    priorities: list[Identifier] | None = None
    calendar: Identifier | None = None
    target: TargetSpec | None = None


class OptionSpec(Strict):
    """A contract option a tenant switches on (``critical_after_hours``...)."""

    type: Literal["bool", "choice"]
    choices: list[Identifier] | None = None
    default: bool | Identifier | None = None
    required: bool = False
    description: str = ""
    effects: list[OptionEffect] = Field(default_factory=list)

    def coerce(self, name: str, value: Any) -> bool | str:
        """Validate one tenant/CLI value (``"true"``/``"yes"`` accepted for booleans)."""
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise OptionError(f"option {name}: expected true or false, got {value!r}")
        text = value.strip().lower() if isinstance(value, str) else value
        if not isinstance(text, str) or text not in (self.choices or []):
            raise OptionError(
                f"option {name}: unknown value {value!r}; allowed: {', '.join(self.choices or [])}"
            )
        return text


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


class Defaults(Strict):
    """Policy-wide defaults for clock rules that do not say otherwise."""

    thresholds: list[float] = Field(default_factory=lambda: [0.5, 0.75])
    pause_statuses: list[Identifier] = Field(default_factory=lambda: ["waiting_for_customer"])
