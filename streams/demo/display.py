"""What the live demo prints: one line per signal as it happens, the summary at the end,
and the command lines that read its Redis read model."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")

STYLES = {
    "sla.breach": "bold red",
    "sla.escalation": "magenta",
    "sla.warning": "dim yellow",
    "sla.met": "green",
    "sla.missed": "red",
    "availability.breach": "bold red",
    "availability.warning": "yellow",
    "heartbeat.missed": "yellow",
}
LABELS = {
    "sla.breach": "BREACH",
    "sla.escalation": "ESCALATE",
    "sla.warning": "warning",
    "sla.met": "met",
    "sla.missed": "missed",
    "availability.breach": "BREACH",
    "availability.warning": "warning",
    "heartbeat.missed": "missed",
}
#: signals printed as they happen (sla.warning only with warnings on)
SHOWN = ("sla.breach", "sla.escalation", "availability.breach", "heartbeat.missed")


def hm_dt(value: datetime) -> str:
    return f"{value.astimezone(AMS):%a %H:%M}"


def hm(value: str | None) -> str:
    if not value:
        return "—"
    return f"{datetime.fromisoformat(value).astimezone(AMS):%a %H:%M}"


def signal_line(sig: dict[str, Any]) -> str:
    """One readable line of a signal: simulated time, type, tenant/ticket, clock, priority,
    deadline (times Europe/Amsterdam)."""
    stype = sig.get("type", "?")
    if stype.startswith(("availability.", "heartbeat.")):
        return monitoring_line(sig)
    detail = ""
    if sig.get("threshold") is not None:
        detail = f" {float(sig['threshold']):.0%}"
    elif sig.get("level"):
        detail = f" → {sig['level']}"
    elif sig.get("tier"):
        detail = f" ({sig['tier']})"
    late = ""
    if sig.get("observed_at") and sig.get("at") and sig["observed_at"] != sig["at"]:
        late = f" (seen {hm(sig['observed_at'])})"
    who = f"{sig.get('tenant')}/{sig.get('ticket_id')}"
    prio = sig.get("priority") or "—"
    return (
        f"{hm(sig.get('at')):<9} {LABELS.get(stype, stype):<8} {who:<18} "
        f"{sig.get('clock', ''):<12} {prio:<9} due {hm(sig.get('deadline'))}{detail}{late}"
    )


def monitoring_line(sig: dict[str, Any]) -> str:
    """An availability or heartbeat signal: what is at stake, in one line."""
    stype = sig.get("type", "?")
    who = f"{sig.get('tenant')}/{sig.get('service') or sig.get('check')}"
    if stype == "heartbeat.missed":
        detail = f"no {sig.get('check')} report since {hm(sig.get('last_seen'))}"
    elif sig.get("reason") == "projected":
        missed = hm(sig.get("exhausts_at"))
        detail = f"if this outage goes on, {sig.get('period')} is missed at {missed}"
    else:
        spent = (
            f"{float(sig['threshold']):.0%} of the budget spent, " if sig.get("threshold") else ""
        )
        detail = (
            f"{spent}{sig.get('period')} at {sig.get('availability_percent')} % "
            f"(target {sig.get('target_percent')} %)"
        )
    return f"{hm(sig.get('at')):<9} {LABELS.get(stype, stype):<8} {who:<18} {detail}"


def print_summary(self: Any) -> None:
    """The end-of-run summary: traffic, signals by type, pages, dead letters by kind,
    the sink's files, what breaches next (``self``: the demo that ran)."""
    c = self.console
    traffic = getattr(self, "traffic", None)
    c.print()
    if traffic is not None:
        sim_end = getattr(self, "sim_end", None)
        until = f" until {sim_end.astimezone(AMS):%a %H:%M}" if sim_end else ""
        c.print(
            f"[bold]summary[/bold]: {traffic.tickets} tickets, {traffic.sent} events sent "
            f"({traffic.bad_sent} deliberately bad), {traffic.monitoring_sent} monitoring "
            "events, simulated "
            f"{self.start.astimezone(AMS):%a %H:%M}{until}"
        )
    else:
        c.print("[bold]summary[/bold]: no traffic was sent")
    from models.signals import (
        AVAILABILITY_SIGNAL_TYPES,
        HEARTBEAT_SIGNAL_TYPES,
        SLA_SIGNAL_TYPES,
    )

    order = (*SLA_SIGNAL_TYPES, *AVAILABILITY_SIGNAL_TYPES, *HEARTBEAT_SIGNAL_TYPES)
    types = [t for t in order if t in self.counts] + sorted(set(self.counts) - set(order))
    total = sum(self.counts.values())
    c.print(f"signals: {total}")
    for t in types:
        c.print(f"  {t:<16}{self.counts[t]:>6}", style=STYLES.get(t), markup=False)
    if self.connectors is not None:
        self.connectors.drain()
        c.print(self.connectors.summary())
    c.print(f"dead letters: {len(self.dead)}")
    kinds = Counter(d.get("kind", "other") for d in self.dead)
    example: dict[str, str] = {}
    for d in self.dead:  # the first reason of each kind, as an example
        example.setdefault(d.get("kind", "other"), d.get("reason", ""))
    for kind, n in kinds.most_common():
        c.print(f"  {n:>3} × {kind}: {example[kind].split(';')[0][:90]}", markup=False)
    sink = getattr(self, "sink_counts", {})
    if sink:
        keep = ""
        if self.sink_kept:
            keep = (
                f" in {self.sink_dir} (try: slawatch query --sink {self.sink_dir} "
                '"SELECT type, count(*) FROM signals GROUP BY type")'
            )
        c.print(
            f"sink: {sink['signals']} signals, {sink['clock_states']} clock states, "
            f"{sink['dead_letters']} dead letters as Parquet{keep}",
            markup=False,
        )
    at_risk = getattr(self, "at_risk", {})
    if any(at_risk.values()):
        now = self.at_risk_now
        c.print(f"next deadlines (Redis read model, `slawatch at-risk`) at {hm_dt(now)}:")
        for tenant, rows in at_risk.items():
            for r in rows:
                c.print(
                    f"  {tenant + '/' + r['ticket_id']:<22} {r['clock']:<12} "
                    f"{r.get('priority') or '':<9} due {hm(r.get('deadline'))}",
                    markup=False,
                )


def read_model_hint(redis_url: str, tenant: str, program: str | None = None) -> list[str]:
    """The exact command lines that read the demo's Redis read model from another terminal
    (they take "now" from the simulated clock the worker stores there). ``program``: how
    slawatch was started (``sys.argv[0]`` when it is the ``slawatch`` script)."""
    if program is None:
        argv0 = sys.argv[0] if sys.argv else ""
        program = argv0 if Path(argv0).name == "slawatch" else "slawatch"
    where = f"--redis-url {redis_url}"
    if _default_key_prefix() != "slawatch:":  # this shell's SLAWATCH_* would look elsewhere
        where += " --prefix slawatch:"
    return [
        "  read model: while the demo runs, from another terminal (on the demo's clock):",
        f"    {program} at-risk --tenant {tenant} {where}",
        f"    {program} breaches --tenant {tenant} {where}",
        f"    {program} services --tenant {tenant} {where}",
    ]


def _default_key_prefix() -> str | None:
    """The key prefix the read-model commands use in this environment (None: its
    settings do not load, so say the demo's explicitly)."""
    from calendars.errors import SlawatchError
    from streams.sinks.redis_model import default_prefix

    try:
        return default_prefix()
    except (SlawatchError, ValueError):
        return None
