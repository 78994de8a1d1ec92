"""The engine's view of its inputs: the structural types (``Protocol``) at the boundary
between the schemas (``models``) and the engines (``streams.engine``,
``streams.availability``).

The engines never import the pydantic models: they see a policy as something that plans
clocks and names calendars, a registry as something that resolves tenants, and an event as
a bag of typed attributes. ``models.policy.Policy``, ``models.contracts.TenantRegistry``
and ``models.events.TicketEvent`` satisfy these; so do the compact events the replay holds
and the test doubles of the engine's unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from calendars.calendar import BusinessCalendar
from models.plan import ClockPlan, TicketFacts


class PolicyLike(Protocol):
    """An SLA policy version, as the clock engine uses it."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> Any: ...

    @property
    def timezone(self) -> Any: ...

    #: the ticket attributes some clock rule reads (``None``: unknown, all of them count)
    @property
    def condition_attributes(self) -> tuple[str, ...] | None: ...

    def calendar(self, name: str) -> BusinessCalendar: ...

    def plan(self, facts: TicketFacts, options: Mapping[str, Any]) -> Iterable[ClockPlan]: ...


class ContractLike(Protocol):
    """A tenant's contract: the policy version it is on and its options."""

    @property
    def policy(self) -> PolicyLike: ...

    @property
    def options(self) -> Mapping[str, Any] | None: ...


class RegistryLike(Protocol):
    """Resolves tenants to contracts, and policy versions for restored state."""

    def resolve(self, tenant: str) -> ContractLike: ...

    def policy_version(self, policy_id: str, version: str) -> PolicyLike: ...


class TicketEventLike(Protocol):
    """A decoded ticket event (``models.events.TicketEvent`` or the replay's compact form).

    ``model_fields_set`` names the fact fields the sender set (a later event changes only
    those: a default ``kind`` must not turn a service request into an incident)."""

    event_id: str
    type: str
    tenant: str
    ticket_id: str
    at: datetime
    reported_at: datetime | None
    status: str | None
    kind: str | None
    channel: str | None
    priority: str | None
    impact: str | None
    urgency: str | None
    attributes: Mapping[str, Any] | None
    model_fields_set: set[str] | frozenset[str] | None
