"""The clock engine: ticket events in → SLA signals out. Pure and deterministic.

Time is explicit. :meth:`Engine.apply` takes one decoded event, first advancing engine time to
the event's instant (so timers due before it fire first), and :meth:`Engine.advance` moves
time forward with no event. Nothing reads the wall clock; the same events give the same
signals, with the same ids, whether they arrive in one batch or many, live or in a replay.

Timers are a heap of ``(due_us, ticket_key, clock_index, clock)`` entries with lazy
invalidation: an entry is live only while it equals the clock's ``due_us``. Advancing costs
O(due signals · log n), never a scan of the open tickets. Timers due at the same instant fire
in (ticket, clock) order, a function of the state alone, so a restored engine fires them in
the same order as one that never stopped.

Signal instants (CONTRACTS R7): a rung fires at the instant the counted time reaches it. A
rung that an event reveals as already passed (a priority raised, a late registration) fires
at once: ``at`` is the instant it was due, ``observed_at`` the event's instant.
"""

from __future__ import annotations

import hashlib
import heapq
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calendars.calendar import BusinessCalendar
from calendars.timeline import EPOCH, US, us_of
from models.plan import ClockPlan, TicketFacts
from streams.engine.errors import RejectedEvent
from streams.engine.state import ClockState, TicketState
from streams.engine.targets import Item, Schedule, build, goals, schedule, track_calendar

SIGNAL_NAMESPACE = uuid.UUID("6f1d6c1e-58a4-4b47-9d0e-5a1a3c0de7a1")
_NS_BYTES = SIGNAL_NAMESPACE.bytes
FACT_FIELDS = ("kind", "channel", "priority", "impact", "urgency")
#: the events a clock's stops and resumes come from, kept per ticket (``lifecycle``)
LIFECYCLE_EVENTS = frozenset({"ticket.responded", "ticket.resolved", "ticket.reopened"})


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(0, 0, us)  # (positional: no keyword parsing per call)


def signal_id(tenant: str, ticket_id: str, clock: str, key: str) -> str:
    """Deterministic signal id: the same rung of the same clock always has the same id, so
    a replay or a retry can be de-duplicated downstream. This is
    ``str(uuid.uuid5(SIGNAL_NAMESPACE, name))``, formatted without building a UUID object."""
    name = f"{tenant}\x1f{ticket_id}\x1f{clock}\x1f{key}".encode()
    x = hashlib.sha1(_NS_BYTES + name, usedforsecurity=False).hexdigest()
    # the first 16 bytes, with the version (5) in byte 6's high nibble and the RFC 4122
    # variant (0b10) in byte 8's top bits
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"


_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


class _Rules:
    """The plans of one (policy version, facts, options) and what the hot path derives from
    them, shared by every ticket with the same facts: plans by clock name (the first plan of
    a name, as a linear search would find it) and the policy's calendars, looked up once."""

    __slots__ = ("by_clock", "by_name", "cals", "plans", "policy", "tracks")

    def __init__(self, policy: Any, plans: tuple[ClockPlan, ...]) -> None:
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
        cal = self.tracks.get(track)
        if cal is None:
            cal = self.tracks[track] = track_calendar(self.policy, track)
        return cal


@dataclass(frozen=True, slots=True)
class Signal:
    """An outgoing signal (see :mod:`models.signals` for the published JSON schema)."""

    event_id: str
    type: str
    tenant: str
    ticket_id: str
    clock: str
    policy: str
    policy_version: str
    priority: str | None
    deadline: datetime | None
    at: datetime
    observed_at: datetime
    elapsed_business_seconds: float
    elapsed_wall_seconds: float
    threshold: float | None = None
    tier: str | None = None
    level: str | None = None
    cell: str | None = None

    # Written out (dataclasses leaves a class's own __init__ alone) so that mypyc compiles
    # it: the generated one is interpreted Python, ~6x slower per signal. The fields and
    # this signature must agree: tests/models/test_native.py checks every such __init__.
    def __init__(
        self,
        event_id: str,
        type: str,
        tenant: str,
        ticket_id: str,
        clock: str,
        policy: str,
        policy_version: str,
        priority: str | None,
        deadline: datetime | None,
        at: datetime,
        observed_at: datetime,
        elapsed_business_seconds: float,
        elapsed_wall_seconds: float,
        threshold: float | None = None,
        tier: str | None = None,
        level: str | None = None,
        cell: str | None = None,
    ) -> None:
        # frozen: set as the generated __init__ sets them
        object.__setattr__(self, "event_id", event_id)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "tenant", tenant)
        object.__setattr__(self, "ticket_id", ticket_id)
        object.__setattr__(self, "clock", clock)
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "policy_version", policy_version)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "deadline", deadline)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "observed_at", observed_at)
        object.__setattr__(self, "elapsed_business_seconds", elapsed_business_seconds)
        object.__setattr__(self, "elapsed_wall_seconds", elapsed_wall_seconds)
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "tier", tier)
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "cell", cell)

    @property
    def state_key(self) -> str:
        """The key of the state this signal belongs to (the ticket's)."""
        return f"{self.tenant}:{self.ticket_id}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "event_id": self.event_id,
            "type": self.type,
            "tenant": self.tenant,
            "ticket_id": self.ticket_id,
            "clock": self.clock,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "priority": self.priority,
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "at": self.at.isoformat(),
            "observed_at": self.observed_at.isoformat(),
            "elapsed_business_seconds": self.elapsed_business_seconds,
            "elapsed_wall_seconds": self.elapsed_wall_seconds,
        }
        for k in ("threshold", "tier", "level", "cell"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d


@dataclass(slots=True)
class EngineStats:
    events: int = 0
    duplicates: int = 0
    late: int = 0
    signals: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


class Engine:
    """Per-ticket SLA clocks for many tenants. See the module docstring.

    ``registry`` resolves tenants to contracts: ``registry.resolve(tenant)`` → an object with
    ``policy`` and ``options``; ``registry.policy_version(id, version)`` → that policy version (for
    tickets restored from state).
    """

    def __init__(self, registry: Any, *, events_advance_time: bool = True) -> None:
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
        self._heap: list[tuple[int, str, int, str]] = []
        self._rules: dict[tuple, _Rules] = {}
        # (id(plan), hard, soft, same-day µs) -> (plan, schedule) of plans whose schedule
        # depends on the origin through more than its instant; the plan checks identity
        self._schedules: dict[tuple[Any, ...], tuple[ClockPlan, Schedule]] = {}
        self._templates: dict[int, tuple[ClockPlan, Schedule]] = {}  # id(plan) -> (plan, sch)
        self._held: list[tuple[int, TicketState, str]] | None = None
        self._cals: dict[tuple[int, str], tuple[Any, BusinessCalendar]] = {}  # (id(policy), name)
        self._conds: dict[int, tuple[Any, Any]] = {}  # id(policy) -> its condition attributes
        #: keys of the tickets whose state changed since the last :meth:`drain_touched`
        #: (the live runtime writes exactly those to its table)
        self.touched: set[str] = set()

    # == public API ============================================================================
    def apply(self, event: Any, at_us: int | None = None) -> list[Signal]:
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
            raise RejectedEvent(exc.reason, out) from None
        if late:
            # the rungs of this ticket that fell due between the event and engine time are
            # revealed now: they fire at once, observed now (not at some later advance)
            ticket = self.tickets.get(f"{event.tenant}:{event.ticket_id}")
            now = self.now_us
            if ticket is not None and now is not None:
                out.extend(self._fire_due(ticket, now, now))
        return self._count(out)

    def _apply(self, event: Any, at: int) -> list[Signal]:
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
                    f"ticket {key} already exists (created {_dt(ticket.created_us).isoformat()});"
                    " send ticket.updated for changes"
                )
            self.stats.events += 1
            return self._create(event, key, at)
        if ticket is None:
            raise RejectedEvent(
                f"{etype} for unknown ticket {key}: no ticket.created was seen for it"
            )
        if ticket.phase != "open":
            raise RejectedEvent(f"{etype} for ticket {key}, which is already {ticket.phase}")
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
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, key, _, name = heapq.heappop(heap)
            ticket = self.tickets.get(key)
            if ticket is None:
                continue  # a dropped ticket's entry
            clock = ticket.clocks.get(name)
            if clock is None or clock.due_us != due:
                continue  # stale entry
            self.touched.add(key)
            out.extend(self._fire_clock(ticket, clock, due, None))
            self._schedule_clock(ticket, clock, due)
        return out

    def drain_touched(self) -> set[str]:
        """The keys of the tickets changed since the last call (and forget them)."""
        out, self.touched = self.touched, set()
        return out

    def next_due_us(self) -> int | None:
        """The earliest pending timer instant (stale heap entries dropped), or ``None``."""
        heap = self._heap
        while heap:
            due, key, _, name = heap[0]
            ticket = self.tickets.get(key)
            clock = ticket.clocks.get(name) if ticket else None
            if clock is not None and clock.due_us == due:
                return due
            heapq.heappop(heap)
        return None

    def clock_records(self, key: str) -> list[dict[str, Any]]:
        """One analytics record per clock of ticket ``key`` (the ``sla.clock-states``
        value): identity, status, the deadline as it stands, counted time, fired rungs and
        the clock's full serialised state. Empty for an unknown ticket."""
        ticket = self.tickets.get(key)
        if ticket is None:
            return []
        now = max(ticket.last_us, self.now_us or 0)
        out = []
        for clock in ticket.clocks.values():
            plan = self._plan_of(ticket, clock.name) if clock.active else None
            deadline = next_due = None
            business = 0
            tier = None
            if plan is not None:
                sch = self._schedule(ticket, clock, plan)
                goal = sch.hard or sch.soft
                tier = "hard" if sch.hard else "soft" if sch.soft else None
                if goal is not None:
                    deadline = self._instant_of(ticket, clock, plan, goal.track, goal.need, now)
                    business = self._counted_at(ticket, clock, plan, goal.track, now)
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
                    "started_at": _dt(clock.start_us).isoformat(),
                    "deadline": None if deadline is None else _dt(deadline).isoformat(),
                    "next_due": None if next_due is None else _dt(next_due).isoformat(),
                    "breached": "breach" in clock.fired,
                    "fired": list(clock.fired),
                    "elapsed_business_seconds": business / US,
                    "updated_at": _dt(now).isoformat(),
                    "state": clock.to_dict(),
                }
            )
        return out

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
                self._push(c.due_us, t, c.name)

    def drop_ticket(self, key: str) -> None:
        self.tickets.pop(key, None)  # heap entries go stale and are skipped

    def snapshot(self) -> dict[str, Any]:
        return {
            "now_us": self.now_us,
            "tickets": {k: t.to_dict() for k, t in self.tickets.items()},
        }

    @classmethod
    def restore(cls, registry: Any, snap: Mapping[str, Any]) -> Engine:
        eng = cls(registry)
        eng.now_us = snap["now_us"]
        for state in snap["tickets"].values():
            eng.load_ticket(state)
        return eng

    # == creation ==============================================================================
    def _create(self, event: Any, key: str, at: int) -> list[Signal]:
        try:
            contract = self.registry.resolve(event.tenant)
        except Exception as exc:  # the registry's own error types name the problem
            raise RejectedEvent(str(exc)) from None
        policy = contract.policy
        options = dict(contract.options or {})
        facts = _facts_of(event, {})
        okey = _freeze(options)
        rules = self._rules_for(policy, facts, options, okey)  # raises before any state is created
        # Timers pushed while the ticket is built are held and only the live ones pushed at
        # the end: a clock its own creation stops (the registration clock) leaves no stale
        # heap entry behind, which every later advance would have to pop.
        self._held = []
        try:
            return self._create_ticket(event, key, at, policy, options, facts, rules, okey)
        finally:
            held, self._held = self._held, None
            pushed: set[tuple[int, str]] = set()
            for due, ticket, name in held:
                clock = ticket.clocks.get(name)
                if clock is not None and clock.due_us == due and (due, name) not in pushed:
                    pushed.add((due, name))
                    self._push(due, ticket, name)

    def _create_ticket(
        self,
        event: Any,
        key: str,
        at: int,
        policy: Any,
        options: dict[str, Any],
        facts: dict[str, Any],
        rules: _Rules,
        okey: tuple,
    ) -> list[Signal]:
        plans = rules.plans
        reported = us_of(event.reported_at) if getattr(event, "reported_at", None) else at
        reported = min(reported, at)
        ticket = TicketState(
            tenant=event.tenant,
            ticket_id=event.ticket_id,
            policy=policy.id,
            version=str(policy.version),
            options=options,
            created_us=at,
            reported_us=reported,
            facts=facts,
            status=_norm(getattr(event, "status", None)),
            status_log=[[at, _norm(getattr(event, "status", None))]],
            lifecycle=[[at, "ticket.created", _norm(getattr(event, "status", None))]],
            seen=[event.event_id],
            last_us=at,
        )
        self.tickets[key] = ticket
        try:  # the ticket's policy version as later lookups see it (normally this very one)
            if self.registry.policy_version(ticket.policy, ticket.version) is policy:
                ticket.rt = (facts, rules, okey)
        except Exception:  # looked up (and raised) again where it is needed
            pass
        for plan in plans:
            start = ticket.reported_us if plan.starts_at == "reported" else at
            origin = rules.calendar(plan.calendar).next_open_us(start)
            clock = ClockState(name=plan.clock, start_us=start, origin_us=origin)
            ticket.clocks[plan.clock] = clock
            self._recount(ticket, clock, plan, at)
        observed = at if self.now_us is None else max(at, self.now_us)
        self._reschedule(ticket, at)
        # Rungs passed before creation fire now (revealed late). A clock the creation stops
        # (registration) that reaches its target exactly at creation is on time: "more than
        # 24 h earlier" is the breach (CONTRACTS, Inlenersbeloning); so rungs due at the
        # creation instant itself fire only after the stop, on clocks that keep running.
        # a clock the pass below fires is rescheduled as of at - 1: recompute after the stop
        again = any(c.due_us is not None and c.due_us < at for c in ticket.clocks.values())
        out = self._fire_due(ticket, at - 1, observed)
        for clock in ticket.clocks.values():  # as _stop_where(ticket, "ticket.created", ...)
            if (
                clock.active
                and not clock.stopped
                and "ticket.created" in self._plan_of(ticket, clock.name).stop_on
            ):
                out.extend(self._stop(ticket, clock, at, verdict=True))
                again = True
        if again:  # else nothing changed since the pass above
            self._reschedule(ticket, at)
        out.extend(self._fire_due(ticket, at, observed))
        return out

    # == changes ===============================================================================
    def _change(self, ticket: TicketState, event: Any, at: int, out: list[Signal]) -> bool:
        """Apply fact and status changes carried by any event (recompute, pause/resume).
        Returns whether a clock may have changed (its next due instant must be recomputed);
        the verdicts of clocks a change brings in already stopped go to ``out``."""
        new_facts = _facts_of(event, ticket.facts)
        changed = False
        if new_facts is not ticket.facts and new_facts != ticket.facts:
            old = self._ticket_rules(ticket)
            okey = ticket.rt[2]  # set by _ticket_rules
            rules = self._rules_for(old.policy, new_facts, ticket.options, okey)
            # the event is accepted from here on: mutate
            ticket.facts = new_facts
            ticket.rt = (new_facts, rules, okey)
            if rules.plans is not old.plans and rules.plans != old.plans:
                changed = True
                self._replan(ticket, rules, at, out)
            else:
                changed = self._replan_same(ticket, rules, at)
        status = getattr(event, "status", None)
        if status is not None and _norm(status) != ticket.status:
            ticket.status = _norm(status)
            ticket.status_log.append([at, ticket.status])
            by_name = self._ticket_rules(ticket).by_name
            for clock in ticket.clocks.values():
                if not clock.active or clock.stopped:
                    continue
                plan = by_name[clock.name]
                pausing = ticket.status in plan.pause_statuses
                if pausing and not clock.paused:
                    self._settle(ticket, clock, at)
                    clock.paused = True
                    clock.running_since = None
                    changed = True
                elif not pausing and clock.paused:
                    clock.paused = False
                    clock.running_since = at
                    changed = True
        return changed

    def _replan(self, ticket: TicketState, rules: _Rules, at: int, out: list[Signal]) -> None:
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
                self._settle(ticket, clock, at)
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
                stops, status = _stops_from(ticket.lifecycle, plan.stop_on, plan.resume_on)
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

    def _replan_same(self, ticket: TicketState, rules: _Rules, at: int) -> bool:
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
                self._settle(ticket, clock, at)
        return changed

    def _stop_where(
        self, ticket: TicketState, etype: str, at: int, *, verdict: bool
    ) -> list[Signal]:
        out: list[Signal] = []
        for clock in ticket.clocks.values():
            if (
                clock.active
                and not clock.stopped
                and etype in self._plan_of(ticket, clock.name).stop_on
            ):
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
        plan = self._plan_of(ticket, clock.name)
        sch = self._schedule(ticket, clock, plan)
        goal = sch.verdict_goal
        # the deadline as it stood at the stop (projected if not yet reached)
        deadline = (
            self._instant_of(ticket, clock, plan, goal.track, goal.need, at) if goal else None
        )
        self._settle(ticket, clock, at)
        clock.running_since = None
        clock.stops.append([at, None])
        clock.due_us = None
        if not verdict:
            return []
        # reached exactly at the stop: missed only if its rung already fired (timers at an
        # instant fire before the events at it; not so for a clock stopped at creation)
        return self._verdict(ticket, clock, plan, sch, at, at, deadline, reached_missed=False)

    def _late_verdict(
        self, ticket: TicketState, clock: ClockState, plan: ClockPlan, paused: bool, observed: int
    ) -> list[Signal]:
        """The verdict of a clock brought in by a change, already stopped (its last stop,
        which it did not see, came while it was ``paused`` or not; recounted up to it): what
        :meth:`_stop` would have given at that stop, observed now."""
        sch = self._schedule(ticket, clock, plan)
        stop = clock.stops[-1][0]
        goal = sch.verdict_goal
        deadline: int | None = None
        if goal is not None:
            acc = clock.acc.get(goal.track, 0)
            if acc >= goal.need:  # reached before the stop: from the history
                deadline = self._instant_of(ticket, clock, plan, goal.track, goal.need, stop)
            elif not paused:
                # projected from the stop, as _stop projects from the running clock
                origin = max(stop, clock.origin_us)
                deadline = (
                    self._ticket_rules(ticket).track(goal.track).add_us(origin, goal.need - acc)
                )
        # reached exactly at a stop after creation: the breach timer at that instant fired
        # before the event that stopped the clock
        late = stop > ticket.created_us
        return self._verdict(
            ticket, clock, plan, sch, stop, observed, deadline, reached_missed=late
        )

    def _verdict(
        self,
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
        """``sla.met``/``sla.missed`` of ``clock`` stopped at ``at`` (its last stop)."""
        goal = sch.verdict_goal
        if goal is not None:
            acc = clock.acc.get(goal.track, 0)
            key = "breach" if sch.hard is not None else "warning:soft"
            missed = acc > goal.need or (
                acc == goal.need and (reached_missed or key in clock.fired)
            )
            tier = None if sch.hard is not None else "soft"
        elif sch.same_day_us is not None:
            missed = at >= sch.same_day_us
            tier = "same_day"
        else:
            return []
        kind = "missed" if missed else "met"
        n = len(clock.stops)
        return [
            self._signal(
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

    def _resume_where(self, ticket: TicketState, etype: str, at: int) -> None:
        for clock in ticket.clocks.values():
            if (
                clock.active
                and clock.stopped
                and etype in self._plan_of(ticket, clock.name).resume_on
            ):
                clock.stops[-1][1] = at
                # the status may have changed while the clock was stopped (R4)
                pauses = self._plan_of(ticket, clock.name).pause_statuses
                clock.paused = ticket.status in pauses
                if not clock.paused:
                    clock.running_since = at

    # == accounting ============================================================================
    def _settle(self, ticket: TicketState, clock: ClockState, at: int) -> None:
        """Add the time counted since ``running_since`` to the accumulators."""
        rs = clock.running_since
        if rs is None:
            return
        a = max(rs, clock.origin_us)
        if at > a:
            rules = self._ticket_rules(ticket)
            for track in list(clock.acc):
                clock.acc[track] += rules.track(track).elapsed_us(a, at)
        clock.running_since = at

    def _recount(self, ticket: TicketState, clock: ClockState, plan: ClockPlan, at: int) -> None:
        """Recount ``clock`` from its history (status log, stops) up to ``at``: used when it
        starts and when a change gives it another plan (R5: elapsed time is kept)."""
        sch = self._schedule(ticket, clock, plan)
        if at <= max(clock.start_us, clock.origin_us):
            # a clock starting now (or before its first opening): every interval of its
            # history is empty, so nothing is counted yet
            clock.acc = dict.fromkeys(sch.tracks, 0)
        else:
            rules = self._ticket_rules(ticket)
            intervals = self._intervals(ticket, clock, plan, at)
            clock.acc = {}
            for track in sch.tracks:
                cal = rules.track(track)
                clock.acc[track] = sum(cal.elapsed_us(a, b) for a, b in intervals)
        stopped = clock.stopped
        clock.paused = ticket.status in plan.pause_statuses
        clock.running_since = None if (stopped or clock.paused) else max(at, clock.start_us)

    def _intervals(
        self, ticket: TicketState, clock: ClockState, plan: ClockPlan, until: int
    ) -> list[tuple[int, int]]:
        """The running intervals of ``clock`` in [origin, until): not in a pausing status and
        not stopped."""
        pauses = plan.pause_statuses
        log = ticket.status_log
        segs: list[tuple[int, int]] = []
        cursor = clock.start_us
        for i, (t, status) in enumerate(log):
            end = log[i + 1][0] if i + 1 < len(log) else until
            if i == 0 and t > cursor:  # before creation (a clock started at reported_at)
                segs.append((cursor, t))
            if status not in pauses:
                segs.append((max(t, cursor), end))
        for stop, resume in clock.stops:
            cut_end = until if resume is None else resume
            segs = [p for a, b in segs for p in _minus((a, b), (stop, cut_end))]
        lo = clock.origin_us
        return [(max(a, lo), min(b, until)) for a, b in segs if min(b, until) > max(a, lo)]

    def _counted_at(
        self, ticket: TicketState, clock: ClockState, plan: ClockPlan, track: str, at: int
    ) -> int:
        """The time counted on ``track`` up to ``at``. Fast when ``at`` lies in the current
        running stretch (the accumulators hold everything before it) or at the instant the
        clock was just stopped; otherwise (a rung revealed in the past) from the history."""
        rs = clock.running_since
        if rs is not None and at >= rs:
            acc = clock.acc.get(track, 0)
            a = max(rs, clock.origin_us)
            if at > a:
                acc += self._ticket_rules(ticket).track(track).elapsed_us(a, at)
            return acc
        if rs is None and clock.stops and clock.stops[-1][1] is None and clock.stops[-1][0] == at:
            return clock.acc.get(track, 0)
        cal = self._ticket_rules(ticket).track(track)
        return sum(cal.elapsed_us(a, b) for a, b in self._intervals(ticket, clock, plan, at))

    def _instant_of(
        self,
        ticket: TicketState,
        clock: ClockState,
        plan: ClockPlan,
        track: str,
        need: int,
        now: int,
    ) -> int | None:
        """When the counted time on ``track`` reaches ``need``: a past instant (from the
        history) or a future one (if running), ``None`` if not reached and not running."""
        acc = clock.acc.get(track, 0)
        cal = self._ticket_rules(ticket).track(track)
        rs = clock.running_since
        if need > acc:
            if rs is None:
                return None
            return cal.add_us(max(rs, clock.origin_us), need - acc)
        # reached in the past: walk the history
        total = 0
        for a, b in self._intervals(ticket, clock, plan, now):
            part = cal.elapsed_us(a, b)
            if total + part >= need:
                return cal.add_us(a, need - total) if need > total else a
            total += part
        return now

    # == timers ================================================================================
    def _push(self, due: int, ticket: TicketState, name: str) -> None:
        if self._held is not None:  # a ticket being created (see _create)
            self._held.append((due, ticket, name))
            return
        # ties break on (ticket, clock position), never on push history (see module doc)
        idx = 0
        for other in ticket.clocks:
            if other == name:
                break
            idx += 1
        heapq.heappush(self._heap, (due, ticket.key, idx, name))

    def _reschedule(self, ticket: TicketState, now: int) -> None:
        for clock in ticket.clocks.values():
            self._schedule_clock(ticket, clock, now)

    def _schedule_clock(self, ticket: TicketState, clock: ClockState, now: int) -> None:
        due = self._next_due(ticket, clock, now)
        if due != clock.due_us:
            clock.due_us = due
            if due is not None:
                self._push(due, ticket, clock.name)

    def _next_due(self, ticket: TicketState, clock: ClockState, now: int) -> int | None:
        if not clock.active or clock.stopped:
            return None
        plan = self._plan_of(ticket, clock.name)
        sch = self._schedule(ticket, clock, plan)
        fired = clock.fired
        best: int | None = None
        need_by_track: dict[str, int] = {}
        for item in sch.items:
            if item.key in fired:
                continue
            if item.at_us is not None:
                if _stopped_at(clock, item.at_us):
                    continue
                if best is None or item.at_us < best:
                    best = item.at_us
            elif item.need < need_by_track.get(item.track, item.need + 1):
                need_by_track[item.track] = item.need
        for track, need in need_by_track.items():
            cand = self._instant_of(ticket, clock, plan, track, need, now)
            if cand is not None and (best is None or cand < best):
                best = cand
        return best

    def _fire_due(self, ticket: TicketState, now: int, observed: int | None) -> list[Signal]:
        """Fire the rungs of every clock of ``ticket`` due up to ``now`` (event-revealed)."""
        out: list[Signal] = []
        for clock in ticket.clocks.values():
            if clock.due_us is not None and clock.due_us <= now:
                out.extend(self._fire_clock(ticket, clock, now, observed))
                self._schedule_clock(ticket, clock, now)
        return out

    def _fire_clock(
        self, ticket: TicketState, clock: ClockState, now: int, observed: int | None
    ) -> list[Signal]:
        if not clock.active or clock.stopped:
            return []
        plan = self._plan_of(ticket, clock.name)
        sch = self._schedule(ticket, clock, plan)
        due: list[tuple[int, int, Item]] = []
        for item in sch.items:
            if item.key in clock.fired:
                continue
            at: int | None = item.at_us
            if at is not None:
                if _stopped_at(clock, at):
                    # an absolute rung (same_day) looks at the ticket at its instant: a clock
                    # stopped then (resolved on the day) has nothing to escalate, even if it
                    # is reopened later (CONTRACTS Smart FMS)
                    continue
            else:
                at = self._instant_of(ticket, clock, plan, item.track, item.need, now)
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
                self._signal(
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

    # == signals ===============================================================================
    def _signal(
        self,
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
        goal = sch.hard or sch.soft
        d: int | None = deadline_us
        if d is None:
            if goal is not None:
                d = self._instant_of(ticket, clock, plan, goal.track, goal.need, max(at, observed))
            else:
                d = sch.same_day_us
        # one datetime per distinct instant (a breach's deadline is its instant)
        at_dt = _dt(at)
        observed_dt = at_dt if observed == at else _dt(observed)
        deadline = None if d is None else at_dt if d == at else _dt(d)
        business = self._counted_at(ticket, clock, plan, goal.track, at) if goal is not None else 0
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

    def _count(self, signals: list[Signal]) -> list[Signal]:
        st = self.stats
        st.signals += len(signals)
        for s in signals:
            st.by_type[s.type] = st.by_type.get(s.type, 0) + 1
        return signals

    # == policy lookups (cached) ===============================================================
    # A ticket keeps a transient ``(facts, rules, frozen options)`` triple (not part of its
    # state): valid while ``ticket.facts`` is that very dict (the engine replaces facts, never
    # edits them in place; a ticket's options never change).
    def _ticket_rules(self, ticket: TicketState) -> _Rules:
        rt = ticket.rt
        if rt is not None and rt[0] is ticket.facts:
            return rt[1]  # type: ignore[no-any-return]
        okey = rt[2] if rt is not None else _freeze(ticket.options)
        rules = self._rules_for(self._policy(ticket), ticket.facts, ticket.options, okey)
        ticket.rt = (ticket.facts, rules, okey)
        return rules

    def _policy(self, ticket: TicketState) -> Any:
        rt = ticket.rt
        if rt is not None:
            return rt[1].policy  # a ticket's policy version never changes
        return self.registry.policy_version(ticket.policy, ticket.version)

    def _rules_for(
        self, policy: Any, facts: dict[str, Any], options: Mapping[str, Any], okey: tuple
    ) -> _Rules:
        """The plans (and derived lookups) for ``facts`` under ``policy`` and ``options``
        (frozen: ``okey``). Cached by what the plans depend on: the policy object, the five
        fact fields and only the attributes some clock rule looks at (free-form attributes
        such as an assignee change on many events and would make every key new)."""
        attrs = facts.get("attributes")
        # a policy that does not say which attributes it reads is keyed by all of them
        hit = self._conds.get(id(policy))
        if hit is None or hit[0] is not policy:
            hit = self._conds[id(policy)] = (policy, getattr(policy, "condition_attributes", None))
        cond = hit[1]
        if not attrs:
            akey: Any = ()
        elif cond is None:
            akey = _freeze(attrs)
        else:
            akey = tuple((a in attrs, _freeze(attrs.get(a))) for a in cond)
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
                raise RejectedEvent(str(exc)) from None
            if len(self._rules) > 50_000:
                self._rules.clear()
            rules = self._rules[key] = _Rules(policy, plans)
        return rules

    def _plan(
        self, policy: Any, facts: dict[str, Any], options: Mapping[str, Any]
    ) -> tuple[ClockPlan, ...]:
        return self._rules_for(policy, facts, options, _freeze(options)).plans

    def _plan_of(self, ticket: TicketState, name: str) -> ClockPlan:
        plan = self._ticket_rules(ticket).by_name.get(name)
        if plan is None:  # pragma: no cover - an inactive clock is never planned
            raise KeyError(name)
        return plan

    def _calendar(self, policy: Any, name: str) -> BusinessCalendar:
        """``policy.calendar(name)``, looked up once per policy object and name."""
        hit = self._cals.get((id(policy), name))
        if hit is not None and hit[0] is policy:
            return hit[1]
        cal = policy.calendar(name)
        self._cals[(id(policy), name)] = (policy, cal)
        return cal

    def _schedule(self, ticket: TicketState, clock: ClockState, plan: ClockPlan) -> Schedule:
        # A plan object belongs to one policy version (it comes from that policy's plan()),
        # so its identity and the clock's start (which never changes) determine the
        # schedule: the clock keeps the last one it was given (not part of its state).
        cached = clock.sch
        if cached is not None and cached[0] is plan:
            return cached[1]  # type: ignore[no-any-return]
        if len(self._schedules) > 200_000:
            self._schedules.clear()
        policy = self._policy(ticket)
        if _origin_free(plan):
            # Only the origin differs from one start to the next: resolve the plan once.
            tpl = self._templates.get(id(plan))
            if tpl is None or tpl[0] is not plan:
                sch = schedule(policy, plan, _dt(clock.start_us))
                tpl = self._templates[id(plan)] = (plan, sch)
            origin = self._calendar(policy, plan.calendar).next_open_us(clock.start_us)
            sch = tpl[1].at_origin(origin)
        else:
            # weeks/months targets and same-day rungs depend on the origin itself; the items
            # follow from the goals (and the same-day instant): one schedule per distinct
            # (plan, goals), moved to each origin
            cal = self._calendar(policy, plan.calendar)
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


# == helpers ===================================================================================
#: normalised spellings of the strings seen (statuses, kinds, channels, priorities: a small
#: vocabulary), so the hot path does not build a new lower-case copy of each on every event
_NORMS: dict[str, str] = {}


def _norm(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    hit = _NORMS.get(value)
    if hit is None:
        hit = value.strip().lower()
        if len(_NORMS) < 10_000:  # a free-form vocabulary is normalised but not kept
            _NORMS[value] = hit
    return hit


def _facts_of(event: Any, old: dict[str, Any]) -> dict[str, Any]:
    """The facts after ``event``: ``old`` itself (the same object) when the event changes
    none of them, else a new dict."""
    facts: dict[str, Any] | None = None
    # A later event changes only the facts its sender set: a decoded TicketEvent fills in
    # defaults (kind="incident"), which must not turn a service_request into an incident.
    given = None
    if old:  # (a pydantic model's fields set, read without its Python-level property; a
        # held replay event has the plain attribute, looked up without a failed lookup)
        given = getattr(event, "model_fields_set", None)
    for name in FACT_FIELDS:
        if given is not None and name not in given:
            continue
        v = getattr(event, name, None)
        if v is not None:
            v = _norm(v)
            if name not in old or old[name] != v:
                if facts is None:
                    facts = dict(old)
                facts[name] = v
    attrs = getattr(event, "attributes", None)
    if attrs:
        current = old.get("attributes") or {}
        merged = dict(current)
        merged.update(attrs)
        if "attributes" not in old or merged != current:
            if facts is None:
                facts = dict(old)
            facts["attributes"] = merged
    return old if facts is None else facts


def _origin_free(plan: ClockPlan) -> bool:
    """Whether ``schedule(policy, plan, start)`` depends on ``start`` only through its
    ``origin_us``: no weeks/months target (wall time from the origin) and no same-day
    escalation (the origin's closing time); m/h/workdays needs are durations."""
    for t in (plan.hard, plan.soft):
        if t is not None and t.unit in ("weeks", "months"):
            return False
    return all(e.at != "same_day" for e in plan.escalations)


_SCALARS = (str, int, float, bool, type(None))


def _freeze(obj: Any) -> Any:
    if type(obj) is dict:  # the common case, flat facts/options: no recursion per value
        return tuple(sorted((k, v if type(v) in _SCALARS else _freeze(v)) for k, v in obj.items()))
    if isinstance(obj, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in obj.items()))
    if isinstance(obj, list | tuple):
        return tuple(_freeze(v) for v in obj)
    return obj


def _stops_from(
    lifecycle: list[list[Any]], stop_on: Iterable[str], resume_on: Iterable[str]
) -> tuple[list[list[Any]], Any]:
    """A clock's ``[stop, resume | None]`` pairs as the ticket's lifecycle events would have
    made them had it been in the plan all along (:meth:`Engine._stop_where`,
    :meth:`Engine._resume_where`), and the ticket's status when the last stop came (kept
    with the event: a status change at the same instant may come before or after it)."""
    stops: list[list[Any]] = []
    status = None
    for t, etype, st in lifecycle:
        if stops and stops[-1][1] is None:
            if etype in resume_on:
                stops[-1][1] = t
        elif etype in stop_on:
            stops.append([t, None])
            status = st
    return stops, status


def _stopped_at(clock: ClockState, t: int) -> bool:
    """Whether ``clock`` was stopped (resolved, not yet reopened) at instant ``t``."""
    return any(stop <= t and (resume is None or t < resume) for stop, resume in clock.stops)


def _minus(seg: tuple[int, int], cut: tuple[int, int]) -> Iterable[tuple[int, int]]:
    a, b = seg
    c, d = cut
    if d <= a or c >= b:
        return [seg]
    parts = []
    if c > a:
        parts.append((a, c))
    if d < b:
        parts.append((d, b))
    return parts
