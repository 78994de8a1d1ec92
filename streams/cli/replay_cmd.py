"""``slawatch replay``: events from a JSONL file through the engine (the product's backtest)."""

from __future__ import annotations

import contextlib
import gc
import shutil
import sys
import tempfile
import time
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
    """Replay EVENTS through the engine; signals as JSON lines, a summary on stderr.

    A file in time order is replayed as it is read (signals written as they come); any other
    is sorted on disk first. Memory stays bounded either way. Progress on stderr when it is
    a terminal."""
    import orjson

    from streams.cli.policies import registry as load_registry
    from streams.replay import JsonLinesSink, collector_paused, replay_file

    registry = load_registry(tenants, policies, replace_policies)
    if max_event_bytes is None:
        from streams.cli.config_cmd import load_settings

        max_event_bytes = load_settings().max_event_bytes
    # the replay's heap is large and holds no reference cycles (see collector_paused):
    # writing its output runs without the collector too
    with collector_paused(), contextlib.ExitStack() as stack:
        target = stack.enter_context(out.open("wb")) if out else sys.stdout.buffer
        # a file found out of order is replayed again from the start (sorted): what was
        # written is truncated, so output that cannot seek (a pipe) is spooled until the end;
        # so is all output when tickets are to be explained (an unknown one is a mistake,
        # and a mistake prints one line and nothing else)
        spooled = bool(explain) or not _seekable(target)
        spool = stack.enter_context(tempfile.TemporaryFile()) if spooled else None
        sink = JsonLinesSink(spool if spool is not None else target)
        stack.callback(sink.close)
        display = None
        if sys.stderr.isatty() and events.stat().st_size > PROGRESS_MIN_BYTES:
            display = stack.enter_context(ReplayDisplay(events.stat().st_size))
        result = replay_file(
            events,
            registry,
            sink,
            until=until,
            source=str(events),
            progress=display,
            keep=explain or (),
            max_event_bytes=max_event_bytes,
        )
        if display is not None:
            display.close()
        # a ticket the file does not have is a mistake (exit 2), before anything is written
        explained = _explain(result, explain or [], events)
        if spool is not None:
            spool.seek(0)
            shutil.copyfileobj(spool, target)
        target.flush()
        if dead_letters:
            with dead_letters.open("wb") as fh:
                sink.write_dead_letters(fh)
        else:
            sys.stderr.flush()
            sink.write_dead_letters(sys.stderr.buffer)
            sys.stderr.buffer.flush()
        for text in explained:
            typer.echo(text, err=True)
        typer.echo("summary: " + orjson.dumps(result.summary()).decode(), err=True)
        # the interpreter's exit collects the whole heap once more (0.5 s for 200k events):
        # objects frozen now are left to the exit itself
        gc.freeze()


#: Files smaller than this replay in a few seconds: no progress display.
PROGRESS_MIN_BYTES = 4 * 1024 * 1024


def _seekable(fh: Any) -> bool:
    try:
        return bool(fh.seekable()) and fh.tell() >= 0
    except (OSError, ValueError):
        return False


class ReplayDisplay:
    """``slawatch replay``'s progress on stderr (rich): lines read, events applied, the rate
    and the time left (by bytes read while streaming; by events applied once a file out of
    order is sorted). Transient: gone when the replay ends."""

    def __init__(self, total_bytes: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.total_bytes = total_bytes
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task("replaying", total=total_bytes, stats="")
        self.started = time.monotonic()
        self.sorting = False

    def __enter__(self) -> ReplayDisplay:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.bar.stop()

    def __call__(self, state: Any) -> None:
        if state.restarted and not self.sorting:
            self.sorting = True
            self.started = time.monotonic()
            self.bar.reset(self.task, total=self.total_bytes)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        stats = f"{state.lines:,} lines read, {state.applied:,} events applied"
        if state.phase == "merging" and state.total:
            self.bar.update(
                self.task,
                description="applying (sorted)",
                completed=state.applied,
                total=state.total,
                stats=f"{stats}, {state.applied / elapsed:,.0f} events/s",
            )
            return
        what = "reading to sort (not in time order)" if self.sorting else "replaying"
        rate = (state.applied if not self.sorting else state.lines) / elapsed
        unit = "events/s" if not self.sorting else "lines/s"
        self.bar.update(
            self.task, description=what, completed=state.bytes, stats=f"{stats}, {rate:,.0f} {unit}"
        )


def _explain(result: Any, keys: list[str], events: Path) -> list[str]:
    """The ``--explain`` accounts: each ticket with its clocks as applied (its own events
    read again from the file); a ticket the file does not have is a mistake (exit 2)."""
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
                else f"no tickets of tenant {tenant!r} still open"
            )
            raise CliError(f"--explain {key}: no such ticket in {events} ({known})")
        with events.open("rb") as fh:
            out.append(explain_ticket(engine, key, ticket_events(fh, key)))
    return out
