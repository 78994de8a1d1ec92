"""The board's own reader of the output topics (aiokafka, no consumer group).

Why the board reads Kafka rather than a Redis pub/sub the read model would publish to:

- the workers' write path stays as it is — a board (or a slow browser) can neither slow
  the read-model sink nor add a failure mode to it, and the SLA clocks never wait for it;
- the board needs signals the read model does not keep: warnings, escalations and ``met``
  verdicts (a ticket's history, a tenant's recent verdicts) and every availability figure
  (the burn charts), so it reads the topics anyway;
- a Kafka topic can be read back: a restarted board rebuilds its histories from the last
  ``SLAWATCH_WEB_HISTORY_HOURS`` of the signal topics (pub/sub forgets what nobody heard).

The price: a record can reach the board before the read-model sink has written it to Redis.
The board lays the stream's recent records over what Redis returns (``RecentClocks``,
the breaches from its history) and draws a changed tenant again for two seconds after the
change (:mod:`streams.web.hub`), so the page converges on the read model either way.

Each partition is assigned (no group: every board process reads everything, and none
commits offsets). The signal topics start at the history window's offsets; ``sla.clock-
states`` at its end (the present is in Redis). Records before the end offsets found at start
are *history* (kept, not pushed); later ones are *live*. On a broker error the feed logs,
waits (1 s doubling to 30 s) and resumes where it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

import orjson

from streams import topics as T

log = logging.getLogger("slawatch.web")

__all__ = ["SIGNAL_TOPICS", "Feed", "FeedSink"]

#: The topics whose records are signals (the rest of what the feed reads: clock records).
SIGNAL_TOPICS = (T.WARNINGS, T.ESCALATIONS, T.BREACHES, T.VERDICTS)


class FeedSink(Protocol):
    """Where the feed hands each decoded record (:class:`streams.web.hub.Hub`)."""

    def on_signal(self, signal: dict[str, Any], live: bool) -> None: ...

    def on_clock(self, record: dict[str, Any], live: bool) -> None: ...


class FeedSettings(Protocol):
    """What the feed reads of :class:`models.settings.Settings`."""

    @property
    def web_history_hours(self) -> float: ...

    def topic(self, name: str) -> str: ...

    def aiokafka_kwargs(self) -> dict[str, Any]: ...


class Feed:
    """Reads the output topics into a :class:`FeedSink` until cancelled."""

    def __init__(self, settings: FeedSettings, sink: FeedSink, *, batch: int = 1000) -> None:
        self.settings = settings
        self.sink = sink
        self.batch = batch
        self.signal_topics = [settings.topic(t) for t in SIGNAL_TOPICS]
        self.states_topic = settings.topic(T.CLOCK_STATES)
        #: ``starting``, ``waiting for topics``, ``catching up``, ``live`` or the last error
        self.status = "starting"
        self.positions: dict[Any, int] = {}  # where to resume after an error
        self.skipped = 0

    async def run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broker error: say it, wait, resume
                self.status = f"broker unavailable ({type(exc).__name__}: {exc})"
                log.warning("board feed: %s; retrying in %.0f s", self.status, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _read(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        from streams.runtime.faust_compat import true_end_offsets

        consumer = AIOKafkaConsumer(
            enable_auto_commit=False,
            client_id="slawatch-board",
            **self.settings.aiokafka_kwargs(),
        )
        await consumer.start()
        try:
            tps = await self._partitions(consumer, TopicPartition)
            consumer.assign(tps)
            await self._seek(consumer, tps)
            ends = await true_end_offsets(consumer, tps)
            self.status = "catching up"
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=self.batch)
                for tp, records in batch.items():
                    end = ends.get(tp, 0)
                    for rec in records:
                        self._dispatch(tp.topic, rec, live=rec.offset >= end)
                        self.positions[tp] = rec.offset + 1
                if self.status == "catching up" and await _caught_up(consumer, tps, ends):
                    self.status = "live"
                    log.info("board feed: live (%d partitions)", len(tps))
        finally:
            await consumer.stop()

    async def _partitions(self, consumer: Any, tp_class: Any) -> list[Any]:
        """Every partition of the topics, once the broker knows them all."""
        names = [*self.signal_topics, self.states_topic]
        while True:
            await consumer.topics()  # refresh the metadata
            found = {n: consumer.partitions_for_topic(n) for n in names}
            missing = [n for n, parts in found.items() if not parts]
            if not missing:
                return [tp_class(n, p) for n in names for p in sorted(found[n])]
            self.status = f"waiting for topics ({', '.join(missing)})"
            await asyncio.sleep(1.0)

    async def _seek(self, consumer: Any, tps: list[Any]) -> None:
        """Resume where the feed was; else the signal topics at the history window, the
        clock records at their end."""
        fresh = [tp for tp in tps if tp not in self.positions]
        for tp in tps:
            if tp in self.positions:
                consumer.seek(tp, self.positions[tp])
        signals = [tp for tp in fresh if tp.topic in self.signal_topics]
        states = [tp for tp in fresh if tp.topic == self.states_topic]
        if states:
            await consumer.seek_to_end(*states)
        if signals:
            since_ms = int((time.time() - self.settings.web_history_hours * 3600) * 1000)
            found = await consumer.offsets_for_times(dict.fromkeys(signals, since_ms))
            for tp in signals:
                hit = found.get(tp)
                if hit is None:  # nothing that recent: start at the end
                    await consumer.seek_to_end(tp)
                else:
                    consumer.seek(tp, hit.offset)

    def _dispatch(self, topic: str, rec: Any, live: bool) -> None:
        if rec.value is None:
            return
        try:
            doc = orjson.loads(rec.value)
        except orjson.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict):
            # these topics carry only what workers write: a foreign record is skipped here
            # (the workers' dead letters are for input; the board only reads)
            self.skipped += 1
            log.warning("board feed: skipped %s[%d]@%d: not a JSON object", topic,
                        rec.partition, rec.offset)  # fmt: skip
            return
        if topic == self.states_topic:
            self.sink.on_clock(doc, live)
        else:
            self.sink.on_signal(doc, live)


async def _caught_up(consumer: Any, tps: list[Any], ends: dict[Any, int]) -> bool:
    """Whether every partition's position has reached its end offset found at start."""
    for tp in tps:
        if await consumer.position(tp) < ends.get(tp, 0):
            return False
    return True
