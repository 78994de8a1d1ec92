"""A Kafka producer for the connectors: records are in Kafka (``acks=all``) when :meth:`send`
returns, and an unreachable broker is an error the caller can answer (``ingest``: 503,
``notify``: retry) instead of a hang.

It connects lazily and again after a failure, so a connector started while Kafka is down
serves (and refuses) until the broker is back. A send that timed out may still land later;
both connectors send deterministic ids, so a copy sent again is recognised downstream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from calendars.errors import SlawatchError
from models.settings import Settings

log = logging.getLogger("slawatch.connectors.kafka")


class Record(NamedTuple):
    """One record to produce: deployed topic name, key, value."""

    topic: str
    key: bytes | None
    value: bytes


class SinkUnavailable(SlawatchError):
    """The records could not be confirmed by Kafka (broker down, timeout)."""


class RecordSink(Protocol):
    """Where the connectors produce to (the real one: :class:`KafkaSink`)."""

    async def send(self, records: Sequence[Record]) -> None: ...

    @property
    def connected(self) -> bool: ...


class KafkaSink:
    """``aiokafka`` producer with ``acks=all``; :meth:`send` raises :class:`SinkUnavailable`
    within ``timeout`` seconds when Kafka does not confirm."""

    def __init__(
        self,
        settings: Settings,
        *,
        client_id: str = "slawatch-connector",
        timeout: float = 10.0,
        linger_ms: int = 1,
    ) -> None:
        self.settings = settings
        self.client_id = client_id
        self.timeout = timeout
        self.linger_ms = linger_ms
        self._producer: Any = None
        self._starting = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._producer is not None

    async def _ensure(self) -> Any:
        if self._producer is not None:
            return self._producer
        async with self._starting:
            if self._producer is not None:
                return self._producer
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer(
                client_id=self.client_id,
                acks="all",
                linger_ms=self.linger_ms,
                request_timeout_ms=int(self.timeout * 1000),
                **self.settings.aiokafka_kwargs(),
            )
            try:
                await asyncio.wait_for(producer.start(), self.timeout)
            except Exception as exc:
                await _quiet_stop(producer)
                raise SinkUnavailable(
                    f"Kafka is unavailable: {exc or type(exc).__name__}"
                ) from None
            self._producer = producer
            return producer

    async def start(self) -> bool:
        """Connect now; ``False`` when Kafka is not reachable (sends retry later)."""
        try:
            await self._ensure()
        except SinkUnavailable as exc:
            log.warning("%s; will retry on the next send", exc)
            return False
        return True

    async def send(self, records: Sequence[Record]) -> None:
        """Produce ``records`` (in order) and wait until Kafka confirmed every one."""
        producer = await self._ensure()
        try:
            futures = [
                await asyncio.wait_for(
                    producer.send(r.topic, value=r.value, key=r.key), self.timeout
                )
                for r in records
            ]
            await asyncio.wait_for(asyncio.gather(*futures), self.timeout)
        except TimeoutError as exc:
            raise SinkUnavailable(f"Kafka did not confirm within {self.timeout:g} s") from exc
        except Exception as exc:
            if isinstance(exc, SlawatchError):
                raise
            raise SinkUnavailable(
                f"Kafka refused the records: {exc or type(exc).__name__}"
            ) from exc

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await _quiet_stop(producer)


async def _quiet_stop(producer: Any) -> None:
    try:
        await asyncio.wait_for(producer.stop(), 10)
    except Exception:  # stopping a half-started producer: nothing left to save
        log.debug("producer stop failed", exc_info=True)


__all__ = ["KafkaSink", "Record", "RecordSink", "SinkUnavailable"]
