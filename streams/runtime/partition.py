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
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from calendars.timeline import US, us_of
from models.errors import EventError
from models.events import too_large
from streams.availability.engine import MON_PREFIX, AvailabilitySignal
from streams.engine.engine import Engine, Signal
from streams.engine.processor import DeadLetter, Processor
from streams.reports.records import report_records

_log = logging.getLogger("slawatch.runtime")

#: Kafka key of timer ticks in the keyed topic (never a valid ``tenant:ticket_id``: NUL).
TICK_KEY = b"\x00tick"


def tick_value(now_us: int) -> bytes:
    return orjson.dumps({"now_us": now_us})


#: One input record as :meth:`PartitionRunner.handle_batch` takes it: ``(key, raw value,
#: offset, source, log)`` (``source``: ``topic@partition:offset``, for dead letters; ``log``:
#: see the module doc).
InputRecord = tuple[bytes | None, bytes, int, str, int]


@dataclass(slots=True)
class Result:
    """What one input record produced (:meth:`PartitionRunner.handle`)."""

    signals: list[dict[str, Any]] = field(default_factory=list)  # Signal.to_dict() values
    dead_letters: list[DeadLetter] = field(default_factory=list)
    writes: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: bool = False
    event_type: str | None = None  # the event's type and tenant, once decoded (metrics)
    tenant: str | None = None


@dataclass(slots=True)
class BatchResult:
    """What a run of input records produced (:meth:`PartitionRunner.handle_batch`): the
    signals and dead letters of every record, in order, but the table writes and the clock
    records only once per changed subject, as the batch left it (the changelog and
    ``sla.clock-states`` are compacted: only the last value of a key counts)."""

    signals: list[dict[str, Any]] = field(default_factory=list)
    #: with the Kafka key of the record that was rejected (the dead letter's key)
    dead_letters: list[tuple[DeadLetter, bytes | None]] = field(default_factory=list)
    writes: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    #: ``(event type, tenant)`` of every event applied (not skipped, not rejected): metrics
    applied: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0
    ticks: int = 0


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
        #: per log, the first offset not yet committed (``mark_committed``): outbox entries
        #: of records before it are never needed again
        self.committed = [0, 0]
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

    def mark_committed(self, log: int, next_offset: int) -> None:
        """The input offsets of ``log`` below ``next_offset`` are committed: a restart never
        reprocesses those records, so the outbox entries they left are dropped from the next
        value written for their subject. (Entries of records not yet committed are kept, however
        many: a crash may make the worker reprocess all of them.)"""
        if next_offset > self.committed[log]:
            self.committed[log] = next_offset

    def next_due_us(self) -> int | None:
        dues = [d for d in (self.engine.next_due_us(), self.availability.next_due_us()) if d]
        return min(dues) if dues else None

    # -- input -------------------------------------------------------------------------------
    def handle(
        self, key: bytes | None, raw: bytes, offset: int, source: str, log: int = 1
    ) -> Result:
        """One input record (``log``: see the module doc): a tick, a ticket event, or (under
        a ``MON_PREFIX`` key) a monitoring event."""
        out = Result()
        changed: dict[str, list[dict[str, Any]] | None] = {}
        self._one(key, raw, offset, source, log, out, changed)
        self._settle(changed, out.writes, out.records)
        return out

    def handle_batch(self, items: Iterable[InputRecord]) -> BatchResult:
        """Records of this partition in order, as :meth:`handle` would take them one by one
        (the same signals and dead letters, in the same order), with the writes and clock
        records coalesced: each changed subject's value and records once, at the end."""
        acc = BatchResult()
        changed: dict[str, list[dict[str, Any]] | None] = {}
        for key, raw, offset, source, log in items:
            res = Result()
            try:
                self._one(key, raw, offset, source, log, res, changed, acc.writes)
            except Exception as exc:  # a bug must not stop the partition: keep the record
                _log.exception("partition %d offset %d: internal error", self.partition, offset)
                res = Result(dead_letters=[_internal_error(exc, raw, source)])
            acc.signals.extend(res.signals)
            for dl in res.dead_letters:
                acc.dead_letters.append((dl, key))
            if key == TICK_KEY:
                acc.ticks += 1
            elif res.skipped:
                acc.skipped += 1
            elif res.event_type is not None and not res.dead_letters:
                acc.applied.append((res.event_type, res.tenant or ""))
        self._settle(changed, acc.writes, acc.records)
        return acc

    def _one(
        self,
        key: bytes | None,
        raw: bytes,
        offset: int,
        source: str,
        log: int,
        out: Result,
        changed: dict[str, list[dict[str, Any]] | None],
        writes: dict[str, dict[str, Any] | None] | None = None,
    ) -> None:
        """Apply one record into ``out``; the subjects it changed are added to ``changed``
        (the values of closed tickets go to ``writes`` at once, default ``out.writes``)."""
        writes = out.writes if writes is None else writes
        self.records += 1
        again = self.resend.pop((log, offset), []) if offset <= self.max_offset[log] else []
        out.signals.extend(again)
        if key == TICK_KEY:
            now_us = orjson.loads(raw)["now_us"]
            fresh = [*self.engine.advance_us(now_us), *self.availability.advance_us(now_us)]
            self._collect(out, fresh, offset, log, changed, writes)
            return
        tkey = key.decode("utf-8", errors="replace") if key else None
        if tkey is not None and tkey in self.offsets and self.offsets[tkey][log] >= offset:
            out.skipped = True  # applied before a restart: its effects are in the state
            return
        if tkey is not None and tkey in self.closed:
            mark = self.closed[tkey]
            if _event_id(raw) in mark.get("seen", ()):
                out.skipped = True  # a copy of an event the ticket applied (re-keyed again)
                return
            out.dead_letters.append(
                DeadLetter(
                    f"ticket {tkey} is already {mark['closed']}: events after "
                    "ticket.closed/ticket.cancelled are not applied",
                    raw.decode("utf-8", errors="replace"),
                    source,
                    kind="order",
                )
            )
            return
        self.processor.last_event = None
        only = "monitoring" if tkey is not None and tkey.startswith(MON_PREFIX) else "ticket"
        res = self.processor.ingest(raw, source, only=only)
        if (event := self.processor.last_event) is not None:
            out.event_type, out.tenant = event.type, event.tenant
        out.dead_letters = res.dead_letters
        self._collect(out, res.signals, offset, log, changed, writes)

    def tick(self, now_us: int, offset: int, log: int = 1) -> Result:
        """Time passes: fire what is due up to ``now_us``."""
        out = Result()
        changed: dict[str, list[dict[str, Any]] | None] = {}
        fresh = [*self.engine.advance_us(now_us), *self.availability.advance_us(now_us)]
        self._collect(out, fresh, offset, log, changed, out.writes)
        self._settle(changed, out.writes, out.records)
        return out

    def _collect(
        self,
        out: Result,
        fresh: list[Signal | AvailabilitySignal],
        offset: int,
        log: int,
        changed: dict[str, list[dict[str, Any]] | None],
        writes: dict[str, dict[str, Any] | None],
    ) -> None:
        """After one record: its signals into ``out``, and for each subject it touched the
        offset and outbox entry. A closed ticket's final value and records are taken now (it
        leaves the engine); an open subject is marked in ``changed`` for :meth:`_settle`."""
        eng = self.engine
        by_key: dict[str, list[dict[str, Any]]] = {}
        for sig in fresh:
            d = sig.to_dict()
            out.signals.append(d)
            by_key.setdefault(sig.state_key, []).append(d)
        touched = eng.drain_touched() | self.availability.drain_touched()
        for key in touched:
            ticket = None
            if key.startswith(MON_PREFIX):
                if self.availability.state(key) is None:
                    continue
            else:
                ticket = eng.tickets.get(key)
                if ticket is None:
                    continue  # a rejected ticket.created: nothing was stored
            offs = self.offsets.setdefault(key, [-1, -1])
            offs[log] = offset
            if key in by_key:
                self.outbox[key] = [*self.outbox.get(key, ()), [log, offset, by_key[key]]]
            if ticket is None or ticket.phase == "open":
                changed[key] = None  # value and records at the end of the batch
                continue
            changed[key] = report_records(eng, key)  # + what reports need
            value = {"p": self.partition, "o": list(offs), "closed": ticket.phase}
            value["at"] = ticket.last_us
            value["seen"] = list(ticket.seen)
            value["out"] = self._box(key)
            self.closed[key] = value
            eng.drop_ticket(key)
            writes[key] = value

    def _settle(
        self,
        changed: dict[str, list[dict[str, Any]] | None],
        writes: dict[str, dict[str, Any] | None],
        records: list[dict[str, Any]],
    ) -> None:
        """The values and clock records of the subjects ``changed`` (in key order), as they
        stand now."""
        eng = self.engine
        for key in sorted(changed):
            recs = changed[key]
            if recs is None:
                offs = list(self.offsets[key])
                if key.startswith(MON_PREFIX):
                    state = self.availability.state(key)
                    if state is None:
                        continue
                    recs = self.availability.records(key)
                    writes[key] = {"p": self.partition, "o": offs, "m": state}
                else:
                    ticket = eng.tickets.get(key)
                    if ticket is None:
                        continue
                    recs = report_records(eng, key)  # + what reports need
                    writes[key] = {"p": self.partition, "o": offs, "t": ticket.to_dict()}
                writes[key]["out"] = self._box(key)  # type: ignore[index]
            records.extend(recs)

    def _box(self, key: str) -> list[list[Any]]:
        """The outbox entries of ``key`` a restart may still need (see :meth:`mark_committed`)."""
        box = self.outbox.get(key)
        if not box:
            return []
        keep = [e for e in box if e[1] >= self.committed[e[0]]]
        if len(keep) != len(box):
            if keep:
                self.outbox[key] = keep
            else:
                del self.outbox[key]
        return keep


def _internal_error(exc: Exception, raw: bytes, source: str) -> DeadLetter:
    return DeadLetter(
        f"internal error while applying this record ({exc!r}); please report it with this record",
        raw.decode("utf-8", errors="replace"),
        source,
        kind="internal",
    )


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
    key, reason, _ = route_record(raw, max_bytes, monitoring=False)
    return key, reason


def route_monitoring_key(raw: bytes, max_bytes: int) -> tuple[bytes | None, EventError | None]:
    """The key ``MON_PREFIX + tenant`` a monitoring record is handled under, or
    ``(None, why not)`` (the rest of its validation happens in the partition)."""
    key, reason, _ = route_record(raw, max_bytes, monitoring=True)
    return key, reason


def route_record(
    raw: bytes, max_bytes: int, *, monitoring: bool
) -> tuple[bytes | None, EventError | None, int | None]:
    """:func:`route_key` (or, ``monitoring``, :func:`route_monitoring_key`) and the event's
    instant in µs when its ``at`` reads as one (the tick rule watches for old input,
    ``streams.runtime.backlog``), from one decoding of the record."""
    doc, reason = _routable(raw, max_bytes)
    if doc is None:
        return None, reason, None
    if monitoring:
        if not isinstance(doc.get("tenant"), str) or not doc["tenant"]:
            why = EventError(
                "missing or non-string tenant: a monitoring event needs it to be routed"
            )
            return None, why, None
        return (MON_PREFIX + doc["tenant"]).encode(), None, _instant(doc.get("at"))
    missing = [f for f in ("tenant", "ticket_id") if not isinstance(doc.get(f), str) or not doc[f]]
    if missing:
        why = EventError(
            f"missing or non-string {' and '.join(missing)}: a ticket event needs both to be "
            "routed to its ticket"
        )
        return None, why, None
    return f"{doc['tenant']}:{doc['ticket_id']}".encode(), None, _instant(doc.get("at"))


def _instant(at: Any) -> int | None:
    """``at`` as µs since the epoch, or None (absent, not ISO 8601, no offset)."""
    if not isinstance(at, str):
        return None
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(at)
    except ValueError:
        return None
    return None if dt.tzinfo is None else us_of(dt)


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as in the Java, kafka-python and
    aiokafka clients) gives ``key``."""
    from aiokafka.partitioner import murmur2

    return (murmur2(key) & 0x7FFFFFFF) % partitions
