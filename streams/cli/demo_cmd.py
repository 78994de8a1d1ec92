"""``slawatch demo``: the README's "run the main job" — the whole live pipeline on this
machine (what it starts and how it stops: :mod:`streams.demo.live`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from models.shipped import shipped
from streams.cli import app
from streams.cli.params import input_file, instant, ticket_key, wall_duration

EXAMPLES = shipped("examples")


def parse_duration(text: str) -> float:
    """Seconds of a ``--for`` span: ``30s``, ``2m``, ``1.5h``, ``1h30m`` (the one duration
    grammar, :mod:`models.durations`)."""
    return wall_duration(text).total_seconds()


@app.command("demo")
def demo_cmd(
    duration: Annotated[
        float | None,
        typer.Option(
            "--for",
            parser=parse_duration,
            metavar="DURATION",
            help="stop after this long (30s, 2m, 1h30m); default: until Ctrl-C",
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="simulated seconds per wall second (600: 1 min = 0.1 s)")
    ] = 600.0,
    seed: Annotated[int, typer.Option(help="traffic generator seed")] = 1,
    rate: Annotated[float, typer.Option(help="new tickets per simulated hour (office hours)")] = (
        40.0
    ),
    warnings: Annotated[
        bool, typer.Option("--warnings/--no-warnings", help="print warnings (dimmed)")
    ] = True,
    offline: Annotated[
        bool, typer.Option("--offline", help="replay the example events, no broker")
    ] = False,
    events: Annotated[
        Path, typer.Option(parser=input_file, help="--offline: events (JSON lines)")
    ] = EXAMPLES / "events.jsonl",
    tenants: Annotated[Path, typer.Option(parser=input_file, help="tenant contracts")] = (
        EXAMPLES / "tenants.yaml"
    ),
    until: Annotated[
        datetime, typer.Option(parser=instant, metavar="ISO", help="--offline: advance time to")
    ] = "2026-04-20T00:00:00+02:00",  # type: ignore[assignment]  (parsed like a given value)
    explain: Annotated[
        str,
        typer.Option(
            parser=ticket_key, metavar="TENANT:TICKET", help="--offline: ticket to explain"
        ),
    ] = "acme:INC-1",
    sink: Annotated[
        Path | None,
        typer.Option(
            help="keep the analytics sink's Parquet files here (default: a temporary "
            "directory, removed at the end)"
        ),
    ] = None,
    board_port: Annotated[
        int, typer.Option(help="the ops board's port on 127.0.0.1 (taken: any free one)")
    ] = 8080,
) -> None:
    """Run the live pipeline on the embedded broker with generated traffic for the five seed
    contracts, printing breaches as they happen (--offline: replay the example events)."""
    if offline:
        from streams.demo.offline import run_offline

        run_offline(events, tenants, until, explain)
        return
    from streams.cli.errors import CliError

    if speed <= 0:
        raise CliError(f"--speed {speed:g}: must be positive, e.g. 600")
    if rate <= 0:
        raise CliError(f"--rate {rate:g}: must be positive, e.g. 40")
    from streams.demo.live import LiveDemo

    code = LiveDemo(
        speed=speed,
        seed=seed,
        rate=rate,
        tenants=tenants,
        warnings=warnings,
        sink=sink,
        board_port=board_port,
    ).run(duration)
    raise typer.Exit(code)


# == live =========================================================================================
