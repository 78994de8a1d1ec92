"""Why that deadline: a breach of a report, explained from what slawatch published.

A service manager disputing a breach needs the target and calendar it ran under, the
stretches of business time that counted towards it, the pauses that did not, and the
priority it had along the way. All of it comes from the clock's ``sla.clock-states`` record
(start, stops, the ticket's status history, the pausing statuses, the target and its
calendar: :mod:`streams.reports.records`) and its signals (each carries the priority it was
fired under), so a report read from the analytics sink explains a breach exactly as one
computed from the events file does.

The counted stretches are the clock's running time from its start to the breach (pauses and
stops taken out), split by the target calendar's opening periods
(:meth:`calendars.BusinessCalendar.explain`: one per local day and window, with the rule that
opened it); a ``weeks``/``months`` target counts wall-clock time (R3), so its stretches are
the running intervals themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from calendars.timeline import EPOCH
from models.policy import Policy
from models.report import Breach, Pause, PriorityChange, Segment
from streams.reports.outcomes import ClockRow, SignalRow, TierOutcome

#: at most this many counted stretches are listed per breach (a 3-month target has ~65)
MAX_SEGMENTS = 40


def _dt(us: int) -> Any:
    return EPOCH + timedelta(microseconds=us)


def _pauses(rec: ClockRow, until: int) -> list[tuple[int, int | None, str]]:
    """The ticket's pausing statuses from the clock's start until ``until``."""
    start = rec.started_us or 0
    out: list[tuple[int, int | None, str]] = []
    log = list(rec.status_log)
    for i, (at, status) in enumerate(log):
        if status is None or status not in rec.pause_statuses:
            continue
        end = log[i + 1][0] if i + 1 < len(log) else None
        a = max(at, start)
        b = end if end is None else min(end, until)
        if a >= until or (b is not None and b <= a):
            continue
        out.append((a, b, status))
    return out


def _running(rec: ClockRow, until: int) -> list[tuple[int, int]]:
    """The clock's running intervals in ``[start, until)``: its time minus pauses and stops."""
    start = rec.started_us
    if start is None or until <= start:
        return []
    cuts = [(a, until if b is None else b) for a, b, _ in _pauses(rec, until)]
    cuts += [(a, until if b is None else min(b, until)) for a, b in rec.stops if a < until]
    cuts.sort()
    out = []
    at = start
    for a, b in cuts:
        if a > at:
            out.append((at, min(a, until)))
        at = max(at, b)
    if at < until:
        out.append((at, until))
    return out


def _wall_target(target: str | None) -> bool:
    return target is not None and target.split()[-1] in ("week", "weeks", "month", "months")


def _history(sigs: Sequence[SignalRow]) -> list[PriorityChange]:
    out: list[PriorityChange] = []
    for s in sigs:
        if not out or (out[-1].priority, out[-1].cell) != (s.priority, s.cell):
            out.append(PriorityChange(at=_dt(s.at_us), priority=s.priority, cell=s.cell))
    return out


def _hm(seconds: float) -> str:
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m = rest // 60
    return f"{h}h{m:02d}m" if h else f"{m}m"


def explain_breach(o: TierOutcome, sigs: Sequence[SignalRow], policy: Policy) -> Breach:
    """The :class:`Breach` of a missed hard tier, with its explanation."""
    assert o.at_us is not None and o.signal is not None
    rec = o.record
    tz = policy.timezone
    breached = o.at_us
    same_plan = rec is not None and rec.priority == o.priority and rec.cell == o.cell
    target = rec.hard_target if rec is not None and same_plan else None
    calendar = rec.hard_calendar if rec is not None and same_plan else None
    segments: list[Segment] = []
    pauses: list[Pause] = []
    paused_s: float | None = None
    if rec is not None and rec.started_us is not None:
        pauses = [
            Pause(start=_dt(a), end=None if b is None else _dt(b), status=s)
            for a, b, s in _pauses(rec, breached)
        ]
        running = _running(rec, breached)
        cal = None
        if calendar is not None and not _wall_target(target):
            try:
                cal = policy.calendar(calendar)
            except Exception:  # a calendar the current policy version no longer has
                cal = None
        for a, b in running:
            if cal is None:
                if _wall_target(target):
                    segments.append(
                        Segment(
                            start=_dt(a).astimezone(tz),
                            end=_dt(b).astimezone(tz),
                            seconds=(b - a) / 1e6,
                            rule="wall-clock time (weeks/months target, R3)",
                        )
                    )
                continue
            for seg in cal.explain(_dt(a), _dt(b)):
                segments.append(
                    Segment(
                        start=seg.start,
                        end=seg.end,
                        seconds=seg.duration.total_seconds(),
                        rule=seg.reason,
                    )
                )
        if cal is not None:
            paused_s = sum(
                cal.elapsed_us(a, breached if b is None else b) / 1e6
                for a, b, _ in _pauses(rec, breached)
            )
        elif _wall_target(target):
            paused_s = sum(
                ((breached if b is None else b) - a) / 1e6 for a, b, _ in _pauses(rec, breached)
            )
    counted = o.signal.elapsed_business_seconds
    history = _history(sigs)
    loc = lambda us: _dt(us).astimezone(tz).strftime("%a %d %b %Y %H:%M")  # noqa: E731
    parts = [
        f"{o.clock} clock of {o.kind or 'ticket'} {o.ticket_id}, priority {o.priority or '—'}"
        + (f" (cell {o.cell})" if o.cell else "")
        + f", policy {policy.id} {o.signal.policy_version}"
    ]
    if target:
        parts.append(f"target {target} on calendar {calendar}")
    if rec is not None and rec.started_us is not None:
        parts.append(f"started {loc(rec.started_us)}")
    if segments:
        shown = sum(s.seconds for s in segments)
        parts.append(f"{len(segments)} stretch(es) of open time counted ({_hm(shown)})")
    if pauses:
        what = ", ".join(sorted({p.status for p in pauses}))
        parts.append(
            f"paused {len(pauses)}×"
            + (f" ({_hm(paused_s)} of open time)" if paused_s is not None else "")
            + f" while {what}"
        )
    if len(history) > 1:
        parts.append(
            "priority "
            + " → ".join(h.priority or "—" for h in history)
            + " (as its signals carried it)"
        )
    deadline = o.signal.deadline_us
    parts.append(
        f"deadline {loc(deadline) if deadline is not None else '—'}, missed at {loc(breached)}"
    )
    if o.stopped_us is not None:
        parts.append(f"stopped {loc(o.stopped_us)}")
    return Breach(
        ticket_id=o.ticket_id,
        clock=o.clock,
        kind=o.kind,
        priority=o.priority,
        cell=o.cell,
        policy_version=o.signal.policy_version,
        started_at=None if rec is None or rec.started_us is None else _dt(rec.started_us),
        deadline=None if deadline is None else _dt(deadline),
        breached_at=_dt(breached),
        stopped_at=None if o.stopped_us is None else _dt(o.stopped_us),
        target=target,
        calendar=calendar,
        counted_seconds=counted,
        paused_seconds=paused_s,
        segments=segments[:MAX_SEGMENTS],
        pauses=pauses,
        priority_history=history,
        explanation="; ".join(parts) + ".",
    )
