"""slawatch schemas: events, signals, SLA policies, tenant contracts, settings.

Public entry points (imported lazily, so ``import models.settings`` stays light):

- :func:`models.contracts.load_policies`, :func:`models.contracts.load_tenants`
- :class:`models.policy.Policy` (``.plan(facts, options)``, ``.calendar(name)``)
- :func:`models.events.parse_event`, :class:`models.signals.Signal`
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Policy": "models.policy",
    "load_policy_file": "models.policy",
    "load_policies": "models.contracts",
    "load_tenants": "models.contracts",
    "PolicySet": "models.contracts",
    "ResolvedContract": "models.contracts",
    "TenantRegistry": "models.contracts",
    "parse_event": "models.events",
    "TicketEvent": "models.events",
    "Signal": "models.signals",
    "ClockPlan": "models.plan",
    "TicketFacts": "models.plan",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    return getattr(import_module(module), name)
