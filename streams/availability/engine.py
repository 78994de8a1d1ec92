"""The availability engine: monitoring events in → availability and heartbeat signals out.

Pure and deterministic, like the clock engine (:mod:`streams.engine.engine`), and driven the
same way: :meth:`AvailabilityEngine.apply` takes one decoded monitoring event,
:meth:`AvailabilityEngine.advance_us` moves time with no event; nothing reads the wall clock.

State is one small JSON-able value per tenant (:class:`TenantMonitor`): per service the
outage going on (``down`` since, cause) and the closed outages of this and the previous
calendar month; the announced maintenance; per heartbeat check the last report. Everything a
signal says is recomputed from that state with the pure arithmetic of
:mod:`streams.availability.downtime` and :mod:`streams.availability.maintenance`:

    counted = open time of the measurement calendar inside
              (outages whose cause is not excluded − maintenance the rules exclude) ∩ month

Signals, per (service, availability target, calendar month in the policy's timezone), each
at most once, at the instant its condition first holds (a late event that reveals a passed
instant fires it at once: ``at`` the instant, ``observed_at`` now):

* ``availability.warning`` ``reason: "projected"`` — an outage is going on and, if it goes on,
  the month's target is missed at ``exhausts_at`` (inside the month): fired when the outage
  starts (or when the month it runs into starts). Burn-rate style: "at this rate the monthly
  target is missed at 14:32".
* ``availability.warning`` ``threshold: 0.5`` / ``0.75`` — half / three quarters of the
  month's downtime budget are spent.
* ``availability.breach`` — the first instant at which the month's target can no longer be
  met (counted downtime exceeds the budget).
* ``availability.report`` — at the month's end: the figure, ``met`` or not, ``revision: 0``.

Late events and revisions. A month is reported when its service's time passes the month's
end. An event that arrives afterwards and changes such a month (an outage, its end or
cause, maintenance, a cancellation, for one of the :data:`REVISE_MONTHS` months before the
one being measured) reopens it: the month's warnings and breach not yet fired fire at once
(``observed_at`` now, the ids a replay in event order gives them), and if the month's
figure (downtime, budget, the maintenance that counted) is no longer what its last report
said, a new ``availability.report`` for the same period follows with ``revision`` one
higher and its own id (revision 0 keeps the id it always had). A late event that changes
nothing reported (a duplicate, an up at the same instant) revises nothing. Signals already
sent are not withdrawn: the report with the highest revision is the month's figure.

``availability_percent`` in every availability signal is the month's figure if nothing more
counts: ``100 × (1 − counted so far / measured time of the whole month)``, so it falls
monotonically through the month and is below the target exactly when the breach has fired.

Heartbeats: a check's first ``heartbeat`` starts its expectation; ``heartbeat.missed`` fires
just after ``deadline = last + max_interval`` (a report exactly at the deadline is on time)
when no newer one came, ``heartbeat.recovered`` at the next one; once per gap.

Choices (README, "Availability"): a ``monitor.up`` may carry the diagnosed ``cause`` (it
replaces the one of the down); repeated downs are one outage; an up without a down is
ignored (counted in ``stats.ignored``); ``maintenance.cancelled`` withdraws the announcement
(it excludes nothing, and no longer counts towards "at most N a month"); maintenance without
``service`` covers every service of the tenant. Input that cannot be applied (a tenant whose
policy has no availability target for the service, an unknown heartbeat check, a
cancellation of unknown maintenance) is rejected with a reason: the caller dead-letters it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calendars import BusinessCalendar
from calendars.timeline import EPOCH, US, us_of
from models.availability import AvailabilityTarget
from models.ids import signal_id
from streams.availability.downtime import clip, month_bounds_us, month_measure, subtract, union
from streams.availability.maintenance import Announcement, MaintenanceVerdict, evaluate
from streams.engine.errors import RejectedEvent

#: Table / state key prefix of a tenant's monitoring state (NUL: never a ``tenant:ticket``).
MON_PREFIX = "\x00mon:"
#: Recent event ids kept per tenant to drop duplicates (retries arrive close together).
SEEN_KEEP = 256
#: How many months before the one being measured a late event can still revise: their
#: outages, maintenance and reports are kept in the state (a year: a backfill of the
#: monitoring history into a running worker; an older month's report is final).
REVISE_MONTHS = 12
THRESHOLDS = (0.5, 0.75)


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def monitor_key(tenant: str) -> str:
    return MON_PREFIX + tenant


@dataclass(frozen=True, slots=True)
class AvailabilitySignal:
    """An availability or heartbeat signal (schema: :class:`models.signals.Signal`)."""

    event_id: str
    type: str
    tenant: str
    policy: str
    policy_version: str
    at: datetime
    observed_at: datetime
    service: str | None = None
    check: str | None = None
    target: str | None = None
    period: str | None = None
    target_percent: float | None = None
    availability_percent: float | None = None
    downtime_seconds: float | None = None
    budget_seconds: float | None = None
    measured_seconds: float | None = None
    threshold: float | None = None
    reason: str | None = None
    exhausts_at: datetime | None = None
    met: bool | None = None
    deadline: datetime | None = None
    last_seen: datetime | None = None
    interval_seconds: float | None = None
    maintenance: tuple[dict[str, Any], ...] | None = None
    revision: int | None = None  # availability.report: 0, then 1, 2, … for each revision

    # the ticket fields of the common signal shape stay null
    ticket_id = None
    clock = None
    priority = None
    tier = None
    level = None
    cell = None

    @property
    def state_key(self) -> str:
        return monitor_key(self.tenant)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "event_id": self.event_id,
            "type": self.type,
            "tenant": self.tenant,
            "ticket_id": None,
            "clock": None,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "priority": None,
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "at": self.at.isoformat(),
            "observed_at": self.observed_at.isoformat(),
        }
        for k in (
            "service",
            "check",
            "target",
            "period",
            "target_percent",
            "availability_percent",
            "downtime_seconds",
            "budget_seconds",
            "measured_seconds",
            "threshold",
            "reason",
            "exhausts_at",
            "met",
            "last_seen",
            "interval_seconds",
            "revision",
        ):
            v = getattr(self, k)
            if v is not None:
                d[k] = v.isoformat() if isinstance(v, datetime) else v
        if self.maintenance is not None:
            d["maintenance"] = [dict(m) for m in self.maintenance]
        return d


# == state ====================================================================================
@dataclass(slots=True)
class ServiceState:
    month: tuple[int, int]  # the calendar month being measured (policy timezone)
    now_us: int  # the newest instant of this service's own events
    down: list[Any] | None = None  # [since_us, cause | None] while an outage goes on
    outages: list[list[Any]] = field(default_factory=list)  # [start_us, end_us, cause]
    # what the last report of each revisable month said: "period\x1ftarget" ->
    # [revision, counted_us, budget_us, [maintenance ids that counted]]
    reported: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(slots=True)
class TenantMonitor:
    """One tenant's monitoring state (a table value).

    Time per subject: a service's items fall due against ``max(now_us, service.now_us)``,
    a check's against ``max(now_us, its last report)``, where ``now_us`` is the time the
    clock ticks (or, in a replay, every event) advanced the tenant to. So in the live
    runtime a service's signals depend on its own events and the ticks only, not on how
    the events of other services or checks interleave with them across input partitions.
    """

    tenant: str
    policy: str
    version: str
    now_us: int
    services: dict[str, ServiceState] = field(default_factory=dict)
    # maintenance_id -> [kind, start_us, end_us, announced_us, service | None]
    maintenance: dict[str, list[Any]] = field(default_factory=dict)
    checks: dict[str, list[Any]] = field(default_factory=dict)  # check -> [last_us, missed]
    fired: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    due_us: int | None = None

    @property
    def key(self) -> str:
        return monitor_key(self.tenant)

    @property
    def known_until_us(self) -> int:
        """The newest instant this state knows of (ticks, service events, reports)."""
        return max(
            [self.now_us]
            + [s.now_us for s in self.services.values()]
            + [c[0] for c in self.checks.values()]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "policy": self.policy,
            "version": self.version,
            "now_us": self.now_us,
            "services": {
                n: {
                    "month": list(s.month),
                    "now_us": s.now_us,
                    "down": s.down,
                    "outages": [list(o) for o in s.outages],
                    "reported": {k: list(v) for k, v in s.reported.items()},
                }
                for n, s in self.services.items()
            },
            "maintenance": {k: list(v) for k, v in self.maintenance.items()},
            "checks": {k: list(v) for k, v in self.checks.items()},
            "fired": list(self.fired),
            "seen": list(self.seen),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TenantMonitor:
        return cls(
            tenant=d["tenant"],
            policy=d["policy"],
            version=d["version"],
            now_us=int(d["now_us"]),
            services={
                n: ServiceState(
                    (int(s["month"][0]), int(s["month"][1])),
                    int(s["now_us"]),
                    None if s["down"] is None else list(s["down"]),
                    [list(o) for o in s["outages"]],
                    # states stored before revisions existed have no "reported"
                    {k: list(v) for k, v in s.get("reported", {}).items()},
                )
                for n, s in d["services"].items()
            },
            maintenance={k: list(v) for k, v in d["maintenance"].items()},
            checks={k: list(v) for k, v in d["checks"].items()},
            fired=list(d["fired"]),
            seen=list(d["seen"]),
        )


@dataclass(slots=True)
class AvailabilityStats:
    events: int = 0
    duplicates: int = 0
    ignored: int = 0  # an up without a down
    signals: int = 0


# == the month's arithmetic (also what `slawatch availability` prints) ==========================
@dataclass(frozen=True, slots=True)
class OutageLine:
    start_us: int
    end_us: int | None  # None: still going on
    cause: str | None
    counted_us: int
    note: str


@dataclass(frozen=True, slots=True)
class MonthView:
    """One (service, target, month) as known at ``upto``: the figure and what produced it."""

    service: str
    target: AvailabilityTarget
    period: str
    lo: int
    hi: int
    measured_us: int
    budget_us: int
    counted_us: int
    outages: tuple[OutageLine, ...]
    maintenance: tuple[MaintenanceVerdict, ...]

    @property
    def availability_percent(self) -> float:
        return _percent(self.counted_us, self.measured_us)

    @property
    def met(self) -> bool:
        return self.counted_us <= self.budget_us


class _Month:
    """The counted intervals of one (service, target, month), built once per evaluation."""

    def __init__(
        self,
        policy: Any,
        target: AvailabilityTarget,
        st: TenantMonitor,
        service: str,
        year: int,
        month: int,
    ) -> None:
        self.cal: BusinessCalendar = policy.calendar(target.calendar)
        self.target = target
        self.lo, self.hi, self.measured, self.budget = month_measure(
            self.cal, target.target_percent, year, month
        )
        self.period = f"{year:04d}-{month:02d}"
        svc = st.services.get(service)
        excluded_causes = set(target.excluded_causes)
        outages = [(a, b, c) for a, b, c in svc.outages] if svc else []
        if svc is not None and svc.down is not None:  # going on: assumed to go on
            outages.append((svc.down[0], max(self.hi, svc.down[0] + 1), svc.down[1]))
        self.outages = sorted(outages)
        counted_outages = [(a, b) for a, b, c in outages if c not in excluded_causes]
        self.anns = {
            a.maintenance_id: a
            for a in _month_announcements(st, service, self.cal, self.lo, self.hi)
        }
        self.verdicts = evaluate(
            self.anns.values(), target.maintenance, policy.timezone, policy.calendar
        )
        self.exclusions = union(i for v in self.verdicts for i in v.excluded)
        self.excluded_causes = excluded_causes
        self.down = clip(subtract(counted_outages, self.exclusions), self.lo, self.hi)

    def counted(self, upto: int) -> int:
        return sum(self.cal.elapsed_us(a, min(b, upto)) for a, b in self.down if a < upto)

    def counted_maintenance(self, upto: int) -> tuple[dict[str, Any], ...]:
        """The announced maintenance that broke a rule and whose downtime counted before
        ``upto``: what a signal names so that nobody has to ask why it counted."""
        out = []
        for v in self.verdicts:
            if not v.broken:
                continue
            a = self.anns[v.maintenance_id]
            counted_part = clip(subtract([(a.start_us, a.end_us)], v.excluded), a.start_us, upto)
            if any(x < d and c < y for x, y in counted_part for c, d in self.down):
                out.append(
                    {
                        "maintenance_id": v.maintenance_id,
                        "kind": v.kind,
                        "broken": list(v.broken),
                        "explanation": v.explanation,
                    }
                )
        return tuple(out)

    def reached(self, need: int) -> int | None:
        """The first instant at which the counted time reaches ``need`` (> 0), or ``None``
        if it does not within the month (with the outage going on to the month's end)."""
        total = 0
        for a, b in self.down:
            part = self.cal.elapsed_us(a, b)
            if total + part >= need:
                return self.cal.add_us(a, need - total)
            total += part
        return None

    def view(self, service: str, upto: int) -> MonthView:
        lo, hi = self.lo, self.hi
        lines = []
        for a, b, cause in self.outages:
            if b <= lo or a >= hi:
                continue
            end = min(b, upto)
            if cause in self.excluded_causes:
                counted, note = 0, f"cause {cause!r} is excluded by the contract"
            else:
                inside = clip([(a, end)], lo, hi)
                counted = sum(
                    self.cal.elapsed_us(x, y)
                    for x, y in clip(subtract(inside, self.exclusions), lo, hi)
                )
                measured = sum(self.cal.elapsed_us(x, y) for x, y in inside)
                notes = []
                if counted < measured:
                    notes.append(
                        "excluded maintenance covers part of it"
                        if counted
                        else "inside excluded maintenance"
                    )
                if measured < sum(y - x for x, y in inside):
                    notes.append(
                        "partly outside the measured hours"
                        if measured
                        else "outside the measured hours"
                    )
                note = "; ".join(notes) or "counted in full"
            going_on = b > upto  # the outage still going on (projected to the month's end)
            lines.append(OutageLine(a, None if going_on else b, cause, counted, note))
        anns = {mid: v for mid, v in self.anns.items() if v.start_us < hi and v.end_us > lo}
        return MonthView(
            service,
            self.target,
            self.period,
            lo,
            hi,
            self.measured,
            self.budget,
            self.counted(min(upto, hi)),
            tuple(lines),
            tuple(v for v in self.verdicts if v.maintenance_id in anns),
        )


def _month_announcements(
    st: TenantMonitor, service: str, cal: BusinessCalendar, lo: int, hi: int
) -> list[Announcement]:
    """The maintenance of ``service`` that decides what is excluded in ``[lo, hi)``: the
    announcements that overlap it, and every one that starts in the same calendar month as
    one of those, before ``hi`` (``max_per_month`` numbers them per start month). The state
    keeps a year of maintenance; the month's verdicts need only these."""
    mine = [
        Announcement(mid, kind, s, e, ann)
        for mid, (kind, s, e, ann, scope) in sorted(st.maintenance.items())
        if scope is None or scope == service
    ]
    starts = [a.start_us for a in mine if a.start_us < hi and a.end_us > lo]
    if not starts:
        return []
    first = min(starts)  # started in an earlier month: from the start of that month
    floor = month_bounds_us(cal, *_month_of(first, cal.timezone))[0] if first < lo else lo
    return [a for a in mine if floor <= a.start_us < hi]


#: separates the parts of a fired key (period, service, target, item): no name contains it
_SEP = "\x1f"


def _fired_key(mo: _Month, service: str, item: str) -> str:
    """The key under which an item of (month, service, target) is recorded as fired."""
    return _SEP.join((mo.period, service, mo.target.name, item))


def _percent(counted: int, measured: int) -> float:
    """The month's availability if nothing more counts, in percent (4 decimals)."""
    return 100.0 if measured == 0 else round(100.0 * (1 - counted / measured), 4)


def _subject(event: Any) -> tuple[str, str] | None:
    """Whose time an event moves on: its service's, its check's, or (maintenance) none."""
    if event.type in ("monitor.down", "monitor.up"):
        return ("service", event.service)
    if event.type == "heartbeat":
        return ("check", event.check)
    return None


def _next_month(y: int, m: int) -> tuple[int, int]:
    return (y + m // 12, m % 12 + 1)


def _shift_month(ym: tuple[int, int], n: int) -> tuple[int, int]:
    y, m = divmod(ym[0] * 12 + ym[1] - 1 + n, 12)
    return (y, m + 1)


def _month_of(us: int, tz: Any) -> tuple[int, int]:
    """The calendar month of an instant in ``tz``."""
    local = _dt(us).astimezone(tz)
    return (local.year, local.month)


def _period(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def _changes_from(st: TenantMonitor, event: Any, at: int) -> tuple[int, str | None] | None:
    """From which instant on, and for which service (``None``: every service of the
    tenant), applying ``event`` to ``st`` can change what happened; ``None``: nothing of a
    month (a heartbeat, a new service). Called before the event is applied."""
    etype = event.type
    if etype in ("monitor.down", "monitor.up"):
        svc = st.services.get(event.service)
        if svc is None:
            return None  # its first event: no month of it is reported yet
        if svc.down is not None and event.cause is not None and event.cause != svc.down[1]:
            return min(at, svc.down[0]), event.service  # a cause names the whole outage
        return at, event.service  # an outage starts, or ends, at ``at``
    if etype == "maintenance.announced":
        old = st.maintenance.get(event.maintenance_id)  # announced again: the old one goes
        start = us_of(event.start)
        if old is None:
            return start, event.service
        return min(start, old[1]), (event.service if old[4] == event.service else None)
    if etype == "maintenance.cancelled":
        old = st.maintenance.get(event.maintenance_id)
        return None if old is None else (old[1], old[4])
    return None


def _secs(us: int) -> float:
    return round(us / US, 6)


# == the engine ===============================================================================
#: a pending item: (due instant, subject, fire(at, observed) -> signals)
_Pending = tuple[int, tuple[str, str], Any]


class AvailabilityEngine:
    """Availability and heartbeat SLAs for many tenants. See the module docstring.

    ``registry`` as for the clock engine: ``resolve(tenant)`` → contract with ``policy``;
    ``policy_version(id, version)`` → that version (state restored or timers firing).
    ``events_advance_time``: as in :class:`~streams.engine.engine.Engine` — ``True``
    (replay) an event first advances every tenant to its instant; ``False`` (live) an event
    advances only its own subject (its service, or its heartbeat check).
    """

    def __init__(self, registry: Any, *, events_advance_time: bool = True) -> None:
        self.registry = registry
        self.events_advance_time = events_advance_time
        self.tenants: dict[str, TenantMonitor] = {}
        self.now_us: int | None = None
        self.stats = AvailabilityStats()
        self.touched: set[str] = set()  # state keys (MON_PREFIX + tenant) changed
        self._heap: list[tuple[int, str]] = []
        # (tenant, service, target, year, month) -> (stamp of what it was built from, month)
        self._months: dict[tuple, tuple[tuple, _Month]] = {}

    # -- public API ---------------------------------------------------------------------------
    def apply(self, event: Any) -> list[AvailabilitySignal]:
        """Apply one decoded monitoring event; the signals it causes, with those of its
        subject's items due before it (which fire first). Raises :class:`RejectedEvent`
        for input that cannot be applied (state unchanged)."""
        at = us_of(event.at)
        out: list[AvailabilitySignal] = []
        if self.events_advance_time and (self.now_us is None or at > self.now_us):
            out.extend(self.advance_us(at))
        st = self.tenants.get(event.tenant)
        if st is not None and event.event_id in st.seen:
            self.stats.duplicates += 1
            return out
        try:
            policy = self.registry.resolve(event.tenant).policy
        except Exception as exc:  # the registry's error names the tenant and the known ones
            raise RejectedEvent(str(exc), out, kind=getattr(exc, "kind", "contract")) from None
        self._check(policy, event, st, out)
        if st is None:
            st = TenantMonitor(event.tenant, policy.id, policy.version, 0)
            self.tenants[event.tenant] = st
        st.policy, st.version = policy.id, policy.version
        if self.events_advance_time and at > st.now_us:
            st.now_us = at
        subject = _subject(event)
        if subject is not None:  # the subject's items due before the event fire first
            out.extend(self._run(st, policy, ahead=(subject, at)))
        self.touched.add(st.key)
        self.stats.events += 1
        st.seen = [*st.seen, event.event_id][-SEEN_KEEP:]
        changed = _changes_from(st, event, at)
        self._mutate(st, policy, event, at, out)
        if changed is not None:  # a late event: reopen the reported months it changes
            out.extend(self._reopen(st, policy, *changed))
        out.extend(self._run(st, policy, revealed=True))
        return self._count(out)

    def advance_us(self, now: int) -> list[AvailabilitySignal]:
        """Time passes for every tenant: fire what is due up to ``now``."""
        if self.now_us is not None and now <= self.now_us:
            return []
        self.now_us = now
        out: list[AvailabilitySignal] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, tenant = heapq.heappop(heap)
            st = self.tenants.get(tenant)
            if st is None or st.due_us != due:
                continue
            self.touched.add(st.key)
            st.now_us = max(st.now_us, now)
            out.extend(self._run(st, self._policy(st)))
        return self._count(out)

    def advance(self, now: datetime) -> list[AvailabilitySignal]:
        return self.advance_us(us_of(now))

    def next_due_us(self) -> int | None:
        heap = self._heap
        while heap:
            due, tenant = heap[0]
            st = self.tenants.get(tenant)
            if st is not None and st.due_us == due:
                return due
            heapq.heappop(heap)
        return None

    def drain_touched(self) -> set[str]:
        out, self.touched = self.touched, set()
        return out

    def state(self, key: str) -> dict[str, Any] | None:
        st = self.tenants.get(key[len(MON_PREFIX) :] if key.startswith(MON_PREFIX) else key)
        return None if st is None else st.to_dict()

    def load_tenant(self, state: Mapping[str, Any]) -> None:
        st = TenantMonitor.from_dict(state)
        self.tenants[st.tenant] = st
        self._schedule(st, self._policy(st))

    def snapshot(self) -> dict[str, Any]:
        return {"now_us": self.now_us, "tenants": {k: t.to_dict() for k, t in self.tenants.items()}}

    @classmethod
    def restore(cls, registry: Any, snap: Mapping[str, Any], **kw: Any) -> AvailabilityEngine:
        eng = cls(registry, **kw)
        eng.now_us = snap["now_us"]
        for state in snap["tenants"].values():
            eng.load_tenant(state)
        return eng

    def month_view(
        self, tenant: str, service: str, year: int, month: int, target: str | None = None
    ) -> list[MonthView]:
        """The figure of ``service`` for a calendar month (this one or one of the
        :data:`REVISE_MONTHS` before it) as known now, per target (or the one named), with
        the outages and maintenance that made it."""
        st = self.tenants.get(tenant)
        if st is None:
            return []
        policy = self._policy(st)
        upto = st.known_until_us
        return [
            self._month(policy, t, st, service, year, month).view(service, upto)
            for t in self._targets(policy, service)
            if target is None or t.name == target
        ]

    def records(self, key: str) -> list[dict[str, Any]]:
        """One analytics record per (service, target) of tenant ``key`` (the
        ``sla.clock-states`` value, ``kind: "availability"``): the month being measured as
        known now — figure, downtime, budget, whether an outage is going on. Empty for an
        unknown tenant."""
        st = self.tenants.get(key[len(MON_PREFIX) :] if key.startswith(MON_PREFIX) else key)
        if st is None:
            return []
        policy = self._policy(st)
        out = []
        for service in sorted(st.services):
            svc = st.services[service]
            upto = self._horizon(st, ("service", service))
            for target in self._targets(policy, service):
                mo = self._month(policy, target, st, service, *svc.month)
                counted = mo.counted(min(upto, mo.hi))
                ex = mo.reached(mo.budget + 1) if svc.down is not None else None
                out.append(
                    {
                        "key": f"{st.tenant}:{service}:availability:{target.name}",
                        "kind": "availability",
                        "tenant": st.tenant,
                        "service": service,
                        "target": target.name,
                        "policy": st.policy,
                        "policy_version": st.version,
                        "period": mo.period,
                        "target_percent": target.target_percent,
                        "availability_percent": _percent(counted, mo.measured),
                        "downtime_seconds": _secs(counted),
                        "budget_seconds": _secs(mo.budget),
                        "measured_seconds": _secs(mo.measured),
                        "breached": _fired_key(mo, service, "breach") in st.fired,
                        "down_since": None if svc.down is None else _dt(svc.down[0]).isoformat(),
                        "exhausts_at": None if ex is None or ex >= mo.hi else _dt(ex).isoformat(),
                        "updated_at": _dt(upto).isoformat(),
                    }
                )
        return out

    # -- validation and mutation ------------------------------------------------------------
    def _check(self, policy: Any, event: Any, st: TenantMonitor | None, out: list) -> None:
        etype = event.type
        if etype in ("monitor.down", "monitor.up"):
            if not self._targets(policy, event.service):
                raise RejectedEvent(
                    self._no_target(policy, event.service), out, kind="not_measured"
                )
        elif etype == "heartbeat":
            checks = [h.check for h in policy.heartbeats]
            if event.check not in checks:
                known = ", ".join(checks) or "none"
                raise RejectedEvent(
                    f"heartbeat for check {event.check!r}: policy {policy.id} expects no such "
                    f"check (its heartbeat checks: {known})",
                    out,
                    kind="not_measured",
                )
        elif etype == "maintenance.announced":
            if not policy.availability:
                raise RejectedEvent(
                    self._no_target(policy, event.service), out, kind="not_measured"
                )
        elif etype == "maintenance.cancelled" and (
            st is None or event.maintenance_id not in st.maintenance
        ):
            raise RejectedEvent(
                f"maintenance.cancelled for {event.maintenance_id!r}: no maintenance.announced "
                f"with that maintenance_id was seen for tenant {event.tenant}",
                out,
                kind="order",
            )

    @staticmethod
    def _no_target(policy: Any, service: str | None) -> str:
        if not policy.availability:
            return (
                f"policy {policy.id} has no availability target: monitoring events for its "
                "tenants measure nothing"
            )
        covered = sorted({s for t in policy.availability for s in (t.services or [])})
        return (
            f"service {service!r} is not covered by an availability target of policy "
            f"{policy.id} (it covers: {', '.join(covered)})"
        )

    def _mutate(self, st: TenantMonitor, policy: Any, event: Any, at: int, out: list) -> None:
        etype = event.type
        if etype in ("monitor.down", "monitor.up"):
            svc = st.services.get(event.service)
            if svc is None:
                local = event.at.astimezone(policy.timezone)
                svc = st.services[event.service] = ServiceState((local.year, local.month), at)
            svc.now_us = max(svc.now_us, at)
            if etype == "monitor.down":
                if svc.down is None:
                    svc.down = [at, event.cause]
                elif svc.down[1] is None and event.cause is not None:
                    svc.down[1] = event.cause  # a repeated down names the cause
            elif svc.down is None:
                self.stats.ignored += 1
            else:
                since, cause = svc.down
                svc.down = None
                if at > since:
                    svc.outages.append([since, at, event.cause or cause])
        elif etype == "maintenance.announced":
            st.maintenance[event.maintenance_id] = [
                event.kind,
                us_of(event.start),
                us_of(event.end),
                at,
                event.service,
            ]
        elif etype == "maintenance.cancelled":
            del st.maintenance[event.maintenance_id]
        elif etype == "heartbeat":
            chk = st.checks.get(event.check)
            if chk is None:
                st.checks[event.check] = [at, None]
            elif at >= chk[0]:
                if chk[1] is not None:  # it had been missed: recovered now
                    out.append(self._heartbeat(st, event.check, "heartbeat.recovered", at, chk))
                st.checks[event.check] = [at, None]

    # -- timers ---------------------------------------------------------------------------------
    def _horizon(self, st: TenantMonitor, subject: tuple[str, str]) -> int:
        """How far a subject's time has come: its own newest event, or the ticks."""
        kind, name = subject
        own = st.services[name].now_us if kind == "service" else st.checks[name][0]
        return max(st.now_us, self.now_us or 0, own)

    def _run(
        self,
        st: TenantMonitor,
        policy: Any,
        *,
        ahead: tuple[tuple[str, str], int] | None = None,
        revealed: bool = False,
    ) -> list[AvailabilitySignal]:
        """Fire, in time order, every pending item of ``st`` due by its subject's time
        (``ahead``: that subject's time moved on to that instant); reschedule. ``revealed``:
        an event showed them to be due already, they are observed at the subject's time."""
        out: list[AvailabilitySignal] = []
        while True:
            best: tuple[int, int, Any] | None = None
            for due, subject, fire in self._pending(st, policy):
                horizon = self._horizon(st, subject)
                if ahead is not None and ahead[0] == subject:
                    horizon = max(horizon, ahead[1])
                if due <= horizon and (best is None or due < best[0]):
                    best = (due, horizon, fire)
            if best is None:
                break
            due, horizon, fire = best
            out.extend(fire(due, horizon if revealed else due))
        self._schedule(st, policy)
        return out

    def _schedule(self, st: TenantMonitor, policy: Any) -> None:
        dues = [due for due, _, _ in self._pending(st, policy)]
        due = min(dues) if dues else None
        if due != st.due_us:
            st.due_us = due
            if due is not None:
                heapq.heappush(self._heap, (due, st.tenant))

    def _pending(self, st: TenantMonitor, policy: Any) -> list[_Pending]:
        """Every item of ``st`` still to fire, with its due instant (in a fixed order, so
        that items due at the same instant fire in the same order in every run)."""
        out: list[_Pending] = []
        fired = set(st.fired)
        for service in sorted(st.services):
            svc = st.services[service]
            subject = ("service", service)
            months = []
            for target in self._targets(policy, service):
                mo = self._month(policy, target, st, service, *svc.month)
                months.append(mo)
                for item, at in self._items(mo, svc, service, target, fired):
                    out.append((at, subject, self._firer(st, mo, service, item)))
            if months:
                out.append((months[0].hi, subject, self._rollover(st, policy, service, months)))
        for check, (last, missed) in sorted(st.checks.items()):
            if missed is None:
                hb = next((h for h in policy.heartbeats if h.check == check), None)
                if hb is None:
                    continue  # the check left the policy
                deadline = last + int(hb.max_interval.total_seconds() * US)
                # a report exactly at the deadline is on time: missed just after it
                out.append((deadline + 1, ("check", check), self._missed(st, check, deadline)))
        return out

    def _items(
        self,
        mo: _Month,
        svc: ServiceState,
        service: str,
        target: AvailabilityTarget,
        fired: set[str],
    ) -> Iterable[tuple[str, int]]:
        p = _fired_key(mo, service, "")
        breach_at = mo.reached(mo.budget + 1)
        for frac in THRESHOLDS:
            if p + f"warning:{frac}" not in fired:
                need = max(1, -(-mo.budget * int(frac * 100) // 100))
                at = mo.reached(need)
                if at is not None:
                    yield f"warning:{frac}", at
        if p + "breach" not in fired and breach_at is not None:
            yield "breach", breach_at
        if svc.down is not None and breach_at is not None and breach_at < mo.hi:
            since = svc.down[0]
            key = f"projected:{since}"
            if p + key not in fired and p + "breach" not in fired:
                yield key, max(since, mo.lo)

    def _firer(self, st: TenantMonitor, mo: _Month, service: str, item: str) -> Any:
        def fire(at: int, observed: int) -> list[AvailabilitySignal]:
            p = _fired_key(mo, service, "")
            st.fired.append(p + item)
            counted = mo.counted(at)
            kw: dict[str, Any] = {}
            if item.startswith("warning:"):
                typ = "availability.warning"
                kw["threshold"], kw["reason"] = float(item[8:]), "budget"
            elif item == "breach":
                typ = "availability.breach"
            else:
                typ, kw["reason"] = "availability.warning", "projected"
                ex = mo.reached(mo.budget + 1)
                kw["exhausts_at"] = kw["deadline"] = None if ex is None else _dt(ex)
            return [self._avail(st, mo, service, typ, p + item, at, observed, counted, **kw)]

        return fire

    def _rollover(self, st: TenantMonitor, policy: Any, service: str, months: list) -> Any:
        def fire(at: int, observed: int) -> list[AvailabilitySignal]:
            svc = st.services[service]
            out = [self._report(st, svc, service, mo, observed) for mo in months]
            svc.month = _next_month(*svc.month)
            self._prune(st, policy, service)
            return [r for r in out if r is not None]

        return fire

    def _report(
        self, st: TenantMonitor, svc: ServiceState, service: str, mo: _Month, observed: int
    ) -> AvailabilitySignal | None:
        """The month's ``availability.report``: revision 0 the first time; after that the
        next revision, but only if what it says (downtime, budget, the maintenance that
        counted) is no longer what the last one said (``None`` then)."""
        counted = mo.counted(mo.hi)
        notes = mo.counted_maintenance(mo.hi)
        says = [counted, mo.budget, [n["maintenance_id"] for n in notes]]
        slot = f"{mo.period}{_SEP}{mo.target.name}"
        last = svc.reported.get(slot)
        if last is not None and last[1:] == says:
            return None
        revision = 0 if last is None else last[0] + 1
        svc.reported[slot] = [revision, *says]
        key = _fired_key(mo, service, "report")
        typ = "availability.report"
        met = counted <= mo.budget
        return self._avail(
            st, mo, service, typ, key, mo.hi, observed, counted, met=met, revision=revision
        )

    def _prune(self, st: TenantMonitor, policy: Any, service: str) -> None:
        """After ``service``'s month moved on: drop its outages, reports and fired items of
        months it can no longer revise (older than :data:`REVISE_MONTHS` before the one
        being measured), and the maintenance that ended before every service's oldest."""
        svc = st.services[service]
        cal = self._month_calendar(policy)
        oldest = _shift_month(svc.month, -REVISE_MONTHS)
        keep_from = month_bounds_us(cal, *oldest)[0]
        svc.outages = [o for o in svc.outages if o[1] > keep_from]
        cut = _period(oldest)  # "YYYY-MM" strings order as the months do
        svc.reported = {k: v for k, v in svc.reported.items() if k[:7] >= cut}
        st.fired = [k for k in st.fired if k[:7] >= cut or k.split(_SEP, 2)[1] != service]
        tenant_oldest = min(_shift_month(s.month, -REVISE_MONTHS) for s in st.services.values())
        lo = month_bounds_us(cal, *tenant_oldest)[0]
        st.maintenance = {k: v for k, v in st.maintenance.items() if v[2] > lo}

    def _reopen(
        self, st: TenantMonitor, policy: Any, since: int, scope: str | None
    ) -> list[AvailabilitySignal]:
        """A late event changed what happened from ``since`` on, for service ``scope`` (or
        every service): each month from ``since``'s on that is already reported (and still
        revisable) fires the items that are now due in it and not fired yet, in time order
        and observed at the service's time, then its report is revised if it changed.

        A month before the service's first one was never reported: its report comes out
        as revision 0, as a replay in event order gives it."""
        first = _month_of(since, policy.timezone)
        out: list[AvailabilitySignal] = []
        for service in sorted(st.services) if scope is None else [scope]:
            svc = st.services.get(service)
            if svc is None or first >= svc.month:
                continue
            horizon = self._horizon(st, ("service", service))
            ym = max(first, _shift_month(svc.month, -REVISE_MONTHS))
            while ym < svc.month:
                for target in self._targets(policy, service):
                    mo = self._month(policy, target, st, service, *ym)
                    fired = set(st.fired)
                    due = sorted(
                        (at, item)
                        for item, at in self._items(mo, svc, service, target, fired)
                        if at < mo.hi  # the outage going on may have started later
                    )
                    for at, item in due:
                        out.extend(self._firer(st, mo, service, item)(at, horizon))
                    revised = self._report(st, svc, service, mo, horizon)
                    if revised is not None:
                        out.append(revised)
                ym = _next_month(*ym)
        return out

    def _missed(self, st: TenantMonitor, check: str, due: int) -> Any:
        def fire(at: int, observed: int) -> list[AvailabilitySignal]:
            chk = st.checks[check]
            chk[1] = due
            return [self._heartbeat(st, check, "heartbeat.missed", at, chk, observed)]

        return fire

    # -- signals ------------------------------------------------------------------------------
    def _avail(
        self,
        st: TenantMonitor,
        mo: _Month,
        service: str,
        typ: str,
        key: str,
        at: int,
        observed: int,
        counted: int,
        **kw: Any,
    ) -> AvailabilitySignal:
        # a revision has its own id; revision 0 (and every other signal) the one it always had
        revision = kw.get("revision")
        parts = (key, typ, revision) if revision else (key, typ)
        return AvailabilitySignal(
            event_id=signal_id(st.tenant, "availability", *parts),
            type=typ,
            tenant=st.tenant,
            policy=st.policy,
            policy_version=st.version,
            at=_dt(at),
            observed_at=_dt(observed),
            service=service,
            target=mo.target.name,
            period=mo.period,
            target_percent=mo.target.target_percent,
            availability_percent=_percent(counted, mo.measured),
            downtime_seconds=_secs(counted),
            budget_seconds=_secs(mo.budget),
            measured_seconds=_secs(mo.measured),
            maintenance=mo.counted_maintenance(at) or None,
            **kw,
        )

    def _heartbeat(
        self,
        st: TenantMonitor,
        check: str,
        typ: str,
        at: int,
        chk: list[Any],
        observed: int | None = None,
    ) -> AvailabilitySignal:
        last, due = chk
        hb = next(h for h in self._policy(st).heartbeats if h.check == check)
        return AvailabilitySignal(
            event_id=signal_id(st.tenant, "heartbeat", check, typ, due),
            type=typ,
            tenant=st.tenant,
            policy=st.policy,
            policy_version=st.version,
            at=_dt(at),
            observed_at=_dt(at if observed is None else observed),
            check=check,
            deadline=_dt(due),
            last_seen=_dt(last),
            interval_seconds=hb.max_interval.total_seconds(),
        )

    def _count(self, out: list[AvailabilitySignal]) -> list[AvailabilitySignal]:
        self.stats.signals += len(out)
        return out

    def _month(
        self,
        policy: Any,
        target: AvailabilityTarget,
        st: TenantMonitor,
        service: str,
        year: int,
        month: int,
    ) -> _Month:
        """``_Month(...)``, built again only when what it depends on changed: the policy,
        the service's outages (they are only appended, or pruned from the front at a month's
        end) and the tenant's maintenance."""
        svc = st.services.get(service)
        outs = svc.outages if svc is not None else []
        stamp = (
            id(policy),
            policy.version,
            None if svc is None or svc.down is None else tuple(svc.down),
            len(outs),
            tuple(outs[0]) if outs else None,
            tuple(outs[-1]) if outs else None,
            tuple(sorted((k, tuple(v)) for k, v in st.maintenance.items())),
        )
        key = (st.tenant, service, target.name, year, month)
        hit = self._months.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        if len(self._months) > 100_000:
            self._months.clear()
        mo = _Month(policy, target, st, service, year, month)
        self._months[key] = (stamp, mo)
        return mo

    # -- policy ---------------------------------------------------------------------------------
    def _policy(self, st: TenantMonitor) -> Any:
        return self.registry.policy_version(st.policy, st.version)

    @staticmethod
    def _targets(policy: Any, service: str | None) -> list[AvailabilityTarget]:
        return [t for t in policy.availability if t.services is None or service in t.services]

    @staticmethod
    def _month_calendar(policy: Any) -> BusinessCalendar:
        """The calendar whose timezone fixes the month (every target's is the policy's)."""
        return policy.calendar(policy.availability[0].calendar)


__all__ = [
    "MON_PREFIX",
    "AvailabilityEngine",
    "AvailabilitySignal",
    "MonthView",
    "OutageLine",
    "TenantMonitor",
    "monitor_key",
]
