"""The replay's input: lines decoded into the compact events it holds (:class:`HeldTicketEvent`),
and the two ways of putting them in time order without holding them all: passing a file that
is already in order through (:class:`InOrder`), and the runs of an external merge sort
(:func:`spill`, :func:`read_run`)."""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from calendars.timeline import us_of
from models.errors import EventError
from models.events import TicketEvent, parse_event
from streams.engine.processor import DeadLetter

#: ``(instant µs, tenant, ticket id or "" for a monitoring event, line, event, raw line)``:
#: the sort key and what is applied (the line number is unique: events never compare).
Held = tuple[int, str, str, int, Any, Any]


class HeldTicketEvent:
    """A validated :class:`TicketEvent` as the replay holds it until its turn: the fields the
    engine reads (and which were set), without the pydantic model around them. A third of
    the memory per event, so a large backtest fits, and the engine runs ~8 % faster over
    200k held events (fewer pages touched)."""

    __slots__ = (
        "at",
        "attributes",
        "channel",
        "event_id",
        "impact",
        "kind",
        "model_fields_set",
        "priority",
        "reported_at",
        "status",
        "tenant",
        "ticket_id",
        "type",
        "urgency",
    )

    def __init__(self, event: TicketEvent) -> None:
        d: dict[str, Any] = event.__dict__
        self.event_id: str = d["event_id"]
        self.type: str = d["type"]
        self.tenant: str = d["tenant"]
        self.ticket_id: str = d["ticket_id"]
        self.at: datetime = d["at"]
        self.kind: str = d["kind"]
        self.channel: str | None = d["channel"]
        self.priority: str | None = d["priority"]
        self.impact: str | None = d["impact"]
        self.urgency: str | None = d["urgency"]
        self.status: str | None = d["status"]
        self.reported_at: datetime | None = d["reported_at"]
        self.attributes: dict[str, Any] = d["attributes"]
        self.model_fields_set: set[str] = event.__pydantic_fields_set__


def decode_text(raw: bytes | str, exc: EventError, where: str) -> Any:
    """After ``parse_event(raw)`` failed: the event of a line that is not valid UTF-8, read as
    the text it decodes to (U+FFFD for the bad bytes, as a ``str`` line would be), or the
    dead letter from ``where``."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    reason = str(exc)
    if isinstance(raw, bytes) and text.encode() != raw:
        try:
            return parse_event(text)
        except EventError as again:
            reason = str(again)
    return DeadLetter(reason, text, where, kind=exc.kind)


def dead_text(raw: bytes | str) -> str:
    """A dead letter's text: the line as text, invalid UTF-8 replaced (as the live runtime
    keeps a record's bytes)."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return text.strip()


def held_line(raw: str | bytes, lineno: int, source: str) -> Held | DeadLetter:
    """A line as the replay applies it, or its dead letter."""
    try:
        event = parse_event(raw)
    except EventError as exc:
        event = decode_text(raw.strip(), exc, f"{source}:{lineno}")
        if isinstance(event, DeadLetter):
            return event
    if isinstance(event, TicketEvent):
        held = HeldTicketEvent(event)
        return (us_of(held.at), held.tenant, held.ticket_id, lineno, held, raw)
    return (us_of(event.at), event.tenant, "", lineno, event, raw)


class InOrder:
    """Passes events through as long as their instants never go back: the events of one
    instant are held and sorted among themselves (by tenant, ticket and line, as a full sort
    would order them). An instant earlier than the last sets :attr:`broken` and ends it."""

    def __init__(self) -> None:
        self.broken = False

    def iterate(self, decoded: Iterable[Held]) -> Iterator[Held]:
        group: list[Held] = []
        at = -(2**63)
        for held in decoded:
            if held[0] != at:
                if held[0] < at:
                    self.broken = True
                    return
                if len(group) > 1:
                    group.sort()
                yield from group
                group = []
                at = held[0]
            group.append(held)
        if len(group) > 1:
            group.sort()
        yield from group


#: Records per ``marshal`` chunk of a run file (what a merge holds per run at a time).
_CHUNK = 4096


def spill(run: list[tuple[int, str, str, int, Any]], tmp: Path, i: int) -> Path:
    run.sort()
    path = tmp / f"run-{i:05d}"
    with path.open("wb") as fh:
        for start in range(0, len(run), _CHUNK):
            marshal.dump(run[start : start + _CHUNK], fh)
    return path


def read_run(path: Path) -> Iterator[tuple[int, str, str, int, Any]]:
    with path.open("rb") as fh:
        while True:
            try:
                chunk = marshal.load(fh)
            except EOFError:
                return
            yield from chunk
