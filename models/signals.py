"""Outgoing signals: what slawatch publishes when a clock passes a threshold (issue 3).

The engine builds them; this module only fixes the schema. ``event_id`` is deterministic
(:func:`models.ids.signal_id`), so a replayed or re-processed clock produces the same ids and
consumers can de-duplicate.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

SLA_SIGNAL_TYPES = ("sla.warning", "sla.escalation", "sla.breach", "sla.met", "sla.missed")
AVAILABILITY_SIGNAL_TYPES = ("availability.warning", "availability.breach", "availability.report")
HEARTBEAT_SIGNAL_TYPES = ("heartbeat.missed", "heartbeat.recovered")
#: the monthly report on ``sla.reports``: its own schema, :class:`models.report.ComplianceSignal`
REPORT_SIGNAL_TYPES = ("sla.compliance",)
SignalType = Literal[
    "sla.warning",
    "sla.escalation",
    "sla.breach",
    "sla.met",
    "sla.missed",
    "availability.warning",
    "availability.breach",
    "availability.report",
    "heartbeat.missed",
    "heartbeat.recovered",
]

#: Keys always present in the JSON form (``null`` when not applicable).
CORE_KEYS = (
    "event_id",
    "type",
    "tenant",
    "ticket_id",
    "clock",
    "policy",
    "policy_version",
    "priority",
    "deadline",
    "at",
)


class MaintenanceNote(BaseModel):
    """Announced maintenance whose downtime counted anyway, and why (the rules it broke)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    maintenance_id: str
    kind: str
    broken: list[str]
    explanation: str


class Signal(BaseModel):
    """One outgoing signal.

    - ``at``: the instant the signal is *due* (threshold reached, deadline passed...);
      ``observed_at``: when the engine noticed (later than ``at`` for late fires, e.g. a
      breach found at creation or after a restart).
    - ``sla.warning`` carries ``threshold`` (fraction of the target) or ``tier: "soft"``;
      ``sla.escalation`` carries ``level``; ``cell`` is the priority-matrix cell (e.g.
      ``single_user/laag``) when the priority came from a matrix; a verdict of a clock with
      only a soft target carries ``tier: "soft"``, one with only a same-day escalation
      ``tier: "same_day"``; ``sla.met``/``sla.missed`` are the verdicts when
      a clock stops (R7).
    - ``elapsed_business_seconds``: counted (business) time of the clock at ``at``;
      ``elapsed_wall_seconds``: wall time since the clock started.
    - availability signals (``streams.availability.engine``) leave the ticket fields null
      and carry ``service``, ``target`` (the availability target's name), ``period``
      (``YYYY-MM``, the calendar month in the policy's timezone), ``target_percent``,
      ``availability_percent`` (the month's figure if nothing more counts),
      ``downtime_seconds`` (counted so far), ``budget_seconds`` and ``measured_seconds``
      (of the whole month); ``availability.warning`` has ``reason: "budget"`` with
      ``threshold`` (share of the budget spent) or ``reason: "projected"`` with
      ``exhausts_at`` (= ``deadline``: when the target is missed if the outage goes on);
      ``availability.report`` (month end) has ``met`` and ``revision`` (0; a late event
      that changes a reported month gives a new report of the same period with the next
      revision and its own id: the highest revision is the month's figure);
      ``maintenance`` lists the month's announced maintenance that counted as downtime
      anyway, with the rules it broke (``max_per_month``, ``starts_not_before``,
      ``window``, ``min_notice``, …).
    - heartbeat signals carry ``check``, ``deadline`` (when the report was due),
      ``last_seen`` and ``interval_seconds``.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    event_id: str = Field(min_length=1)
    type: SignalType
    tenant: str
    ticket_id: str | None = None
    clock: str | None = None
    policy: str
    policy_version: str
    priority: str | None = None
    deadline: AwareDatetime | None = Field(default=None, strict=False)
    at: AwareDatetime = Field(strict=False)
    threshold: float | None = None
    tier: Literal["soft", "same_day"] | None = None
    cell: str | None = None
    level: str | None = None
    observed_at: AwareDatetime | None = Field(default=None, strict=False)
    elapsed_business_seconds: float | None = None
    elapsed_wall_seconds: float | None = None
    service: str | None = None
    check: str | None = None
    period: str | None = None
    availability_percent: float | None = None
    target_percent: float | None = None
    target: str | None = None
    downtime_seconds: float | None = None
    budget_seconds: float | None = None
    measured_seconds: float | None = None
    reason: Literal["budget", "projected"] | None = None
    exhausts_at: AwareDatetime | None = Field(default=None, strict=False)
    met: bool | None = None
    last_seen: AwareDatetime | None = Field(default=None, strict=False)
    interval_seconds: float | None = None
    maintenance: list[MaintenanceNote] | None = None
    revision: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _shape(self) -> Signal:
        t = self.type
        if t.startswith("sla.") and (self.ticket_id is None or self.clock is None):
            raise PydanticCustomError("signal-shape", "{t} needs ticket_id and clock", {"t": t})
        if t == "sla.warning" and (self.threshold is None) == (self.tier is None):
            raise PydanticCustomError(
                "signal-shape", "sla.warning carries exactly one of threshold or tier"
            )
        if self.threshold is not None and not 0 < self.threshold < 1:
            raise PydanticCustomError("signal-shape", "threshold must lie in (0, 1)")
        if t == "sla.escalation" and not self.level:
            raise PydanticCustomError("signal-shape", "sla.escalation needs a level")
        if t.startswith("heartbeat.") and not self.check:
            raise PydanticCustomError("signal-shape", "{t} needs check", {"t": t})
        if t.startswith("availability.") and (self.period is None or self.target_percent is None):
            raise PydanticCustomError(
                "signal-shape", "{t} needs period and target_percent", {"t": t}
            )
        if self.revision is not None and t != "availability.report":
            raise PydanticCustomError(
                "signal-shape", "revision belongs to availability.report, not {t}", {"t": t}
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the core keys always, the others only when set."""
        full = self.model_dump(mode="json")
        return {k: v for k, v in full.items() if k in CORE_KEYS or v is not None}

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())


__all__ = [
    "AVAILABILITY_SIGNAL_TYPES",
    "CORE_KEYS",
    "HEARTBEAT_SIGNAL_TYPES",
    "REPORT_SIGNAL_TYPES",
    "SLA_SIGNAL_TYPES",
    "Signal",
    "SignalType",
]
