"""The SLA policy language (the contracts' reading, docs; issue 3).

A policy is data: named calendars, a priority scheme (direct levels or an impact × urgency
matrix whose *cells* carry the targets), clock rules (which tickets, what starts/stops/pauses,
targets per priority, thresholds, escalations), contract options and what they change, and the
availability / heartbeat / aggregate / service-credit schemas.

:meth:`Policy.plan` turns one ticket's facts plus the tenant's options into the plain
:class:`models.plan.ClockPlan` values the engine runs. Policy files are loaded with
:func:`load_policy_file`; validation problems name the file, the path and the problem.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from models._base import (
    Identifier,
    Strict,
    TimeZone,
    issues_from,
    or_string,
    raise_issues,
    rule_error,
)
from models.availability import AggregateTarget, AvailabilityTarget, Heartbeat, ServiceCredit
from models.durations import Duration, DurationField
from models.errors import (
    Issue,
    OptionError,
    PolicyError,
    PolicyLoadError,
    UnknownClockError,
    UnknownPriorityError,
)
from models.plan import ClockPlan, Escalation, Target, TicketFacts
from models.vocabulary import CHANNELS, KINDS, STATUSES, Channel, Kind, TicketEventType

if TYPE_CHECKING:
    from calendars import BusinessCalendar

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _version_text(value: Any) -> Any:
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


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The policy
# --------------------------------------------------------------------------------------------


class Policy(Strict):
    """One versioned SLA policy. See ``policies/*.yaml`` for the five seed contracts."""

    id: Identifier
    version: Annotated[str, BeforeValidator(_version_text)] = Field(min_length=1)
    name: str = ""
    source: str = ""
    timezone: TimeZone
    defaults: Defaults = Field(default_factory=Defaults)
    # statuses of the tenant's ITSM tool beyond the standard ones, that clocks may pause on
    statuses: list[Identifier] = Field(default_factory=list)
    calendars: dict[Identifier, dict[str, Any] | str] = Field(min_length=1)
    priority: PriorityScheme | None = None
    options: dict[Identifier, OptionSpec] = Field(default_factory=dict)
    clocks: dict[Identifier, ClockRule] = Field(default_factory=dict)
    availability: list[AvailabilityTarget] = Field(default_factory=list)
    heartbeats: list[Heartbeat] = Field(default_factory=list)
    aggregates: list[AggregateTarget] = Field(default_factory=list)
    service_credits: list[ServiceCredit] = Field(default_factory=list)

    # (hot paths read these through ``self.__pydantic_private__[...]``: pydantic's
    # ``__getattr__`` for private attributes costs several µs a call)
    _calendars: dict[str, BusinessCalendar] = PrivateAttr(default_factory=dict)
    _strictest: dict[str, str] = PrivateAttr(default_factory=dict)
    _plan_cache: dict[Any, tuple[ClockPlan, ...]] = PrivateAttr(default_factory=dict)
    _cond_attrs: tuple[str, ...] = PrivateAttr(default=())

    # ---------------------------------------------------------------- public API

    def calendar(self, name: str) -> BusinessCalendar:
        """The named calendar, built once (``KeyError``-free: unknown → :class:`PolicyError`)."""
        key = name.lower()
        cals = self.__pydantic_private__["_calendars"]
        cal = cals.get(key)
        if cal is None:
            if key not in self.calendars:
                raise PolicyError(
                    f"policy {self.id}: no calendar {name!r}; "
                    f"calendars: {', '.join(self.calendars)}"
                )
            from calendars import BusinessCalendar

            cal = BusinessCalendar.from_spec(self._calendar_spec(key))
            cals[key] = cal
        return cal

    @property
    def condition_attributes(self) -> tuple[str, ...]:
        """The ticket attributes some clock rule's ``applies`` looks at (sorted): the only
        attributes :meth:`plan` depends on, so callers may cache plans by them alone."""
        return self.__pydantic_private__["_cond_attrs"]  # type: ignore[no-any-return]

    @property
    def clock_names(self) -> tuple[str, ...]:
        """Every clock name this policy can produce, in file order (deduplicated)."""
        names: dict[str, None] = {}
        for key, rule in self.clocks.items():
            names[rule.clock or key] = None
        return tuple(names)

    def resolve_options(self, options: Mapping[str, Any] | None) -> dict[str, bool | str | None]:
        """Validated option values with defaults filled in (unknown names/values raise
        :class:`OptionError`). Missing required options are reported by :meth:`plan` only
        when a clock depends on them."""
        given = {str(k).strip().lower(): v for k, v in (options or {}).items()}
        unknown = sorted(set(given) - set(self.options))
        if unknown:
            known = ", ".join(self.options) or "none"
            raise OptionError(f"policy {self.id}: unknown option {unknown[0]!r}; options: {known}")
        out: dict[str, bool | str | None] = {}
        for name, spec in self.options.items():
            if name in given and given[name] is not None:
                out[name] = spec.coerce(name, given[name])
            else:
                out[name] = spec.default
        return out

    def resolve_priority(self, facts: TicketFacts) -> tuple[str | None, str | None]:
        """``(level, cell)`` of a ticket. A matrix ticket (impact and urgency) gives its cell;
        a direct level (or alias) gives the level's strictest cell. Unknown values raise
        :class:`UnknownPriorityError`; ``(None, None)`` when the ticket carries nothing and the
        policy has no default."""
        scheme = self.priority
        if scheme is None:
            return None, None
        impact = _norm(facts.impact)
        urgency = _norm(facts.urgency)
        if scheme.matrix is not None and (impact is not None or urgency is not None):
            m = scheme.matrix
            if impact is None:
                raise UnknownPriorityError(self.id, "impact (urgency was given)", None, m.impacts)
            if urgency is None:
                raise UnknownPriorityError(self.id, "urgency (impact was given)", None, m.urgencies)
            if impact not in m.impacts:
                raise UnknownPriorityError(self.id, "impact", facts.impact, m.impacts)
            if urgency not in m.urgencies:
                raise UnknownPriorityError(self.id, "urgency", facts.urgency, m.urgencies)
            cell = f"{impact}/{urgency}"
            return m.cells[cell], cell
        # (impact/urgency on a policy without a matrix are ignored: only a level counts)
        level = _norm(facts.priority)
        if level is None:
            level = scheme.default
            if level is None:
                return None, None
        level = scheme.aliases.get(level, level)
        if level not in scheme.levels:
            allowed = list(scheme.levels) + [a for a in scheme.aliases if a not in scheme.levels]
            raise UnknownPriorityError(self.id, "priority", facts.priority, allowed)
        return level, self.__pydantic_private__["_strictest"].get(level)

    def plan(
        self,
        facts: TicketFacts,
        options: Mapping[str, Any] | None = None,
        *,
        clocks: Iterable[str] | None = None,
    ) -> tuple[ClockPlan, ...]:
        """Every clock that applies to this ticket under these options, fully resolved
        (only the named ``clocks`` if given, e.g. for ``slawatch deadline``)."""
        if clocks is not None:
            wanted = {c.lower() for c in clocks}
            return tuple(p for p in self._plan_all(facts, options, wanted) if p.clock in wanted)
        return self._plan_all(facts, options, None)

    def _plan_all(
        self, facts: TicketFacts, options: Mapping[str, Any] | None, wanted: set[str] | None
    ) -> tuple[ClockPlan, ...]:
        kind = _norm(facts.kind) or "incident"
        channel = _norm(facts.channel)
        attributes = facts.attributes or {}
        opts = self.resolve_options(options)
        priv = self.__pydantic_private__
        cond_attrs, plan_cache = priv["_cond_attrs"], priv["_plan_cache"]
        key = None
        try:
            key = (
                tuple(sorted(wanted)) if wanted is not None else None,
                kind,
                channel,
                _norm(facts.priority),
                _norm(facts.impact),
                _norm(facts.urgency),
                tuple(sorted(opts.items())),
                tuple(_hashable(attributes.get(a)) for a in cond_attrs),
                tuple(a in attributes for a in cond_attrs),
            )
            hash(key)
        except TypeError:
            key = None
        if key is not None:
            cached = plan_cache.get(key)
            if cached is not None:
                return cached

        rules = [
            (name, rule)
            for name, rule in self.clocks.items()
            if (wanted is None or (rule.clock or name) in wanted)
            and rule.applies.matches(kind, channel, attributes)
        ]
        result: tuple[ClockPlan, ...] = ()
        if rules:
            level, cell = self.resolve_priority(facts)
            plans = []
            for name, rule in rules:
                plan = self._plan_rule(name, rule, level, cell, opts)
                if plan is not None:
                    plans.append(plan)
            result = tuple(plans)
        if key is not None:
            if len(plan_cache) > 4096:
                plan_cache.clear()
            plan_cache[key] = result
        return result

    def rule_for(self, clock: str, facts: TicketFacts) -> tuple[str, ClockRule] | None:
        """The clock rule that would produce ``clock`` for a ticket (``None`` if none applies);
        raises :class:`UnknownClockError` if the policy never produces that clock."""
        name = clock.lower()
        if name not in self.clock_names:
            raise UnknownClockError(
                f"policy {self.id} has no clock {clock!r}; clocks: {', '.join(self.clock_names)}"
            )
        kind = _norm(facts.kind) or "incident"
        channel = _norm(facts.channel)
        for key, rule in self.clocks.items():
            if (rule.clock or key) == name and rule.applies.matches(
                kind, channel, facts.attributes or {}
            ):
                return key, rule
        return None

    # ---------------------------------------------------------------- planning internals

    def _plan_rule(
        self,
        name: str,
        rule: ClockRule,
        level: str | None,
        cell: str | None,
        opts: Mapping[str, bool | str | None],
    ) -> ClockPlan | None:
        pr = rule.applies.priorities
        if pr is not None and not ((level is not None and level in pr) or (cell in pr)):
            return None
        spec: TargetSpec | None = rule.target
        if rule.targets is not None:
            if level is None:
                raise UnknownPriorityError(
                    self.id,
                    f"priority for clock {rule.clock or name}",
                    None,
                    self._priority_words(),
                )
            if cell is not None and cell in rule.targets:
                spec = rule.targets[cell]
            elif level in rule.targets:
                spec = rule.targets[level]
            elif "default" in rule.targets:
                spec = rule.targets["default"]
            if spec is None:
                return None  # explicitly no target for this priority ("geen afspraak")
        calendar = (spec.calendar if spec and spec.calendar else None) or rule.calendar
        hard = spec.hard if spec else None
        soft = spec.soft if spec else None
        for opt_name, opt in self.options.items():
            value = opts.get(opt_name)
            for eff in opt.effects:
                if eff.clocks is not None and name not in eff.clocks:
                    continue
                if eff.priorities is not None and not (
                    (level is not None and level in eff.priorities) or cell in eff.priorities
                ):
                    continue
                if value is None:
                    if opt.required or (opt.default is None and eff.target is not None):
                        choices = ", ".join(opt.choices or ["true", "false"])
                        raise OptionError(
                            f"policy {self.id}: clock {rule.clock or name} needs option "
                            f"{opt_name} ({choices}); set it in the tenant contract"
                        )
                    continue
                if eff.when != value:
                    continue
                if eff.target is not None:
                    hard, soft = eff.target.hard, eff.target.soft
                    if eff.target.calendar:
                        calendar = eff.target.calendar
                if eff.calendar is not None:
                    calendar = eff.calendar
        escalations = tuple(
            Escalation(level=e.level, at=e.at)
            for e in rule.escalations
            if e.at == "same_day" or hard is not None
        )
        if hard is None and soft is None and not escalations:
            return None
        thresholds = rule.thresholds if rule.thresholds is not None else self.defaults.thresholds
        if hard is None and soft is None:
            thresholds = []
        pauses = (
            rule.pause_statuses if rule.pause_statuses is not None else self.defaults.pause_statuses
        )
        return ClockPlan(
            clock=rule.clock or name,
            calendar=calendar,
            hard=_target(hard, calendar),
            soft=_target(soft, calendar),
            priority=level,
            cell=cell,
            thresholds=tuple(sorted(set(thresholds))),
            escalations=escalations,
            starts_at=rule.starts_at,
            pause_statuses=frozenset(pauses),
            stop_on=frozenset(rule.stop_on),
            resume_on=frozenset(rule.resume_on),
        )

    def _priority_words(self) -> list[str]:
        if self.priority is None:
            return []
        words = list(self.priority.levels)
        if self.priority.matrix is not None:
            words.append("or impact + urgency")
        return words

    def _calendar_spec(self, name: str) -> dict[str, Any]:
        raw = self.calendars[name]
        spec = {"hours": raw} if isinstance(raw, str) else dict(raw)
        spec.setdefault("timezone", self.timezone.key)
        return spec

    # ---------------------------------------------------------------- validation

    @model_validator(mode="after")
    def _semantics(self) -> Policy:
        problems: list[tuple[tuple[Any, ...], str, str, Any]] = []

        def bad(loc: tuple[Any, ...], rule: str, message: str, value: Any = None) -> None:
            problems.append((loc, rule, message, value))

        if not _ID_RE.match(self.id):
            bad(
                ("id",),
                "policy-id",
                f"policy id {self.id!r} must be lower-case letters, digits, '-', '_' or '.'",
                self.id,
            )
        self._check_calendars(bad)
        cal_names = set(self.calendars)

        def need_calendar(loc: tuple[Any, ...], name: str | None) -> None:
            if name is not None and name not in cal_names:
                bad(
                    loc,
                    "calendar-unknown",
                    f"unknown calendar {name!r}; calendars: {', '.join(self.calendars)}",
                    name,
                )

        levels, cells = self._check_priority(bad)
        keys_ok = set(levels) | set(cells)

        def need_priorities(loc: tuple[Any, ...], names: Iterable[str] | None) -> None:
            for p in names or ():
                if p not in keys_ok:
                    allowed = ", ".join(list(levels) + list(cells)) or "none (no priority scheme)"
                    bad(loc, "priority-unknown", f"unknown priority {p!r}; known: {allowed}", p)

        self._check_statuses(bad)
        for i, t in enumerate(self.defaults.thresholds):
            if not 0 < t < 1:
                bad(
                    ("defaults", "thresholds", i),
                    "threshold-range",
                    f"warning threshold {t:g} must lie strictly between 0 and 1",
                    t,
                )

        clock_kinds: dict[str, list[tuple[str, set[str] | None]]] = {}
        effect_sets_target: set[str] = set()
        for opt in self.options.values():
            for eff in opt.effects:
                if eff.target is not None:
                    effect_sets_target.update(eff.clocks or self.clocks.keys())

        for name, rule in self.clocks.items():
            loc = ("clocks", name)
            need_calendar((*loc, "calendar"), rule.calendar)
            need_priorities((*loc, "applies", "priorities"), rule.applies.priorities)
            clock_kinds.setdefault(rule.clock or name, []).append(
                (name, set(rule.applies.kinds) if rule.applies.kinds is not None else None)
            )
            if rule.target is not None:
                self._check_target((*loc, "target"), rule.target, rule.calendar, bad)
                need_calendar((*loc, "target", "calendar"), rule.target.calendar)
            any_hard = rule.target is not None and rule.target.hard is not None
            if rule.targets is not None:
                if self.priority is None:
                    bad(
                        (*loc, "targets"),
                        "priority-required",
                        "targets per priority need a `priority:` scheme in the policy",
                    )
                for key, spec in rule.targets.items():
                    tloc = (*loc, "targets", key)
                    if key != "default" and key not in keys_ok:
                        allowed = ", ".join(list(levels) + list(cells))
                        bad(
                            tloc,
                            "priority-unknown",
                            f"unknown priority or matrix cell {key!r}; known: {allowed}",
                            key,
                        )
                    if spec is not None:
                        need_calendar((*tloc, "calendar"), spec.calendar)
                        self._check_target(tloc, spec, rule.calendar, bad)
                        any_hard = any_hard or spec.hard is not None
                if self.priority is not None and "default" not in rule.targets:
                    self._check_complete(loc, rule, levels, cells, bad)
                if rule.target is not None:
                    bad(
                        (*loc, "target"),
                        "target-ambiguous",
                        "give either `target` (one for all priorities) or `targets` "
                        "(per priority), not both",
                    )
            thresholds = rule.thresholds if rule.thresholds is not None else []
            for i, t in enumerate(thresholds):
                if not 0 < t < 1:
                    bad(
                        (*loc, "thresholds", i),
                        "threshold-range",
                        f"warning threshold {t:g} must lie strictly between 0 and 1",
                        t,
                    )
            if len(set(thresholds)) != len(thresholds):
                bad(
                    (*loc, "thresholds"),
                    "threshold-duplicate",
                    "warning thresholds must be distinct",
                    thresholds,
                )
            any_hard = any_hard or name in effect_sets_target
            for i, esc in enumerate(rule.escalations):
                if isinstance(esc.at, float | int) and not 0 < esc.at <= 1:
                    bad(
                        (*loc, "escalations", i, "at"),
                        "escalation-range",
                        f"escalation fraction {esc.at:g} must lie in (0, 1]",
                        esc.at,
                    )
                if esc.at != "same_day" and not any_hard:
                    bad(
                        (*loc, "escalations", i, "at"),
                        "escalation-needs-hard",
                        f"escalation at {esc.at!r} needs a hard target, and this clock has none",
                        esc.at,
                    )
            if (
                rule.target is None
                and rule.targets is None
                and not rule.escalations
                and name not in effect_sets_target
            ):
                bad(
                    loc,
                    "clock-empty",
                    "a clock needs a target, targets per priority, an escalation, or an "
                    "option effect that sets its target",
                )
            if rule.target is None and rule.targets is None and name in effect_sets_target:
                # the target comes from an option: every value of that option must give one
                for oname, opt in self.options.items():
                    covered = {
                        eff.when
                        for eff in opt.effects
                        if eff.target is not None and (eff.clocks is None or name in eff.clocks)
                    }
                    if not covered:
                        continue
                    values: list[Any] = (
                        list(opt.choices or []) if opt.type == "choice" else [True, False]
                    )
                    missing = [v for v in values if v not in covered]
                    if missing:
                        shown = ", ".join(str(v).lower() for v in missing)
                        bad(
                            ("options", oname, "effects"),
                            "option-effects-complete",
                            f"clock rule {name} takes its target from option {oname}, but "
                            f"no effect sets it for {shown}",
                        )
            if rule.starts_at == "reported" and "ticket.created" in rule.resume_on:
                bad((*loc, "resume_on"), "clock-resume", "a clock cannot resume on ticket.created")

        for cname, rules in clock_kinds.items():
            for i in range(len(rules)):
                for j in range(i + 1, len(rules)):
                    (a, ka), (b, kb) = rules[i], rules[j]
                    if ka is None or kb is None or ka & kb:
                        bad(
                            ("clocks", b, "applies", "kinds"),
                            "clock-overlap",
                            f"rules {a} and {b} both produce clock {cname!r} for the same "
                            "ticket kinds; give them disjoint `applies.kinds`",
                        )

        for oname, opt in self.options.items():
            loc = ("options", oname)
            if opt.type == "choice":
                if not opt.choices:
                    bad((*loc, "choices"), "option-choices", "a choice option needs `choices`")
            elif opt.choices is not None:
                bad((*loc, "choices"), "option-choices", "only choice options have `choices`")
            if opt.default is not None:
                self._check_option_value((*loc, "default"), oname, opt, opt.default, bad)
                if opt.required:
                    bad(
                        (*loc, "default"),
                        "option-required",
                        "a required option cannot have a default",
                    )
            for i, eff in enumerate(opt.effects):
                eloc = (*loc, "effects", i)
                self._check_option_value((*eloc, "when"), oname, opt, eff.when, bad)
                for c in eff.clocks or ():
                    if c not in self.clocks:
                        bad(
                            (*eloc, "clocks"),
                            "clock-unknown",
                            f"unknown clock rule {c!r}; clock rules: {', '.join(self.clocks)}",
                            c,
                        )
                need_priorities((*eloc, "priorities"), eff.priorities)
                need_calendar((*eloc, "calendar"), eff.calendar)
                if eff.target is not None:
                    need_calendar((*eloc, "target", "calendar"), eff.target.calendar)
                    cal = eff.calendar or eff.target.calendar
                    self._check_target((*eloc, "target"), eff.target, cal, bad)
                if eff.calendar is None and eff.target is None:
                    bad(eloc, "effect-empty", "an effect must set `calendar` and/or `target`")

        for i, av in enumerate(self.availability):
            need_calendar(("availability", i, "calendar"), av.calendar)
            for j, rule in enumerate(av.maintenance):
                for k, win in enumerate(rule.workday_windows or ()):
                    need_calendar(
                        ("availability", i, "maintenance", j, "workday_windows", k, "calendar"),
                        win.calendar,
                    )
                if rule.min_notice is not None:
                    need_calendar(
                        ("availability", i, "maintenance", j, "notice_calendar"),
                        rule.notice_calendar,
                    )
                    if rule.min_notice.unit in ("m", "h", "workdays") and not rule.notice_calendar:
                        bad(
                            ("availability", i, "maintenance", j, "notice_calendar"),
                            "calendar-required",
                            "a notice in business time needs `notice_calendar`",
                        )
        agg_names = {a.name for a in self.aggregates}
        for i, ag in enumerate(self.aggregates):
            if ag.clock not in self.clocks:
                bad(
                    ("aggregates", i, "clock"),
                    "clock-unknown",
                    f"unknown clock rule {ag.clock!r}; clock rules: {', '.join(self.clocks)}",
                    ag.clock,
                )
            need_priorities(("aggregates", i, "priorities"), ag.priorities)
        if len(agg_names) != len(self.aggregates):
            bad(("aggregates",), "name-duplicate", "aggregate target names must be unique")
        for i, sc in enumerate(self.service_credits):
            for a in sc.missed_when:
                if a not in agg_names:
                    bad(
                        ("service_credits", i, "missed_when"),
                        "aggregate-unknown",
                        f"unknown aggregate target {a!r}; aggregates: "
                        f"{', '.join(sorted(agg_names)) or 'none'}",
                        a,
                    )

        raise_issues("Policy", problems)
        self._compute_strictest()
        self._cond_attrs = tuple(
            sorted({c.attribute for r in self.clocks.values() for c in r.applies.attributes})
        )
        return self

    def _check_statuses(self, bad: Any) -> None:
        """A clock pauses only on a status an event can carry: a standard one
        (:data:`models.vocabulary.STATUSES`) or one the policy declares under ``statuses:``.
        A typo would otherwise leave the clock running through every wait on the customer."""
        known = (*STATUSES, *(s for s in self.statuses if s not in STATUSES))
        lists: list[tuple[tuple[Any, ...], list[str]]] = [
            (("defaults", "pause_statuses"), self.defaults.pause_statuses)
        ]
        lists.extend(
            (("clocks", name, "pause_statuses"), rule.pause_statuses)
            for name, rule in self.clocks.items()
            if rule.pause_statuses is not None
        )
        for loc, names in lists:
            for i, status in enumerate(names):
                if status not in known:
                    bad((*loc, i), "status-unknown", unknown_status_message(status, known), status)

    def _check_calendars(self, bad: Any) -> None:
        from calendars import BusinessCalendar, CalendarSpecError

        for name in self.calendars:
            try:
                cal = BusinessCalendar.from_spec(self._calendar_spec(name))
            except CalendarSpecError as exc:
                loc: tuple[Any, ...] = ("calendars", name)
                if exc.path:
                    loc = (*loc, exc.path)
                bad(loc, exc.rule or "calendar-spec", exc.message, None)
                continue
            tz = getattr(cal, "timezone", None)
            if tz is not None and getattr(tz, "key", None) != self.timezone.key:
                bad(
                    ("calendars", name, "timezone"),
                    "calendar-timezone",
                    f"calendar time zone {getattr(tz, 'key', tz)} differs from the policy's "
                    f"{self.timezone.key} (one zone per policy: see README, 'How the clocks work')",
                )
            self.__pydantic_private__["_calendars"][name] = cal

    def _workday_hours(self, calendar: str | None) -> float | None:
        if calendar is None:
            return None
        cal = self.__pydantic_private__["_calendars"].get(calendar)
        if cal is not None:
            wh = getattr(cal, "workday_hours", None)
            return float(wh) if wh is not None else None
        spec = self.calendars.get(calendar)
        raw = spec.get("workday_hours") if isinstance(spec, dict) else None
        return float(raw) if isinstance(raw, int | float) else None

    def _check_target(
        self, loc: tuple[Any, ...], spec: TargetSpec, clock_cal: str | None, bad: Any
    ) -> None:
        cal = spec.calendar or clock_cal
        wh = self._workday_hours(cal)
        for tier in ("hard", "soft"):
            d: Duration | None = getattr(spec, tier)
            if d is not None and d.unit == "workdays" and cal in self.calendars and wh is None:
                bad(
                    (*loc, tier),
                    "workday-hours",
                    f"{tier} target {d} is in workdays but calendar {cal!r} declares no "
                    "`workday_hours`",
                    str(d),
                )
        if spec.hard is None or spec.soft is None:
            return
        h, s = spec.hard, spec.soft
        shorter = False
        if h.family == s.family == "business":
            hh, sh = h.nominal_hours(wh), s.nominal_hours(wh)
            shorter = hh is not None and sh is not None and hh < sh - 1e-9
        elif h.family == s.family == "wall":
            shorter = h.wall_days()[1] < s.wall_days()[0]
        if shorter:
            bad(
                loc,
                "hard-shorter-than-soft",
                f"hard target {h} is shorter than soft target {s}",
                str(h),
            )

    def _check_priority(self, bad: Any) -> tuple[list[str], list[str]]:
        scheme = self.priority
        if scheme is None:
            return [], []
        loc = ("priority",)
        levels = list(scheme.levels)
        if len(set(levels)) != len(levels):
            bad((*loc, "levels"), "level-duplicate", "priority levels must be distinct", levels)
        for alias, target in scheme.aliases.items():
            if target not in levels:
                bad(
                    (*loc, "aliases", alias),
                    "level-unknown",
                    f"alias {alias!r} points to unknown level {target!r}; levels: "
                    f"{', '.join(levels)}",
                    target,
                )
        if scheme.default is not None and scheme.default not in levels:
            bad(
                (*loc, "default"),
                "level-unknown",
                f"default level {scheme.default!r} is not one of {', '.join(levels)}",
            )
        cells: list[str] = []
        m = scheme.matrix
        if m is None:
            if scheme.direct:
                bad((*loc, "direct"), "matrix-required", "`direct` needs a `matrix`")
            return levels, cells
        for key, level in m.cells.items():
            parts = key.split("/")
            if len(parts) != 2 or parts[0] not in m.impacts or parts[1] not in m.urgencies:
                bad(
                    (*loc, "matrix", "cells", key),
                    "matrix-cell",
                    f"cell {key!r} must be '<impact>/<urgency>' with impact in "
                    f"{', '.join(m.impacts)} and urgency in {', '.join(m.urgencies)}",
                    key,
                )
            if level not in levels:
                bad(
                    (*loc, "matrix", "cells", key),
                    "level-unknown",
                    f"unknown level {level!r}; levels: {', '.join(levels)}",
                    level,
                )
        for imp in m.impacts:
            for urg in m.urgencies:
                cells.append(f"{imp}/{urg}")
                if f"{imp}/{urg}" not in m.cells:
                    bad(
                        (*loc, "matrix", "cells"),
                        "matrix-complete",
                        f"matrix cell {imp}/{urg} is missing",
                        None,
                    )
        for level in levels:
            if level not in m.cells.values() and level not in scheme.direct:
                bad(
                    (*loc, "levels"),
                    "level-unused",
                    f"level {level!r} is not produced by any matrix cell",
                )
        for level, cell in scheme.direct.items():
            if level not in levels:
                bad((*loc, "direct", level), "level-unknown", f"unknown level {level!r}")
            elif cell not in cells:
                bad((*loc, "direct", level), "matrix-cell", f"unknown matrix cell {cell!r}")
        return levels, cells

    def _check_complete(
        self,
        loc: tuple[Any, ...],
        rule: ClockRule,
        levels: list[str],
        cells: list[str],
        bad: Any,
    ) -> None:
        if rule.targets is None or self.priority is None:
            return
        m = self.priority.matrix
        missing: list[str] = []
        if m is not None:
            for cell in cells:
                if (
                    cell in m.cells
                    and cell not in rule.targets
                    and (m.cells[cell] not in rule.targets)
                ):
                    missing.append(cell)
        else:
            missing = [lv for lv in levels if lv not in rule.targets]
        pr = rule.applies.priorities
        if pr is not None:
            missing = [
                x for x in missing if x not in pr and (m is None or m.cells.get(x) not in pr)
            ]
        if missing:
            bad(
                (*loc, "targets"),
                "targets-complete",
                f'no target for {", ".join(missing)} (write `null` for "no target")',
                None,
            )

    def _check_option_value(
        self, loc: tuple[Any, ...], name: str, opt: OptionSpec, value: Any, bad: Any
    ) -> None:
        if opt.type == "bool" and not isinstance(value, bool):
            bad(loc, "option-value", f"option {name} is a bool; {value!r} is not true/false", value)
        choices = opt.choices or []
        if opt.type == "choice" and (not isinstance(value, str) or value not in choices):
            bad(
                loc,
                "option-value",
                f"{value!r} is not a choice of option {name}: {', '.join(opt.choices or [])}",
                value,
            )

    def _compute_strictest(self) -> None:
        scheme = self.priority
        if scheme is None or scheme.matrix is None:
            return
        m = scheme.matrix
        order = [f"{i}/{u}" for i in m.impacts for u in m.urgencies if f"{i}/{u}" in m.cells]
        for level in scheme.levels:
            if level in scheme.direct:
                self._strictest[level] = scheme.direct[level]
                continue
            cands = [c for c in order if m.cells[c] == level]
            if not cands:
                continue
            best = next((c for c in cands if all(self._cell_le(c, d) for d in cands)), None)
            self._strictest[level] = best or cands[0]

    def _cell_le(self, a: str, b: str) -> bool:
        """Cell ``a`` is at least as strict as ``b`` on every clock (nominal hours)."""
        level_a = self.priority.matrix.cells[a]  # type: ignore[union-attr]
        level_b = self.priority.matrix.cells[b]  # type: ignore[union-attr]
        for rule in self.clocks.values():
            if rule.targets is None:
                continue
            sa = rule.targets.get(a, rule.targets.get(level_a))
            sb = rule.targets.get(b, rule.targets.get(level_b))
            va, vb = self._nominal(sa, rule.calendar), self._nominal(sb, rule.calendar)
            if va > vb:
                return False
        return True

    def _nominal(self, spec: TargetSpec | None, calendar: str) -> float:
        if spec is None:
            return math.inf
        d = spec.hard or spec.soft
        if d is None:
            return math.inf
        cal = spec.calendar or calendar
        if d.family == "wall":
            return d.wall_days()[0] * 24 * 1000  # wall durations are laxer than any business one
        hours = d.nominal_hours(self._workday_hours(cal))
        return math.inf if hours is None else hours


def unknown_status_message(status: str, known: Iterable[str]) -> str:
    """``unknown status 'waiting_for_custmer'; did you mean 'waiting_for_customer'? …``"""
    import difflib

    close = difflib.get_close_matches(status, list(known), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"unknown status {status!r}{hint} (a status outside the standard ones must be "
        "declared under `statuses:`)"
    )


def _norm(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


def _target(d: Duration | None, calendar: str) -> Target | None:
    return None if d is None else Target(amount=d.amount, unit=d.unit, calendar=calendar)


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def policy_from_data(data: Any, source: str) -> Policy:
    """Validate a decoded policy document; problems raise :class:`PolicyLoadError` whose lines
    read ``<source>: <path>: <problem>``."""
    if not isinstance(data, dict):
        raise PolicyLoadError(source, [Issue("", "a policy file must be a mapping at the top")])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyLoadError(source, issues_from(exc)) from None


def load_policy_file(path: str | Path) -> Policy:
    """Read and validate one policy file (YAML or JSON)."""
    from models.yamlio import read_document

    source = str(path)
    data = read_document(path, source)
    return policy_from_data(data, source)


__all__ = [
    "CHANNELS",
    "KINDS",
    "Applies",
    "ClockRule",
    "Condition",
    "Defaults",
    "EscalationSpec",
    "Matrix",
    "OptionEffect",
    "OptionSpec",
    "Policy",
    "PriorityScheme",
    "TargetSpec",
    "load_policy_file",
    "policy_from_data",
]
