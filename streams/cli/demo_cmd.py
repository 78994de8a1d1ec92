"""``slawatch demo``: the README's "run the main job".

With no configuration it runs the whole live pipeline on this machine:

1. the embedded Kafka broker and Redis (``streams.embedded``), and the slawatch topics;
2. one ``slawatch worker`` subprocess, on a simulated clock (``SLAWATCH_CLOCK_START`` = a
   Monday 08:00 in Amsterdam, ``SLAWATCH_CLOCK_SPEED`` = ``--speed``: at 600 a simulated
   minute lasts 0.1 s, a working day 54 s);
3. ``slawatch ingest`` and ``slawatch notify`` (:mod:`streams.connectors.demo`): a few Jira
   webhooks for Covide's tenant go through ingest, and notify pages a local webhook receiver
   on every breach and escalation (its pages of the Jira tickets are printed);
4. a generator of realistic ticket traffic for the five example tenants (one per seed policy,
   ``examples/tenants.yaml``; :mod:`streams.traffic`), sending each event when the simulated
   clock reaches it, stamped with that instant, a few of them deliberately bad;
5. a reader of the output topics that prints breaches and escalations (warnings dimmed) as
   they arrive, and dead letters with their reason;
6. the ops board (``slawatch web``, :mod:`streams.web`) on loopback: it prints its URL.

It stops on Ctrl-C or after ``--for`` (e.g. ``30s``, ``2m``; counted from the first event),
prints a summary of the signals by type and the dead letters, stops the worker, Redis and the
broker, and exits 0; 1 when the worker dies (its log tail is printed) or a service fails.

``--offline`` replays ``examples/events.jsonl`` through the clock engine instead (no broker):
the signals as a table, the dead letters and the "why this deadline" account of one ticket.
"""

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
