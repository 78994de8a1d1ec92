"""Raw input → engine: decoding, dead letters, ordering within the allowed lateness.

:class:`Processor` is what both the replay and the live runtime feed: raw bytes in, signals
and dead letters out. Bad input never raises and is never dropped: each rejected message
becomes a :class:`DeadLetter` carrying the original text, a reason a person can act on, and
where it came from.

Ordering: events wait in a buffer until the watermark (the newest event instant seen, or
the time advanced to) has passed them by ``lateness``, and leave it in event-time order; so
out-of-order events within the allowed lateness are applied in order. Timers fire up to the
same safe instant, so a breach is never fired ahead of a buffered event that would have
stopped it. With ``lateness=0`` (the default) events apply as they come.

Ticket events go to the clock engine, monitoring events (``monitor.*``, ``maintenance.*``,
``heartbeat``) to the availability engine (:mod:`streams.availability.engine`); both share
the buffer and the time, so one stream may carry both kinds.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calendars.timeline import US, us_of
from models.errors import EventError
from models.events import TicketEvent, parse_event
from streams.availability.engine import AvailabilityEngine, AvailabilitySignal
from streams.engine.engine import Engine, Signal
from streams.engine.errors import RejectedEvent

#: ``ingest(only=...)``: the reason for an event on the wrong input topic.
WRONG_TOPIC = {
    "ticket": (
        "a monitoring event on the ticket-event topic: send monitor.*, maintenance.* and "
        "heartbeat events to sla.monitoring-events"
    ),
    "monitoring": (
        "a ticket event on the monitoring-event topic: send ticket.* events to sla.ticket-events"
    ),
}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be applied, with the reason and its origin."""

    reason: str
    raw: str
    source: str | None = None
    event_id: str | None = None
    tenant: str | None = None
    ticket_id: str | None = None
    #: the sort of mistake (``models.errors.DEAD_LETTER_KINDS``), from the error raised
    kind: str = "other"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _DEAD_LETTER_FIELDS if getattr(self, k) is not None}


_DEAD_LETTER_FIELDS = ("kind", "reason", "raw", "source", "event_id", "tenant", "ticket_id")


@dataclass(slots=True)
class Output:
    signals: list[Signal | AvailabilitySignal] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def extend(self, other: Output) -> None:
        self.signals.extend(other.signals)
        self.dead_letters.extend(other.dead_letters)


def _text(raw: Any) -> str:
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw).decode("utf-8", errors="replace")
    return raw if isinstance(raw, str) else repr(raw)


class Processor:
    """Decode + order + apply. See the module docstring."""

    def __init__(
        self,
        engine: Engine,
        lateness: timedelta = timedelta(0),
        availability: AvailabilityEngine | None = None,
    ) -> None:
        self.engine = engine
        self.availability = availability or AvailabilityEngine(
            engine.registry, events_advance_time=engine.events_advance_time
        )
        self.lateness_us = (lateness.days * 86400 + lateness.seconds) * US + lateness.microseconds
        self._buffer: list[tuple[int, int, Any, str, str | None]] = []
        self._seq = 0
        self.watermark_us: int | None = None
        self.last_event: Any = None  # the last one ingested (for metrics)

    def ingest(self, raw: Any, source: str | None = None, only: str | None = None) -> Output:
        """Decode one raw message and apply what is due. ``only`` (``"ticket"`` or
        ``"monitoring"``): the kind of event the message's topic carries; the other kind is
        a dead letter that names the right topic."""
        out = Output()
        try:
            event = parse_event(raw)
        except EventError as exc:
            out.dead_letters.append(DeadLetter(str(exc), _text(raw), source, kind=exc.kind))
            return out
        if only is not None and (only == "ticket") != isinstance(event, TicketEvent):
            out.dead_letters.append(
                DeadLetter(
                    WRONG_TOPIC[only],
                    _text(raw),
                    source,
                    event.event_id,
                    event.tenant,
                    kind="wrong_topic",
                )
            )
            return out
        self.last_event = event
        at = us_of(event.at)
        self._seq += 1
        heapq.heappush(self._buffer, (at, self._seq, event, _text(raw), source))
        if self.watermark_us is None or at > self.watermark_us:
            self.watermark_us = at
        self._release(self.watermark_us - self.lateness_us, out)
        return out

    def apply_event(self, event: Any, raw: str = "", source: str | None = None) -> Output:
        """Apply an already decoded event now (the replay sorts events itself)."""
        out = Output()
        self._apply(event, us_of(event.at), raw, source, out)
        return out

    def apply_at(
        self,
        event: Any,
        at: int,
        raw: bytes | str,
        out: Output,
        source: str | None = None,
        line: int | None = None,
        *,
        ticket: bool,
    ) -> None:
        """:meth:`apply_event` for the replay's loop: the event's instant already in µs,
        whether it is a ticket event (else a monitoring one) known, signals and dead letters
        added to ``out``, and a dead letter's source named ``source:line`` (formatted only
        for one)."""
        exc = self._run(event, at, ticket, out)
        if exc is not None:
            where = source if line is None else f"{source}:{line}"
            out.dead_letters.append(_rejected(exc, event, _text(raw).strip(), where, ticket))

    def advance(self, now: datetime) -> Output:
        """Time passes with no event: release buffered events and fire timers up to
        ``now - lateness``."""
        out = Output()
        now_us = us_of(now)
        if self.watermark_us is None or now_us > self.watermark_us:
            self.watermark_us = now_us
        safe = self.watermark_us - self.lateness_us
        self._release(safe, out)
        out.signals.extend(self.engine.advance_us(safe))
        out.signals.extend(self.availability.advance_us(safe))
        return out

    def flush(self) -> Output:
        """Apply everything buffered (end of input)."""
        out = Output()
        self._release(None, out)
        return out

    def _release(self, upto: int | None, out: Output) -> None:
        buf = self._buffer
        while buf and (upto is None or buf[0][0] <= upto):
            at, _, event, raw, source = heapq.heappop(buf)
            self._apply(event, at, raw, source, out)

    def _apply(self, event: Any, at: int, raw: str, source: str | None, out: Output) -> None:
        ticket = isinstance(event, TicketEvent)
        exc = self._run(event, at, ticket, out)
        if exc is not None:
            out.dead_letters.append(_rejected(exc, event, raw, source, ticket))

    def _run(self, event: Any, at: int, ticket: bool, out: Output) -> RejectedEvent | None:
        """Apply ``event`` (instant ``at`` µs) to its engine, signals into ``out``; the
        rejection, if any, for the caller to dead-letter."""
        if self.engine.events_advance_time:  # replay: the other engine's time passes too
            other = self.availability if ticket else self.engine
            out.signals.extend(other.advance_us(at))
        try:
            if ticket:
                out.signals.extend(self.engine.apply(event, at))
            else:
                out.signals.extend(self.availability.apply(event))
        except RejectedEvent as exc:
            out.signals.extend(exc.signals)
            return exc
        return None


def _rejected(
    exc: RejectedEvent, event: Any, raw: str, source: str | None, ticket: bool
) -> DeadLetter:
    return DeadLetter(
        exc.reason,
        raw,
        source,
        event.event_id,
        event.tenant,
        event.ticket_id if ticket else None,
        exc.kind,
    )
