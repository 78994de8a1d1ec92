"""``slawatch ingest``: the webhook receiver (aiohttp).

``POST /hooks/{source}/{tenant}``, per request:

1. the endpoint must be configured (else 404) and the body within
   ``SLAWATCH_MAX_HOOK_BYTES`` (else 413, unread);
2. it authenticates with the endpoint's secret (else 401: the ITSM shows the failure);
3. the mapping gives the canonical events, using and then updating the ticket's last known
   state; per ticket one request at a time, so two webhooks of one ticket are compared in
   the order they are produced;
4. the events are produced to ``sla.ticket-events`` keyed ``tenant:ticket_id`` and Kafka
   confirms them (``acks=all``) **before** the answer: a webhook answered 2xx is in Kafka.
   Kafka unreachable or too slow → 503 with ``Retry-After``: the ITSM retries, and the
   retried delivery has the same event ids;
5. a webhook that authenticates but cannot be mapped is answered 202 and goes to
   ``sla.dead-letters`` with the raw body and the reason (retrying would not help); 503 if
   even that cannot be produced.

``GET /healthz``: 200 while the producer is connected, else 503. ``GET /metrics``:
Prometheus text (:mod:`.metrics`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from models.settings import Settings
from streams.connectors.auth import AuthError, verify
from streams.connectors.catalog import Endpoint, Endpoints
from streams.connectors.deadletter import dead_letter
from streams.connectors.ingest.metrics import UNKNOWN, IngestMetrics
from streams.connectors.kafka import Record, RecordSink, SinkUnavailable
from streams.connectors.mapper import MappingError, Parsed, Webhook
from streams.connectors.memory import MemoryStore
from streams.topics import DEAD_LETTERS, TICKET_EVENTS

log = logging.getLogger("slawatch.ingest")

#: seconds an ITSM is asked to wait before retrying a 503
RETRY_AFTER_S = 10


class _KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextmanager
    def _counted(self, key: str) -> Iterator[asyncio.Lock]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            yield lock
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)

    async def run(self, key: str, fn: Callable[[], Any]) -> Any:
        with self._counted(key) as lock:
            async with lock:
                return await fn()


class Ingest:
    """The receiver's state and handlers; :meth:`app` builds the aiohttp application."""

    def __init__(
        self,
        endpoints: Endpoints,
        sink: RecordSink,
        memory: MemoryStore,
        settings: Settings,
        *,
        metrics: IngestMetrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.endpoints = endpoints
        self.sink = sink
        self.memory = memory
        self.settings = settings
        self.metrics = metrics or IngestMetrics()
        self.clock = clock
        self.max_bytes = settings.max_hook_bytes
        self.events_topic = settings.topic(TICKET_EVENTS)
        self.dead_topic = settings.topic(DEAD_LETTERS)
        self.locks = _KeyedLocks()
        for ep in endpoints:
            self.metrics.declare(ep.source, ep.tenant)

    def app(self) -> web.Application:
        # aiohttp refuses larger bodies by itself too; the handler answers first, in JSON
        app = web.Application(client_max_size=self.max_bytes + 1)
        app.router.add_post("/hooks/{source}/{tenant}", self.hook)
        app.router.add_get("/healthz", self.health)
        app.router.add_get("/metrics", self.prometheus)
        return app

    # -- handlers --------------------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        ok = self.sink.connected
        body = {"status": "ok" if ok else "kafka unavailable", "endpoints": len(self.endpoints)}
        return web.json_response(body, status=200 if ok else 503)

    async def prometheus(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), content_type="text/plain")

    async def hook(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        source, tenant = request.match_info["source"], request.match_info["tenant"]
        endpoint = self.endpoints.get(source, tenant)
        if endpoint is None:
            self.metrics.request(UNKNOWN, UNKNOWN, "not_found", time.perf_counter() - started)
            return _answer(404, "not_found", f"no endpoint {source}/{tenant} is configured")
        outcome, response = await self._hook(endpoint, request)
        self.metrics.request(source, tenant, outcome, time.perf_counter() - started)
        return response

    async def _hook(self, ep: Endpoint, request: web.Request) -> tuple[str, web.Response]:
        length = request.content_length
        if length is not None and length > self.max_bytes:
            return "too_large", _too_large(self.max_bytes)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return "too_large", _too_large(self.max_bytes)
        if len(body) > self.max_bytes:
            return "too_large", _too_large(self.max_bytes)
        received = self.clock()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            verify(
                ep.mapping.auth,
                ep.secret.get_secret_value(),
                body,
                headers,
                dict(request.query),
                received,
            )
        except AuthError as exc:
            log.warning("unauthorized webhook", extra={"endpoint": ep.name, "reason": str(exc)})
            return "unauthorized", _answer(401, "unauthorized", str(exc))
        hook = Webhook(ep.source, ep.tenant, body, headers, received)
        try:
            try:
                parsed = ep.mapper.parse(hook)
            except MappingError as exc:
                return await self._dead(ep, hook, str(exc), None)
            return await self.locks.run(parsed.memory_key, lambda: self._produce(ep, parsed))
        except SinkUnavailable as exc:
            log.warning("webhook refused: %s", exc, extra={"endpoint": ep.name})
            return "unavailable", _unavailable(str(exc))

    async def _produce(self, ep: Endpoint, parsed: Parsed) -> tuple[str, web.Response]:
        """Map against the ticket's memory, produce, then remember (under the ticket's lock)."""
        try:
            memory = await self.memory.get(parsed.memory_key)
        except Exception as exc:  # the memory store (Redis) is down: the ITSM retries
            raise SinkUnavailable(f"the ticket memory is unavailable: {exc}") from None
        try:
            outcome = ep.mapper.derive(parsed, memory)
        except MappingError as exc:
            return await self._dead(ep, parsed.webhook, str(exc), parsed)
        if not outcome.events:
            return "ignored", _answer(200, "ignored", outcome.ignored or "")
        key = parsed.key.encode()
        await self.sink.send(
            [Record(self.events_topic, key, orjson.dumps(e)) for e in outcome.events]
        )
        for e in outcome.events:
            self.metrics.produced(ep.source, ep.tenant, e["type"])
        if outcome.memory is not None:
            try:
                await self.memory.put(parsed.memory_key, outcome.memory)
            except Exception:  # the events are in Kafka: answer 2xx; the next one compares
                log.exception("could not keep the ticket memory", extra={"key": parsed.key})
        ids = [e["event_id"] for e in outcome.events]
        log.info("webhook accepted", extra={"endpoint": ep.name, "events": ids})
        return "accepted", web.json_response({"status": "accepted", "events": ids})

    async def _dead(
        self, ep: Endpoint, hook: Webhook, reason: str, parsed: Parsed | None
    ) -> tuple[str, web.Response]:
        delivery = parsed.dedup if parsed is not None else None
        record = dead_letter(
            self.dead_topic,
            f"webhook {ep.name}: {reason}",
            hook.body,
            {"hook": ep.name, **({"delivery": delivery} if delivery else {})},
            hook.received_at,
            key=parsed.key if parsed is not None else None,
            tenant=parsed.tenant if parsed is not None else ep.tenant,
            ticket_id=parsed.ticket_id if parsed is not None else None,
        )
        await self.sink.send([record])
        ident = orjson.loads(record.value)["id"]
        log.warning(
            "webhook dead-lettered",
            extra={"endpoint": ep.name, "reason": reason, "body": hook.body},
        )
        body = {"status": "dead_letter", "id": ident, "reason": reason}
        return "dead_letter", web.json_response(body, status=202)


def _answer(status: int, what: str, reason: str) -> web.Response:
    return web.json_response({"status": what, "reason": reason}, status=status)


def _too_large(limit: int) -> web.Response:
    return _answer(413, "too_large", f"body over {limit} bytes (SLAWATCH_MAX_HOOK_BYTES)")


def _unavailable(reason: str) -> web.Response:
    response = _answer(503, "unavailable", f"{reason}; retry later")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


__all__ = ["RETRY_AFTER_S", "Ingest"]
