"""A month of a service under one availability target: what counts (outages, excluded
causes, the maintenance the rules exclude), the figure, and when a need is reached. Also
what ``slawatch availability`` prints (:class:`MonthView`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from calendars import BusinessCalendar
from calendars.timeline import EPOCH, US, us_of
from models.availability import AvailabilityTarget
from streams.availability.downtime import clip, month_bounds_us, month_measure, subtract, union
from streams.availability.maintenance import Announcement, MaintenanceVerdict, evaluate
from streams.availability.state import TenantMonitor


def dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


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
        return percent(self.counted_us, self.measured_us)

    @property
    def met(self) -> bool:
        return self.counted_us <= self.budget_us


class Month:
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
            for a in month_announcements(st, service, self.cal, self.lo, self.hi)
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


def month_announcements(
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
    floor = month_bounds_us(cal, *month_of(first, cal.timezone))[0] if first < lo else lo
    return [a for a in mine if floor <= a.start_us < hi]


#: separates the parts of a fired key (period, service, target, item): no name contains it
SEP = "\x1f"


def fired_key(mo: Month, service: str, item: str) -> str:
    """The key under which an item of (month, service, target) is recorded as fired."""
    return SEP.join((mo.period, service, mo.target.name, item))


def percent(counted: int, measured: int) -> float:
    """The month's availability if nothing more counts, in percent (4 decimals)."""
    return 100.0 if measured == 0 else round(100.0 * (1 - counted / measured), 4)


def subject_of(event: Any) -> tuple[str, str] | None:
    """Whose time an event moves on: its service's, its check's, or (maintenance) none."""
    if event.type in ("monitor.down", "monitor.up"):
        return ("service", event.service)
    if event.type == "heartbeat":
        return ("check", event.check)
    return None


def next_month(y: int, m: int) -> tuple[int, int]:
    return (y + m // 12, m % 12 + 1)


def shift_month(ym: tuple[int, int], n: int) -> tuple[int, int]:
    y, m = divmod(ym[0] * 12 + ym[1] - 1 + n, 12)
    return (y, m + 1)


def month_of(us: int, tz: Any) -> tuple[int, int]:
    """The calendar month of an instant in ``tz``."""
    local = dt(us).astimezone(tz)
    return (local.year, local.month)


def period_of(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def changes_from(st: TenantMonitor, event: Any, at: int) -> tuple[int, str | None] | None:
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


def secs(us: int) -> float:
    return round(us / US, 6)


def service_record(
    st: TenantMonitor, service: str, target: AvailabilityTarget, mo: Month, upto: int
) -> dict[str, Any]:
    """The analytics record (``sla.clock-states``, ``kind: "availability"``) of ``service``'s
    month ``mo`` under ``target``, as known at ``upto``."""
    svc = st.services[service]
    counted = mo.counted(min(upto, mo.hi))
    ex = mo.reached(mo.budget + 1) if svc.down is not None else None
    return {
        "key": f"{st.tenant}:{service}:availability:{target.name}",
        "kind": "availability",
        "tenant": st.tenant,
        "service": service,
        "target": target.name,
        "policy": st.policy,
        "policy_version": st.version,
        "period": mo.period,
        "target_percent": target.target_percent,
        "availability_percent": percent(counted, mo.measured),
        "downtime_seconds": secs(counted),
        "budget_seconds": secs(mo.budget),
        "measured_seconds": secs(mo.measured),
        "breached": fired_key(mo, service, "breach") in st.fired,
        "down_since": None if svc.down is None else dt(svc.down[0]).isoformat(),
        "exhausts_at": None if ex is None or ex >= mo.hi else dt(ex).isoformat(),
        "updated_at": dt(upto).isoformat(),
    }


def targets_of(policy: Any, service: str | None) -> list[AvailabilityTarget]:
    """The availability targets of ``policy`` that measure ``service``."""
    return [t for t in policy.availability if t.services is None or service in t.services]


def month_calendar(policy: Any) -> BusinessCalendar:
    """The calendar whose timezone fixes the month (every target's is the policy's)."""
    return policy.calendar(policy.availability[0].calendar)
