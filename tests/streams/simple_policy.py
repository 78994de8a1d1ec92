"""A tiny hand-written policy for engine unit tests (the seed policies are tested separately).

Office calendar Mon–Fri 09:00–17:00 (no holidays, so hand arithmetic stays simple) and a 24x7
calendar. Priority P1: response 1 h, resolution 4 h; P2: response 4 h, resolution 2 workdays.
Warnings at 50 % and 75 % of the hard target; escalation ``lead`` at 75 %, ``manager`` at breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from calendars import BusinessCalendar
from models.plan import ClockPlan, Escalation, Target, TicketFacts

CALS = {
    "office": BusinessCalendar.from_spec(
        {"timezone": "Europe/Amsterdam", "hours": {"mon-fri": ["09:00-17:00"]}, "workday_hours": 8}
    ),
    "always": BusinessCalendar.from_spec({"timezone": "Europe/Amsterdam", "hours": "24x7"}),
}

TARGETS = {
    "p1": {"response": Target(1, "h", "office"), "resolution": Target(4, "h", "office")},
    "p2": {"response": Target(4, "h", "office"), "resolution": Target(2, "workdays", "office")},
    "p3": {"response": Target(8, "h", "office"), "resolution": Target(1, "weeks", "office")},
}


class UnknownPriority(Exception):
    pass


@dataclass
class SimplePolicy:
    id: str = "simple"
    version: str = "1"
    timezone: str = "Europe/Amsterdam"

    def calendar(self, name: str) -> BusinessCalendar:
        return CALS[name]

    def plan(self, facts: TicketFacts, options: Any) -> tuple[ClockPlan, ...]:
        if facts.kind != "incident":
            return ()
        prio = facts.priority or "p2"
        if prio not in TARGETS:
            raise UnknownPriority(f"unknown priority {prio!r}; allowed: p1, p2, p3")
        cal = "always" if options.get("always") and prio == "p1" else "office"
        out = []
        for clock, stop, resume in (
            ("response", {"ticket.responded"}, set()),
            ("resolution", {"ticket.resolved"}, {"ticket.reopened"}),
        ):
            t = TARGETS[prio][clock]
            out.append(
                ClockPlan(
                    clock=clock,
                    calendar=cal,
                    hard=Target(t.amount, t.unit, cal),
                    priority=prio,
                    thresholds=(0.5, 0.75),
                    escalations=(Escalation("lead", 0.75), Escalation("manager", "breach"))
                    if clock == "resolution"
                    else (),
                    stop_on=frozenset(stop),
                    resume_on=frozenset(resume),
                )
            )
        if facts.attributes.get("registered_late_check"):
            out.append(
                ClockPlan(
                    clock="registration",
                    calendar="always",
                    hard=Target(24, "h", "always"),
                    starts_at="reported",
                    stop_on=frozenset({"ticket.created"}),
                )
            )
        return tuple(out)


class SimpleRegistry:
    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.p = SimplePolicy()
        self.options = options or {}

    def resolve(self, tenant: str) -> Any:
        if tenant not in ("acme", "globex"):
            raise LookupError(f"unknown tenant {tenant!r}")
        return SimpleNamespace(policy=self.p, options=self.options)

    def policy_version(self, pid: str, version: str) -> SimplePolicy:
        return self.p


@dataclass
class Ev:
    """A decoded ticket event (same attribute names as models.events.TicketEvent)."""

    event_id: str
    type: str
    ticket_id: str
    at: datetime
    tenant: str = "acme"
    kind: str | None = None
    channel: str | None = None
    priority: str | None = None
    impact: str | None = None
    urgency: str | None = None
    status: str | None = None
    reported_at: datetime | None = None
    attributes: dict | None = None
