"""What the engine derives from a policy, cached: the plans of a ticket's facts and the
schedules of its clocks.

Planning (``policy.plan``) and resolving a plan into a schedule cost far more than applying
an event, and tickets repeat the same few facts. :class:`PlanCache` keeps, per policy
version, the plans of each distinct (facts, options) — as a :class:`Rules` value shared by
every ticket with those facts — and the schedule of each plan (moved to each clock's
origin). A ticket and a clock keep a transient reference to what they were given (``rt``,
``sch``: not part of their state), so the hot path looks nothing up twice.

Keys use object identity where the value is immutable and owned by one policy version (a
policy object, a plan), each entry holding the object itself so a recycled ``id()`` is
never mistaken for it; the caches are bounded (cleared when they grow past a limit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from calendars.calendar import BusinessCalendar
from models.plan import ClockPlan, TicketFacts
from models.ports import PolicyLike, RegistryLike
from streams.engine.errors import RejectedEvent
from streams.engine.facts import freeze
from streams.engine.signal import dt
from streams.engine.state import ClockState, TicketState
from streams.engine.targets import Schedule, build, goals, schedule, track_calendar

_MAX_RULES = 50_000
_MAX_SCHEDULES = 200_000


class Rules:
    """The plans of one (policy version, facts, options) and what the hot path derives from
    them, shared by every ticket with the same facts: plans by clock name (the first plan of
    a name, as a linear search would find it) and the policy's calendars, looked up once."""

    __slots__ = ("by_clock", "by_name", "cals", "plans", "policy", "tracks")

    def __init__(self, policy: PolicyLike, plans: tuple[ClockPlan, ...]) -> None:
        self.policy = policy
        self.plans = plans
        self.by_name: dict[str, ClockPlan] = {}
        for p in plans:
            self.by_name.setdefault(p.clock, p)
        #: the plans by clock name, the last of a name winning (what a replan applies)
        self.by_clock: dict[str, ClockPlan] = {p.clock: p for p in plans}
        self.cals: dict[str, BusinessCalendar] = {}
        self.tracks: dict[str, BusinessCalendar] = {}

    def calendar(self, name: str) -> BusinessCalendar:
        cal = self.cals.get(name)
        if cal is None:
            cal = self.cals[name] = self.policy.calendar(name)
        return cal

    def track(self, track: str) -> BusinessCalendar:
        """The calendar whose open time ``track`` counts (:func:`track_calendar`)."""
        cal = self.tracks.get(track)
        if cal is None:
            cal = self.tracks[track] = track_calendar(self.policy, track)
        return cal

    def plan(self, name: str) -> ClockPlan:
        plan = self.by_name.get(name)
        if plan is None:  # pragma: no cover - an inactive clock is never planned
            raise KeyError(name)
        return plan


class PlanCache:
    """Plans and schedules, cached by what they depend on (see the module docstring)."""

    def __init__(self, registry: RegistryLike) -> None:
        self.registry = registry
        self._rules: dict[tuple[Any, ...], Rules] = {}
        # (id(plan), hard, soft, same-day µs) -> (plan, schedule) of plans whose schedule
        # depends on the origin through more than its instant
        self._schedules: dict[tuple[Any, ...], tuple[ClockPlan, Schedule]] = {}
        self._templates: dict[int, tuple[ClockPlan, Schedule]] = {}  # id(plan) -> (plan, sch)
        # id(policy) -> (policy, {calendar name: calendar}, the attributes its rules read)
        self._policies: dict[int, tuple[PolicyLike, dict[str, BusinessCalendar], Any]] = {}

    # -- plans -----------------------------------------------------------------------------
    def ticket_rules(self, ticket: TicketState) -> Rules:
        """The rules of ``ticket``'s current facts. A ticket keeps a transient ``(facts,
        rules, frozen options)`` triple: valid while ``ticket.facts`` is that very dict (the
        engine replaces facts, never edits them in place; a ticket's options never
        change)."""
        rt = ticket.rt
        if rt is not None and rt[0] is ticket.facts:
            return rt[1]  # type: ignore[no-any-return]
        okey = rt[2] if rt is not None else freeze(ticket.options)
        rules = self.rules_for(self.policy_of(ticket), ticket.facts, ticket.options, okey)
        ticket.rt = (ticket.facts, rules, okey)
        return rules

    def policy_of(self, ticket: TicketState) -> PolicyLike:
        rt = ticket.rt
        if rt is not None:
            return rt[1].policy  # type: ignore[no-any-return]  # its version never changes
        return self.registry.policy_version(ticket.policy, ticket.version)

    def rules_for(
        self, policy: PolicyLike, facts: dict[str, Any], options: Mapping[str, Any], okey: Any
    ) -> Rules:
        """The plans (and derived lookups) for ``facts`` under ``policy`` and ``options``
        (frozen: ``okey``). Cached by what the plans depend on: the policy object, the five
        fact fields and only the attributes some clock rule looks at (free-form attributes
        such as an assignee change on many events and would make every key new). Raises
        :class:`RejectedEvent` with the policy's reason if the facts cannot be planned."""
        attrs = facts.get("attributes")
        cond = self._policy(policy)[2]
        if not attrs:
            akey: Any = ()
        elif cond is None:  # a policy that does not say which attributes it reads
            akey = freeze(attrs)
        else:
            akey = tuple((a in attrs, freeze(attrs.get(a))) for a in cond)
        key = (
            id(policy),
            facts.get("kind"),
            facts.get("channel"),
            facts.get("priority"),
            facts.get("impact"),
            facts.get("urgency"),
            akey,
            okey,
        )
        rules = self._rules.get(key)
        if rules is None or rules.policy is not policy:
            tf = TicketFacts(
                kind=facts.get("kind") or "incident",
                channel=facts.get("channel"),
                priority=facts.get("priority"),
                impact=facts.get("impact"),
                urgency=facts.get("urgency"),
                attributes=facts.get("attributes") or {},
            )
            try:
                plans = tuple(policy.plan(tf, options))
            except Exception as exc:  # the policy's errors name the bad value
                raise RejectedEvent(str(exc), kind=getattr(exc, "kind", "contract")) from None
            if len(self._rules) > _MAX_RULES:
                self._rules.clear()
            rules = self._rules[key] = Rules(policy, plans)
        return rules

    def calendar(self, policy: PolicyLike, name: str) -> BusinessCalendar:
        """``policy.calendar(name)``, looked up once per policy object and name."""
        cals = self._policy(policy)[1]
        cal = cals.get(name)
        if cal is None:
            cal = cals[name] = policy.calendar(name)
        return cal

    def _policy(self, policy: PolicyLike) -> tuple[PolicyLike, dict[str, BusinessCalendar], Any]:
        hit = self._policies.get(id(policy))
        if hit is None or hit[0] is not policy:
            cond = getattr(policy, "condition_attributes", None)
            hit = self._policies[id(policy)] = (policy, {}, cond)
        return hit

    # -- schedules -------------------------------------------------------------------------
    def schedule(self, ticket: TicketState, clock: ClockState, plan: ClockPlan) -> Schedule:
        """The schedule of ``clock`` under ``plan``. A plan object belongs to one policy
        version (it comes from that policy's plan()), so its identity and the clock's start
        (which never changes) determine the schedule: the clock keeps the last one it was
        given (not part of its state)."""
        cached = clock.sch
        if cached is not None and cached[0] is plan:
            return cached[1]  # type: ignore[no-any-return]
        if len(self._schedules) > _MAX_SCHEDULES:
            self._schedules.clear()
        policy = self.policy_of(ticket)
        if _origin_free(plan):
            # Only the origin differs from one start to the next: resolve the plan once.
            tpl = self._templates.get(id(plan))
            if tpl is None or tpl[0] is not plan:
                sch = schedule(policy, plan, dt(clock.start_us))
                tpl = self._templates[id(plan)] = (plan, sch)
            origin = self.calendar(policy, plan.calendar).next_open_us(clock.start_us)
            sch = tpl[1].at_origin(origin)
        else:
            # weeks/months targets and same-day rungs depend on the origin itself; the items
            # follow from the goals (and the same-day instant): one schedule per distinct
            # (plan, goals), moved to each origin
            cal = self.calendar(policy, plan.calendar)
            origin = cal.next_open_us(clock.start_us)
            hard, soft, same_day_us = goals(policy, plan, cal, origin)
            skey = (id(plan), hard, soft, same_day_us)
            hit = self._schedules.get(skey)
            if hit is not None and hit[0] is plan:
                sch = hit[1].at_origin(origin)
            else:
                sch = build(plan, origin, hard, soft, same_day_us)
                self._schedules[skey] = (plan, sch)
        clock.sch = (plan, sch)
        return sch


def _origin_free(plan: ClockPlan) -> bool:
    """Whether ``schedule(policy, plan, start)`` depends on ``start`` only through its
    ``origin_us``: no weeks/months target (wall time from the origin) and no same-day
    escalation (the origin's closing time); m/h/workdays needs are durations."""
    for t in (plan.hard, plan.soft):
        if t is not None and t.unit in ("weeks", "months"):
            return False
    return all(e.at != "same_day" for e in plan.escalations)
