"""The clock engine: ticket events in → SLA signals out. Pure and deterministic.

Time is explicit. :meth:`Engine.apply` takes one decoded event, first advancing engine time to
the event's instant (so timers due before it fire first), and :meth:`Engine.advance` moves
time forward with no event. Nothing reads the wall clock; the same events give the same
signals, with the same ids, whether they arrive in one batch or many, live or in a replay.

The pieces: a ticket's state (:mod:`.state`), its facts (:mod:`.facts`), the plans and
schedules its policy gives them (:mod:`.rules`, :mod:`.targets`), counting a clock's time
(:mod:`.accounting`), the timers (:mod:`.timers`) and the signals (:mod:`.signal`). This
module applies events: creation, changes (re-planning, pauses), stops and resumes, and the
rungs that fall due.

Signal instants (R7): a rung fires at the instant the counted time reaches it. A rung that
an event reveals as already passed (a priority raised, a late registration) fires at once:
``at`` is the instant it was due, ``observed_at`` the event's instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calendars.timeline import us_of
from models.plan import ClockPlan
from models.ports import PolicyLike, RegistryLike, TicketEventLike
from streams.engine import accounting as acct
from streams.engine import rungs
from streams.engine.errors import RejectedEvent
from streams.engine.facts import facts_of, freeze, norm
from streams.engine.records import clock_records
from streams.engine.rules import PlanCache, Rules
from streams.engine.signal import Signal, dt
from streams.engine.state import ClockState, TicketState
from streams.engine.targets import Schedule
from streams.engine.timers import TimerHeap

#: the events a clock's stops and resumes come from, kept per ticket (``lifecycle``)
LIFECYCLE_EVENTS = frozenset({"ticket.responded", "ticket.resolved", "ticket.reopened"})


@dataclass(slots=True)
class EngineStats:
    events: int = 0
    duplicates: int = 0
    late: int = 0
    signals: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


class Engine:
    """Per-ticket SLA clocks for many tenants. See the module docstring.

    ``registry`` resolves tenants to contracts (:class:`models.ports.RegistryLike`), and
    policy versions for tickets restored from state.
    """

    def __init__(self, registry: RegistryLike, *, events_advance_time: bool = True) -> None:
        self.registry = registry
        #: ``True`` (replay): an event first advances engine time to its instant, firing
        #: every ticket's timers due before it, so events must come in event-time order.
        #: ``False`` (live): an event fires only its own ticket's rungs due before it; the
        #: other tickets' timers fire at :meth:`advance` (the runtime's clock ticks). Then
        #: each ticket's signals depend on its own events only, not on how the events of
        #: different tickets interleave (they come from several input partitions).
        self.events_advance_time = events_advance_time
        self.tickets: dict[str, TicketState] = {}
        self.now_us: int | None = None
        self.stats = EngineStats()
        self.timers = TimerHeap()
        self.plans = PlanCache(registry)
        #: keys of the tickets whose state changed since the last :meth:`drain_touched`
        #: (the live runtime writes exactly those to its table)
        self.touched: set[str] = set()

    # == applying events =======================================================================
    def apply(self, event: TicketEventLike, at_us: int | None = None) -> list[Signal]:
        """Apply one decoded ticket event and return the signals it causes (with those of the
        timers due up to its instant, which fire first).

        Raises :class:`RejectedEvent` (ticket state unchanged; ``.signals`` holds the timer
        signals already fired) for input that cannot be applied: the caller dead-letters it.

        Ordering: events of one ticket are applied at ``max(event.at, the ticket's last
        event)``; an event older than engine time (beyond the caller's allowed lateness)
        still counts at its own instant for its ticket — rungs it reveals as passed fire at
        once, observed now — and is counted in ``stats.late``. ``at_us``: the event's
        instant in µs if the caller has it already (it must be ``us_of(event.at)``).
        """
        at = us_of(event.at) if at_us is None else at_us
        out: list[Signal] = []
        late = self.now_us is not None and at < self.now_us
        if late:
            self.stats.late += 1
        elif self.events_advance_time:
            out.extend(self.advance_us(at))
        else:  # only this ticket's time passes: its rungs due before the event fire first
            key = f"{event.tenant}:{event.ticket_id}"
            ticket = self.tickets.get(key)
            if ticket is not None and ticket.phase == "open":
                self.touched.add(key)
                out.extend(self._fire_due(ticket, at, None))
        try:
            out.extend(self._apply(event, at))
        except RejectedEvent as exc:
            self._count(out)
            raise RejectedEvent(exc.reason, out, kind=exc.kind) from None
        if late:
            # the rungs of this ticket that fell due between the event and engine time are
            # revealed now: they fire at once, observed now (not at some later advance)
            ticket = self.tickets.get(f"{event.tenant}:{event.ticket_id}")
            now = self.now_us
            if ticket is not None and now is not None:
                out.extend(self._fire_due(ticket, now, now))
        return self._count(out)

    def _apply(self, event: TicketEventLike, at: int) -> list[Signal]:
        key = f"{event.tenant}:{event.ticket_id}"
        ticket = self.tickets.get(key)
        if ticket is not None and event.event_id in ticket.seen:
            self.stats.duplicates += 1
            return []
        etype = event.type
        self.touched.add(key)  # a rejected event leaves the state as it was: harmless
        if etype == "ticket.created":
            if ticket is not None:
                raise RejectedEvent(
                    f"ticket {key} already exists (created {dt(ticket.created_us).isoformat()});"
                    " send ticket.updated for changes",
                    kind="duplicate",
                )
            self.stats.events += 1
            return self._create(event, key, at)
        if ticket is None:
            raise RejectedEvent(
                f"{etype} for unknown ticket {key}: no ticket.created was seen for it",
                kind="order",
            )
        if ticket.phase != "open":
            raise RejectedEvent(
                f"{etype} for ticket {key}, which is already {ticket.phase}", kind="order"
            )
        at = max(at, ticket.last_us)
        observed = at if self.now_us is None else max(at, self.now_us)
        out: list[Signal] = []
        changed = self._change(ticket, event, at, out)  # validates before it mutates
        self.stats.events += 1
        ticket.seen.append(event.event_id)
        ticket.last_us = at
        if etype in LIFECYCLE_EVENTS:  # after _change: a clock it brings in stops below
            ticket.lifecycle.append([at, etype, ticket.status])
        # A clock's ``due_us`` is kept equal to its next due instant after every change, so
        # recomputing it is needed only where this event changed a clock.
        if changed:
            self._reschedule(ticket, at)
        out.extend(self._fire_due(ticket, at, observed))
        if etype == "ticket.updated":
            return out
        if etype in ("ticket.responded", "ticket.resolved"):
            out.extend(self._stop_where(ticket, etype, at, verdict=True))
        elif etype == "ticket.reopened":
            self._resume_where(ticket, etype, at)
        elif etype == "ticket.closed":
            out.extend(self._stop_all(ticket, at, verdict=True))
            ticket.phase = "closed"
        elif etype == "ticket.cancelled":
            out.extend(self._stop_all(ticket, at, verdict=False))
            ticket.phase = "cancelled"
        if etype == "ticket.reopened":  # a stop only clears its clock's due instant
            self._reschedule(ticket, at)
        out.extend(self._fire_due(ticket, at, observed))
        return out

    def advance(self, now: datetime) -> list[Signal]:
        """Move engine time to ``now`` and fire every rung due up to and including it."""
        return self._count(self.advance_us(us_of(now)))

    def advance_us(self, now: int) -> list[Signal]:
        if self.now_us is not None and now <= self.now_us:
            return []
        self.now_us = now
        out: list[Signal] = []
        while True:
            entry = self.timers.pop_due(now)
            if entry is None:
                return out
            due, key, _, name = entry
            ticket = self.tickets.get(key)
            if ticket is None:
                continue  # a dropped ticket's entry
            clock = ticket.clocks.get(name)
            if clock is None or clock.due_us != due:
                continue  # stale entry
            self.touched.add(key)
            out.extend(rungs.fire(self.plans, ticket, clock, due, None))
            self._schedule_clock(ticket, clock, due)

    def drain_touched(self) -> set[str]:
        """The keys of the tickets changed since the last call (and forget them)."""
        out, self.touched = self.touched, set()
        return out

    def next_due_us(self) -> int | None:
        """The earliest pending timer instant, or ``None``."""
        return self.timers.next_due(self.tickets)

    # == state =================================================================================
    def clock_records(self, key: str) -> list[dict[str, Any]]:
        """One analytics record per clock of ticket ``key`` (the ``sla.clock-states`` value,
        :func:`streams.engine.records.clock_records`). Empty for an unknown ticket."""
        ticket = self.tickets.get(key)
        if ticket is None:
            return []
        return clock_records(self.plans, ticket, max(ticket.last_us, self.now_us or 0))

    def open_clocks(self) -> int:
        return sum(
            1
            for t in self.tickets.values()
            for c in t.clocks.values()
            if c.active and not c.stopped
        )

    def ticket_state(self, key: str) -> dict[str, Any] | None:
        t = self.tickets.get(key)
        return None if t is None else t.to_dict()

    def load_ticket(self, state: Mapping[str, Any]) -> None:
        """Install a ticket from its serialised state (e.g. recovered from a table) and put
        its timers back on the heap."""
        t = TicketState.from_dict(dict(state))
        self.tickets[t.key] = t
        for c in t.clocks.values():
            if c.due_us is not None:
                self.timers.push(c.due_us, t, c.name)

    def drop_ticket(self, key: str) -> None:
        self.tickets.pop(key, None)  # heap entries go stale and are skipped

    def snapshot(self) -> dict[str, Any]:
        return {
            "now_us": self.now_us,
            "tickets": {k: t.to_dict() for k, t in self.tickets.items()},
        }

    @classmethod
    def restore(cls, registry: RegistryLike, snap: Mapping[str, Any]) -> Engine:
        eng = cls(registry)
        eng.now_us = snap["now_us"]
        for state in snap["tickets"].values():
            eng.load_ticket(state)
        return eng

    # == inspection (explain, clock records, tests) ============================================
    def policy_of(self, ticket: TicketState) -> PolicyLike:
        return self.plans.policy_of(ticket)

    def plan_of(self, ticket: TicketState, name: str) -> ClockPlan:
        """The plan an active clock runs under."""
        return self.plans.ticket_rules(ticket).plan(name)

    def schedule_of(self, ticket: TicketState, clock: ClockState) -> Schedule:
        return self.plans.schedule(ticket, clock, self.plan_of(ticket, clock.name))

    def intervals_of(
        self, ticket: TicketState, clock: ClockState, until: int
    ) -> list[tuple[int, int]]:
        """The running intervals of an active clock up to ``until``."""
        return acct.intervals(ticket, clock, self.plan_of(ticket, clock.name), until)

    def counted(self, ticket: TicketState, clock: ClockState, track: str, at: int) -> int:
        """The time an active clock counted on ``track`` up to ``at`` (µs)."""
        rules = self.plans.ticket_rules(ticket)
        return acct.counted_at(ticket, clock, rules.plan(clock.name), rules, track, at)

    def instant(
        self, ticket: TicketState, clock: ClockState, track: str, need: int, now: int
    ) -> int | None:
        """When an active clock's counted time on ``track`` reaches ``need``."""
        rules = self.plans.ticket_rules(ticket)
        return acct.instant_of(ticket, clock, rules.plan(clock.name), rules, track, need, now)

    def next_due(self, ticket: TicketState, clock: ClockState, now: int) -> int | None:
        """A clock's next due instant, computed afresh (its ``due_us`` keeps it)."""
        return rungs.next_due(self.plans, ticket, clock, now)

    # == creation ==============================================================================
    def _create(self, event: TicketEventLike, key: str, at: int) -> list[Signal]:
        try:
            contract = self.registry.resolve(event.tenant)
        except Exception as exc:  # the registry's own error types name the problem
            raise RejectedEvent(str(exc), kind=getattr(exc, "kind", "contract")) from None
        policy = contract.policy
        options = dict(contract.options or {})
        facts = facts_of(event, {})
        okey = freeze(options)
        rules = self.plans.rules_for(policy, facts, options, okey)  # raises before any state
        self.timers.hold()
        try:
            return self._create_ticket(event, key, at, policy, options, facts, rules, okey)
        finally:
            self.timers.release()

    def _create_ticket(
        self,
        event: TicketEventLike,
        key: str,
        at: int,
        policy: PolicyLike,
        options: dict[str, Any],
        facts: dict[str, Any],
        rules: Rules,
        okey: Any,
    ) -> list[Signal]:
        reported_at = event.reported_at
        reported = at if reported_at is None else min(us_of(reported_at), at)
        status = norm(getattr(event, "status", None))
        ticket = TicketState(
            tenant=event.tenant,
            ticket_id=event.ticket_id,
            policy=policy.id,
            version=str(policy.version),
            options=options,
            created_us=at,
            reported_us=reported,
            facts=facts,
            status=status,
            status_log=[[at, status]],
            lifecycle=[[at, "ticket.created", status]],
            seen=[event.event_id],
            last_us=at,
        )
        self.tickets[key] = ticket
        try:  # the ticket's policy version as later lookups see it (normally this very one)
            if self.registry.policy_version(ticket.policy, ticket.version) is policy:
                ticket.rt = (facts, rules, okey)
        except Exception:  # looked up (and raised) again where it is needed
            pass
        for plan in rules.plans:
            start = ticket.reported_us if plan.starts_at == "reported" else at
            origin = rules.calendar(plan.calendar).next_open_us(start)
            clock = ClockState(name=plan.clock, start_us=start, origin_us=origin)
            ticket.clocks[plan.clock] = clock
            self._recount(ticket, clock, plan, at)
        observed = at if self.now_us is None else max(at, self.now_us)
        self._reschedule(ticket, at)
        # Rungs passed before creation fire now (revealed late). A clock the creation stops
        # (registration) that reaches its target exactly at creation is on time: "more than
        # 24 h earlier" is the breach (docs/contracts.md, Inlenersbeloning); so rungs due at
        # the creation instant itself fire only after the stop, on clocks that keep running.
        # a clock the pass below fires is rescheduled as of at - 1: recompute after the stop
        again = any(c.due_us is not None and c.due_us < at for c in ticket.clocks.values())
        out = self._fire_due(ticket, at - 1, observed)
        for clock in ticket.clocks.values():  # as _stop_where(ticket, "ticket.created", ...)
            if (
                clock.active
                and not clock.stopped
                and "ticket.created" in rules.plan(clock.name).stop_on
            ):
                out.extend(self._stop(ticket, clock, at, verdict=True))
                again = True
        if again:  # else nothing changed since the pass above
            self._reschedule(ticket, at)
        out.extend(self._fire_due(ticket, at, observed))
        return out

    # == changes ===============================================================================
    def _change(
        self, ticket: TicketState, event: TicketEventLike, at: int, out: list[Signal]
    ) -> bool:
        """Apply fact and status changes carried by any event (recompute, pause/resume).
        Returns whether a clock may have changed (its next due instant must be recomputed);
        the verdicts of clocks a change brings in already stopped go to ``out``."""
        new_facts = facts_of(event, ticket.facts)
        changed = False
        if new_facts is not ticket.facts and new_facts != ticket.facts:
            old = self.plans.ticket_rules(ticket)
            okey = ticket.rt[2]  # set by ticket_rules
            rules = self.plans.rules_for(old.policy, new_facts, ticket.options, okey)
            # the event is accepted from here on: mutate
            ticket.facts = new_facts
            ticket.rt = (new_facts, rules, okey)
            if rules.plans is not old.plans and rules.plans != old.plans:
                changed = True
                self._replan(ticket, rules, at, out)
            else:
                changed = self._replan_same(ticket, rules, at)
        status = getattr(event, "status", None)
        if status is not None and norm(status) != ticket.status:
            ticket.status = norm(status)
            ticket.status_log.append([at, ticket.status])
            rules = self.plans.ticket_rules(ticket)
            for clock in ticket.clocks.values():
                if not clock.active or clock.stopped:
                    continue
                pausing = ticket.status in rules.by_name[clock.name].pause_statuses
                if pausing and not clock.paused:
                    acct.settle(clock, rules, at)
                    clock.paused = True
                    clock.running_since = None
                    changed = True
                elif not pausing and clock.paused:
                    clock.paused = False
                    clock.running_since = at
                    changed = True
        return changed

    def _replan(self, ticket: TicketState, rules: Rules, at: int, out: list[Signal]) -> None:
        """Give the clocks the plans of new facts (R5: elapsed time is kept): a clock the new
        plans drop is settled and deactivated, the others (new ones included) recounted.

        A clock the change brings in (new, or back after being inactive) missed the stops
        and resumes of the time it was not in the plan: they are derived from the ticket's
        lifecycle history (R8), so it is already stopped if the ticket was responded
        (response) or is resolved (resolution), and counts no resolved time. If it is
        stopped by a stop it did not see, its verdict for that stop is given now: ``at`` the
        stop, observed at this change."""
        plans = rules.by_clock
        for name, clock in ticket.clocks.items():
            if name not in plans and clock.active:
                acct.settle(clock, rules, at)
                clock.active = False
                clock.running_since = None
        judge: list[tuple[ClockState, ClockPlan, Any]] = []
        for name, plan in plans.items():
            existing = ticket.clocks.get(name)
            if existing is None:
                start = ticket.reported_us if plan.starts_at == "reported" else ticket.created_us
                clock = ClockState(name=name, start_us=start, origin_us=start)
                ticket.clocks[name] = clock
            else:
                clock = existing
            if existing is None or not existing.active:
                stops, status = acct.stops_from(ticket.lifecycle, plan.stop_on, plan.resume_on)
                seen_stop = clock.stopped and clock.stops[-1][0] == stops[-1][0] if stops else True
                clock.stops = stops
                if clock.stopped and not seen_stop:
                    judge.append((clock, plan, status))
            clock.active = True
            clock.origin_us = rules.calendar(plan.calendar).next_open_us(clock.start_us)
            self._recount(ticket, clock, plan, at)
        if judge:
            observed = at if self.now_us is None else max(at, self.now_us)
            for clock, plan, status in judge:
                paused = status in plan.pause_statuses
                out.extend(self._late_verdict(ticket, clock, plan, paused, observed))

    def _replan_same(self, ticket: TicketState, rules: Rules, at: int) -> bool:
        """:meth:`_replan` when the new facts give the same plans (e.g. only a free-form
        attribute changed), leaving the clocks exactly as a recount would: counted time is
        additive, so settling a running clock up to ``at`` gives the recount's accumulators
        (a paused or stopped one has nothing to add); its next due instant is unchanged. Only
        a clock whose pause flag disagrees with the status (it was stopped when the status
        changed) is recounted in full. Returns whether a due instant may have changed."""
        changed = False
        for name, plan in rules.by_clock.items():
            clock = ticket.clocks[name]
            if (ticket.status in plan.pause_statuses) != clock.paused:
                clock.origin_us = rules.calendar(plan.calendar).next_open_us(clock.start_us)
                self._recount(ticket, clock, plan, at)
                changed = True
            elif clock.running_since is not None and not clock.stopped:
                acct.settle(clock, rules, at)
        return changed

    def _recount(self, ticket: TicketState, clock: ClockState, plan: ClockPlan, at: int) -> None:
        sch = self.plans.schedule(ticket, clock, plan)
        acct.recount(ticket, clock, plan, sch, self.plans.ticket_rules(ticket), at)

    # == stops and verdicts ====================================================================
    def _stop_where(
        self, ticket: TicketState, etype: str, at: int, *, verdict: bool
    ) -> list[Signal]:
        out: list[Signal] = []
        rules = self.plans.ticket_rules(ticket)
        for clock in ticket.clocks.values():
            if clock.active and not clock.stopped and etype in rules.plan(clock.name).stop_on:
                out.extend(self._stop(ticket, clock, at, verdict=verdict))
        return out

    def _stop_all(self, ticket: TicketState, at: int, *, verdict: bool) -> list[Signal]:
        out: list[Signal] = []
        for clock in ticket.clocks.values():
            if clock.active and not clock.stopped:
                out.extend(self._stop(ticket, clock, at, verdict=verdict))
            clock.due_us = None
        return out

    def _stop(
        self, ticket: TicketState, clock: ClockState, at: int, *, verdict: bool
    ) -> list[Signal]:
        rules = self.plans.ticket_rules(ticket)
        plan = rules.plan(clock.name)
        sch = self.plans.schedule(ticket, clock, plan)
        goal = sch.verdict_goal
        # the deadline as it stood at the stop (projected if not yet reached)
        deadline = (
            acct.instant_of(ticket, clock, plan, rules, goal.track, goal.need, at) if goal else None
        )
        acct.settle(clock, rules, at)
        clock.running_since = None
        clock.stops.append([at, None])
        clock.due_us = None
        if not verdict:
            return []
        # reached exactly at the stop: missed only if its rung already fired (timers at an
        # instant fire before the events at it; not so for a clock stopped at creation)
        return rungs.verdict(
            self.plans, ticket, clock, plan, sch, at, at, deadline, reached_missed=False
        )

    def _late_verdict(
        self, ticket: TicketState, clock: ClockState, plan: ClockPlan, paused: bool, observed: int
    ) -> list[Signal]:
        """The verdict of a clock brought in by a change, already stopped (its last stop,
        which it did not see, came while it was ``paused`` or not; recounted up to it): what
        :meth:`_stop` would have given at that stop, observed now."""
        rules = self.plans.ticket_rules(ticket)
        sch = self.plans.schedule(ticket, clock, plan)
        stop = clock.stops[-1][0]
        goal = sch.verdict_goal
        deadline: int | None = None
        if goal is not None:
            acc = clock.acc.get(goal.track, 0)
            if acc >= goal.need:  # reached before the stop: from the history
                deadline = acct.instant_of(ticket, clock, plan, rules, goal.track, goal.need, stop)
            elif not paused:  # projected from the stop, as _stop projects from the running clock
                origin = max(stop, clock.origin_us)
                deadline = rules.track(goal.track).add_us(origin, goal.need - acc)
        # reached exactly at a stop after creation: the breach timer at that instant fired
        # before the event that stopped the clock
        late = stop > ticket.created_us
        return rungs.verdict(
            self.plans, ticket, clock, plan, sch, stop, observed, deadline, reached_missed=late
        )

    def _resume_where(self, ticket: TicketState, etype: str, at: int) -> None:
        rules = self.plans.ticket_rules(ticket)
        for clock in ticket.clocks.values():
            plan = rules.by_name.get(clock.name)
            if clock.active and clock.stopped and plan is not None and etype in plan.resume_on:
                clock.stops[-1][1] = at
                # the status may have changed while the clock was stopped (R4)
                clock.paused = ticket.status in plan.pause_statuses
                if not clock.paused:
                    clock.running_since = at

    # == timers ================================================================================
    def _reschedule(self, ticket: TicketState, now: int) -> None:
        for clock in ticket.clocks.values():
            self._schedule_clock(ticket, clock, now)

    def _schedule_clock(self, ticket: TicketState, clock: ClockState, now: int) -> None:
        due = rungs.next_due(self.plans, ticket, clock, now)
        if due != clock.due_us:
            clock.due_us = due
            if due is not None:
                self.timers.push(due, ticket, clock.name)

    def _fire_due(self, ticket: TicketState, now: int, observed: int | None) -> list[Signal]:
        """Fire the rungs of every clock of ``ticket`` due up to ``now`` (event-revealed)."""
        out: list[Signal] = []
        for clock in ticket.clocks.values():
            if clock.due_us is not None and clock.due_us <= now:
                out.extend(rungs.fire(self.plans, ticket, clock, now, observed))
                self._schedule_clock(ticket, clock, now)
        return out

    def _count(self, signals: list[Signal]) -> list[Signal]:
        st = self.stats
        st.signals += len(signals)
        for s in signals:
            st.by_type[s.type] = st.by_type.get(s.type, 0) + 1
        return signals
