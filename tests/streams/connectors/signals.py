"""Signals as the runtime publishes them (each checked against ``models.signals.Signal``)."""

from __future__ import annotations

from typing import Any

from models.ids import signal_id
from models.signals import Signal


def sla(kind: str, ticket: str = "INC-1", clock: str = "resolution", **extra: Any) -> dict:
    """An ``sla.*`` signal of tenant acme (bokumo-ict), priority hoog."""
    base: dict[str, Any] = {
        "type": kind,
        "tenant": extra.pop("tenant", "acme"),
        "ticket_id": ticket,
        "clock": clock,
        "policy": "bokumo-ict",
        "policy_version": "2025.1",
        "priority": extra.pop("priority", "hoog"),
        "deadline": "2026-03-02T16:00:00+00:00",
        "at": extra.pop("at", "2026-03-02T16:00:00+00:00"),
        "observed_at": None,
        "elapsed_business_seconds": 28800.0,
        "elapsed_wall_seconds": 28800.0,
    }
    if kind == "sla.warning":
        base["threshold"] = extra.pop("threshold", 0.5)
    if kind == "sla.escalation":
        base["level"] = extra.pop("level", "second_line")
    base.update(extra)
    base["observed_at"] = base["observed_at"] or base["at"]
    rung = base.get("level") or base.get("threshold") or kind
    base["event_id"] = signal_id(base["tenant"], ticket, clock, rung, base["at"])
    return Signal.model_validate(base).to_dict()


def heartbeat(kind: str, check: str = "backup", **extra: Any) -> dict:
    base: dict[str, Any] = {
        "type": kind,
        "tenant": "hooli",
        "check": check,
        "policy": "smart-fms",
        "policy_version": "2025.1",
        "deadline": "2026-03-03T02:00:00+00:00",
        "at": extra.pop("at", "2026-03-03T02:00:01+00:00"),
        "last_seen": "2026-03-02T02:00:00+00:00",
        "interval_seconds": 86400.0,
    }
    base.update(extra)
    base["event_id"] = signal_id("hooli", check, kind, base["at"])
    return Signal.model_validate(base).to_dict()
