"""The availability engine's outgoing signal (schema: :class:`models.signals.Signal`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.ids import signal_id
from streams.availability.month import Month, dt, percent, secs
from streams.availability.state import TenantMonitor, monitor_key


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


def availability_signal(
    st: TenantMonitor,
    mo: Month,
    service: str,
    typ: str,
    key: str,
    at: int,
    observed: int,
    counted: int,
    **kw: Any,
) -> AvailabilitySignal:
    """An ``availability.*`` signal of ``service``'s month ``mo`` with ``counted`` µs of
    downtime; its id names the rung (``key``), the type and, from 1 on, the revision."""
    # a revision has its own id; revision 0 (and every other signal) the one it always had
    revision = kw.get("revision")
    parts = (key, typ, revision) if revision else (key, typ)
    return AvailabilitySignal(
        event_id=signal_id(st.tenant, "availability", *parts),
        type=typ,
        tenant=st.tenant,
        policy=st.policy,
        policy_version=st.version,
        at=dt(at),
        observed_at=dt(observed),
        service=service,
        target=mo.target.name,
        period=mo.period,
        target_percent=mo.target.target_percent,
        availability_percent=percent(counted, mo.measured),
        downtime_seconds=secs(counted),
        budget_seconds=secs(mo.budget),
        measured_seconds=secs(mo.measured),
        maintenance=mo.counted_maintenance(at) or None,
        **kw,
    )


def heartbeat_signal(
    st: TenantMonitor,
    check: str,
    typ: str,
    at: int,
    chk: list[Any],
    interval_seconds: float,
    observed: int | None = None,
) -> AvailabilitySignal:
    """A ``heartbeat.*`` signal of ``check`` (``chk``: its last report and its deadline)."""
    last, due = chk
    return AvailabilitySignal(
        event_id=signal_id(st.tenant, "heartbeat", check, typ, due),
        type=typ,
        tenant=st.tenant,
        policy=st.policy,
        policy_version=st.version,
        at=dt(at),
        observed_at=dt(at if observed is None else observed),
        check=check,
        deadline=dt(due),
        last_seen=dt(last),
        interval_seconds=interval_seconds,
    )
