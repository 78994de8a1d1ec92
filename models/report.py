"""The service report (``slawatch report --json``) and the live ``sla.compliance`` signal.

Schemas only: :mod:`streams.reports` computes them (docs/reports.md explains every figure).
``slawatch schema report`` and ``slawatch schema compliance`` export them as JSON Schema.
The names the issue fixed for integrators are kept as they are (``rows``, ``count``,
``percent_within``, …); further keys are additions, never renames.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

#: the version of the report's JSON shape (a key added keeps it; a rename or removal bumps it)
REPORT_FORMAT = 1

Tier = Literal["hard", "soft", "same_day"]
Outcome = Literal["met", "missed", "open"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Out):
    """The reported dates, inclusive, in the policy's time zone."""

    from_: date = Field(alias="from", serialization_alias="from")
    to: date

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Row(_Out):
    """One clock × ticket kind × priority × tier: the clocks whose outcome fell in the period.

    ``priority`` is ``null`` for a row that pools every priority (an aggregate ``per: all``,
    e.g. Covide's questions) or a clock without one. ``count`` = ``met`` + ``missed``;
    ``open``: clocks started by the period's end without an outcome by then.
    ``percent_within``: 100 × met / count (``null`` when count is 0).
    ``aggregate_target_percent`` and ``compliant``: the policy's aggregate target for this row
    and whether it was met in every calendar month of the period (``null``: no aggregate; a
    month without clocks is not noncompliant, R9). Median and p90 of the counted business time
    (pauses excluded) of the row's clocks that stopped (``null`` without any).
    """

    clock: str
    kind: str | None
    priority: str | None
    tier: Tier
    target: str | None
    count: int
    met: int
    missed: int
    open: int
    percent_within: float | None
    aggregate_target_percent: float | None
    compliant: bool | None
    aggregate: str | None = None
    median_business_seconds: float | None = None
    p90_business_seconds: float | None = None


class AvailabilityRow(_Out):
    """One service's calendar month, from its last ``availability.report`` (highest revision)."""

    service: str
    availability_percent: float
    target_percent: float
    met: bool
    month: str
    target: str | None = None
    downtime_seconds: float | None = None
    budget_seconds: float | None = None
    revision: int = 0


class HeartbeatRow(_Out):
    """``heartbeat.missed`` signals of a check in the period."""

    check: str
    missed: int


class PriorityChange(_Out):
    """The priority a clock's signal carried, from the first signal that carried it."""

    at: AwareDatetime
    priority: str | None
    cell: str | None = None


class Segment(_Out):
    """A stretch of business time the clock counted (local wall time), with its rule."""

    start: AwareDatetime
    end: AwareDatetime
    seconds: float
    rule: str


class Pause(_Out):
    start: AwareDatetime
    end: AwareDatetime | None
    status: str


class Breach(_Out):
    """A hard target missed in the period, and why that deadline (what a dispute needs)."""

    ticket_id: str
    clock: str
    kind: str | None
    priority: str | None
    cell: str | None
    policy_version: str
    started_at: AwareDatetime | None
    deadline: AwareDatetime | None
    breached_at: AwareDatetime
    stopped_at: AwareDatetime | None
    target: str | None
    calendar: str | None
    counted_seconds: float | None
    paused_seconds: float | None
    segments: list[Segment]
    pauses: list[Pause]
    priority_history: list[PriorityChange]
    explanation: str


class ClockOutcome(_Out):
    clock: str
    tier: Tier
    outcome: Outcome
    at: AwareDatetime | None
    business_seconds: float | None


class PriorityOneIncident(_Out):
    """An incident of a priority-1 level (docs/reports.md) that started or had an outcome in
    the period (1do's service review: "evaluatie van prioriteit-1 incidenten")."""

    ticket_id: str
    priority: str
    cell: str | None
    started_at: AwareDatetime | None
    clocks: list[ClockOutcome]


class MonthRow(_Out):
    """One aggregate row of one month (the trend)."""

    clock: str
    kind: str | None
    priority: str | None
    tier: Tier
    count: int
    percent_within: float | None
    aggregate_target_percent: float | None
    compliant: bool | None


class Month(_Out):
    """A calendar month of the trend window (the 12 months ending with the period's last)."""

    month: str
    compliant: bool | None
    consecutive_noncompliant_months: int | None
    service_credit_percent: float | None
    rows: list[MonthRow]
    breaches: int
    availability: list[AvailabilityRow]


class Report(_Out):
    """A tenant's service report over a period (``slawatch report --json``)."""

    format: int = REPORT_FORMAT
    tenant: str
    policy: str
    policy_version: str
    period: Period
    as_of: AwareDatetime | None
    rows: list[Row]
    compliant: bool | None
    consecutive_noncompliant_months: int | None
    service_credit_percent: float | None
    availability: list[AvailabilityRow]
    breaches: list[Breach]
    heartbeats: list[HeartbeatRow] = Field(default_factory=list)
    priority_one: list[PriorityOneIncident] = Field(default_factory=list)
    priority_one_levels: list[str] = Field(default_factory=list)
    months: list[Month] = Field(default_factory=list)


class ComplianceSignal(_Out):
    """``sla.compliance`` on ``sla.reports``: a tenant's calendar month, at the month's end.

    The core keys of every signal (``event_id`` … ``at``; the ticket fields null), then the
    month: ``period`` (``YYYY-MM``, policy time zone), ``revision`` (0; a late event that
    changes the month gives the next revision with its own id — the highest is the month's
    figure), ``compliant``, ``consecutive_noncompliant_months``, ``service_credit_percent``
    (only when a credit is earned, > 0) and the month's aggregate ``rows``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str
    type: Literal["sla.compliance"] = "sla.compliance"
    tenant: str
    ticket_id: None = None
    clock: None = None
    policy: str
    policy_version: str
    priority: None = None
    deadline: None = None
    at: AwareDatetime
    observed_at: AwareDatetime
    period: str
    revision: int = Field(ge=0)
    compliant: bool | None
    consecutive_noncompliant_months: int | None
    service_credit_percent: float | None = Field(default=None, gt=0)
    rows: list[MonthRow]


__all__ = [
    "REPORT_FORMAT",
    "AvailabilityRow",
    "Breach",
    "ClockOutcome",
    "ComplianceSignal",
    "HeartbeatRow",
    "Month",
    "MonthRow",
    "Pause",
    "Period",
    "PriorityChange",
    "PriorityOneIncident",
    "Report",
    "Row",
    "Segment",
]
