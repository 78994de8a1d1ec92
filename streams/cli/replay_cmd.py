"""``slawatch replay``: events from a JSONL file through the engine (the product's backtest)."""

from __future__ import annotations

import gc
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from streams.cli import app


def _load_registry(tenants: Path, policies: Path | None):
    from models.contracts import load_policies, load_tenants

    pset = load_policies(policies)
    return load_tenants(tenants, pset)


def _parse_until(value: str | None) -> datetime | None:
    return None if value is None else parse_instant(value)


def parse_instant(value: str) -> datetime:
    """An aware ISO 8601 instant from the command line, or a clear usage error."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 instant") from None
    if dt.tzinfo is None:
        raise typer.BadParameter(f"{value!r} needs an offset, e.g. {value}+01:00")
    return dt


@app.command("replay")
def replay_cmd(
    events: Annotated[Path, typer.Argument(help="JSON lines, one event per line, any order")],
    tenants: Annotated[Path, typer.Option("--tenants", help="tenant contracts (YAML/JSON)")],
    policies: Annotated[Path | None, typer.Option("--policies", help="policy dir")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="advance time to this instant")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="signals file (default stdout)")] = None,
    dead_letters: Annotated[
        Path | None, typer.Option("--dead-letters", help="dead letters file (default stderr)")
    ] = None,
    explain: Annotated[
        list[str] | None,
        typer.Option("--explain", help="explain TENANT:TICKET's clocks on stderr (repeatable)"),
    ] = None,
) -> None:
    """Replay EVENTS through the engine; signals as JSON lines, a summary on stderr."""
    from models.errors import SlawatchError
    from streams.replay import collector_paused, replay

    try:
        registry = _load_registry(tenants, policies)
    except SlawatchError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    until_dt = _parse_until(until)
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
                lines, registry, until=until_dt, source=str(events), progress=progress_cb
            )
        finally:
            if bar is not None:
                bar.stop()
        _write(result, out, dead_letters, explain)
        # the interpreter's exit collects the whole heap once more (0.5 s for 200k events):
        # objects frozen now are left to the exit itself
        gc.freeze()


def _write(
    result: Any, out: Path | None, dead_letters: Path | None, explain: list[str] | None
) -> None:
    from streams.engine.explain import explain_ticket

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
    for key in explain or []:
        typer.echo(explain_ticket(result.engine, key), err=True)
    summary = result.summary()
    typer.echo("summary: " + orjson.dumps(summary).decode(), err=True)
