"""The availability engine's state: one small JSON-able value per tenant
(:class:`TenantMonitor`), its services and checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Table / state key prefix of a tenant's monitoring state (NUL: never a ``tenant:ticket``).
MON_PREFIX = "\x00mon:"


def monitor_key(tenant: str) -> str:
    return MON_PREFIX + tenant


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
