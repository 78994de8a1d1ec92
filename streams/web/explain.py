""" "Why this deadline?" for one clock, from its record in the read model.

``slawatch replay --explain`` (:mod:`streams.engine.explain`) explains a ticket from its
events. The board has no events: it has each clock's latest ``sla.clock-states`` record,
which carries the clock's full state (:class:`streams.engine.state.ClockState`). That is
enough for the part a person on shift disputes — how the deadline follows from the time
counted so far:

    counted on track C up to R (the state's ``acc`` at ``running_since``)
    + the open periods of calendar C from R to the deadline
    = the target

so the explanation lists those periods (and the closed days skipped among them) with the
calendar's own arithmetic (:meth:`calendars.BusinessCalendar.explain`), and says whether
they add up. It also rebuilds the clock's plan from the policy (priority and matrix cell
from the record; the ticket's kind from the record when it has ``ticket_kind``, else each
kind the policy's rules name; the tenant's options) and keeps the plans whose business-aligned
start and goal reproduce the recorded state and deadline: exactly one such plan names the
contract's target, and the explanation is then *verified*. Anything it cannot establish
(a policy this board does not know, a deadline reached before the clock's last restart,
a clock paused or stopped) it says, and points to ``slawatch replay --explain``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from calendars.errors import SlawatchError
from calendars.timeline import us_of
from models.plan import ClockPlan, TicketFacts
from streams.engine import schedule
from streams.engine.targets import WALL, track_calendar
from streams.web.history import instant

__all__ = ["Contracts", "Explanation", "Period", "explain_record"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PolicyLike(Protocol):
    """What the explanation reads of a :class:`models.policy.Policy`."""

    @property
    def timezone(self) -> Any: ...

    @property
    def clocks(self) -> Mapping[str, Any]: ...

    def calendar(self, name: str) -> Any: ...

    def plan(
        self, facts: TicketFacts, options: Mapping[str, Any] | None = None, *, clocks: Any = None
    ) -> tuple[ClockPlan, ...]: ...


class Contracts(Protocol):
    """The policies and tenant options the board knows (:class:`streams.web.board.Known`)."""

    def policy(self, policy_id: str, version: str) -> PolicyLike | None: ...

    def options(self, tenant: str) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Period:
    """One open period counted towards the deadline, and the rule that opened it."""

    start: datetime
    end: datetime
    reason: str

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Explanation:
    """The account of one clock's deadline (see the module doc); ``to_dict`` is its JSON."""

    ticket_id: str
    clock: str
    status: str
    policy: str
    policy_version: str
    priority: str | None
    cell: str | None
    tier: str | None
    deadline: datetime | None
    started_at: datetime | None = None
    counts_from: datetime | None = None
    target: str | None = None
    calendar: str | None = None
    pause_statuses: tuple[str, ...] = ()
    stops: tuple[tuple[datetime, datetime | None], ...] = ()
    counted_before: float | None = None  # seconds counted up to ``since``
    since: datetime | None = None
    periods: tuple[Period, ...] = ()
    closed_days: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()
    adds_up: bool = False  # counted_before + the periods = the goal, to the second
    verified: bool = False  # … and the goal is the contract's target (one plan fits)
    notes: tuple[str, ...] = field(default=())

    @property
    def counted_total(self) -> float | None:
        if self.counted_before is None:
            return None
        return self.counted_before + sum(p.seconds for p in self.periods)

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "ticket_id": self.ticket_id,
            "clock": self.clock,
            "status": self.status,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "priority": self.priority,
            "cell": self.cell,
            "tier": self.tier,
            "target": self.target,
            "calendar": self.calendar,
            "deadline": iso(self.deadline),
            "started_at": iso(self.started_at),
            "counts_from": iso(self.counts_from),
            "pause_statuses": list(self.pause_statuses),
            "stops": [[iso(a), iso(b)] for a, b in self.stops],
            "counted_before_seconds": self.counted_before,
            "since": iso(self.since),
            "periods": [
                {"start": iso(p.start), "end": iso(p.end), "seconds": p.seconds, "reason": p.reason}
                for p in self.periods
            ],
            "counted_total_seconds": self.counted_total,
            "closed_days": list(self.closed_days),
            "fired": list(self.fired),
            "adds_up": self.adds_up,
            "verified": self.verified,
            "notes": list(self.notes),
        }


def _at(us: Any) -> datetime | None:
    return None if not isinstance(us, int) else _EPOCH + timedelta(microseconds=us)


def explain_record(record: Mapping[str, Any], contracts: Contracts) -> Explanation:
    """The explanation of one clock record (``sla.clock-states``, a ticket clock)."""
    state = record.get("state") if isinstance(record.get("state"), Mapping) else None
    base = {
        "ticket_id": str(record.get("ticket_id")),
        "clock": str(record.get("clock")),
        "status": str(record.get("status")),
        "policy": str(record.get("policy")),
        "policy_version": str(record.get("policy_version")),
        "priority": record.get("priority"),
        "cell": record.get("cell"),
        "tier": record.get("tier"),
        "deadline": instant(record.get("deadline")),
        "started_at": instant(record.get("started_at")),
        "fired": tuple(str(f) for f in record.get("fired") or ()),
    }
    if state is None:
        return Explanation(**base, notes=("the record carries no clock state",))
    origin = _at(state.get("origin_us"))
    stops = tuple((_at(a), _at(b)) for a, b in state.get("stops") or () if _at(a) is not None)
    base.update(counts_from=origin, stops=stops)  # type: ignore[arg-type]
    policy = contracts.policy(base["policy"], base["policy_version"])  # type: ignore[arg-type]
    if policy is None:
        note = (
            f"policy {base['policy']} v{base['policy_version']} is not known to this board "
            "(a custom policy from sla.contracts?): `slawatch replay --explain` explains it"
        )
        return Explanation(**base, notes=(note,))  # type: ignore[arg-type]
    plans = _plans(record, state, policy, contracts.options(str(record.get("tenant"))))
    return _account(base, record, state, policy, plans)


def _plans(
    record: Mapping[str, Any], state: Mapping[str, Any], policy: PolicyLike, options: Any
) -> list[tuple[ClockPlan, Any]]:
    """The plans of the policy that fit the record: same clock, priority and cell, same
    business-aligned start (``origin_us``), a goal on a track the state counts. One per
    distinct (calendar, hard, soft)."""
    clock, prio, cell = record.get("clock"), record.get("priority"), record.get("cell")
    started = instant(record.get("started_at"))
    if started is None or not isinstance(clock, str):
        return []
    if isinstance(cell, str) and "/" in cell:
        impact, urgency = cell.split("/", 1)
        prio_facts: dict[str, Any] = {"impact": impact, "urgency": urgency}
    else:
        prio_facts = {"priority": prio}
    kinds, channels = _kinds_and_channels(record, policy)
    found: dict[tuple[Any, ...], tuple[ClockPlan, Any]] = {}
    for kind in kinds:
        for channel in channels:
            facts = TicketFacts(kind=kind, channel=channel, **prio_facts)
            try:
                plans = policy.plan(facts, options, clocks=[clock])
            except (SlawatchError, KeyError, ValueError):
                continue
            for plan in plans:
                if plan.clock != clock or plan.priority != prio or plan.cell != cell:
                    continue
                try:
                    sch = schedule(policy, plan, started)
                except SlawatchError:
                    continue
                goal = sch.hard or sch.soft
                if sch.origin_us != state.get("origin_us"):
                    continue
                if goal is not None and goal.track not in (state.get("acc") or {}):
                    continue
                found.setdefault((plan.calendar, plan.hard, plan.soft), (plan, sch))
    return list(found.values())


def _kinds_and_channels(
    record: Mapping[str, Any], policy: PolicyLike
) -> tuple[list[str], list[str | None]]:
    kind = record.get("ticket_kind")
    kinds: set[str] = {"incident"}
    channels: set[str] = set()
    for rule in policy.clocks.values():
        kinds.update(rule.applies.kinds or ())
        channels.update(rule.applies.channels or ())
    ordered_kinds = [kind] if isinstance(kind, str) else sorted(kinds)
    return ordered_kinds, [None, *sorted(channels)]


def _account(
    base: dict[str, Any],
    record: Mapping[str, Any],
    state: Mapping[str, Any],
    policy: PolicyLike,
    plans: list[tuple[ClockPlan, Any]],
) -> Explanation:
    notes: list[str] = []
    acc: Mapping[str, int] = state.get("acc") or {}
    deadline: datetime | None = base["deadline"]
    plan = sch = None
    if len(plans) == 1:
        plan, sch = plans[0]
    elif plans:
        notes.append(
            f"{len(plans)} plans of the policy fit this record; the facts it carries do not "
            "tell them apart"
        )
    else:
        notes.append("no plan of the policy fits this record (facts the record does not carry?)")
    goal = None if sch is None else (sch.hard or sch.soft)
    if goal is not None:
        track = goal.track
    elif len(acc) == 1:
        track = next(iter(acc))
    else:
        track = None
    extra: dict[str, Any] = {}
    if plan is not None:
        target = plan.hard or plan.soft
        extra["target"] = None if target is None else str(target)
        extra["pause_statuses"] = tuple(sorted(plan.pause_statuses))
    if track is not None:
        extra["calendar"] = "wall clock" if track == WALL else track
    if base["tier"] == "same_day":
        notes.append("the deadline is the closing time of the day the clock started")
        return Explanation(**base, **extra, notes=tuple(notes))
    if deadline is None or track is None:
        if deadline is None:
            notes.append(_no_deadline(str(base["status"])))
        return Explanation(**base, **extra, notes=tuple(notes))
    cal = track_calendar(policy, track)
    start = _counting_start(state, track, cal, deadline)
    if start is None:
        notes.append(
            "the deadline lies before the clock's last pause or stop, and the record does "
            "not hold that part of its history: `slawatch replay --explain` shows it"
        )
        return Explanation(**base, **extra, notes=tuple(notes))
    since, before_us = start
    periods = tuple(Period(s.start, s.end, s.reason) for s in cal.explain(since, deadline))
    closed = tuple(str(d) for d in cal.closed_days(since, deadline)) if track != WALL else ()
    total_us = before_us + cal.elapsed_us(us_of(since), us_of(deadline))
    need = None if goal is None else goal.need
    adds_up = need is not None and abs(total_us - need) < 1_000_000
    if need is not None and not adds_up:
        notes.append("the periods do not add up to the target: the record may be out of date")
    return Explanation(
        **base,
        **extra,
        counted_before=before_us / 1e6,
        since=since,
        periods=periods,
        closed_days=closed,
        adds_up=adds_up,
        verified=adds_up and plan is not None,
        notes=tuple(notes),
    )


def _counting_start(
    state: Mapping[str, Any], track: str, cal: Any, deadline: datetime
) -> tuple[datetime, int] | None:
    """Where the account of the deadline starts, and the µs counted before it:

    - the business-aligned start (nothing before it) when the clock has counted without a
      pause up to its last accounting instant (``running_since``, or the instant it last
      stopped): its counted time equals the calendar's open time since the start — the
      common case, and the one that explains a deadline already passed;
    - else ``running_since`` with what was counted up to it, if the deadline lies after it;
    - else ``None`` (the deadline fell before a pause or a stop the record has no dates for).
    """
    origin_us = state.get("origin_us")
    if not isinstance(origin_us, int):
        return None
    acc = int((state.get("acc") or {}).get(track, 0))
    rs = state.get("running_since")
    stops = state.get("stops") or ()
    if isinstance(rs, int):
        upto: int | None = rs
    elif stops and stops[-1][1] is None and isinstance(stops[-1][0], int):
        upto = stops[-1][0]
    else:
        upto = None  # paused: the record does not say since when
    if upto is not None and acc == cal.elapsed_us(origin_us, max(upto, origin_us)):
        return _at(origin_us), 0  # type: ignore[return-value]
    if isinstance(rs, int) and us_of(deadline) >= max(rs, origin_us):
        return _at(max(rs, origin_us)), acc  # type: ignore[return-value]
    return None


def _no_deadline(status: str) -> str:
    if status == "paused":
        return "paused: no deadline while the ticket waits (it moves by the time paused)"
    if status in ("stopped", "inactive"):
        return f"{status}: the clock has no deadline any more"
    return "the clock has no deadline"
