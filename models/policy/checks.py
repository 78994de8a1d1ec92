"""The checks of :mod:`models.policy.validation`: each looks at one concern of a policy
and yields the :class:`~models.policy.problems.Problem` s it finds, with stable rule ids."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from models.durations import Duration
from models.policy.blocks import ID_RE, ClockRule, OptionSpec, TargetSpec
from models.policy.planning import workday_hours
from models.policy.problems import Context, Loc, Problem
from models.vocabulary import STATUSES

if TYPE_CHECKING:
    from models.policy.model import Policy


def check_id(p: Policy, ctx: Context) -> Iterator[Problem]:
    if not ID_RE.match(p.id):
        yield Problem(
            ("id",),
            "policy-id",
            f"policy id {p.id!r} must be lower-case letters, digits, '-', '_' or '.'",
            p.id,
        )


def check_calendars(p: Policy, ctx: Context) -> Iterator[Problem]:
    """Each calendar builds (its spec's own rules) in the policy's one time zone."""
    from calendars import BusinessCalendar, CalendarSpecError

    for name in p.calendars:
        try:
            cal = BusinessCalendar.from_spec(p.calendar_spec(name))
        except CalendarSpecError as exc:
            loc: Loc = ("calendars", name)
            if exc.path:
                loc = (*loc, exc.path)
            yield Problem(loc, exc.rule or "calendar-spec", exc.message)
            continue
        tz = getattr(cal, "timezone", None)
        if tz is not None and getattr(tz, "key", None) != p.timezone.key:
            yield Problem(
                ("calendars", name, "timezone"),
                "calendar-timezone",
                f"calendar time zone {getattr(tz, 'key', tz)} differs from the policy's "
                f"{p.timezone.key} (one zone per policy: see README, 'How the clocks work')",
            )
        ctx.calendars[name] = cal


def check_priority(p: Policy, ctx: Context) -> Iterator[Problem]:
    """The priority scheme: distinct levels, aliases and the default on known levels, a
    complete matrix whose cells name known levels, every level produced."""
    scheme = p.priority
    if scheme is None:
        return
    loc = ("priority",)
    levels = ctx.levels = list(scheme.levels)
    if len(set(levels)) != len(levels):
        yield Problem(
            (*loc, "levels"), "level-duplicate", "priority levels must be distinct", levels
        )
    for alias, target in scheme.aliases.items():
        if target not in levels:
            yield Problem(
                (*loc, "aliases", alias),
                "level-unknown",
                f"alias {alias!r} points to unknown level {target!r}; levels: {', '.join(levels)}",
                target,
            )
    if scheme.default is not None and scheme.default not in levels:
        yield Problem(
            (*loc, "default"),
            "level-unknown",
            f"default level {scheme.default!r} is not one of {', '.join(levels)}",
        )
    m = scheme.matrix
    if m is None:
        if scheme.direct:
            yield Problem((*loc, "direct"), "matrix-required", "`direct` needs a `matrix`")
        return
    for key, level in m.cells.items():
        parts = key.split("/")
        if len(parts) != 2 or parts[0] not in m.impacts or parts[1] not in m.urgencies:
            yield Problem(
                (*loc, "matrix", "cells", key),
                "matrix-cell",
                f"cell {key!r} must be '<impact>/<urgency>' with impact in "
                f"{', '.join(m.impacts)} and urgency in {', '.join(m.urgencies)}",
                key,
            )
        if level not in levels:
            yield Problem(
                (*loc, "matrix", "cells", key),
                "level-unknown",
                f"unknown level {level!r}; levels: {', '.join(levels)}",
                level,
            )
    for imp in m.impacts:
        for urg in m.urgencies:
            ctx.cells.append(f"{imp}/{urg}")
            if f"{imp}/{urg}" not in m.cells:
                yield Problem(
                    (*loc, "matrix", "cells"),
                    "matrix-complete",
                    f"matrix cell {imp}/{urg} is missing",
                )
    for level in levels:
        if level not in m.cells.values() and level not in scheme.direct:
            yield Problem(
                (*loc, "levels"),
                "level-unused",
                f"level {level!r} is not produced by any matrix cell",
            )
    for level, cell in scheme.direct.items():
        if level not in levels:
            yield Problem((*loc, "direct", level), "level-unknown", f"unknown level {level!r}")
        elif cell not in ctx.cells:
            yield Problem((*loc, "direct", level), "matrix-cell", f"unknown matrix cell {cell!r}")


def check_statuses(p: Policy, ctx: Context) -> Iterator[Problem]:
    """A clock pauses only on a status an event can carry: a standard one
    (:data:`models.vocabulary.STATUSES`) or one the policy declares under ``statuses:``. A
    typo would otherwise leave the clock running through every wait on the customer."""
    known = (*STATUSES, *(s for s in p.statuses if s not in STATUSES))
    lists: list[tuple[Loc, list[str]]] = [
        (("defaults", "pause_statuses"), p.defaults.pause_statuses)
    ]
    lists.extend(
        (("clocks", name, "pause_statuses"), rule.pause_statuses)
        for name, rule in p.clocks.items()
        if rule.pause_statuses is not None
    )
    for loc, names in lists:
        for i, status in enumerate(names):
            if status not in known:
                yield Problem(
                    (*loc, i), "status-unknown", unknown_status_message(status, known), status
                )


def check_thresholds(p: Policy, ctx: Context) -> Iterator[Problem]:
    """Warning thresholds lie strictly between 0 and 1, distinct per clock."""
    lists: list[tuple[Loc, list[float]]] = [(("defaults", "thresholds"), p.defaults.thresholds)]
    lists.extend(
        (("clocks", name, "thresholds"), rule.thresholds or []) for name, rule in p.clocks.items()
    )
    for loc, values in lists:
        for i, t in enumerate(values):
            if not 0 < t < 1:
                yield Problem(
                    (*loc, i),
                    "threshold-range",
                    f"warning threshold {t:g} must lie strictly between 0 and 1",
                    t,
                )
        if len(set(values)) != len(values):
            yield Problem(loc, "threshold-duplicate", "warning thresholds must be distinct", values)


def check_references(p: Policy, ctx: Context) -> Iterator[Problem]:
    """Every calendar, priority, clock rule and aggregate a part names exists."""
    known = set(ctx.levels) | set(ctx.cells)

    def calendar(loc: Loc, name: str | None) -> Iterator[Problem]:
        if name is not None and name not in p.calendars:
            yield Problem(
                loc,
                "calendar-unknown",
                f"unknown calendar {name!r}; calendars: {', '.join(p.calendars)}",
                name,
            )

    def priorities(loc: Loc, names: Iterable[str] | None) -> Iterator[Problem]:
        for x in names or ():
            if x not in known:
                allowed = ", ".join(ctx.levels + ctx.cells) or "none (no priority scheme)"
                yield Problem(
                    loc, "priority-unknown", f"unknown priority {x!r}; known: {allowed}", x
                )

    def clock(loc: Loc, name: str) -> Iterator[Problem]:
        if name not in p.clocks:
            yield Problem(
                loc,
                "clock-unknown",
                f"unknown clock rule {name!r}; clock rules: {', '.join(p.clocks)}",
                name,
            )

    for name, rule in p.clocks.items():
        loc = ("clocks", name)
        yield from calendar((*loc, "calendar"), rule.calendar)
        yield from priorities((*loc, "applies", "priorities"), rule.applies.priorities)
        if rule.target is not None:
            yield from calendar((*loc, "target", "calendar"), rule.target.calendar)
        for key, spec in (rule.targets or {}).items():
            if key != "default" and key not in known:
                allowed = ", ".join(ctx.levels + ctx.cells)
                yield Problem(
                    (*loc, "targets", key),
                    "priority-unknown",
                    f"unknown priority or matrix cell {key!r}; known: {allowed}",
                    key,
                )
            if spec is not None:
                yield from calendar((*loc, "targets", key, "calendar"), spec.calendar)
    for oname, opt in p.options.items():
        for i, eff in enumerate(opt.effects):
            eloc = ("options", oname, "effects", i)
            for c in eff.clocks or ():
                yield from clock((*eloc, "clocks"), c)
            yield from priorities((*eloc, "priorities"), eff.priorities)
            yield from calendar((*eloc, "calendar"), eff.calendar)
            if eff.target is not None:
                yield from calendar((*eloc, "target", "calendar"), eff.target.calendar)
    for i, av in enumerate(p.availability):
        yield from calendar(("availability", i, "calendar"), av.calendar)
        for j, mrule in enumerate(av.maintenance):
            mloc = ("availability", i, "maintenance", j)
            for k, win in enumerate(mrule.workday_windows or ()):
                yield from calendar((*mloc, "workday_windows", k, "calendar"), win.calendar)
            if mrule.min_notice is not None:
                yield from calendar((*mloc, "notice_calendar"), mrule.notice_calendar)
    names = {a.name for a in p.aggregates}
    for i, ag in enumerate(p.aggregates):
        yield from clock(("aggregates", i, "clock"), ag.clock)
        yield from priorities(("aggregates", i, "priorities"), ag.priorities)
    for i, sc in enumerate(p.service_credits):
        for a in sc.missed_when:
            if a not in names:
                yield Problem(
                    ("service_credits", i, "missed_when"),
                    "aggregate-unknown",
                    f"unknown aggregate target {a!r}; aggregates: "
                    f"{', '.join(sorted(names)) or 'none'}",
                    a,
                )


def check_targets(p: Policy, ctx: Context) -> Iterator[Problem]:
    """Targets per priority need a scheme and cover every priority; a clock gives `target`
    or `targets`, not both; workdays need the calendar's workday length; hard ≥ soft."""
    for name, rule in p.clocks.items():
        loc = ("clocks", name)
        if rule.target is not None:
            yield from _target_problems(p, ctx, (*loc, "target"), rule.target, rule.calendar)
        if rule.targets is None:
            continue
        if p.priority is None:
            yield Problem(
                (*loc, "targets"),
                "priority-required",
                "targets per priority need a `priority:` scheme in the policy",
            )
        for key, spec in rule.targets.items():
            if spec is not None:
                yield from _target_problems(p, ctx, (*loc, "targets", key), spec, rule.calendar)
        if p.priority is not None and "default" not in rule.targets:
            yield from _complete(p, ctx, loc, rule)
        if rule.target is not None:
            yield Problem(
                (*loc, "target"),
                "target-ambiguous",
                "give either `target` (one for all priorities) or `targets` (per priority), "
                "not both",
            )
    for oname, opt in p.options.items():
        for i, eff in enumerate(opt.effects):
            if eff.target is not None:
                eloc = ("options", oname, "effects", i, "target")
                cal = eff.calendar or eff.target.calendar
                yield from _target_problems(p, ctx, eloc, eff.target, cal)


def check_escalations(p: Policy, ctx: Context) -> Iterator[Problem]:
    """Escalation fractions lie in (0, 1]; one at a fraction or the breach needs a hard
    target (the clock's, per priority, or from an option)."""
    targeted = _effect_targets(p)
    for name, rule in p.clocks.items():
        hard = (
            (rule.target is not None and rule.target.hard is not None)
            or any(s is not None and s.hard is not None for s in (rule.targets or {}).values())
            or name in targeted
        )
        for i, esc in enumerate(rule.escalations):
            loc = ("clocks", name, "escalations", i, "at")
            if isinstance(esc.at, float | int) and not 0 < esc.at <= 1:
                yield Problem(
                    loc,
                    "escalation-range",
                    f"escalation fraction {esc.at:g} must lie in (0, 1]",
                    esc.at,
                )
            if esc.at != "same_day" and not hard:
                yield Problem(
                    loc,
                    "escalation-needs-hard",
                    f"escalation at {esc.at!r} needs a hard target, and this clock has none",
                    esc.at,
                )


#: the event types that stop a clock (closed and cancelled end every clock anyway) and the
#: one that resumes it: any other in ``stop_on``/``resume_on`` would silently do nothing
STOPPING = frozenset(
    ("ticket.created", "ticket.responded", "ticket.resolved", "ticket.closed", "ticket.cancelled")
)
RESUMING = frozenset(("ticket.reopened",))


def check_clocks(p: Policy, ctx: Context) -> Iterator[Problem]:
    """A clock has something to do, stops and resumes on events that do stop and resume a
    clock, does not resume on its own start, and two rules that produce the same clock do so
    for disjoint ticket kinds."""
    targeted = _effect_targets(p)
    by_clock: dict[str, list[tuple[str, set[str] | None]]] = {}
    for name, rule in p.clocks.items():
        loc = ("clocks", name)
        by_clock.setdefault(rule.clock or name, []).append(
            (name, set(rule.applies.kinds) if rule.applies.kinds is not None else None)
        )
        if (
            rule.target is None
            and rule.targets is None
            and not rule.escalations
            and (name not in targeted)
        ):
            yield Problem(
                loc,
                "clock-empty",
                "a clock needs a target, targets per priority, an escalation, or an option "
                "effect that sets its target",
            )
        for key, allowed, verb in (
            ("stop_on", STOPPING, "stop"),
            ("resume_on", RESUMING, "resume"),
        ):
            for i, etype in enumerate(getattr(rule, key)):
                if etype not in allowed:
                    yield Problem(
                        (*loc, key, i),
                        "clock-event",
                        f"{etype} does not {verb} a clock; {key} takes "
                        f"{', '.join(sorted(allowed))}",
                        etype,
                    )
        if rule.starts_at == "reported" and "ticket.created" in rule.resume_on:
            yield Problem(
                (*loc, "resume_on"), "clock-resume", "a clock cannot resume on ticket.created"
            )
    for cname, rules in by_clock.items():
        for i in range(len(rules)):
            for j in range(i + 1, len(rules)):
                (a, ka), (b, kb) = rules[i], rules[j]
                if ka is None or kb is None or ka & kb:
                    yield Problem(
                        ("clocks", b, "applies", "kinds"),
                        "clock-overlap",
                        f"rules {a} and {b} both produce clock {cname!r} for the same ticket "
                        "kinds; give them disjoint `applies.kinds`",
                    )


def check_options(p: Policy, ctx: Context) -> Iterator[Problem]:
    """Choices only on choice options; defaults and `when` values of the option's type; a
    required option has no default; an effect sets something; a clock whose target comes
    from an option gets one for every value of it."""
    targeted = _effect_targets(p)
    for oname, opt in p.options.items():
        loc = ("options", oname)
        if opt.type == "choice":
            if not opt.choices:
                yield Problem(
                    (*loc, "choices"), "option-choices", "a choice option needs `choices`"
                )
        elif opt.choices is not None:
            yield Problem((*loc, "choices"), "option-choices", "only choice options have `choices`")
        if opt.default is not None:
            yield from _option_value((*loc, "default"), oname, opt, opt.default)
            if opt.required:
                yield Problem(
                    (*loc, "default"), "option-required", "a required option cannot have a default"
                )
        for i, eff in enumerate(opt.effects):
            eloc = (*loc, "effects", i)
            yield from _option_value((*eloc, "when"), oname, opt, eff.when)
            if eff.calendar is None and eff.target is None:
                yield Problem(eloc, "effect-empty", "an effect must set `calendar` and/or `target`")
    for name, rule in p.clocks.items():
        if rule.target is not None or rule.targets is not None or name not in targeted:
            continue
        # the target comes from an option: every value of that option must give one
        for oname, opt in p.options.items():
            covered = {
                eff.when
                for eff in opt.effects
                if eff.target is not None and (eff.clocks is None or name in eff.clocks)
            }
            if not covered:
                continue
            values: list[Any] = list(opt.choices or []) if opt.type == "choice" else [True, False]
            missing = [v for v in values if v not in covered]
            if missing:
                shown = ", ".join(str(v).lower() for v in missing)
                yield Problem(
                    ("options", oname, "effects"),
                    "option-effects-complete",
                    f"clock rule {name} takes its target from option {oname}, but no effect "
                    f"sets it for {shown}",
                )


def check_availability(p: Policy, ctx: Context) -> Iterator[Problem]:
    """A maintenance notice in business time says on which calendar it is counted (one with
    a workday length for workdays), and a maintenance kind has one rule per target."""
    for i, av in enumerate(p.availability):
        ruled: dict[str, int] = {}
        for j, rule in enumerate(av.maintenance):
            loc = ("availability", i, "maintenance", j)
            for kind in rule.kinds:
                if kind in ruled:
                    yield Problem(
                        (*loc, "kinds"),
                        "maintenance-kind-duplicate",
                        f"maintenance kind {kind!r} already has rule {ruled[kind]} of this "
                        "target (the first would decide alone)",
                        kind,
                    )
                ruled.setdefault(kind, j)
            notice = rule.min_notice
            if (
                notice is not None
                and notice.unit == "workdays"
                and rule.notice_calendar in p.calendars
                and workday_hours(p, rule.notice_calendar, ctx.calendars) is None
            ):
                yield Problem(
                    (*loc, "min_notice"),
                    "workday-hours",
                    f"notice {notice} is in workdays but calendar {rule.notice_calendar!r} "
                    "declares no `workday_hours`",
                    str(notice),
                )
            if (
                rule.min_notice is not None
                and rule.min_notice.unit in ("m", "h", "workdays")
                and not rule.notice_calendar
            ):
                yield Problem(
                    ("availability", i, "maintenance", j, "notice_calendar"),
                    "calendar-required",
                    "a notice in business time needs `notice_calendar`",
                )


def check_aggregates(p: Policy, ctx: Context) -> Iterator[Problem]:
    if len({a.name for a in p.aggregates}) != len(p.aggregates):
        yield Problem(("aggregates",), "name-duplicate", "aggregate target names must be unique")


def unknown_status_message(status: str, known: Iterable[str]) -> str:
    """``unknown status 'waiting_for_custmer'; did you mean 'waiting_for_customer'? …``"""
    import difflib

    close = difflib.get_close_matches(status, list(known), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"unknown status {status!r}{hint} (a status outside the standard ones must be "
        "declared under `statuses:`)"
    )


def _effect_targets(p: Policy) -> set[str]:
    """The clock rules an option effect sets the target of."""
    out: set[str] = set()
    for opt in p.options.values():
        for eff in opt.effects:
            if eff.target is not None:
                out.update(eff.clocks or p.clocks.keys())
    return out


def _target_problems(
    p: Policy, ctx: Context, loc: Loc, spec: TargetSpec, clock_cal: str | None
) -> Iterator[Problem]:
    cal = spec.calendar or clock_cal
    wh = workday_hours(p, cal, ctx.calendars)
    for tier in ("hard", "soft"):
        d: Duration | None = getattr(spec, tier)
        if d is not None and d.unit == "workdays" and cal in p.calendars and wh is None:
            yield Problem(
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
        yield Problem(
            loc,
            "hard-shorter-than-soft",
            f"hard target {h} is shorter than soft target {s}",
            str(h),
        )


def _complete(p: Policy, ctx: Context, loc: Loc, rule: ClockRule) -> Iterator[Problem]:
    """Targets per priority cover every level (or matrix cell) the clock applies to."""
    if rule.targets is None or p.priority is None:
        return
    m = p.priority.matrix
    missing: list[str] = []
    if m is not None:
        missing = [
            c
            for c in ctx.cells
            if c in m.cells and c not in rule.targets and m.cells[c] not in rule.targets
        ]
    else:
        missing = [lv for lv in ctx.levels if lv not in rule.targets]
    pr = rule.applies.priorities
    if pr is not None:
        missing = [x for x in missing if x not in pr and (m is None or m.cells.get(x) not in pr)]
    if missing:
        yield Problem(
            (*loc, "targets"),
            "targets-complete",
            f'no target for {", ".join(missing)} (write `null` for "no target")',
        )


def _option_value(loc: Loc, name: str, opt: OptionSpec, value: Any) -> Iterator[Problem]:
    if opt.type == "bool" and not isinstance(value, bool):
        yield Problem(
            loc, "option-value", f"option {name} is a bool; {value!r} is not true/false", value
        )
    choices = opt.choices or []
    if opt.type == "choice" and (not isinstance(value, str) or value not in choices):
        yield Problem(
            loc,
            "option-value",
            f"{value!r} is not a choice of option {name}: {', '.join(opt.choices or [])}",
            value,
        )
