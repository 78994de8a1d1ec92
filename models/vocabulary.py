"""The closed vocabularies of ticket events, in one place: event types, kinds, channels and
the statuses slawatch knows.

Standard library only: the event schema (``models.events``), the policy language
(``models.policy``) and the command line's help texts share these without importing
pydantic (``slawatch --help`` stays fast).
"""

from __future__ import annotations

from typing import Literal

TicketEventType = Literal[
    "ticket.created",
    "ticket.updated",
    "ticket.responded",
    "ticket.resolved",
    "ticket.reopened",
    "ticket.closed",
    "ticket.cancelled",
]
Kind = Literal["incident", "service_request", "change", "question", "vulnerability"]
Channel = Literal["portal", "email", "phone", "chat", "monitoring", "other"]

TICKET_EVENT_TYPES: tuple[str, ...] = TicketEventType.__args__  # type: ignore[attr-defined]
MONITORING_EVENT_TYPES = (
    "monitor.down",
    "monitor.up",
    "maintenance.announced",
    "maintenance.cancelled",
    "heartbeat",
)
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]

#: Ticket statuses with a common meaning across ITSM tools. An event's ``status`` is free
#: text (a status no clock pauses on simply changes nothing); a policy may pause only on one
#: of these or on a status it declares itself under ``statuses:`` — so a misspelt pause
#: status (``waiting_for_custmer``) is an error at ``slawatch policy check`` instead of a
#: clock that silently never pauses.
STATUSES = (
    "new",
    "open",
    "assigned",
    "in_progress",
    "investigating",
    "on_hold",
    "pending",
    "waiting_for_customer",
    "waiting_for_third_party",
    "waiting_for_supplier",
    "customer_unreachable",
    "scheduled",
    "resolved",
    "closed",
    "cancelled",
)

__all__ = [
    "CHANNELS",
    "KINDS",
    "MONITORING_EVENT_TYPES",
    "STATUSES",
    "TICKET_EVENT_TYPES",
    "Channel",
    "Kind",
    "TicketEventType",
]
