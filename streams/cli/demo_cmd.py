"""``slawatch demo``: the README's "run the main job".

Until the live runtime lands (Faust on Kafka, issue 5), the demo is offline: it replays the
bundled example events (five tenants, one per seed contract) through the clock engine and
prints the signals as a table, the dead letters with their reasons, and the "why this
deadline" account of one ticket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from streams.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@app.command("demo")
def demo_cmd(
    events: Annotated[Path, typer.Option(help="events (JSON lines)")] = EXAMPLES / "events.jsonl",
    tenants: Annotated[Path, typer.Option(help="tenant contracts")] = EXAMPLES / "tenants.yaml",
    until: Annotated[str, typer.Option(help="advance time to")] = "2026-04-20T00:00:00+02:00",
    explain: Annotated[str, typer.Option(help="ticket to explain")] = "acme:INC-1",
) -> None:
    """Replay the example events of the five seed contracts and show what slawatch fires."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table

    from models.contracts import load_policies, load_tenants
    from streams.engine.explain import explain_ticket
    from streams.replay import replay

    console = Console()
    registry = load_tenants(tenants, load_policies())
    with events.open("rb") as fh:
        result = replay(fh, registry, until=datetime.fromisoformat(until), source=events.name)
    ams = ZoneInfo("Europe/Amsterdam")
    table = Table(title=f"signals from {events.name} (times Europe/Amsterdam)")
    for col in ("due at", "type", "tenant/ticket", "clock", "priority", "detail", "deadline"):
        table.add_column(col)
    for s in sorted(result.signals, key=lambda s: (s.at, s.tenant, s.ticket_id)):
        detail = s.threshold if s.threshold is not None else (s.tier or s.level or "")
        if s.observed_at != s.at:
            detail = f"{detail} (observed {s.observed_at.astimezone(ams):%a %d %b %H:%M})"
        style = {
            "sla.breach": "red",
            "sla.missed": "red",
            "sla.escalation": "magenta",
            "sla.warning": "yellow",
            "sla.met": "green",
        }.get(s.type)
        table.add_row(
            f"{s.at.astimezone(ams):%a %d %b %H:%M}",
            s.type,
            f"{s.tenant}/{s.ticket_id}",
            s.clock,
            s.priority or "—",
            str(detail),
            f"{s.deadline.astimezone(ams):%a %d %b %H:%M}" if s.deadline else "—",
            style=style,
        )
    console.print(table)
    for dl in result.dead_letters:
        console.print(f"[bold]dead letter[/bold] {dl.source}: {dl.reason}")
    console.print()
    console.print(explain_ticket(result.engine, explain), highlight=False)
    console.print(f"\nsummary: {result.summary()}")
