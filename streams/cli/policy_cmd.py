"""``slawatch policy check|show``, ``slawatch schema``, ``slawatch deadline``.

Exit codes: 0 ok; 1 ``policy check`` found problems; 2 bad input (the message names the bad
value); 3 the asked clock does not apply to that ticket.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from models.vocabulary import CHANNELS, KINDS
from streams.cli import app
from streams.cli.errors import CliError
from streams.cli.params import PoliciesDirs, ReplacePolicies, instant

if TYPE_CHECKING:  # (imported inside the commands: ``--help`` stays light)
    from models.plan import ClockPlan, TicketFacts
    from models.policy import Policy, TargetSpec

__all__ = ["check_paths", "deadline_result", "parse_assignments"]

EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_APPLICABLE = 3

policy_app = typer.Typer(
    help="Check and show SLA policy files.", no_args_is_help=True, add_completion=False
)
app.add_typer(policy_app, name="policy")


class BadInput(CliError):
    """Bad command-line input (exit 2)."""


# --------------------------------------------------------------------------------------------
# policy check
# --------------------------------------------------------------------------------------------


def _policy_files(paths: list[Path]) -> list[Path]:
    from models.contracts import POLICY_SUFFIXES

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.iterdir() if q.suffix in POLICY_SUFFIXES))
        else:
            files.append(p)
    return files


def _checkable(text: str) -> Path:
    """A policy file or a directory that holds some."""
    from streams.cli.params import input_file

    path = Path(text)
    if not path.is_dir():
        return input_file(text)
    if not _policy_files([path]):
        raise typer.BadParameter(f"'{text}' holds no policy files (*.yaml, *.yml, *.json)")
    return path


def check_paths(
    paths: list[Path], policy_dirs: list[Path] | None = None, replace: bool = False
) -> tuple[list[str], list[str]]:
    """Validate policy files (and tenant contracts files, recognised by a top-level
    ``tenants:`` key, against the base policies plus ``policy_dirs`` and the checked
    policies). Returns ``(ok lines, problem lines)``."""
    from models.contracts import PolicySet, load_policy_dirs, tenants_from_data
    from models.errors import PolicyLoadError, PolicySetError
    from models.policy import policy_from_data
    from models.yamlio import read_document

    ok: list[str] = []
    problems: list[str] = []
    policies = PolicySet()
    contracts: list[tuple[str, Any]] = []
    for path in _policy_files(paths):
        source = str(path)
        try:
            data = read_document(path, source)
            if isinstance(data, dict) and "tenants" in data and "clocks" not in data:
                contracts.append((source, data))
                continue
            policy = policy_from_data(data, source)
            policies.add(policy, source)
            ok.append(f"ok: {source}: policy {policy.id} version {policy.version}")
        except PolicyLoadError as exc:
            problems.extend(exc.rule_messages)
    if contracts:
        known = PolicySet()
        try:
            base = load_policy_dirs(policy_dirs or (), replace=replace)
            for (pid, ver), pol in base.versions.items():
                if (pid, ver) not in policies.versions:
                    known.add(pol, base.sources.get((pid, ver), ""))
        except PolicySetError as exc:
            problems.extend(exc.rule_messages)
        for (_, _), pol in policies.versions.items():
            known.add(pol)
        for source, data in contracts:
            try:
                reg = tenants_from_data(data, known, source)
                ok.append(f"ok: {source}: {len(reg)} tenant contract(s)")
            except PolicyLoadError as exc:
                problems.extend(exc.rule_messages)
    return ok, problems


@policy_app.command("check")
def check_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            parser=_checkable,
            metavar="PATHS",
            help="Policy files or directories (tenant contracts too).",
        ),
    ],
    policies: PoliciesDirs = None,
    replace_policies: ReplacePolicies = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print problems only.")] = False,
) -> None:
    """Validate policy files; exit 1 listing every problem as FILE: PATH: PROBLEM."""
    ok, problems = check_paths(paths, policies, replace_policies)
    if not quiet:
        for line in ok:
            typer.echo(line)
    for line in problems:
        typer.echo(line)
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)


# --------------------------------------------------------------------------------------------
# policy show
# --------------------------------------------------------------------------------------------


def _get_policy(
    dirs: list[Path] | None, replace: bool, policy_id: str, version: str | None = None
) -> Policy:
    from streams.cli.policies import one

    return one(policy_id, version, dirs, replace)  # type: ignore[no-any-return]


def _hours_text(spec: dict[str, Any] | str) -> str:
    if isinstance(spec, str):
        return spec
    hours = spec.get("hours")
    if isinstance(hours, dict):
        return "; ".join(f"{day} {', '.join(map(str, wins))}" for day, wins in hours.items())
    return str(hours)


def _target_text(spec: TargetSpec | None, default_cal: str) -> tuple[str, str, str]:
    if spec is None:
        return "—", "—", "(no clock)"
    return (
        str(spec.hard) if spec.hard else "—",
        str(spec.soft) if spec.soft else "—",
        spec.calendar or default_cal,
    )


@policy_app.command("show")
def show_cmd(
    policy_id: Annotated[str, typer.Argument(metavar="ID", help="Policy id, e.g. bokumo-ict.")],
    version: Annotated[
        str | None, typer.Option("--version", help="A specific loaded version.")
    ] = None,
    policies: PoliciesDirs = None,
    replace_policies: ReplacePolicies = False,
) -> None:
    """Show a policy as tables: calendars, priorities, clocks and targets, options."""
    from rich.console import Console
    from rich.table import Table

    from models.durations import format_wall

    policy = _get_policy(policies, replace_policies, policy_id, version)
    # the policy's own text (names, brackets in "[kritiek]") is printed as it is, not read
    # as rich markup
    console = Console(markup=False)
    console.print(f"{policy.id} version {policy.version} — {policy.name or ''}", style="bold")
    console.print(f"time zone {policy.timezone.key}; {policy.source}")

    cals = Table(title="Calendars")
    for col in ("name", "hours", "holidays", "overrides", "workday"):
        cals.add_column(col)
    for name, spec in policy.calendars.items():
        raw = spec if isinstance(spec, dict) else {}
        hol = raw.get("holidays")
        hol_text = (
            f"{hol.get('country')} {','.join(hol.get('categories', ['public']))}"
            if isinstance(hol, dict)
            else "—"
        )
        ovs = raw.get("overrides") or []
        ov_text = (
            "; ".join(
                f"{o.get('on')} {','.join(o.get('hours', [])) or 'closed'}"
                + (" (if workday)" if o.get("only_if_workday") else "")
                for o in ovs
                if isinstance(o, dict)
            )
            or "—"
        )
        wh = policy.calendar(name).workday_hours
        cals.add_row(name, _hours_text(spec), hol_text, ov_text, f"{wh:g} h" if wh else "—")
    console.print(cals)

    scheme = policy.priority
    if scheme is not None:
        if scheme.matrix is not None:
            m = scheme.matrix
            pt = Table(title="Priority matrix (impact × urgency → level)")
            pt.add_column("impact \\ urgency")
            for u in m.urgencies:
                pt.add_column(u)
            for i in m.impacts:
                pt.add_row(i, *(m.cells.get(f"{i}/{u}", "?") for u in m.urgencies))
            console.print(pt)
        extra = f"; aliases {scheme.aliases}" if scheme.aliases else ""
        console.print(f"Levels (strictest first): {', '.join(scheme.levels)}{extra}")

    for key, rule in policy.clocks.items():
        name = rule.clock or key
        label = name if name == key else f"{name} (rule {key})"
        applies = []
        if rule.applies.kinds is not None:
            applies.append("kinds " + ", ".join(rule.applies.kinds))
        if rule.applies.channels is not None:
            applies.append("channels " + ", ".join(rule.applies.channels))
        applies.extend(str(c) for c in rule.applies.attributes)
        thresholds = rule.thresholds if rule.thresholds is not None else policy.defaults.thresholds
        pauses = (
            rule.pause_statuses
            if rule.pause_statuses is not None
            else policy.defaults.pause_statuses
        )
        tt = Table(title=f"Clock {label}", title_justify="left")
        for col in ("priority / cell", "level", "hard (breach)", "soft (warning)", "calendar"):
            tt.add_column(col)
        rows: list[tuple[str, TargetSpec | None]] = []
        if rule.targets is not None:
            rows.extend(rule.targets.items())
        elif rule.target is not None:
            rows.append(("all", rule.target))
        for oname, opt in policy.options.items():
            for eff in opt.effects:
                if eff.target is not None and (eff.clocks is None or key in eff.clocks):
                    rows.append((f"{oname} = {eff.when}", eff.target))
        if not rows:
            rows.append(("all", None))
        cells = scheme.matrix.cells if scheme is not None and scheme.matrix is not None else {}
        for prio, spec in rows:
            hard, soft, cal = _target_text(spec, rule.calendar)
            if spec is None and rule.escalations:
                cal = rule.calendar
            tt.add_row(prio, cells.get(prio, ""), hard, soft, cal)
        console.print(tt)
        console.print(
            f"  applies to: {'; '.join(applies) or 'every ticket'}"
            f"{'; starts at reported_at' if rule.starts_at == 'reported' else ''}\n"
            f"  warnings at: {', '.join(f'{t:g}' for t in thresholds) or 'none'}"
            f" of the target; escalations: "
            f"{', '.join(f'{e.level} at {e.at}' for e in rule.escalations) or 'none'}\n"
            f"  stops on: {', '.join(rule.stop_on)}"
            f"{'; resumes on ' + ', '.join(rule.resume_on) if rule.resume_on else ''}; "
            f"pauses in: {', '.join(pauses) or 'none'}",
            highlight=False,
        )

    if policy.options:
        ot = Table(title="Options")
        for col in ("option", "values", "default", "effect"):
            ot.add_column(col)
        for name, opt in policy.options.items():
            effects = "; ".join(
                f"{eff.when}: "
                + (f"{','.join(eff.clocks)} " if eff.clocks else "")
                + (f"[{','.join(eff.priorities)}] " if eff.priorities else "")
                + (f"on {eff.calendar} " if eff.calendar else "")
                + (f"target {eff.target.describe()}" if eff.target else "")
                for eff in opt.effects
            )
            values = ",".join(opt.choices) if opt.choices else "true,false"
            default = "required" if opt.required else str(opt.default)
            ot.add_row(name, values, default, effects)
        console.print(ot)

    if policy.availability or policy.heartbeats:
        at = Table(title="Availability and heartbeats")
        for col in ("what", "target", "measured on", "exclusions"):
            at.add_column(col)
        for av in policy.availability:
            excl = list(av.excluded_causes) + [
                ("" if r.excluded else "not ") + "/".join(r.kinds) + " maintenance"
                for r in av.maintenance
            ]
            at.add_row(
                av.name, f"≥ {av.target_percent:g} % per month", av.calendar, ", ".join(excl) or "—"
            )
        for hb in policy.heartbeats:
            at.add_row(
                f"heartbeat {hb.check}",
                f"every {format_wall(hb.max_interval)}",
                "wall clock",
                "—",
            )
        console.print(at)


# --------------------------------------------------------------------------------------------
# schema
# --------------------------------------------------------------------------------------------


@app.command("schema")
def schema_cmd(
    kind: Annotated[str, typer.Argument(metavar="{policy,events,signals,tenants}")],
) -> None:
    """Print a JSON Schema: policy files, incoming events, outgoing signals or tenants.

    The schemas are JSON Schema 2020-12, for integrators and editors.
    """
    from models.schemas import SCHEMA_KINDS, json_schema

    if kind not in SCHEMA_KINDS:
        raise BadInput(f"unknown schema {kind!r}; choose one of {', '.join(SCHEMA_KINDS)}")
    typer.echo(json.dumps(json_schema(kind), indent=2, ensure_ascii=False))


# --------------------------------------------------------------------------------------------
# deadline
# --------------------------------------------------------------------------------------------


def parse_assignments(items: list[str], what: str, typed: bool = True) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` (with ``typed``, values are read as JSON
    scalars when they are; otherwise they stay text, e.g. option values)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{what} {item!r} is not key=value; write e.g. {what} name=value")
        parsed: Any = value
        if typed:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value
            if isinstance(parsed, dict | list) or parsed is None:
                parsed = value
        out[key.strip()] = parsed
    return out


def _kind(text: str) -> str:
    value = text.strip().lower()
    if value not in KINDS:
        raise typer.BadParameter(f"{text!r} is not a ticket kind; kinds: {', '.join(KINDS)}")
    return value


def _channel(text: str) -> str:
    value = text.strip().lower()
    if value not in CHANNELS:
        raise typer.BadParameter(f"{text!r} is not a channel; channels: {', '.join(CHANNELS)}")
    return value


class NotApplicable(CliError, LookupError):
    """The asked clock does not apply to that ticket (exit 3: not a mistake, an answer)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_NOT_APPLICABLE)


def deadline_result(
    policy: Policy,
    clock: str,
    start: datetime,
    facts: TicketFacts,
    options: dict[str, Any],
) -> tuple[ClockPlan, Any]:
    """The plan of ``clock`` for that ticket and its projection. Raises the policy's
    :class:`~models.errors.PolicyError` (unknown clock, priority, option: exit 2) or
    :class:`NotApplicable` (exit 3)."""
    from streams.engine.targets import project

    rule = policy.rule_for(clock, facts)
    plans = policy.plan(facts, options, clocks=[clock])
    name = clock.lower()
    plan = next((p for p in plans if p.clock == name), None)
    if plan is None:
        ticket = facts.kind + (f" ticket via {facts.channel}" if facts.channel else " ticket")
        article = "an" if ticket[0] in "aeiou" else "a"
        if rule is None:
            raise NotApplicable(
                f"clock {name} does not apply to {article} {ticket} under policy {policy.id}"
            )
        level, cell = policy.resolve_priority(facts)
        prio = level or "(none)"
        if cell and (facts.impact or facts.urgency):
            prio += f" (cell {cell})"
        raise NotApplicable(
            f"clock {name} does not apply to {article} {ticket} with priority {prio} under "
            f"policy {policy.id}: the policy sets no target for that priority"
        )
    return plan, project(policy, plan, start)


def _signal_json(sig: Any, tz: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": sig.type, "at": sig.at.astimezone(tz).isoformat()}
    if getattr(sig, "threshold", None) is not None:
        out["threshold"] = sig.threshold
    if getattr(sig, "tier", None) is not None:
        out["tier"] = sig.tier
    if getattr(sig, "level", None) is not None:
        out["level"] = sig.level
    return out


@app.command("deadline")
def deadline_cmd(
    policy_id: Annotated[str, typer.Option("--policy", help="Policy id, e.g. bokumo-ict.")],
    clock: Annotated[str, typer.Option("--clock", help="Clock name, e.g. response.")],
    start: Annotated[
        datetime,
        typer.Option(
            "--start", parser=instant, metavar="ISO", help="Clock start, ISO 8601 with offset."
        ),
    ],
    priority: Annotated[str | None, typer.Option("--priority", help="Direct level.")] = None,
    impact: Annotated[str | None, typer.Option("--impact", help="Matrix impact.")] = None,
    urgency: Annotated[str | None, typer.Option("--urgency", help="Matrix urgency.")] = None,
    kind: Annotated[
        str, typer.Option("--kind", parser=_kind, help=f"Ticket kind: {', '.join(KINDS)}.")
    ] = "incident",
    channel: Annotated[
        str | None,
        typer.Option("--channel", parser=_channel, help=f"Channel: {', '.join(CHANNELS)}."),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option", metavar="KEY=VALUE", help="Contract option key=value (repeatable)."
        ),
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            "--attribute", metavar="KEY=VALUE", help="Ticket attribute key=value, e.g. cvss=9.8."
        ),
    ] = None,
    policy_version: Annotated[
        str | None, typer.Option("--policy-version", help="A specific loaded version.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print deadline and signals.")] = False,
    policies: PoliciesDirs = None,
    replace_policies: ReplacePolicies = False,
) -> None:
    """Print a clock's breach deadline for a ticket (ISO 8601, policy time zone).

    With --json: every warning, escalation and breach instant the clock would fire if never
    paused or stopped. Exit 3 when the clock does not apply to that ticket, 2 on bad input.
    """
    from models.plan import TicketFacts

    if priority is not None and (impact is not None or urgency is not None):
        raise BadInput("give either --priority or --impact with --urgency, not both")
    options = parse_assignments(option or [], "--option", typed=False)
    attributes = parse_assignments(attribute or [], "--attribute")
    policy = _get_policy(policies, replace_policies, policy_id, policy_version)
    facts = TicketFacts(
        kind=kind,
        channel=channel,
        priority=priority,
        impact=impact,
        urgency=urgency,
        attributes=attributes,
    )
    plan, proj = deadline_result(policy, clock, start, facts, options)
    tz = policy.timezone
    deadline = proj.deadline.astimezone(tz).isoformat() if proj.deadline else None
    if as_json:
        doc = {"deadline": deadline, "signals": [_signal_json(s, tz) for s in proj.signals]}
        typer.echo(json.dumps(doc))
        return
    if deadline is None:
        soft = f"; soft target {plan.soft}" if plan.soft else ""
        typer.echo("none")
        typer.echo(f"note: clock {plan.clock} has no breach target{soft}", err=True)
        return
    typer.echo(deadline)
