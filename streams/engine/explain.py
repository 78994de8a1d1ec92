""" "Why was this the deadline?": a readable account of a ticket's clocks, for disputes.

For each clock: the policy version and plan it runs under (priority, matrix cell, calendar,
targets), its start and business-aligned start, the pauses and stops, the calendar segments
counted, the holidays and special days it skipped, and the resulting deadline.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from streams.engine.engine import Engine
from streams.engine.signal import dt as _dt
from streams.engine.targets import track_calendar


def _fmt(us: int | None, tz) -> str:
    return "—" if us is None else _dt(us).astimezone(tz).isoformat()


def explain_ticket(engine: Engine, key: str) -> str:
    ticket = engine.tickets.get(key)
    if ticket is None:
        return f"{key}: no such ticket"
    policy = engine.policy_of(ticket)
    tz = ZoneInfo(str(policy.timezone))
    lines = [
        f"ticket {key} — policy {ticket.policy} v{ticket.version}, options {ticket.options or {}}",
        f"  facts: {ticket.facts}",
        f"  created {_fmt(ticket.created_us, tz)}; reported {_fmt(ticket.reported_us, tz)};"
        f" phase {ticket.phase}",
    ]
    if len(ticket.status_log) > 1 or (ticket.status_log and ticket.status_log[0][1]):
        lines.append(
            "  status history: " + "; ".join(f"{_fmt(t, tz)} {s}" for t, s in ticket.status_log)
        )
    now = max(ticket.last_us, engine.now_us or 0)
    for name, clock in ticket.clocks.items():
        if not clock.active:
            lines.append(f"  clock {name}: not applicable under the current facts")
            continue
        plan = engine.plan_of(ticket, name)
        sch = engine.schedule_of(ticket, clock)
        cal = policy.calendar(plan.calendar)
        targets = (
            ", ".join(
                f"{label} {t}" for label, t in (("hard", plan.hard), ("soft", plan.soft)) if t
            )
            or "no target"
        )
        lines.append(
            f"  clock {name}: priority {plan.priority or '—'}"
            + (f" (cell {plan.cell})" if plan.cell else "")
            + f", calendar {plan.calendar}, {targets}"
        )
        lines.append(
            f"    started {_fmt(clock.start_us, tz)}, counts from {_fmt(clock.origin_us, tz)}"
            f" (pauses on {', '.join(sorted(plan.pause_statuses)) or 'nothing'})"
        )
        for stop, resume in clock.stops:
            lines.append(
                f"    stopped {_fmt(stop, tz)}"
                + (f", resumed {_fmt(resume, tz)}" if resume else "")
            )
        intervals = engine.intervals_of(ticket, clock, now)
        goal = sch.hard or sch.soft
        track_cal = track_calendar(policy, goal.track) if goal else cal
        counted = timedelta(0)
        for a, b in intervals:
            for seg in track_cal.explain(_dt(a), _dt(b)):
                counted += seg.duration
                lines.append(f"    counted {seg}")
        if intervals:
            for day in cal.closed_days(_dt(intervals[0][0]), _dt(intervals[-1][1])):
                lines.append(f"    skipped {day}")
        lines.append(f"    counted so far: {counted} (as of {_fmt(now, tz)})")
        if goal is not None:
            due = engine.instant(ticket, clock, goal.track, goal.need, now)
            state = "stopped" if clock.stopped else "paused" if clock.paused else "running"
            lines.append(
                f"    deadline: {_fmt(due, tz) if due else 'open (paused or stopped before it)'}"
                f" — {state}"
            )
        if sch.same_day_us is not None:
            lines.append(f"    same-day escalation at {_fmt(sch.same_day_us, tz)}")
        lines.append(f"    fired: {', '.join(clock.fired) or 'nothing yet'}")
    return "\n".join(lines)
