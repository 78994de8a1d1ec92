"""Offline replay (and backtest): a JSONL file of events through the engine, in event order.

A replay decodes every line (bad ones become dead letters naming ``FILE:LINE``), applies the
events in order of their instant (then tenant and ticket, then file order, so a ticket's own
events keep their order) — each first advancing engine time to its instant — and finally
advances to ``until`` (default: the last event's instant). The live runtime feeds the same
:class:`~streams.engine.processor.Processor`, so both give the same signal ids.

Three ways to put the events in that order, all giving the same signals in the same order:

* ``memory``: every decoded event held and sorted (:func:`replay`, the Python API);
* ``stream``: a file already in time order (what ITSM exports and ``bench/gen_events.py``
  write) is applied as it is read, holding only the events of one instant at a time (sorted
  among themselves). A line earlier than the one before it ends the attempt;
* ``external``: runs of :data:`RUN_LINES` lines sorted in memory and spilled to temporary
  files, then merged (an external merge sort), for a file that is not in order.

``slawatch replay`` (:func:`replay_file`) streams and falls back to the external sort when the
file turns out not to be in order, starting again from the first line; it writes the signals
out as they come and keeps closed tickets out of the engine in a compact form
(:class:`ClosedTickets`), so its memory does not grow with the history: 10 million events in
well under 2 GB (docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import heapq
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from models.errors import EventError
from models.events import MAX_EVENT_BYTES, too_large
from streams.availability.engine import AvailabilityEngine, AvailabilitySignal
from streams.engine.engine import Engine, Signal
from streams.engine.processor import DeadLetter, Output, Processor
from streams.engine.state import STATE_FORMAT
from streams.replay_input import (
    Held,
    InOrder,
    dead_text,
    held_line,
    read_run,
    spill,
)

#: Lines per sorted run of the external sort (~0.5 KB each in memory while a run is sorted).
RUN_LINES = 400_000
#: Events between two calls of a progress callback, and between two hand-overs of signals to
#: a sink.
PROGRESS_EVERY = 8192
#: Event types after which a ticket is closed for good.
CLOSING = frozenset({"ticket.closed", "ticket.cancelled"})


@dataclass(slots=True)
class ReplayResult:
    signals: list[Signal | AvailabilitySignal] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    events: int = 0
    monitoring_events: int = 0
    engine: Engine | None = None
    availability: AvailabilityEngine | None = None
    #: signals by type and dead letters, counted (also when a sink took them, not the lists)
    signal_counts: dict[str, int] = field(default_factory=dict)
    dead_letter_count: int = 0
    #: closed tickets kept out of the engine (:class:`ClosedTickets`), still counted as tickets
    closed_tickets: int = 0
    #: how the events were put in order: ``memory``, ``stream`` or ``external``
    order: str = "memory"

    def summary(self) -> dict[str, Any]:
        eng = self.engine
        return {
            "events": self.events,
            "ticket_events_applied": eng.stats.events if eng else 0,
            "duplicates": eng.stats.duplicates if eng else 0,
            "monitoring_events": self.monitoring_events,
            "monitored_tenants": len(self.availability.tenants) if self.availability else 0,
            "tickets": (len(eng.tickets) if eng else 0) + self.closed_tickets,
            "open_clocks": eng.open_clocks() if eng else 0,
            "signals": dict(sorted(self.signal_counts.items())),
            "dead_letters": self.dead_letter_count,
        }


@dataclass(slots=True)
class ReplayProgress:
    """Where a replay is, for a progress display: ``phase`` is ``reading`` (streaming, or
    the first pass of an external sort) or ``merging`` (its second pass)."""

    phase: str
    lines: int = 0
    bytes: int = 0
    applied: int = 0
    #: events to apply in all, once known (after the first pass of an external sort)
    total: int | None = None
    restarted: bool = False


class ReplaySink(Protocol):
    """Where a replay's output goes as it is produced (:func:`replay_file`)."""

    def signals(self, signals: list[Signal | AvailabilitySignal]) -> None: ...

    def dead_letters(self, letters: list[DeadLetter], decoding: bool) -> None:
        """``decoding``: lines that are not events (they come before the rejected events
        in the output, as a replay reports them)."""

    def restart(self) -> None:
        """The file is not in time order after all: forget everything written so far."""


def replay(
    lines: Iterable[str | bytes],
    registry: Any,
    *,
    until: datetime | None = None,
    source: str = "<events>",
    progress: Callable[[int], None] | None = None,
    engine: Engine | None = None,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> ReplayResult:
    """Replay ``lines`` (held and sorted in memory); the signals and dead letters in the
    result. ``progress(i)`` every few thousand events applied. ``max_event_bytes``: a longer
    line (without its line break) is a dead letter, as a record over
    ``SLAWATCH_MAX_EVENT_BYTES`` is in the live runtime."""
    with collector_paused():
        sink = _ListSink()
        report = None
        if progress is not None:
            report = _count_only(progress)
        result = _replay(
            lambda: lines,
            registry,
            until,
            source,
            sink,
            "memory",
            report,
            engine,
            None,
            max_event_bytes=max_event_bytes,
        )
        assert result is not None  # only a streamed attempt gives up
        result.signals = sink.signal_list
        result.dead_letters = sink.decoding + sink.rejected
        return result


def replay_file(
    path: Path,
    registry: Any,
    sink: ReplaySink,
    *,
    until: datetime | None = None,
    source: str | None = None,
    progress: Callable[[ReplayProgress], None] | None = None,
    keep: Iterable[str] = (),
    order: str = "auto",
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> ReplayResult:
    """Replay the JSONL file at ``path`` into ``sink`` in bounded memory: streamed when the
    file is in time order, else (``order="auto"``, starting again from the first line, after
    ``sink.restart()``) by an external merge sort. Closed tickets leave the engine for a
    compact record (``keep``: ticket keys to keep whole, e.g. for ``--explain``). ``order``
    forces ``stream`` (fails on a file out of order), ``external`` or ``memory``."""
    where = str(path) if source is None else source

    def lines() -> Iterator[bytes]:
        with path.open("rb") as fh:
            yield from fh

    with collector_paused():
        if order in ("auto", "stream"):
            result = _replay(
                lines,
                registry,
                until,
                where,
                sink,
                "stream",
                progress,
                None,
                keep,
                max_event_bytes=max_event_bytes,
            )
            if result is not None:
                return result
            if order == "stream":
                raise EventError(f"{where} is not in time order")
            sink.restart()
            if progress is not None:
                progress(ReplayProgress("reading", restarted=True))
        done = _replay(
            lines,
            registry,
            until,
            where,
            sink,
            order if order != "auto" else "external",
            progress,
            None,
            keep,
            max_event_bytes=max_event_bytes,
        )
        assert done is not None
        return done


def _replay(
    open_lines: Callable[[], Iterable[str | bytes]],
    registry: Any,
    until: datetime | None,
    source: str,
    sink: ReplaySink,
    order: str,
    progress: Callable[[ReplayProgress], None] | None,
    engine: Engine | None,
    keep: Iterable[str] | None,
    *,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> ReplayResult | None:
    """One attempt; ``None`` if ``order`` is ``stream`` and the file is not in order."""
    eng = engine or Engine(registry)
    proc = Processor(eng)
    result = ReplayResult(engine=eng, availability=proc.availability, order=order)
    state = ReplayProgress("reading")
    closed = ClosedTickets(keep) if keep is not None else None
    decoded = _decode(open_lines(), source, result, sink, state, progress, max_event_bytes)
    guard: InOrder | None = None
    ordered: Iterable[Held]
    if order == "memory":
        ordered = sorted(decoded)
    elif order == "stream":
        guard = InOrder()
        ordered = guard.iterate(decoded)
    elif order == "external":
        ordered = _external(decoded, source, state, progress)
    else:
        raise ValueError(f"unknown replay order {order!r}")
    last = _apply(ordered, proc, result, sink, closed, source, state, progress)
    if guard is not None and guard.broken:
        return None
    end = until
    if end is None and last is not None:
        end = last.at
    out = Output()
    if end is not None:
        out.signals.extend(eng.advance(end))
        out.signals.extend(proc.availability.advance(end))
    _hand_over(out, result, sink)
    if closed is not None:
        result.closed_tickets = len(closed)
    return result


# -- decoding ---------------------------------------------------------------------------------


def _decode(
    lines: Iterable[str | bytes],
    source: str,
    result: ReplayResult,
    sink: ReplaySink,
    state: ReplayProgress,
    progress: Callable[[ReplayProgress], None] | None,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> Iterator[Held]:
    """The events of ``lines`` in file order; lines that are not events (or longer than
    ``max_event_bytes``) go to the sink as dead letters (blank lines are skipped). Counts
    lines, bytes and events as it goes."""
    for lineno, raw in enumerate(lines, start=1):
        state.lines = lineno
        state.bytes += len(raw)
        # the line as it is (JSON allows the whitespace around it): no stripped copy of
        # every line is kept; a dead letter's text is stripped
        if not raw or raw.isspace():
            continue
        result.events += 1
        if len(raw) > max_event_bytes:
            text = raw.rstrip(b"\r\n") if isinstance(raw, bytes) else raw.rstrip("\r\n").encode()
            if len(text) > max_event_bytes:
                where = f"{source}:{lineno}"
                reason = too_large(len(text), max_event_bytes)
                result.dead_letter_count += 1
                sink.dead_letters(
                    [DeadLetter(reason, dead_text(raw), where, kind="too_large")], True
                )
                continue
        held = held_line(raw, lineno, source)
        if isinstance(held, DeadLetter):
            result.dead_letter_count += 1
            sink.dead_letters([held], True)
            continue
        if not held[2]:
            result.monitoring_events += 1
        yield held


def _external(
    decoded: Iterable[Held],
    source: str,
    state: ReplayProgress,
    progress: Callable[[ReplayProgress], None] | None,
) -> Iterator[Held]:
    """``decoded`` in sort order by an external merge sort: runs of :data:`RUN_LINES` events
    sorted and written (key and raw line) to temporary files, then merged; each line is
    decoded again when its turn comes (the same line always decodes to the same event)."""
    with tempfile.TemporaryDirectory(prefix="slawatch-replay-") as tmp:
        runs: list[Path] = []
        run: list[tuple[int, str, str, int, Any]] = []
        total = 0
        for at, tenant, ticket, lineno, _, raw in decoded:
            run.append((at, tenant, ticket, lineno, raw))
            if len(run) >= RUN_LINES:
                runs.append(spill(run, Path(tmp), len(runs)))
                total += len(run)
                run = []
        total += len(run)
        state.phase, state.total = "merging", total
        if progress is not None:
            progress(state)
        if not runs:  # it fitted in one run: no file needed
            run.sort()
            merged: Iterable[tuple[int, str, str, int, Any]] = run
        else:
            if run:
                runs.append(spill(run, Path(tmp), len(runs)))
            merged = heapq.merge(*(read_run(p) for p in runs))
        for _at, _tenant, _ticket, lineno, raw in merged:
            held = held_line(raw, lineno, source)
            if isinstance(held, DeadLetter):  # cannot be: it decoded the first time
                raise EventError(f"{source}:{lineno} no longer decodes: {held.reason}")
            yield held


# -- applying ---------------------------------------------------------------------------------


def _apply(
    ordered: Iterable[Held],
    proc: Processor,
    result: ReplayResult,
    sink: ReplaySink,
    closed: ClosedTickets | None,
    source: str,
    state: ReplayProgress,
    progress: Callable[[ReplayProgress], None] | None,
) -> Any:
    """Apply ``ordered``, handing signals and dead letters to ``sink`` as they come; the
    last event applied (or ``None``)."""
    eng = proc.engine
    out = Output()
    apply = proc.apply_at
    last: Any = None
    n = state.applied
    for at, _, ticket_id, lineno, event, raw in ordered:
        if not ticket_id:  # a monitoring event (a ticket event has a ticket id, never empty)
            apply(event, at, raw, out, source, lineno, ticket=False)
        elif closed is None:
            apply(event, at, raw, out, source, lineno, ticket=True)
        else:
            key = f"{event.tenant}:{ticket_id}"
            back = closed.put_back(eng, key)
            apply(event, at, raw, out, source, lineno, ticket=True)
            if back:  # nothing changes a closed ticket: out it goes again, as it was
                eng.drop_ticket(key)
            elif event.type in CLOSING:
                closed.take(eng, key)
        last = event
        n += 1
        if n % PROGRESS_EVERY == 0:
            # a replay reads no "changed since" sets (the live runtime's): not kept
            eng.drain_touched()
            proc.availability.drain_touched()
            _hand_over(out, result, sink)
            state.applied = n
            if progress is not None:
                progress(state)
    state.applied = n
    _hand_over(out, result, sink)
    return last


def _hand_over(out: Output, result: ReplayResult, sink: ReplaySink) -> None:
    if out.signals:
        counts = result.signal_counts
        for s in out.signals:
            counts[s.type] = counts.get(s.type, 0) + 1
        sink.signals(out.signals)
        out.signals = []
    if out.dead_letters:
        result.dead_letter_count += len(out.dead_letters)
        sink.dead_letters(out.dead_letters, False)
        out.dead_letters = []


class ClosedTickets:
    """Closed and cancelled tickets kept out of the engine, each as one compact record.

    A closed ticket's clocks are done, but the engine still answers for it: a copy of one of
    its events is a duplicate, any other event a dead letter that says the ticket is closed,
    a second ``ticket.created`` one that says when it was created. A whole ticket state is
    ~5 KB; this record (the identity, the creation, the phase and the event ids seen: the
    fields those answers read) ~0.3 KB, compressed. When an event for such a ticket comes,
    the record is put back into the engine as a ticket without clocks, the engine applies
    the event as for any closed ticket, and the ticket leaves again: the engine keeps the
    one place where those rules live."""

    def __init__(self, keep: Iterable[str] = ()) -> None:
        self.keep = frozenset(keep)
        self.records: dict[str, bytes] = {}

    def __len__(self) -> int:
        return len(self.records)

    def take(self, eng: Engine, key: str) -> None:
        """After an event that may have closed ticket ``key``: if it did, out it goes."""
        t = eng.tickets.get(key)
        if t is None or t.phase == "open" or key in self.keep:
            return
        # compressed: smaller, and a new exact-size object (orjson's own output keeps a
        # 4 KB allocation per bytes object: 4 GB for a million closed tickets)
        self.records[key] = zlib.compress(
            orjson.dumps(
                [t.tenant, t.ticket_id, t.policy, t.version, t.created_us, t.reported_us,
                 t.status, t.seen, t.phase, t.last_us]
            ),
            1,
        )  # fmt: skip
        eng.drop_ticket(key)

    def put_back(self, eng: Engine, key: str) -> bool:
        """Ticket ``key`` back into the engine (without clocks) if it is kept here."""
        record = self.records.get(key)
        if record is None:
            return False
        tenant, ticket_id, policy, version, created, reported, status, seen, phase, last = (
            orjson.loads(zlib.decompress(record))
        )
        eng.load_ticket(
            {
                "format": STATE_FORMAT,
                "tenant": tenant,
                "ticket_id": ticket_id,
                "policy": policy,
                "version": version,
                "options": {},
                "created_us": created,
                "reported_us": reported,
                "facts": {},
                "status": status,
                "status_log": [],
                "lifecycle": [],
                "clocks": {},
                "seen": seen,
                "phase": phase,
                "last_us": last,
            }
        )
        return True


# -- sinks --------------------------------------------------------------------------------------


class _ListSink:
    """Everything in lists (:func:`replay`)."""

    def __init__(self) -> None:
        self.signal_list: list[Signal | AvailabilitySignal] = []
        self.decoding: list[DeadLetter] = []
        self.rejected: list[DeadLetter] = []

    def signals(self, signals: list[Signal | AvailabilitySignal]) -> None:
        self.signal_list.extend(signals)

    def dead_letters(self, letters: list[DeadLetter], decoding: bool) -> None:
        (self.decoding if decoding else self.rejected).extend(letters)

    def restart(self) -> None:
        self.signal_list.clear()
        self.decoding.clear()
        self.rejected.clear()


class JsonLinesSink:
    """Signals as JSON lines to ``out`` as they come; dead letters spooled to temporary
    files and written by :meth:`write_dead_letters` (those of lines that are not events
    first, as :func:`replay` lists them). ``out`` must be seekable, or be given through
    :meth:`spooled` (a restart truncates what was written)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.start = out.tell()
        # closed by close(): they live as long as the sink
        self.decoding: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.rejected: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115

    def signals(self, signals: list[Signal | AvailabilitySignal]) -> None:
        self.out.write(b"".join([orjson.dumps(s.to_dict()) + b"\n" for s in signals]))

    def dead_letters(self, letters: list[DeadLetter], decoding: bool) -> None:
        spool = self.decoding if decoding else self.rejected
        spool.write(b"".join([orjson.dumps(d.to_dict()) + b"\n" for d in letters]))

    def restart(self) -> None:
        self.out.seek(self.start)
        self.out.truncate()
        for spool in (self.decoding, self.rejected):
            spool.seek(0)
            spool.truncate()

    def write_dead_letters(self, dest: IO[bytes]) -> None:
        import shutil

        for spool in (self.decoding, self.rejected):
            spool.seek(0)
            shutil.copyfileobj(spool, dest)

    def close(self) -> None:
        self.decoding.close()
        self.rejected.close()


def _count_only(progress: Callable[[int], None]) -> Callable[[ReplayProgress], None]:
    """:func:`replay`'s ``progress(i)``: the events applied so far."""

    def report(state: ReplayProgress) -> None:
        progress(state.applied)

    return report


@contextmanager
def collector_paused() -> Iterator[None]:
    """CPython's cyclic garbage collector off for the duration, then as it was.

    A replay holds every decoded event and builds the state of every ticket: hundreds of
    thousands of long-lived objects, which the collector walks again and again (every 700
    allocations, and the whole heap each time it grows by a quarter), while a replay leaves
    no cyclic garbage (tests/streams/test_replay.py checks that gc.collect() finds nothing
    after one). :func:`replay` runs inside it; so should whatever then works through its
    result on the same heap (``slawatch replay`` writing the signals). 200k generated
    events, A/B in one process: 25.7-28.4k events/s with a young-generation threshold of
    50,000, 31.9-32.8k with the collector off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
