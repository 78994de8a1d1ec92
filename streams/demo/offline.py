"""``slawatch demo --offline``: the example events through the clock engine, no broker."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from streams.demo.display import AMS


def run_offline(events: Path, tenants: Path, until: datetime, explain: str) -> None:
    """Replay the example events of the five seed contracts and show what slawatch fires."""
    from rich.console import Console
    from rich.table import Table

    from streams.cli.errors import CliError
    from streams.cli.policies import registry as load_registry
    from streams.engine.explain import explain_ticket, ticket_events
    from streams.replay import replay

    console = Console()
    registry = load_registry(tenants)
    lines = events.read_bytes().splitlines()
    result = replay(lines, registry, until=until, source=events.name)
    if explain not in result.engine.tickets:
        raise CliError(f"--explain {explain}: no such ticket in {events}")
    table = Table(title=f"signals from {events.name} (times Europe/Amsterdam)")
    for col in ("due at", "type", "tenant/ticket", "clock", "priority", "detail", "deadline"):
        table.add_column(col)
    for s in sorted(result.signals, key=lambda s: (s.at, s.tenant, s.ticket_id)):
        detail = s.threshold if s.threshold is not None else (s.tier or s.level or "")
        if s.observed_at != s.at:
            detail = f"{detail} (observed {s.observed_at.astimezone(AMS):%a %d %b %H:%M})"
        table.add_row(
            f"{s.at.astimezone(AMS):%a %d %b %H:%M}",
            s.type,
            f"{s.tenant}/{s.ticket_id}",
            s.clock,
            s.priority or "—",
            str(detail),
            f"{s.deadline.astimezone(AMS):%a %d %b %H:%M}" if s.deadline else "—",
            style={
                "sla.breach": "red",
                "sla.missed": "red",
                "sla.escalation": "magenta",
                "sla.warning": "yellow",
                "sla.met": "green",
            }.get(s.type),
        )
    console.print(table)
    for dl in result.dead_letters:
        console.print(f"[bold]dead letter[/bold] {dl.source}: {dl.reason}")
    console.print()
    console.print(
        explain_ticket(result.engine, explain, ticket_events(lines, explain)),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(f"\nsummary: {json.dumps(result.summary())}", soft_wrap=True, highlight=False)
