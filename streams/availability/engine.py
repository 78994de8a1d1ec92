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
  starts (or when the month it runs into starts): "at this rate the target is missed at 14:32".
* ``availability.warning`` ``threshold: 0.5`` / ``0.75`` — half / three quarters of the
  month's downtime budget are spent.
* ``availability.breach`` — the first instant at which the month's target can no longer be
  met (counted downtime exceeds the budget).
* ``availability.report`` — at the month's end: the figure, ``met`` or not, ``revision: 0``.

Late events and revisions (docs/availability.md): an event that changes a month already
reported (up to :data:`REVISE_MONTHS` back) reopens it: what is now due in it fires at once,
and a report whose figure changed is sent again with ``revision`` one higher and its own id
(revision 0 keeps the id it always had). Signals already sent are not withdrawn.

``availability_percent`` is the month's figure if nothing more counts, so it falls
monotonically through the month and is below the target exactly when the breach has fired.

Heartbeats: a check's first ``heartbeat`` starts its expectation; ``heartbeat.missed`` fires
just after ``deadline = last + max_interval`` (a report exactly at the deadline is on time)
when no newer one came, ``heartbeat.recovered`` at the next one; once per gap.

The choices where a contract is silent (an up's ``cause``, repeated downs, an up without a
down, cancelled maintenance, maintenance for every service) are in docs/availability.md;
input that cannot be applied is rejected with a reason (the caller dead-letters it).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from calendars.timeline import US, us_of
from models.availability import AvailabilityTarget
from streams.availability.downtime import month_bounds_us
from streams.availability.month import (
    SEP,
    Month,
    MonthView,
    OutageLine,
    changes_from,
    dt,
    fired_key,
    month_calendar,
    month_of,
    next_month,
    period_of,
    service_record,
    shift_month,
    subject_of,
    targets_of,
)
from streams.availability.signal import AvailabilitySignal, availability_signal, heartbeat_signal
from streams.availability.state import (
    MON_PREFIX,
    AvailabilityStats,
    ServiceState,
    TenantMonitor,
    monitor_key,
)
from streams.engine.errors import RejectedEvent

#: Recent event ids kept per tenant to drop duplicates (retries arrive close together).
SEEN_KEEP = 256
#: How many months before the one being measured a late event can still revise: their
#: outages, maintenance and reports are kept in the state (a year: a backfill of the
#: monitoring history into a running worker; an older month's report is final).
REVISE_MONTHS = 12
THRESHOLDS = (0.5, 0.75)

__all__ = [
    "MON_PREFIX",
    "AvailabilityEngine",
    "AvailabilitySignal",
    "MonthView",
    "OutageLine",
    "TenantMonitor",
    "monitor_key",
]

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
        self._months: dict[tuple, tuple[tuple, Month]] = {}

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
        subject = subject_of(event)
        if subject is not None:  # the subject's items due before the event fire first
            out.extend(self._run(st, policy, ahead=(subject, at)))
        self.touched.add(st.key)
        self.stats.events += 1
        st.seen = [*st.seen, event.event_id][-SEEN_KEEP:]
        changed = changes_from(st, event, at)
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
            for t in targets_of(policy, service)
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
            for target in targets_of(policy, service):
                mo = self._month(policy, target, st, service, *svc.month)
                out.append(service_record(st, service, target, mo, upto))
        return out

    # -- validation and mutation ------------------------------------------------------------
    def _check(self, policy: Any, event: Any, st: TenantMonitor | None, out: list) -> None:
        etype = event.type
        if etype in ("monitor.down", "monitor.up"):
            if not targets_of(policy, event.service):
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
                    out.append(
                        self._heartbeat_signal(st, event.check, "heartbeat.recovered", at, chk)
                    )
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
            for target in targets_of(policy, service):
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
        mo: Month,
        svc: ServiceState,
        service: str,
        target: AvailabilityTarget,
        fired: set[str],
    ) -> Iterable[tuple[str, int]]:
        p = fired_key(mo, service, "")
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

    def _firer(self, st: TenantMonitor, mo: Month, service: str, item: str) -> Any:
        def fire(at: int, observed: int) -> list[AvailabilitySignal]:
            p = fired_key(mo, service, "")
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
                kw["exhausts_at"] = kw["deadline"] = None if ex is None else dt(ex)
            return [
                availability_signal(st, mo, service, typ, p + item, at, observed, counted, **kw)
            ]

        return fire

    def _rollover(self, st: TenantMonitor, policy: Any, service: str, months: list) -> Any:
        def fire(at: int, observed: int) -> list[AvailabilitySignal]:
            svc = st.services[service]
            out = [self._report(st, svc, service, mo, observed) for mo in months]
            svc.month = next_month(*svc.month)
            self._prune(st, policy, service)
            return [r for r in out if r is not None]

        return fire

    def _report(
        self, st: TenantMonitor, svc: ServiceState, service: str, mo: Month, observed: int
    ) -> AvailabilitySignal | None:
        """The month's ``availability.report``: revision 0 the first time; after that the
        next revision, but only if what it says (downtime, budget, the maintenance that
        counted) is no longer what the last one said (``None`` then)."""
        counted = mo.counted(mo.hi)
        notes = mo.counted_maintenance(mo.hi)
        says = [counted, mo.budget, [n["maintenance_id"] for n in notes]]
        slot = f"{mo.period}{SEP}{mo.target.name}"
        last = svc.reported.get(slot)
        if last is not None and last[1:] == says:
            return None
        revision = 0 if last is None else last[0] + 1
        svc.reported[slot] = [revision, *says]
        key = fired_key(mo, service, "report")
        typ = "availability.report"
        met = counted <= mo.budget
        return availability_signal(
            st, mo, service, typ, key, mo.hi, observed, counted, met=met, revision=revision
        )

    def _prune(self, st: TenantMonitor, policy: Any, service: str) -> None:
        """After ``service``'s month moved on: drop its outages, reports and fired items of
        months it can no longer revise (older than :data:`REVISE_MONTHS` before the one
        being measured), and the maintenance that ended before every service's oldest."""
        svc = st.services[service]
        cal = month_calendar(policy)
        oldest = shift_month(svc.month, -REVISE_MONTHS)
        keep_from = month_bounds_us(cal, *oldest)[0]
        svc.outages = [o for o in svc.outages if o[1] > keep_from]
        cut = period_of(oldest)  # "YYYY-MM" strings order as the months do
        svc.reported = {k: v for k, v in svc.reported.items() if k[:7] >= cut}
        st.fired = [k for k in st.fired if k[:7] >= cut or k.split(SEP, 2)[1] != service]
        tenant_oldest = min(shift_month(s.month, -REVISE_MONTHS) for s in st.services.values())
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
        first = month_of(since, policy.timezone)
        out: list[AvailabilitySignal] = []
        for service in sorted(st.services) if scope is None else [scope]:
            svc = st.services.get(service)
            if svc is None or first >= svc.month:
                continue
            horizon = self._horizon(st, ("service", service))
            ym = max(first, shift_month(svc.month, -REVISE_MONTHS))
            while ym < svc.month:
                for target in targets_of(policy, service):
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
                ym = next_month(*ym)
        return out

    def _missed(self, st: TenantMonitor, check: str, due: int) -> Any:
        def fire(at: int, observed: int) -> list[AvailabilitySignal]:
            chk = st.checks[check]
            chk[1] = due
            return [self._heartbeat_signal(st, check, "heartbeat.missed", at, chk, observed)]

        return fire

    # -- signals ------------------------------------------------------------------------------
    def _heartbeat_signal(
        self,
        st: TenantMonitor,
        check: str,
        typ: str,
        at: int,
        chk: list[Any],
        observed: int | None = None,
    ) -> AvailabilitySignal:
        hb = next(h for h in self._policy(st).heartbeats if h.check == check)
        return heartbeat_signal(st, check, typ, at, chk, hb.max_interval.total_seconds(), observed)

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
    ) -> Month:
        """``Month(...)``, built again only when what it depends on changed: the policy,
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
        mo = Month(policy, target, st, service, year, month)
        self._months[key] = (stamp, mo)
        return mo

    # -- policy ---------------------------------------------------------------------------------
    def _policy(self, st: TenantMonitor) -> Any:
        return self.registry.policy_version(st.policy, st.version)
