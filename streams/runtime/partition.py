"""One input partition's share of the live runtime, without Kafka: pure and testable.

The live runtime runs one :class:`PartitionRunner` per partition of the keyed ticket-event
topic that the worker owns. It wraps the clock engine for the tickets of that partition and
turns each input record (an event or a timer tick, both read from that partition, so a timer
and an event of one ticket never race) into:

* the signals to send,
* the dead letters (input that cannot be applied, with the reason and the origin),
* the table writes: ``{ticket key: value | None}`` for every ticket whose state changed,
* the analytics records (one per clock of every changed ticket, with the keys a service
  report needs: :mod:`streams.reports.records`).

Input logs. A partition's records come from two logs with the same partition number (Faust
assigns co-partitioned topics together): log 0 is the ticket-event topic itself (records a
producer already keyed ``tenant:ticket_id`` onto the right partition are handled where they
are), log 1 the internal keyed topic (records re-keyed by the router, and timer ticks).

Idempotence (at-least-once input). Each table value carries, per log, the offset of the last
input record that changed it, and a record at or below it is not applied again. A
worker that dies after some of its writes reached Kafka but before it committed its input
offsets reprocesses those records on restart; its state writes and its signal sends may have
landed in any combination (they go to different partitions, possibly different brokers). So
each table value also keeps an *outbox*: the signals of the last records that emitted any for
that ticket, with the offsets that produced them. Reprocessing a record sends its outbox
signals again (same deterministic ids: consumers de-duplicate), whether or not they had landed;
a record whose state write had not landed is simply applied again (the same signals again).

Table values (JSON): ``{"p": partition, "o": [offset in log 0, offset in log 1], "t": ticket
state, "out": [[log, offset, [signal, …]], …]}`` for an open ticket; ``{"p", "o", "closed":
"closed" | "cancelled", "at": µs, "seen": [event id, …], "out"}`` once it is closed or
cancelled (its clocks are done; the marker keeps later events for it from starting a new
ticket, and makes them dead letters that say why). ``seen`` keeps the ids of the events the
ticket applied: after a crash the router may re-key a record again (it is then a new record
on the keyed topic, past the stored offset), and a copy of an event already applied is a
duplicate, skipped as the engine skips it for an open ticket, not an event after the close.

Monitoring. A tenant's monitoring events (``monitor.*``, ``maintenance.*``, ``heartbeat``) are
re-keyed to ``MON_PREFIX + tenant`` (:func:`route_monitoring_key`): one partition holds all
of a tenant's services, maintenance and heartbeat checks, since maintenance may cover every
service. Their state is the value ``{"p", "o", "m": tenant monitoring state, "out"}`` under
that key, with the same offsets and outbox as a ticket's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from calendars.timeline import US
from models.errors import EventError
from models.events import too_large
from streams.availability.engine import MON_PREFIX, AvailabilitySignal
from streams.engine.engine import Engine, Signal
from streams.engine.processor import DeadLetter, Processor
from streams.reports.records import report_records

#: Kafka key of timer ticks in the keyed topic (never a valid ``tenant:ticket_id``: NUL).
TICK_KEY = b"\x00tick"


#: Outbox entries kept per ticket: enough for the records a crash can leave uncommitted
#: (Faust commits every ``broker_commit_interval``; one ticket rarely emits signals in more
#: than a couple of records per second).
OUTBOX_KEEP = 4


def tick_value(now_us: int) -> bytes:
    return orjson.dumps({"now_us": now_us})


@dataclass(slots=True)
class Result:
    signals: list[dict[str, Any]] = field(default_factory=list)  # Signal.to_dict() values
    dead_letters: list[DeadLetter] = field(default_factory=list)
    writes: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: bool = False
    event_type: str | None = None  # the event's type and tenant, once decoded (metrics)
    tenant: str | None = None


class PartitionRunner:
    """The engine and bookkeeping for the tickets of one partition (see the module doc)."""

    def __init__(self, partition: int, registry: Any) -> None:
        self.partition = partition
        # events of different tickets interleave in no particular order across the input
        # partitions: an event fires its own ticket's rungs, ticks fire the rest
        self.engine = Engine(registry, events_advance_time=False)
        self.processor = Processor(self.engine)
        self.availability = self.processor.availability  # the tenants' monitoring state
        self.offsets: dict[str, list[int]] = {}  # ticket → [offset in log 0, in log 1]
        self.closed: dict[str, dict[str, Any]] = {}
        self.outbox: dict[str, list[list[Any]]] = {}
        # (log, offset) → the signals it sent, for records reprocessed after a restore
        self.resend: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.max_offset = [-1, -1]  # per log, the newest offset in the restored state
        self.records = 0  # input records handled (events and ticks)

    # -- state -------------------------------------------------------------------------------
    def load(self, items: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """Install the stored tickets of this partition (values whose ``p`` is ours)."""
        n = 0
        for key, value in items:
            if value.get("p") != self.partition:
                continue
            offs = list(value["o"])
            self.offsets[key] = offs
            self.max_offset = [max(a, b) for a, b in zip(self.max_offset, offs, strict=True)]
            out = value.get("out") or []
            if out:
                self.outbox[key] = [list(e) for e in out]
                for log, off, sigs in out:
                    self.resend.setdefault((log, off), []).extend(sigs)
            if "closed" in value:
                self.closed[key] = dict(value)
            elif "m" in value:
                self.availability.load_tenant(value["m"])
            else:
                self.engine.load_ticket(value["t"])
            n += 1
        return n

    def next_due_us(self) -> int | None:
        dues = [d for d in (self.engine.next_due_us(), self.availability.next_due_us()) if d]
        return min(dues) if dues else None

    # -- input -------------------------------------------------------------------------------
    def handle(
        self, key: bytes | None, raw: bytes, offset: int, source: str, log: int = 1
    ) -> Result:
        """One input record (``log``: see the module doc): a tick, a ticket event, or (under
        a ``MON_PREFIX`` key) a monitoring event."""
        self.records += 1
        again = self.resend.pop((log, offset), []) if offset <= self.max_offset[log] else []
        if key == TICK_KEY:
            res = self.tick(orjson.loads(raw)["now_us"], offset, log)
            res.signals[:0] = again
            return res
        out = Result(signals=again)
        tkey = key.decode("utf-8", errors="replace") if key else None
        if tkey is not None and tkey in self.offsets and self.offsets[tkey][log] >= offset:
            out.skipped = True  # applied before a restart: its effects are in the state
            return out
        if tkey is not None and tkey in self.closed:
            mark = self.closed[tkey]
            if _event_id(raw) in mark.get("seen", ()):
                out.skipped = True  # a copy of an event the ticket applied (re-keyed again)
                return out
            out.dead_letters.append(
                DeadLetter(
                    f"ticket {tkey} is already {mark['closed']}: events after "
                    "ticket.closed/ticket.cancelled are not applied",
                    raw.decode("utf-8", errors="replace"),
                    source,
                    kind="order",
                )
            )
            return out
        self.processor.last_event = None
        only = "monitoring" if tkey is not None and tkey.startswith(MON_PREFIX) else "ticket"
        res = self.processor.ingest(raw, source, only=only)
        if (event := self.processor.last_event) is not None:
            out.event_type, out.tenant = event.type, event.tenant
        out.dead_letters = res.dead_letters
        self._collect(out, res.signals, offset, log)
        return out

    def tick(self, now_us: int, offset: int, log: int = 1) -> Result:
        """Time passes: fire what is due up to ``now_us``."""
        out = Result()
        fresh = [*self.engine.advance_us(now_us), *self.availability.advance_us(now_us)]
        self._collect(out, fresh, offset, log)
        return out

    def _collect(
        self, out: Result, fresh: list[Signal | AvailabilitySignal], offset: int, log: int
    ) -> None:
        eng = self.engine
        by_key: dict[str, list[dict[str, Any]]] = {}
        for sig in fresh:
            d = sig.to_dict()
            out.signals.append(d)
            by_key.setdefault(sig.state_key, []).append(d)
        touched = eng.drain_touched() | self.availability.drain_touched()
        for key in sorted(touched):
            if key.startswith(MON_PREFIX):
                state = self.availability.state(key)
                ticket = None
                if state is None:
                    continue
                out.records.extend(self.availability.records(key))
            else:
                ticket = eng.tickets.get(key)
                if ticket is None:
                    continue  # a rejected ticket.created: nothing was stored
                out.records.extend(report_records(eng, key))  # + what reports need
            offs = self.offsets.setdefault(key, [-1, -1])
            offs[log] = offset
            box = self.outbox.get(key, [])
            if key in by_key:
                box = [*box, [log, offset, by_key[key]]][-OUTBOX_KEEP:]
                self.outbox[key] = box
            if ticket is None:
                value = {"p": self.partition, "o": list(offs), "m": state, "out": box}
            elif ticket.phase == "open":
                value = {"p": self.partition, "o": list(offs), "t": ticket.to_dict(), "out": box}
            else:
                value = {"p": self.partition, "o": list(offs), "closed": ticket.phase}
                value["at"] = ticket.last_us
                value["seen"] = list(ticket.seen)
                value["out"] = box
                self.closed[key] = value
                eng.drop_ticket(key)
            out.writes[key] = value


def _event_id(raw: bytes) -> str | None:
    """The ``event_id`` of a raw event, or None (not JSON, not an object, no string id)."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    ident = doc.get("event_id") if isinstance(doc, dict) else None
    return ident if isinstance(ident, str) else None


def dead_letter_record(
    dl: DeadLetter, key: bytes | None, now_us: int, source: Mapping[str, Any] | None = None
) -> tuple[bytes, bytes]:
    """``(key, value)`` of a dead-letter record. The id is a hash of the origin (topic,
    partition, offset) and reason, so a reprocessed record gives the same id."""
    origin = dict(source or {})
    if not origin and dl.source:
        topic, _, rest = dl.source.rpartition("@")
        part, _, off = rest.partition(":")
        if topic and part.isdigit() and off.isdigit():
            origin = {"topic": topic, "partition": int(part), "offset": int(off)}
        else:
            origin = {"where": dl.source}
    ident = hashlib.sha256(
        orjson.dumps([origin, dl.reason], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()[:32]
    value: dict[str, Any] = {
        "id": ident,
        "kind": dl.kind,
        "reason": dl.reason,
        "raw": dl.raw,
        "source": origin,
        "dead_at": _iso(now_us),
    }
    for name in ("event_id", "tenant", "ticket_id"):
        v = getattr(dl, name)
        if v is not None:
            value[name] = v
    return (key or b""), orjson.dumps(value)


def signal_key(sig: Mapping[str, Any]) -> bytes:
    """The Kafka key of an output signal: ``tenant:ticket_id``, or for availability and
    heartbeat signals ``tenant:service`` / ``tenant:check``."""
    subject = sig.get("ticket_id") or sig.get("service") or sig.get("check")
    return f"{sig['tenant']}:{subject}".encode()


def source_of(topic: str, partition: int, offset: int) -> str:
    """``topic@partition:offset``: how a record's origin travels (header and dead letters)."""
    return f"{topic}@{partition}:{offset}"


def _iso(us: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(us / US, tz=UTC).isoformat()


def _routable(raw: bytes, max_bytes: int) -> tuple[dict[str, Any] | None, EventError | None]:
    """The JSON object of an input record, or ``(None, why not)``."""
    if len(raw) > max_bytes:
        return None, EventError(too_large(len(raw), max_bytes), kind="too_large")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, EventError(f"not valid JSON: {exc}", kind="malformed_json")
    if not isinstance(doc, dict):
        return None, EventError(f"an event must be a JSON object, got {type(doc).__name__}")
    return doc, None


def route_key(raw: bytes, max_bytes: int) -> tuple[bytes | None, EventError | None]:
    """The key ``tenant:ticket_id`` an input record is handled under, or ``(None, why not)``
    for a record that cannot be routed (the rest of its validation happens in the engine's
    partition, which names the problem in full)."""
    doc, problem = _routable(raw, max_bytes)
    if doc is None:
        return None, problem
    missing = [f for f in ("tenant", "ticket_id") if not isinstance(doc.get(f), str) or not doc[f]]
    if missing:
        return None, EventError(
            f"missing or non-string {' and '.join(missing)}: a ticket event needs both to be "
            "routed to its ticket"
        )
    return f"{doc['tenant']}:{doc['ticket_id']}".encode(), None


def route_monitoring_key(raw: bytes, max_bytes: int) -> tuple[bytes | None, EventError | None]:
    """The key ``MON_PREFIX + tenant`` a monitoring record is handled under, or
    ``(None, why not)`` (the rest of its validation happens in the partition)."""
    doc, problem = _routable(raw, max_bytes)
    if doc is None:
        return None, problem
    if not isinstance(doc.get("tenant"), str) or not doc["tenant"]:
        return None, EventError(
            "missing or non-string tenant: a monitoring event needs it to be routed"
        )
    return (MON_PREFIX + doc["tenant"]).encode(), None


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as in the Java, kafka-python and
    aiokafka clients) gives ``key``."""
    from aiokafka.partitioner import murmur2

    return (murmur2(key) & 0x7FFFFFFF) % partitions
