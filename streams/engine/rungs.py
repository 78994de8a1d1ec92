"""A clock's rungs (warnings, soft tier, escalations, breach) and verdicts, as signals.

Each rung of a clock's schedule fires at most once (R7), at the instant the counted time
reaches it (or at its absolute instant: ``same_day``); a verdict (``sla.met`` /
``sla.missed``) is given when a clock stops. Functions of the ticket state and the cached
plans (:class:`~streams.engine.rules.PlanCache`); the engine decides when to call them.
"""

from __future__ import annotations

from calendars.timeline import US
from models.ids import signal_id
from models.plan import ClockPlan
from streams.engine import accounting as acct
from streams.engine.rules import PlanCache
from streams.engine.signal import Signal, dt
from streams.engine.state import ClockState, TicketState
from streams.engine.targets import Item, Schedule


def next_due(plans: PlanCache, ticket: TicketState, clock: ClockState, now: int) -> int | None:
    """The instant the next rung of ``clock`` falls due (``None``: nothing pending)."""
    if not clock.active or clock.stopped:
        return None
    rules = plans.ticket_rules(ticket)
    plan = rules.plan(clock.name)
    sch = plans.schedule(ticket, clock, plan)
    fired = clock.fired
    best: int | None = None
    need_by_track: dict[str, int] = {}
    for item in sch.items:
        if item.key in fired:
            continue
        if item.at_us is not None:
            if acct.stopped_at(clock, item.at_us):
                continue
            if best is None or item.at_us < best:
                best = item.at_us
        elif item.need < need_by_track.get(item.track, item.need + 1):
            need_by_track[item.track] = item.need
    for track, need in need_by_track.items():
        cand = acct.instant_of(ticket, clock, plan, rules, track, need, now)
        if cand is not None and (best is None or cand < best):
            best = cand
    return best


def fire(
    plans: PlanCache, ticket: TicketState, clock: ClockState, now: int, observed: int | None
) -> list[Signal]:
    """Fire the rungs of ``clock`` due up to ``now``, in instant order (``observed``: the
    instant they are seen, if later than due: revealed by an event)."""
    if not clock.active or clock.stopped:
        return []
    rules = plans.ticket_rules(ticket)
    plan = rules.plan(clock.name)
    sch = plans.schedule(ticket, clock, plan)
    due: list[tuple[int, int, Item]] = []
    for item in sch.items:
        if item.key in clock.fired:
            continue
        at: int | None = item.at_us
        if at is not None:
            if acct.stopped_at(clock, at):
                # an absolute rung (same_day) looks at the ticket at its instant: a clock
                # stopped then (resolved on the day) has nothing to escalate, even if it is
                # reopened later (docs/contracts.md, Smart FMS)
                continue
        else:
            at = acct.instant_of(ticket, clock, plan, rules, item.track, item.need, now)
            if at is None:
                continue
        if at <= now:
            due.append((at, item.order, item))
    due.sort(key=lambda x: (x[0], x[1]))
    out = []
    for at, _, item in due:
        clock.fired.append(item.key)
        obs = at if observed is None else max(at, observed)
        out.append(
            signal(
                plans,
                ticket,
                clock,
                plan,
                sch,
                f"sla.{item.kind}",
                item.key,
                at,
                obs,
                threshold=item.threshold,
                tier=item.tier,
                level=item.level,
            )
        )
    return out


def verdict(
    plans: PlanCache,
    ticket: TicketState,
    clock: ClockState,
    plan: ClockPlan,
    sch: Schedule,
    at: int,
    observed: int,
    deadline: int | None,
    *,
    reached_missed: bool,
) -> list[Signal]:
    """``sla.met``/``sla.missed`` of ``clock`` stopped at ``at`` (its last stop; the
    accumulators counted up to it). Met when stopped before the deadline; a target reached
    exactly at the stop is missed if its rung already fired or ``reached_missed``. A clock
    with only a soft target is judged on it (``tier: soft``), a same-day clock on its
    closing time (``tier: same_day``); one with neither gives no verdict."""
    goal = sch.verdict_goal
    if goal is not None:
        acc = clock.acc.get(goal.track, 0)
        key = "breach" if sch.hard is not None else "warning:soft"
        missed = acc > goal.need or (acc == goal.need and (reached_missed or key in clock.fired))
        tier = None if sch.hard is not None else "soft"
    elif sch.same_day_us is not None:
        missed = at >= sch.same_day_us
        tier = "same_day"
    else:
        return []
    kind = "missed" if missed else "met"
    n = len(clock.stops)
    return [
        signal(
            plans,
            ticket,
            clock,
            plan,
            sch,
            f"sla.{kind}",
            f"{kind}#{n}",
            at,
            observed,
            tier=tier,
            deadline_us=deadline,
        )
    ]


def signal(
    plans: PlanCache,
    ticket: TicketState,
    clock: ClockState,
    plan: ClockPlan,
    sch: Schedule,
    type_: str,
    key: str,
    at: int,
    observed: int,
    *,
    deadline_us: int | None = None,
    threshold: float | None = None,
    tier: str | None = None,
    level: str | None = None,
) -> Signal:
    """The signal of rung ``key`` of ``clock`` at ``at``: its id is a function of (tenant,
    ticket, clock, rung) only, so a replay, a retry or a restart gives the same one."""
    rules = plans.ticket_rules(ticket)
    goal = sch.hard or sch.soft
    d: int | None = deadline_us
    if d is None:
        if goal is not None:
            d = acct.instant_of(
                ticket, clock, plan, rules, goal.track, goal.need, max(at, observed)
            )
        else:
            d = sch.same_day_us
    # one datetime per distinct instant (a breach's deadline is its instant)
    at_dt = dt(at)
    observed_dt = at_dt if observed == at else dt(observed)
    deadline = None if d is None else at_dt if d == at else dt(d)
    business = acct.counted_at(ticket, clock, plan, rules, goal.track, at) if goal else 0
    return Signal(
        event_id=signal_id(ticket.tenant, ticket.ticket_id, clock.name, key),
        type=type_,
        tenant=ticket.tenant,
        ticket_id=ticket.ticket_id,
        clock=clock.name,
        policy=ticket.policy,
        policy_version=ticket.version,
        priority=plan.priority,
        cell=plan.cell,
        deadline=deadline,
        at=at_dt,
        observed_at=observed_dt,
        elapsed_business_seconds=business / US,
        elapsed_wall_seconds=(at - clock.start_us) / US,
        threshold=threshold,
        tier=tier,
        level=level,
    )
