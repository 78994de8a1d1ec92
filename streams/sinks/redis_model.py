"""The Redis read model: what dashboards and on-call tools read instead of Kafka.

The runtime feeds it the clock records of ``sla.clock-states`` (one per ticket clock, from
:meth:`streams.engine.Engine.clock_records`) and the signals (``Signal.to_dict()`` /
``model_dump(mode="json")``). :class:`ReadModel` only *queues* commands on a Redis pipeline,
so the same code serves ``redis.Redis`` and ``redis.asyncio.Redis``; the caller executes::

    pipe = client.pipeline(transaction=False)
    model.queue(pipe, clock_records, signals)
    pipe.execute()            # or: await pipe.execute()

Key layout
----------
``P`` is the prefix (default ``slawatch:``; a deployment with ``SLAWATCH_TOPIC_PREFIX=prod.``
uses ``prod.slawatch:``, see :func:`default_prefix`), ``T`` the tenant. Every per-tenant key
carries the tenant as a Redis Cluster hash tag ``{T}``, so the scripts below, which touch
several keys of one tenant, also run on a cluster.

``P{T}:due`` — sorted set, "what breaches next"
    member ``TICKET:CLOCK``, score = the clock's ``deadline`` in epoch seconds. Holds exactly
    the clocks whose latest record has ``phase`` ``open``, ``status`` ``running`` or
    ``paused`` and a ``deadline`` (overdue ones included: they stay until the clock stops).
``P{T}:clock:TICKET:CLOCK`` — hash, the clock's latest record
    ``record``: the clock record as JSON, exactly as received; ``updated_us``: its
    ``updated_at`` in epoch µs. No expiry while the clock is open; once it is finished
    (``status`` ``stopped``/``inactive``, or ``phase`` ``closed``/``cancelled``) it expires
    after ``finished_ttl`` (default 7 days) and leaves ``P{T}:due``. A clock that comes back
    (reopened, or re-applied after a priority change) loses the expiry again.
``P{T}:breaches`` — sorted set, recent breaches
    member = the signal's ``event_id``, score = its ``at`` in epoch seconds; newest first
    with ``ZREVRANGE``. Signals of type ``sla.breach``, ``sla.missed`` and
    ``availability.breach``; capped at ``breaches_kept`` (default 1000; the oldest go).
``P{T}:breaches:data`` — hash, ``event_id`` → the signal as JSON (same members as above).
``P{T}:availability`` — hash, ``SERVICE:TARGET`` → the latest availability record as JSON
    (``kind: "availability"`` records of ``sla.clock-states``: the month being measured,
    ``availability_percent``, ``downtime_seconds``, ``budget_seconds``, ``down_since``,
    ``exhausts_at``); the one with the newest ``updated_at`` wins.
``P{T}:reports`` — hash, ``SERVICE:TARGET:PERIOD`` → the month's ``availability.report``
    signal as JSON; the one with the highest ``revision`` wins (a late event revises a
    month already reported: :mod:`streams.availability.engine`).
``Ptenants`` — set of the tenants that have written anything (no hash tag).
``Pruntime-clock`` — string, the clock the workers run on (JSON: ``start`` and ``origin``,
    ISO instants or ``null``, and ``speed``; see :class:`streams.clock.SimClock`), so that
    the commands reading the model compute "now" as the runtime does — under the demo's
    simulated clock as much as under the wall clock. Every batch a worker writes sets it
    (the last worker to write wins; all workers of a deployment share their settings).

Guarantees: every write is idempotent and order-tolerant, because delivery is at least once
(a restarted worker re-sends records and signals). A clock record whose ``updated_at`` is
older than the stored one is ignored (a Lua script compares and writes atomically; equal
instants: the later arrival wins); a signal delivered twice has the same deterministic
``event_id`` and is stored once. Scripts go through ``EVALSHA`` on redis-py pipelines (they
load missing scripts before executing) and through ``EVAL`` on anything else.

Reading (sync client): :func:`at_risk`, :func:`clock`, :func:`recent_breaches`, or the same
as :class:`ReadModel` methods, which know the prefix; :meth:`ReadModel.runtime_clock` for the
runtime's clock; :meth:`ReadModel.count_due`, :meth:`ReadModel.breaches_between` and
:meth:`ReadModel.ticket_clocks` for the ops board (``streams.web``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from calendars.errors import SlawatchError
from calendars.timeline import EPOCH, us_of
from streams.clock import SimClock

log = logging.getLogger("slawatch.read_model")

__all__ = [
    "BREACH_TYPES",
    "DEFAULT_BREACHES_KEPT",
    "DEFAULT_FINISHED_TTL",
    "DEFAULT_PREFIX",
    "ReadModel",
    "ReadModelError",
    "at_risk",
    "clock",
    "default_prefix",
    "recent_breaches",
]

DEFAULT_PREFIX = "slawatch:"
DEFAULT_FINISHED_TTL = 7 * 86400
DEFAULT_BREACHES_KEPT = 1000

#: Signal types kept in ``P{T}:breaches``.
BREACH_TYPES = frozenset({"sla.breach", "sla.missed", "availability.breach"})


class ReadModelError(SlawatchError, ValueError):
    """Something stored in the read model cannot be read (written by another version?)."""


_OPEN_STATUSES = frozenset({"running", "paused"})
_FINISHED_STATUSES = frozenset({"stopped", "inactive"})

# KEYS: clock hash, due zset. ARGV: record JSON, updated_us, member, score ('' = not in the
# due set), finished ('1'/'0'), ttl seconds. Returns 1 if written, 0 if the record was stale.
_CLOCK_LUA = """
local cur = redis.call('HGET', KEYS[1], 'updated_us')
if cur and tonumber(cur) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'updated_us', ARGV[2])
if ARGV[5] == '1' then
  redis.call('EXPIRE', KEYS[1], ARGV[6])
else
  redis.call('PERSIST', KEYS[1])
end
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
else
  redis.call('ZREM', KEYS[2], ARGV[3])
end
return 1
"""

# KEYS: breaches zset, data hash. ARGV: event_id, score, signal JSON, kept.
# Returns the number of old breaches trimmed.
_BREACH_LUA = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
  for i = 1, #old, 500 do
    redis.call('HDEL', KEYS[2], unpack(old, i, math.min(i + 499, #old)))
  end
  return over
end
return 0
"""


# The newest value of a field: KEYS: a hash and the hash of its values' order (availability:
# updated_us; reports: revision). ARGV: field, value JSON, order. Returns 1 if written, 0 if
# the stored value is newer (equal: the later arrival wins; it is the same value).
_NEWEST_LUA = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old and tonumber(old) > tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
"""


class _Script:
    """A Lua script as redis-py pipelines expect it in ``pipe.scripts`` (``sha``, ``script``):
    ``Pipeline.execute`` (sync and asyncio alike) loads the missing ones first."""

    __slots__ = ("script", "sha")

    def __init__(self, script: str) -> None:
        self.script = script
        self.sha = hashlib.sha1(script.encode()).hexdigest()

    def queue(self, pipe: Any, keys: list[str], args: list[Any]) -> None:
        scripts = getattr(pipe, "scripts", None)
        if isinstance(scripts, set):
            scripts.add(self)
            pipe.evalsha(self.sha, len(keys), *keys, *args)
        else:
            pipe.eval(self.script, len(keys), *keys, *args)


_CLOCK_SCRIPT = _Script(_CLOCK_LUA)
_BREACH_SCRIPT = _Script(_BREACH_LUA)
_NEWEST_SCRIPT = _Script(_NEWEST_LUA)


def default_prefix(settings: Any = None) -> str:
    """The deployment's key prefix: ``Settings.topic_prefix + "slawatch:"``."""
    if settings is None:
        from models.settings import Settings

        settings = Settings()
    return f"{settings.topic_prefix}{DEFAULT_PREFIX}"


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return dt


def _epoch_us(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis ``MATCH`` pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _load(value: Any) -> dict[str, Any] | None:
    return None if value is None else orjson.loads(value)


class ReadModel:
    """Writes (queued on a pipeline) and reads of the read model under one key prefix."""

    def __init__(
        self,
        prefix: str = DEFAULT_PREFIX,
        finished_ttl: int = DEFAULT_FINISHED_TTL,
        breaches_kept: int = DEFAULT_BREACHES_KEPT,
    ) -> None:
        if finished_ttl < 1:
            raise ValueError("finished_ttl must be at least 1 second")
        if breaches_kept < 1:
            raise ValueError("breaches_kept must be at least 1")
        self.prefix = prefix
        self.finished_ttl = int(finished_ttl)
        self.breaches_kept = int(breaches_kept)

    # -- key names ----------------------------------------------------------------------

    def tenant_key(self, tenant: str, *parts: str) -> str:
        """``P{tenant}:part:part…``"""
        return ":".join((f"{self.prefix}{{{tenant}}}", *parts))

    def due_key(self, tenant: str) -> str:
        return self.tenant_key(tenant, "due")

    def clock_key(self, tenant: str, ticket_id: str, clock: str) -> str:
        return self.tenant_key(tenant, "clock", ticket_id, clock)

    def breaches_key(self, tenant: str) -> str:
        return self.tenant_key(tenant, "breaches")

    def breaches_data_key(self, tenant: str) -> str:
        return self.tenant_key(tenant, "breaches", "data")

    def availability_key(self, tenant: str) -> str:
        return self.tenant_key(tenant, "availability")

    def reports_key(self, tenant: str) -> str:
        return self.tenant_key(tenant, "reports")

    @property
    def tenants_key(self) -> str:
        return f"{self.prefix}tenants"

    @property
    def runtime_clock_key(self) -> str:
        return f"{self.prefix}runtime-clock"

    # -- writing ------------------------------------------------------------------------

    def queue(
        self,
        pipe: Any,
        clock_records: Iterable[Mapping[str, Any]] = (),
        signals: Iterable[Mapping[str, Any]] = (),
    ) -> int:
        """Queue the writes for a batch of clock records and signals on ``pipe`` (sync or
        asyncio pipeline; the caller executes it). Signals other than breaches and
        availability reports are ignored; malformed items are logged and skipped. Returns
        the number of items queued."""
        tenants: set[str] = set()
        queued = 0
        for record in clock_records:
            try:
                if record.get("kind") == "availability":
                    self._queue_availability(pipe, record)
                else:
                    self._queue_clock(pipe, record)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("read model: skipped clock record %r (%s)", record.get("key"), exc)
                continue
            tenants.add(str(record["tenant"]))
            queued += 1
        for signal in signals:
            kind = signal.get("type")
            if kind not in BREACH_TYPES and kind != "availability.report":
                continue
            try:
                if kind == "availability.report":
                    self._queue_report(pipe, signal)
                else:
                    self._queue_breach(pipe, signal)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("read model: skipped signal %r (%s)", signal.get("event_id"), exc)
                continue
            tenants.add(str(signal["tenant"]))
            queued += 1
        if tenants:
            pipe.sadd(self.tenants_key, *sorted(tenants))
        return queued

    def queue_runtime_clock(self, pipe: Any, clock: SimClock) -> None:
        """Queue the write of the runtime's clock (see ``Pruntime-clock`` in the module doc)."""
        pipe.set(self.runtime_clock_key, _clock_json(clock))

    def _queue_clock(self, pipe: Any, record: Mapping[str, Any]) -> None:
        tenant, ticket_id, name = str(record["tenant"]), record["ticket_id"], record["clock"]
        if not ticket_id or not name:
            raise ValueError("ticket_id and clock are required")
        updated = _instant(record.get("updated_at"))
        updated_us = _epoch_us(updated) if updated is not None else 0
        deadline = _instant(record.get("deadline"))
        status, phase = record.get("status"), record.get("phase")
        finished = status in _FINISHED_STATUSES or phase in ("closed", "cancelled")
        in_due = (
            not finished and phase == "open" and status in _OPEN_STATUSES and deadline is not None
        )
        score = repr(_epoch_us(deadline) / 1e6) if in_due and deadline is not None else ""
        payload = orjson.dumps(dict(record)).decode()
        _CLOCK_SCRIPT.queue(
            pipe,
            [self.clock_key(tenant, ticket_id, name), self.due_key(tenant)],
            [
                payload,
                updated_us,
                f"{ticket_id}:{name}",
                score,
                "1" if finished else "0",
                self.finished_ttl,
            ],
        )

    def _queue_availability(self, pipe: Any, record: Mapping[str, Any]) -> None:
        tenant, service, target = str(record["tenant"]), record["service"], record["target"]
        if not service or not target:
            raise ValueError("service and target are required")
        updated = _instant(record.get("updated_at"))
        updated_us = _epoch_us(updated) if updated is not None else 0
        key = self.availability_key(tenant)
        _NEWEST_SCRIPT.queue(
            pipe,
            [key, f"{key}:updated"],
            [f"{service}:{target}", orjson.dumps(dict(record)).decode(), updated_us],
        )

    def _queue_report(self, pipe: Any, signal: Mapping[str, Any]) -> None:
        tenant, service, target = str(signal["tenant"]), signal["service"], signal["target"]
        period, revision = signal["period"], int(signal.get("revision") or 0)
        if not service or not target or not period:
            raise ValueError("service, target and period are required")
        key = self.reports_key(tenant)
        _NEWEST_SCRIPT.queue(
            pipe,
            [key, f"{key}:revision"],
            [f"{service}:{target}:{period}", orjson.dumps(dict(signal)).decode(), revision],
        )

    def _queue_breach(self, pipe: Any, signal: Mapping[str, Any]) -> None:
        tenant, event_id = str(signal["tenant"]), str(signal["event_id"])
        at = _instant(signal["at"])
        if not event_id or at is None:
            raise ValueError("event_id and at are required")
        payload = orjson.dumps(dict(signal)).decode()
        _BREACH_SCRIPT.queue(
            pipe,
            [self.breaches_key(tenant), self.breaches_data_key(tenant)],
            [event_id, repr(_epoch_us(at) / 1e6), payload, self.breaches_kept],
        )

    # -- reading (sync client) ----------------------------------------------------------

    def at_risk(
        self,
        client: Any,
        tenant: str,
        now: datetime,
        within: timedelta | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Open clocks of ``tenant`` whose deadline is at or before ``now + within``
        (``within=None``: all open clocks with a deadline), earliest deadline first, overdue
        ones included. Each item is the stored clock record."""
        if now.tzinfo is None:
            raise ValueError("now needs a UTC offset")
        upper: str | float = "+inf" if within is None else _epoch_us(now + within) / 1e6
        start, num = (None, None) if limit is None else (0, limit)
        members = client.zrangebyscore(self.due_key(tenant), "-inf", upper, start=start, num=num)
        if not members:
            return []
        pipe = client.pipeline(transaction=False)
        for member in members:
            ticket_id, _, name = _text(member).rpartition(":")
            pipe.hget(self.clock_key(tenant, ticket_id, name), "record")
        # a record may have changed between the two reads: keep only still-due clocks
        records = (_load(v) for v in pipe.execute())
        return [r for r in records if r is not None and r.get("deadline")]

    def count_due(
        self, client: Any, tenant: str, after: datetime | None, until: datetime | None
    ) -> int:
        """How many open clocks of ``tenant`` have their deadline in ``(after, until]``
        (``None``: unbounded on that side; the ops board's "overdue" and "within 1 h")."""
        lo = "-inf" if after is None else f"({_epoch_us(after) / 1e6!r}"
        hi = "+inf" if until is None else repr(_epoch_us(until) / 1e6)
        return int(client.zcount(self.due_key(tenant), lo, hi))

    def breaches_between(
        self, client: Any, tenant: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        """The kept breaches of ``tenant`` whose ``at`` is in ``[since, until]``, newest
        first (at most ``breaches_kept``)."""
        lo, hi = _epoch_us(since) / 1e6, _epoch_us(until) / 1e6
        ids = client.zrevrangebyscore(self.breaches_key(tenant), repr(hi), repr(lo))
        if not ids:
            return []
        values = client.hmget(self.breaches_data_key(tenant), ids)
        return [s for s in (_load(v) for v in values) if s is not None]

    def ticket_clocks(
        self, client: Any, tenant: str, ticket_id: str, names: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        """The latest records of a ticket's clocks, sorted by clock name: the open ones (from
        ``P{T}:due``) and those of ``names`` (a finished clock is no longer in the due set;
        the caller knows which clock names its policies use)."""
        pattern = _glob_escape(f"{ticket_id}:") + "*"
        wanted = set(names)
        for member, _ in client.zscan_iter(self.due_key(tenant), match=pattern, count=500):
            head, _, name = _text(member).rpartition(":")
            if head == ticket_id:
                wanted.add(name)
        if not wanted:
            return []
        pipe = client.pipeline(transaction=False)
        for name in sorted(wanted):
            pipe.hget(self.clock_key(tenant, ticket_id, name), "record")
        return [r for r in (_load(v) for v in pipe.execute()) if r is not None]

    def clock(self, client: Any, tenant: str, ticket_id: str, clock: str) -> dict[str, Any] | None:
        """The latest record of one clock, or ``None`` (unknown or expired)."""
        return _load(client.hget(self.clock_key(tenant, ticket_id, clock), "record"))

    def recent_breaches(self, client: Any, tenant: str, limit: int = 50) -> list[dict[str, Any]]:
        """The latest ``limit`` breach signals of ``tenant``, newest ``at`` first."""
        if limit < 1:
            return []
        ids = client.zrevrange(self.breaches_key(tenant), 0, limit - 1)
        if not ids:
            return []
        values = client.hmget(self.breaches_data_key(tenant), ids)
        return [s for s in (_load(v) for v in values) if s is not None]

    def availability(self, client: Any, tenant: str) -> list[dict[str, Any]]:
        """The latest availability record of each (service, target) of ``tenant``, sorted."""
        values = client.hgetall(self.availability_key(tenant))
        out = [_load(v) for _, v in sorted(values.items(), key=lambda kv: _text(kv[0]))]
        return [r for r in out if r is not None]

    def reports(self, client: Any, tenant: str) -> list[dict[str, Any]]:
        """The monthly ``availability.report`` of each (service, target, period) of
        ``tenant`` in its latest revision, sorted by service, target and period."""
        values = client.hgetall(self.reports_key(tenant))
        out = [_load(v) for _, v in sorted(values.items(), key=lambda kv: _text(kv[0]))]
        return [r for r in out if r is not None]

    def tenants(self, client: Any) -> list[str]:
        """Tenants that have written anything to the read model, sorted."""
        return sorted(_text(t) for t in client.smembers(self.tenants_key))

    def runtime_clock(self, client: Any) -> SimClock | None:
        """The clock the workers run on, as the last one stored it (``None``: no worker has
        written yet). Raises :class:`ReadModelError` if the stored value is not one."""
        raw = client.get(self.runtime_clock_key)
        return None if raw is None else _clock_of(raw, self.runtime_clock_key)


def _clock_json(clock: SimClock) -> bytes:
    def iso(us: int | None) -> str | None:
        return None if us is None else (EPOCH + timedelta(microseconds=us)).isoformat()

    simulated = clock.start_us is not None
    origin = clock.origin_us if simulated else None
    return orjson.dumps({"start": iso(clock.start_us), "origin": iso(origin), "speed": clock.speed})


def _clock_of(raw: Any, key: str) -> SimClock:
    try:
        doc = orjson.loads(raw)
        if doc["start"] is None:
            return SimClock()
        start, origin = _instant(doc["start"]), _instant(doc["origin"])
        speed = float(doc["speed"])
        if start is None or origin is None or not speed >= 0:
            raise ValueError("start, origin and a speed ≥ 0 are required")
        return SimClock(us_of(start), us_of(origin), speed)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ReadModelError(f"{key}: not a runtime clock ({exc}): {_text(raw)[:120]!r}") from None


def at_risk(
    client: Any,
    tenant: str,
    now: datetime,
    within: timedelta | None = None,
    *,
    prefix: str = DEFAULT_PREFIX,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """:meth:`ReadModel.at_risk` under ``prefix``."""
    return ReadModel(prefix).at_risk(client, tenant, now, within, limit)


def clock(
    client: Any, tenant: str, ticket_id: str, clock: str, *, prefix: str = DEFAULT_PREFIX
) -> dict[str, Any] | None:
    """:meth:`ReadModel.clock` under ``prefix``."""
    return ReadModel(prefix).clock(client, tenant, ticket_id, clock)


def recent_breaches(
    client: Any, tenant: str, limit: int = 50, *, prefix: str = DEFAULT_PREFIX
) -> list[dict[str, Any]]:
    """:meth:`ReadModel.recent_breaches` under ``prefix``."""
    return ReadModel(prefix).recent_breaches(client, tenant, limit)
