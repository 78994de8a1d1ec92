"""Planning: one ticket's facts and the tenant's options → the clocks that run, as the plain
:class:`models.plan.ClockPlan` values the engine works with (docs/policy-language.md, "How a
ticket gets its clocks")."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from models.durations import Duration
from models.errors import OptionError, UnknownClockError, UnknownPriorityError
from models.plan import ClockPlan, Escalation, Target, TicketFacts
from models.policy.blocks import ClockRule, TargetSpec

if TYPE_CHECKING:
    from calendars import BusinessCalendar
    from models.policy.model import Policy


def resolve_options(p: Policy, options: Mapping[str, Any] | None) -> dict[str, bool | str | None]:
    """Validated option values with defaults filled in (unknown names/values raise
    :class:`OptionError`). Missing required options are reported by :func:`plan` only when a
    clock depends on them."""
    given = {str(k).strip().lower(): v for k, v in (options or {}).items()}
    unknown = sorted(set(given) - set(p.options))
    if unknown:
        known = ", ".join(p.options) or "none"
        raise OptionError(f"policy {p.id}: unknown option {unknown[0]!r}; options: {known}")
    out: dict[str, bool | str | None] = {}
    for name, spec in p.options.items():
        if name in given and given[name] is not None:
            out[name] = spec.coerce(name, given[name])
        else:
            out[name] = spec.default
    return out


def resolve_priority(
    p: Policy, facts: TicketFacts, strictest: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """``(level, cell)`` of a ticket. A matrix ticket (impact and urgency) gives its cell; a
    direct level (or alias) gives the level's strictest cell (``strictest``). Unknown values
    raise :class:`UnknownPriorityError`; ``(None, None)`` when the ticket carries nothing and
    the policy has no default."""
    scheme = p.priority
    if scheme is None:
        return None, None
    impact = norm(facts.impact)
    urgency = norm(facts.urgency)
    if scheme.matrix is not None and (impact is not None or urgency is not None):
        m = scheme.matrix
        if impact is None:
            raise UnknownPriorityError(p.id, "impact (urgency was given)", None, m.impacts)
        if urgency is None:
            raise UnknownPriorityError(p.id, "urgency (impact was given)", None, m.urgencies)
        if impact not in m.impacts:
            raise UnknownPriorityError(p.id, "impact", facts.impact, m.impacts)
        if urgency not in m.urgencies:
            raise UnknownPriorityError(p.id, "urgency", facts.urgency, m.urgencies)
        cell = f"{impact}/{urgency}"
        return m.cells[cell], cell
    # (impact/urgency on a policy without a matrix are ignored: only a level counts)
    level = norm(facts.priority)
    if level is None:
        level = scheme.default
        if level is None:
            return None, None
    level = scheme.aliases.get(level, level)
    if level not in scheme.levels:
        allowed = list(scheme.levels) + [a for a in scheme.aliases if a not in scheme.levels]
        raise UnknownPriorityError(p.id, "priority", facts.priority, allowed)
    return level, strictest.get(level)


def plan_key(
    facts: TicketFacts,
    opts: Mapping[str, Any],
    cond_attrs: tuple[str, ...],
    wanted: set[str] | None,
) -> tuple[Any, ...] | None:
    """What :func:`plan` depends on (the facts, the options and only the attributes a rule
    looks at), as a cache key; ``None`` if a value is not hashable."""
    attributes = facts.attributes or {}
    key = (
        tuple(sorted(wanted)) if wanted is not None else None,
        norm(facts.kind) or "incident",
        norm(facts.channel),
        norm(facts.priority),
        norm(facts.impact),
        norm(facts.urgency),
        tuple(sorted(opts.items())),
        tuple(_hashable(attributes.get(a)) for a in cond_attrs),
        tuple(a in attributes for a in cond_attrs),
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def plan(
    p: Policy,
    facts: TicketFacts,
    opts: Mapping[str, bool | str | None],
    strictest: Mapping[str, str],
    wanted: set[str] | None,
) -> tuple[ClockPlan, ...]:
    """Every clock of ``p`` that applies to a ticket with ``facts`` under the resolved
    options ``opts`` (only the ``wanted`` clock names, if given)."""
    kind = norm(facts.kind) or "incident"
    channel = norm(facts.channel)
    attributes = facts.attributes or {}
    rules = [
        (name, rule)
        for name, rule in p.clocks.items()
        if (wanted is None or (rule.clock or name) in wanted)
        and rule.applies.matches(kind, channel, attributes)
    ]
    if not rules:
        return ()
    level, cell = resolve_priority(p, facts, strictest)
    plans = []
    for name, rule in rules:
        one = plan_rule(p, name, rule, level, cell, opts)
        if one is not None:
            plans.append(one)
    return tuple(plans)


def rule_for(p: Policy, clock: str, facts: TicketFacts) -> tuple[str, ClockRule] | None:
    """The clock rule that would produce ``clock`` for a ticket (``None`` if none applies);
    raises :class:`UnknownClockError` if the policy never produces that clock."""
    name = clock.lower()
    if name not in p.clock_names:
        raise UnknownClockError(
            f"policy {p.id} has no clock {clock!r}; clocks: {', '.join(p.clock_names)}"
        )
    kind = norm(facts.kind) or "incident"
    channel = norm(facts.channel)
    for key, rule in p.clocks.items():
        if (rule.clock or key) == name and rule.applies.matches(
            kind, channel, facts.attributes or {}
        ):
            return key, rule
    return None


def plan_rule(
    p: Policy,
    name: str,
    rule: ClockRule,
    level: str | None,
    cell: str | None,
    opts: Mapping[str, bool | str | None],
) -> ClockPlan | None:
    """The plan of one clock rule for a ticket of ``level``/``cell`` (``None``: the rule
    gives this ticket no clock)."""
    pr = rule.applies.priorities
    if pr is not None and not ((level is not None and level in pr) or (cell in pr)):
        return None
    spec: TargetSpec | None = rule.target
    if rule.targets is not None:
        if level is None:
            raise UnknownPriorityError(
                p.id, f"priority for clock {rule.clock or name}", None, priority_words(p)
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
    for opt_name, opt in p.options.items():
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
                        f"policy {p.id}: clock {rule.clock or name} needs option "
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
    thresholds = rule.thresholds if rule.thresholds is not None else p.defaults.thresholds
    if hard is None and soft is None:
        thresholds = []
    pauses = rule.pause_statuses if rule.pause_statuses is not None else p.defaults.pause_statuses
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


def priority_words(p: Policy) -> list[str]:
    """What a ticket may say as its priority (for error messages)."""
    if p.priority is None:
        return []
    words = list(p.priority.levels)
    if p.priority.matrix is not None:
        words.append("or impact + urgency")
    return words


def strictest_cells(p: Policy, calendars: Mapping[str, BusinessCalendar]) -> dict[str, str]:
    """Per level of a matrix policy, its strictest cell: the one whose targets are at least
    as strict as every other cell of the level on every clock (nominal hours). A ticket
    that gives only a level is planned on that cell (docs/contracts.md, Bokumo)."""
    scheme = p.priority
    if scheme is None or scheme.matrix is None:
        return {}
    m = scheme.matrix
    order = [f"{i}/{u}" for i in m.impacts for u in m.urgencies if f"{i}/{u}" in m.cells]
    out: dict[str, str] = {}
    for level in scheme.levels:
        if level in scheme.direct:
            out[level] = scheme.direct[level]
            continue
        cands = [c for c in order if m.cells[c] == level]
        if not cands:
            continue
        best = next((c for c in cands if all(_cell_le(p, calendars, c, d) for d in cands)), None)
        out[level] = best or cands[0]
    return out


def workday_hours(
    p: Policy, calendar: str | None, calendars: Mapping[str, BusinessCalendar]
) -> float | None:
    """The nominal workday of a calendar (``workday_hours``), from the built calendar or,
    if it could not be built, from its spec."""
    if calendar is None:
        return None
    cal = calendars.get(calendar)
    if cal is not None:
        wh = getattr(cal, "workday_hours", None)
        return float(wh) if wh is not None else None
    spec = p.calendars.get(calendar)
    raw = spec.get("workday_hours") if isinstance(spec, dict) else None
    return float(raw) if isinstance(raw, int | float) else None


def norm(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    return text or None


def _cell_le(p: Policy, calendars: Mapping[str, BusinessCalendar], a: str, b: str) -> bool:
    """Cell ``a`` is at least as strict as ``b`` on every clock (nominal hours)."""
    cells = p.priority.matrix.cells  # type: ignore[union-attr]
    level_a, level_b = cells[a], cells[b]
    for rule in p.clocks.values():
        if rule.targets is None:
            continue
        sa = rule.targets.get(a, rule.targets.get(level_a))
        sb = rule.targets.get(b, rule.targets.get(level_b))
        va = _nominal(p, calendars, sa, rule.calendar)
        vb = _nominal(p, calendars, sb, rule.calendar)
        if va > vb:
            return False
    return True


def _nominal(
    p: Policy, calendars: Mapping[str, BusinessCalendar], spec: TargetSpec | None, calendar: str
) -> float:
    if spec is None:
        return math.inf
    d = spec.hard or spec.soft
    if d is None:
        return math.inf
    cal = spec.calendar or calendar
    if d.family == "wall":
        return d.wall_days()[0] * 24 * 1000  # wall durations are laxer than any business one
    hours = d.nominal_hours(workday_hours(p, cal, calendars))
    return math.inf if hours is None else hours


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


def _target(d: Duration | None, calendar: str) -> Target | None:
    return None if d is None else Target(amount=d.amount, unit=d.unit, calendar=calendar)
