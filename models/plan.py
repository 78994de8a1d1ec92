"""The seam between policies (``models``) and the clock engine (``streams.engine``).

A policy, given the facts of one ticket and the tenant's options, answers with a tuple of
:class:`ClockPlan` values: which clocks run, on which calendar, towards which targets, with
which warnings and escalations. The engine only ever sees these plain, immutable values;
it never reads the policy language itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Unit = Literal["m", "h", "workdays", "weeks", "months"]


@dataclass(frozen=True, slots=True)
class Target:
    """A duration in a unit, counted on a named calendar of the policy (docs/contracts.md R3).

    ``m``/``h``/``workdays`` are business time on ``calendar``; ``weeks``/``months`` are
    wall-clock calendar durations from the clock's business-aligned start.
    """

    amount: float
    unit: Unit
    calendar: str

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        sep = "" if self.unit in ("m", "h") else " "
        return f"{amount}{sep}{self.unit}"


@dataclass(frozen=True, slots=True)
class Escalation:
    """One rung of an escalation ladder.

    ``at`` is a fraction of the hard target (``1.0`` = at the deadline), ``"breach"`` (the
    instant the hard target is breached) or ``"same_day"`` (the closing time of the business
    day on which the clock started, on the clock's calendar).
    """

    level: str
    at: float | Literal["breach", "same_day"]


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a policy may look at to decide a ticket's clocks (all identifiers lower-cased)."""

    kind: str = "incident"
    channel: str | None = None
    priority: str | None = None
    impact: str | None = None
    urgency: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClockPlan:
    """One clock a policy starts for a ticket.

    - ``clock``: the clock's name (``response``, ``resolution``, ``registration``, ...).
    - ``priority``: the resolved priority level (``None`` for clocks without one);
      ``cell``: the matrix cell it came from (``"single_user/laag"``), if any.
    - ``calendar``: name of the policy calendar whose open time the clock counts.
    - ``hard``: the breach target (``None``: the clock never breaches);
      ``soft``: a warning-only target (``sla.warning`` with ``tier: soft``).
    - ``thresholds``: warning fractions (0 < f < 1) of the hard target, or of the soft target
      when there is no hard one.
    - ``escalations``: the ladder, see :class:`Escalation`.
    - ``starts_at``: ``"created"`` (the ticket's creation instant, R2) or ``"reported"`` (its
      ``reported_at``, e.g. the 24 h registration clock).
    - ``pause_statuses``: statuses during which the clock does not accumulate (R4).
    - ``stop_on``: event types that stop the clock (met/missed verdict, R6);
      ``resume_on``: event types that restart a stopped clock (``ticket.reopened``).
    """

    clock: str
    calendar: str
    hard: Target | None = None
    soft: Target | None = None
    priority: str | None = None
    cell: str | None = None
    thresholds: tuple[float, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    starts_at: Literal["created", "reported"] = "created"
    pause_statuses: frozenset[str] = frozenset({"waiting_for_customer"})
    stop_on: frozenset[str] = frozenset()
    resume_on: frozenset[str] = frozenset()
