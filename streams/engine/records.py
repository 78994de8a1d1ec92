"""The analytics view of a ticket's clocks: one ``sla.clock-states`` record per clock."""

from __future__ import annotations

from typing import Any

from calendars.timeline import US
from streams.engine import accounting as acct
from streams.engine.rules import PlanCache
from streams.engine.signal import dt
from streams.engine.state import TicketState


def clock_records(plans: PlanCache, ticket: TicketState, now: int) -> list[dict[str, Any]]:
    """One record per clock of ``ticket`` as of ``now``: identity, status, the deadline as it
    stands, counted time, fired rungs and the clock's full serialised state."""
    key = ticket.key
    out = []
    rules = plans.ticket_rules(ticket)
    for clock in ticket.clocks.values():
        plan = rules.plan(clock.name) if clock.active else None
        deadline = next_due = None
        business = 0
        tier = None
        if plan is not None:
            sch = plans.schedule(ticket, clock, plan)
            goal = sch.hard or sch.soft
            tier = "hard" if sch.hard else "soft" if sch.soft else None
            if goal is not None:
                deadline = acct.instant_of(ticket, clock, plan, rules, goal.track, goal.need, now)
                business = acct.counted_at(ticket, clock, plan, rules, goal.track, now)
            elif sch.same_day_us is not None:
                deadline, tier = sch.same_day_us, "same_day"
            next_due = clock.due_us
        if not clock.active:
            status = "inactive"
        elif clock.stopped:
            status = "stopped"
        elif clock.paused:
            status = "paused"
        else:
            status = "running"
        out.append(
            {
                "key": f"{key}:{clock.name}",
                "tenant": ticket.tenant,
                "ticket_id": ticket.ticket_id,
                "clock": clock.name,
                "policy": ticket.policy,
                "policy_version": ticket.version,
                "priority": plan.priority if plan is not None else None,
                "cell": plan.cell if plan is not None else None,
                "phase": ticket.phase,
                "status": status,
                "tier": tier,
                "started_at": dt(clock.start_us).isoformat(),
                "deadline": None if deadline is None else dt(deadline).isoformat(),
                "next_due": None if next_due is None else dt(next_due).isoformat(),
                "breached": "breach" in clock.fired,
                "fired": list(clock.fired),
                "elapsed_business_seconds": business / US,
                "updated_at": dt(now).isoformat(),
                "state": clock.to_dict(),
            }
        )
    return out
