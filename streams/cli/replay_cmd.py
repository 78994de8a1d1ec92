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
    """Replay EVENTS through the engine; signals as JSON lines, a summary on stderr.

    A file in time order is replayed as it is read (signals written as they come); any other
    is sorted on disk first. Memory stays bounded either way. Progress on stderr when it is
    a terminal."""
    from models.errors import SlawatchError
    from streams.replay import JsonLinesSink, collector_paused, replay_file

    try:
        registry = _load_registry(tenants, policies)
    except SlawatchError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    until_dt = _parse_until(until)
    # the replay's heap is large and holds no reference cycles (see collector_paused):
    # writing its output runs without the collector too
    with collector_paused(), contextlib.ExitStack() as stack:
        target = stack.enter_context(out.open("wb")) if out else sys.stdout.buffer
        # a file found out of order is replayed again from the start (sorted): what was
        # written is truncated, so output that cannot seek (a pipe) is spooled until the end
        spool = None if _seekable(target) else stack.enter_context(tempfile.TemporaryFile())
        sink = JsonLinesSink(spool if spool is not None else target)
        stack.callback(sink.close)
        display = None
        if sys.stderr.isatty() and events.stat().st_size > PROGRESS_MIN_BYTES:
            display = stack.enter_context(ReplayDisplay(events.stat().st_size))
        result = replay_file(
            events,
            registry,
            sink,
            until=until_dt,
            source=str(events),
            progress=display,
            keep=explain or (),
        )
        if display is not None:
            display.close()
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
        _explain(result, explain)
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


def _explain(result: Any, explain: list[str] | None) -> None:
    from streams.engine.explain import explain_ticket

    for key in explain or []:
        typer.echo(explain_ticket(result.engine, key), err=True)
    summary = result.summary()
    typer.echo("summary: " + orjson.dumps(summary).decode(), err=True)
