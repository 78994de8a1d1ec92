"""``slawatch replay``: events from a JSONL file through the engine (the product's backtest)."""

from __future__ import annotations

import gc
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from streams.cli import app
from streams.cli.params import (
    PoliciesDirs,
    ReplacePolicies,
    TenantsFile,
    input_file,
    instant,
    output_file,
    ticket_key,
)


def _load_registry(tenants: Path, policies: Path | None = None) -> Any:
    """The tenant registry of a tenants file against the bundled policies (and ``policies``)."""
    from streams.cli.policies import registry

    return registry(tenants, [policies] if policies is not None else None)


def parse_instant(value: str) -> datetime:
    """An aware ISO 8601 instant from the command line, or a clear usage error."""
    return instant(value)


@app.command("replay")
def replay_cmd(
    events: Annotated[
        Path,
        typer.Argument(
            parser=input_file,
            metavar="EVENTS",
            help="JSON lines, one event per line, any order",
            show_default=False,
        ),
    ],
    tenants: TenantsFile,
    policies: PoliciesDirs = None,
    replace_policies: ReplacePolicies = False,
    until: Annotated[
        datetime | None,
        typer.Option("--until", parser=instant, metavar="ISO", help="advance time to this instant"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", parser=output_file, help="signals file (default stdout)"),
    ] = None,
    dead_letters: Annotated[
        Path | None,
        typer.Option(
            "--dead-letters", parser=output_file, help="dead letters file (default stderr)"
        ),
    ] = None,
    explain: Annotated[
        list[str] | None,
        typer.Option(
            "--explain",
            parser=ticket_key,
            metavar="TENANT:TICKET",
            help="explain a ticket's clocks on stderr (repeatable)",
        ),
    ] = None,
    max_event_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-event-bytes",
            min=256,
            help="longer lines are dead letters (default: $SLAWATCH_MAX_EVENT_BYTES, as live)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Replay EVENTS through the engine; signals as JSON lines, a summary on stderr."""
    from streams.cli.policies import registry as load_registry
    from streams.replay import collector_paused, replay

    reg = load_registry(tenants, policies, replace_policies)
    if max_event_bytes is None:
        from streams.cli.config_cmd import load_settings

        max_event_bytes = load_settings().max_event_bytes
    with events.open("rb") as fh:
        lines = fh.readlines()
    progress_cb = None
    bar = None
    if sys.stderr.isatty() and len(lines) > 20000:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("replaying", total=len(lines))
        bar.start()

        def progress_cb(i: int) -> None:
            bar.update(task, completed=i)

    # the replay's heap is large and holds no reference cycles (see collector_paused):
    # writing its signals out runs without the collector too
    with collector_paused():
        try:
            result = replay(
                lines,
                reg,
                until=until,
                source=str(events),
                progress=progress_cb,
                max_event_bytes=max_event_bytes,
            )
        finally:
            if bar is not None:
                bar.stop()
        explained = _explain(result, lines, explain or [], events)
        _write(result, out, dead_letters, explained)
        # the interpreter's exit collects the whole heap once more (0.5 s for 200k events):
        # objects frozen now are left to the exit itself
        gc.freeze()


def _explain(result: Any, lines: list[bytes], keys: list[str], events: Path) -> list[str]:
    """The ``--explain`` accounts, worked out before anything is written: a ticket the file
    does not have is a mistake (exit 2), not a line among the output."""
    from streams.cli.errors import CliError
    from streams.engine.explain import explain_ticket, ticket_events

    engine = result.engine
    out = []
    for key in keys:
        if key not in engine.tickets:
            tenant = key.partition(":")[0]
            theirs = sorted(
                k.partition(":")[2] for k in engine.tickets if k.startswith(tenant + ":")
            )
            known = (
                f"tickets of {tenant}: {', '.join(theirs[:8])}{', …' if len(theirs) > 8 else ''}"
                if theirs
                else f"no tickets of tenant {tenant!r}"
            )
            raise CliError(f"--explain {key}: no such ticket in {events} ({known})")
        out.append(explain_ticket(engine, key, ticket_events(lines, key)))
    return out


def _write(result: Any, out: Path | None, dead_letters: Path | None, explained: list[str]) -> None:
    import orjson

    sink = out.open("wb") if out else sys.stdout.buffer
    try:
        sink.write(b"".join(orjson.dumps(s.to_dict()) + b"\n" for s in result.signals))
    finally:
        if out:
            sink.close()
    dl_lines = b"".join(orjson.dumps(d.to_dict()) + b"\n" for d in result.dead_letters)
    if dead_letters:
        dead_letters.write_bytes(dl_lines)
    else:
        sys.stderr.buffer.write(dl_lines)
        sys.stderr.flush()
    for text in explained:
        typer.echo(text, err=True)
    summary = result.summary()
    typer.echo("summary: " + orjson.dumps(summary).decode(), err=True)
