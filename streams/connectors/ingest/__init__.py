"""``slawatch ingest``: ITSM webhooks → canonical events on ``sla.ticket-events``
(:mod:`.server`; metrics in :mod:`.metrics`; :func:`serve` runs it)."""

from __future__ import annotations

import logging

from aiohttp import web

from models.settings import Settings
from streams.connectors.catalog import Endpoints
from streams.connectors.ingest.server import Ingest
from streams.connectors.kafka import KafkaSink
from streams.connectors.memory import LruMemory, MemoryStore, RedisMemory

log = logging.getLogger("slawatch.ingest")


def memory_store(settings: Settings) -> MemoryStore:
    """The ticket memory the settings ask for (``SLAWATCH_INGEST_STATE``)."""
    if settings.ingest_state == "redis":
        return RedisMemory(settings.redis_url, settings.topic_prefix)
    return LruMemory(settings.ingest_state_size)


def build(
    settings: Settings, endpoints: Endpoints, timeout: float = 10.0
) -> tuple[Ingest, web.Application]:
    """The receiver and its aiohttp app, with the producer started on the app's startup and
    everything closed on its cleanup; ``timeout``: seconds Kafka has to confirm a webhook's
    events before the answer is 503."""
    sink = KafkaSink(settings, client_id="slawatch-ingest", timeout=timeout)
    ingest = Ingest(endpoints, sink, memory_store(settings), settings)
    app = ingest.app()

    async def startup(app: web.Application) -> None:
        if await sink.start():
            log.info("ingest: connected to Kafka")

    async def cleanup(app: web.Application) -> None:
        await sink.close()
        await ingest.memory.close()

    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    return ingest, app


def serve(
    settings: Settings, endpoints: Endpoints, host: str, port: int, timeout: float = 10.0
) -> None:
    """Run until SIGINT/SIGTERM; requests in flight finish first (aiohttp's graceful
    shutdown)."""
    _, app = build(settings, endpoints, timeout)
    names = ", ".join(sorted(e.name for e in endpoints))
    print(
        f"ingest: listening on http://{host}:{port}/hooks/{{source}}/{{tenant}} ({names})",
        flush=True,
    )
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=10, access_log=None)


__all__ = ["build", "memory_store", "serve"]
