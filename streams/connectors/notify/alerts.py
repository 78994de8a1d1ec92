"""What a signal means to on-call: which incident it belongs to, how bad it is, how to say it.

Signals are the dicts of ``sla.warnings`` / ``escalations`` / ``breaches`` / ``verdicts``
(``models.signals.Signal.to_dict``). One **incident** per ticket clock
(``tenant:ticket:clock``), availability target and month (``tenant:service:target:period``)
or heartbeat check (``tenant:check``): its warnings, escalations and breach *fire* it, and
the clock's verdict (``sla.met`` / ``sla.missed``, or the clock stopping without one: a
cancelled ticket), the month's ``availability.report`` or the check's ``heartbeat.recovered``
*resolves* it.

Severity follows the rung: a breach is ``critical``, an escalation ``error``, a warning
``warning`` (PagerDuty's levels; Alertmanager gets them as the ``severity`` label).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

#: signals that open (or raise) an incident
FIRES = frozenset(
    {
        "sla.warning",
        "sla.escalation",
        "sla.breach",
        "availability.warning",
        "availability.breach",
        "heartbeat.missed",
    }
)
#: signals that end one
RESOLVES = frozenset({"sla.met", "sla.missed", "availability.report", "heartbeat.recovered"})

ALERT_NAMES = {
    "sla.warning": "SLAWarning",
    "sla.escalation": "SLAEscalation",
    "sla.breach": "SLABreach",
    "availability.warning": "AvailabilityWarning",
    "availability.breach": "AvailabilityBreach",
    "heartbeat.missed": "HeartbeatMissed",
}
SEVERITY = {
    "sla.warning": "warning",
    "sla.escalation": "error",
    "sla.breach": "critical",
    "availability.warning": "warning",
    "availability.breach": "critical",
    "heartbeat.missed": "error",
}
_WHAT = {
    "sla.warning": "SLA warning",
    "sla.escalation": "SLA escalation",
    "sla.breach": "SLA breach",
    "sla.met": "SLA met",
    "sla.missed": "SLA missed",
    "availability.warning": "availability warning",
    "availability.breach": "availability breach",
    "availability.report": "availability report",
    "heartbeat.missed": "heartbeat missed",
    "heartbeat.recovered": "heartbeat recovered",
}


def incident_key(sig: dict[str, Any]) -> str:
    """The incident a signal belongs to (also PagerDuty's ``dedup_key``)."""
    kind = str(sig.get("type", ""))
    if kind.startswith("sla."):
        return f"{sig['tenant']}:{sig['ticket_id']}:{sig['clock']}"
    if kind.startswith("availability."):
        return f"{sig['tenant']}:{sig.get('service')}:{sig.get('target')}:{sig.get('period')}"
    return f"{sig['tenant']}:{sig.get('check')}"


def rung(sig: dict[str, Any]) -> str:
    """Which step of the ladder: ``breach``, the escalation level, ``warning:50%``,
    ``warning:soft``, ``projected``."""
    kind = sig.get("type")
    if kind == "sla.escalation":
        return str(sig.get("level"))
    if kind in ("sla.warning", "availability.warning"):
        if sig.get("threshold") is not None:
            return f"warning:{float(sig['threshold']):.0%}"
        return f"warning:{sig.get('tier') or sig.get('reason') or 'soft'}"
    if kind == "heartbeat.missed":
        return "missed"
    return "breach"


def subject(sig: dict[str, Any]) -> str:
    """``acme/INC-1 resolution``, ``hooli/webservice (services, 2026-03)``, ``acme/backup``."""
    kind = str(sig.get("type", ""))
    if kind.startswith("sla."):
        return f"{sig['tenant']}/{sig['ticket_id']} {sig['clock']}"
    if kind.startswith("availability."):
        return f"{sig['tenant']}/{sig.get('service')} ({sig.get('target')}, {sig.get('period')})"
    return f"{sig['tenant']}/{sig.get('check')}"


def summary(sig: dict[str, Any]) -> str:
    """One line for a pager: what, whose, how urgent, and by when."""
    kind = str(sig.get("type", ""))
    what = _WHAT.get(kind, kind)
    head = f"{what}: {subject(sig)}"
    if kind == "sla.escalation":
        head += f" escalated to {sig.get('level')}"
    elif kind == "sla.warning":
        head += f" at {rung(sig).removeprefix('warning:')} of its target"
    prio = f" (priority {sig['priority']})" if sig.get("priority") else ""
    due = f", deadline {sig['deadline']}" if sig.get("deadline") else ""
    if kind.startswith("availability."):
        figure = sig.get("availability_percent")
        return (
            f"{head}: {figure} % against {sig.get('target_percent')} %"
            if figure is not None
            else head
        )
    if kind.startswith("heartbeat."):
        return f"{head}: no report since {sig.get('last_seen')}{due}"
    return f"{head}{prio}{due}"


def explanation(sig: dict[str, Any]) -> str:
    """How the deadline came about, from what the signal carries."""
    kind = str(sig.get("type", ""))
    if kind.startswith("sla."):
        parts = [
            f"The {sig.get('clock')} clock of ticket {sig.get('ticket_id')} (tenant "
            f"{sig.get('tenant')}) runs under policy {sig.get('policy')} version "
            f"{sig.get('policy_version')}"
            + (f", priority {sig['priority']}" if sig.get("priority") else "")
            + (f" (matrix cell {sig['cell']})" if sig.get("cell") else "")
            + "."
        ]
        if sig.get("deadline"):
            parts.append(f"Its deadline is {sig['deadline']}.")
        if sig.get("elapsed_business_seconds") is not None:
            parts.append(
                f"At {sig.get('at')} it had counted {_hm(sig['elapsed_business_seconds'])} of "
                f"business time ({_hm(sig.get('elapsed_wall_seconds') or 0)} on the wall clock)."
            )
        if sig.get("observed_at") and sig.get("observed_at") != sig.get("at"):
            parts.append(f"slawatch saw it at {sig['observed_at']} (a late event revealed it).")
        return " ".join(parts)
    if kind.startswith("availability."):
        return (
            f"{sig.get('service')} in {sig.get('period')}: {sig.get('downtime_seconds')} s of "
            f"downtime counted against a budget of {sig.get('budget_seconds')} s "
            f"(target {sig.get('target_percent')} %, policy {sig.get('policy')})."
        )
    return (
        f"Check {sig.get('check')} reports every {sig.get('interval_seconds')} s at most; the "
        f"last report was {sig.get('last_seen')}, the next was due {sig.get('deadline')}."
    )


def _hm(seconds: float) -> str:
    minutes = round(float(seconds) / 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def instant(value: Any) -> datetime | None:
    """A signal's ISO instant (``None`` when absent)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


__all__ = [
    "ALERT_NAMES",
    "FIRES",
    "RESOLVES",
    "SEVERITY",
    "explanation",
    "incident_key",
    "instant",
    "rung",
    "subject",
    "summary",
]
