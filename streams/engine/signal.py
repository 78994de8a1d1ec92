"""The engine's outgoing signal: a small immutable value, serialised to the published JSON
schema (:mod:`models.signals`) by :meth:`Signal.to_dict`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from calendars.timeline import EPOCH


def dt(us: int) -> datetime:
    """The aware UTC datetime of epoch µs ``us``."""
    return EPOCH + timedelta(0, 0, us)  # (positional: no keyword parsing per call)


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
    # this signature must agree: tests/test_build.py checks every such __init__.
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
