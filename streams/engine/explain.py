""" "Why was this the deadline?": a readable account of a ticket's clocks, for disputes.

For each clock: the policy version and plan it runs under (priority, matrix cell, calendar,
targets), its start and business-aligned start, the pauses and stops, the calendar segments
counted, the holidays and special days it skipped, and the resulting deadline.

A clock that has stopped is shown *as it stood when it stopped*, with the plan its verdict
was given under: a later change of the ticket's facts (a priority raised after the response,
say) re-plans the ticket, but does not move a verdict already given. The engine's state keeps
the latest facts only, so that account comes from the ticket's own events
(:func:`ticket_events`) applied again to an engine of the same registry, up to each stop. A
ticket's state depends on its own events and time only, so the copy is exact.

Plain text for people: instants in the policy's zone, durations as ``7h30m``, no Python
values (``None``, dicts) in the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from calendars.timeline import us_of
from models.durations import format_wall
from streams.engine.engine import Engine
from streams.engine.errors import RejectedEvent
from streams.engine.signal import dt as _dt
from streams.engine.state import ClockState, TicketState
from streams.engine.targets import track_calendar


class TicketEventLike(Protocol):
    """What :func:`explain_ticket` reads of an event (a :class:`models.events.TicketEvent`)."""

    tenant: str
    ticket_id: str
    at: datetime


def ticket_events(lines: Iterable[bytes | str], key: str) -> list[Any]:
    """The valid events of ticket ``key`` (``tenant:ticket_id``) among JSON lines, in the
    order a replay applies them (instant, then line). Lines that do not parse are skipped
    (the replay dead-lettered them)."""
    from models.errors import EventError
    from models.events import TicketEvent, parse_event

    tenant, _, ticket = key.partition(":")
    needle = ticket.encode()
    found: list[tuple[int, int, Any]] = []
    for lineno, raw in enumerate(lines):
        data = raw if isinstance(raw, bytes) else raw.encode()
        if needle not in data:  # (cheap: most lines are other tickets')
            continue
        try:
            ev = parse_event(raw)
        except EventError:
            continue
        if isinstance(ev, TicketEvent) and ev.tenant == tenant and ev.ticket_id == ticket:
            found.append((us_of(ev.at), lineno, ev))
    found.sort(key=lambda x: (x[0], x[1]))
    return [ev for _, _, ev in found]


def explain_ticket(
    engine: Engine, key: str, events: Sequence[TicketEventLike] | None = None
) -> str:
    """The account of ticket ``key``'s clocks as ``engine`` holds them. ``events`` (the
    ticket's events, :func:`ticket_events`) let a stopped clock be shown as it stood when it
    stopped; without them it is shown under the ticket's current plan."""
    ticket = engine.tickets.get(key)
    if ticket is None:
        return f"{key}: no such ticket"
    policy = engine.policy_of(ticket)
    tz = policy.timezone
    stopped_views = _views_at_stops(engine, key, events) if events else {}
    lines = [
        f"ticket {key} — policy {ticket.policy} version {ticket.version}"
        + (f", options {_pairs(ticket.options, '=')}" if ticket.options else ""),
        f"  facts: {_pairs(ticket.facts)}",
        f"  created {_fmt(ticket.created_us, tz)}"
        + (
            f", reported {_fmt(ticket.reported_us, tz)}"
            if ticket.reported_us != ticket.created_us
            else ""
        )
        + f"; {ticket.phase}",
    ]
    if len(ticket.status_log) > 1 or (ticket.status_log and ticket.status_log[0][1]):
        lines.append(
            "  status history: "
            + "; ".join(f"{_fmt(t, tz)} {s or '(no status)'}" for t, s in ticket.status_log)
        )
    now = max(ticket.last_us, engine.now_us or 0)
    for name, clock in ticket.clocks.items():
        view = stopped_views.get(name)
        if clock.stopped and view is not None and view[0] == clock.stops[-1][0]:
            lines.extend(view[1])
            if not clock.active or view[2] != _plan_key(engine, ticket, name):
                lines.append(
                    "    (the ticket's facts changed after it stopped: its verdict stands, "
                    "under the plan above)"
                )
            continue
        if not clock.active:
            lines.append(f"  clock {name}: not applicable under the current facts")
            continue
        lines.extend(_clock_lines(engine, ticket, name, clock, now))
    return "\n".join(lines)


def _views_at_stops(
    engine: Engine, key: str, events: Sequence[TicketEventLike]
) -> dict[str, tuple[int, list[str], Any]]:
    """Per clock: ``(stop instant, its account at that instant, its plan then)`` of its last
    stop, from ``events`` applied again to an engine of ``engine``'s registry."""
    replica = Engine(engine.registry)
    views: dict[str, tuple[int, list[str], Any]] = {}
    for ev in events:
        try:
            replica.apply(ev)
        except RejectedEvent:
            continue  # dead-lettered in the run being explained too
        ticket = replica.tickets.get(key)
        if ticket is None:
            continue
        for name, clock in ticket.clocks.items():
            if not clock.stopped:
                continue
            stop = clock.stops[-1][0]
            if name not in views or views[name][0] != stop:
                views[name] = (
                    stop,
                    _clock_lines(replica, ticket, name, clock, stop),
                    _plan_key(replica, ticket, name),
                )
    return views


def _plan_key(engine: Engine, ticket: TicketState, name: str) -> Any:
    """What identifies a clock's plan across engines (``None``: not in the current plan)."""
    plan = engine.plans.ticket_rules(ticket).by_name.get(name)
    if plan is None:
        return None
    return (plan.priority, plan.cell, plan.calendar, str(plan.hard), str(plan.soft))


def _clock_lines(
    engine: Engine, ticket: TicketState, name: str, clock: ClockState, now: int
) -> list[str]:
    policy = engine.policy_of(ticket)
    tz = policy.timezone
    plan = engine.plan_of(ticket, name)
    sch = engine.schedule_of(ticket, clock)
    cal = policy.calendar(plan.calendar)
    targets = (
        ", ".join(f"{label} {t}" for label, t in (("hard", plan.hard), ("soft", plan.soft)) if t)
        or "no target"
    )
    lines = [
        f"  clock {name}: priority {plan.priority or '(none)'}"
        + (f" (cell {plan.cell})" if plan.cell else "")
        + f", calendar {plan.calendar}, {targets}",
        f"    started {_fmt(clock.start_us, tz)}, counts from {_fmt(clock.origin_us, tz)}"
        f" (pauses on {', '.join(sorted(plan.pause_statuses)) or 'nothing'})",
    ]
    for stop, resume in clock.stops:
        lines.append(
            f"    stopped {_fmt(stop, tz)}" + (f", resumed {_fmt(resume, tz)}" if resume else "")
        )
    intervals = engine.intervals_of(ticket, clock, now)
    goal = sch.hard or sch.soft
    track_cal = track_calendar(policy, goal.track) if goal else cal
    counted = timedelta(0)
    for a, b in intervals:
        for seg in track_cal.explain(_dt(a), _dt(b)):
            counted += seg.duration
            lines.append(
                f"    counted {seg.start.isoformat()} → {seg.end.isoformat()} "
                f"({format_wall(seg.duration)}, {seg.reason})"
            )
    if intervals:
        for day in cal.closed_days(_dt(intervals[0][0]), _dt(intervals[-1][1])):
            lines.append(f"    skipped {day}")
    lines.append(f"    counted: {format_wall(counted)} (as of {_fmt(now, tz)})")
    if goal is not None:
        lines.append(
            f"    deadline: {_deadline(engine, ticket, clock, plan, goal, now, track_cal)}"
        )
    if sch.same_day_us is not None:
        lines.append(f"    same-day escalation at {_fmt(sch.same_day_us, tz)}")
    lines.append(
        f"    fired: {', '.join(clock.fired) or ('nothing' if clock.stopped else 'nothing yet')}"
    )
    return lines


def _deadline(
    engine: Engine,
    ticket: TicketState,
    clock: ClockState,
    plan: Any,
    goal: Any,
    now: int,
    track_cal: Any,
) -> str:
    """The deadline line: when the counted time reaches the target (past or projected), and
    the clock's state; a stopped clock's deadline as it stood at the stop, with its verdict."""
    tz = engine.policy_of(ticket).timezone
    due = engine.instant(ticket, clock, goal.track, goal.need, now)
    if not clock.stopped:
        state = "paused" if clock.paused else "running"
        when = _fmt(due, tz) if due is not None else "not reached (paused before it)"
        return f"{when} — {state}"
    acc = clock.acc.get(goal.track, 0)
    stop = clock.stops[-1][0]
    key = "breach" if plan.hard is not None else "warning:soft"
    missed = acc > goal.need or (acc == goal.need and key in clock.fired)
    if due is None and not clock.paused:  # as it stood: projected from the stop
        due = track_cal.add_us(max(stop, clock.origin_us), goal.need - acc)
    when = _fmt(due, tz) if due is not None else "not reached (paused when it stopped)"
    return f"{when} — stopped {_fmt(stop, tz)}, {'missed' if missed else 'met'}"


def _fmt(us: int | None, tz: Any) -> str:
    return "—" if us is None else _dt(us).astimezone(tz).isoformat()


def _pairs(values: dict[str, Any], sep: str = " ") -> str:
    """``{"kind": "incident", "attributes": {"cvss": 9.8}}`` -> ``kind incident, cvss 9.8``:
    the values that are set, as words."""
    out = []
    for k, v in values.items():
        if k == "attributes" and isinstance(v, dict):
            out.extend(f"{a}{sep}{_word(x)}" for a, x in v.items())
        elif v is not None:
            out.append(f"{k}{sep}{_word(v)}")
    return ", ".join(out) or "none"


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "/".join(_word(v) for v in value)
    return str(value)
