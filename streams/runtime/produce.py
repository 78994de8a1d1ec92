"""Output records of a batch, handed to the Kafka producer one batch per topic partition.

The batch loop (:mod:`streams.runtime.batch`) produces several records per input event (the
table's changelog, ``sla.clock-states``, signals, re-keyed records, dead letters). Sending
each with ``await producer.send(...)`` costs ~15 µs of CPU per record (a coroutine, the
partitioner and an accumulator append each time: measured 10.5 µs to append, 14.6 µs with the
acknowledgement, against 4.3 µs here, in ``bench/bench_runtime.py``'s setting). So
:class:`BatchSender` appends the records of a batch to one producer batch (aiokafka's
``BatchBuilder``) per topic partition and hands each over with ``send_batch``: the records
of one partition keep their order, and nothing waits for an acknowledgement until the loop
commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from streams.runtime.partition import partition_for

#: ``(key, value, headers)`` of one output record
Record = tuple[bytes, bytes, Sequence[tuple[str, bytes]]]


class BatchBuilderLike(Protocol):
    def append(
        self,
        *,
        timestamp: int | None,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> Any: ...

    def record_count(self) -> int: ...


class ProducerLike(Protocol):
    """What :class:`BatchSender` needs of ``aiokafka.AIOKafkaProducer``."""

    def create_batch(self) -> BatchBuilderLike: ...

    async def send_batch(
        self, batch: BatchBuilderLike, topic: str, *, partition: int
    ) -> asyncio.Future[Any]: ...

    async def partitions_for(self, topic: str) -> set[int]: ...


@dataclass(slots=True)
class Sent:
    """One producer batch handed over: its topic partition, how many records, the records
    themselves (key, value) in order if their topic is one the sender keeps (the table's
    changelog: the store takes them once acknowledged), and the future of the broker's
    acknowledgement (a ``RecordMetadata`` whose ``offset`` is the first record's)."""

    topic: str
    partition: int
    count: int
    records: list[tuple[bytes, bytes]]
    future: asyncio.Future[Any]


@dataclass(slots=True)
class BatchSender:
    """Collects output records by topic partition; :meth:`send` hands them to the producer.

    ``add(topic, key, value)`` without a partition places the record where Kafka's default
    partitioner would (murmur2 of the key, :func:`~streams.runtime.partition.partition_for`),
    so a key always lands on one partition whichever client wrote it."""

    producer: ProducerLike
    #: topics whose records :class:`Sent` keeps (the others are let go once in a batch)
    keep: frozenset[str] = frozenset()
    _partitions: dict[str, int] = field(default_factory=dict)
    _pending: dict[tuple[str, int], list[Record]] = field(default_factory=dict)

    async def prepare(self, topics: Sequence[str]) -> None:
        """Learn the partition counts of ``topics`` (waits for the producer's metadata)."""
        for topic in topics:
            if topic not in self._partitions:
                self._partitions[topic] = len(await self.producer.partitions_for(topic))

    def add(
        self,
        topic: str,
        key: bytes,
        value: bytes,
        partition: int | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        if partition is None:
            partition = partition_for(key, self._partitions[topic])
        self._pending.setdefault((topic, partition), []).append((key, value, headers))

    def __len__(self) -> int:
        return sum(len(v) for v in self._pending.values())

    async def send(self) -> list[Sent]:
        """Hand every collected record to the producer (in order per topic partition; a
        partition's second producer batch waits until its first is on its way) and forget
        them; the acknowledgements come later, through the returned futures."""
        pending, self._pending = self._pending, {}
        out: list[Sent] = []
        for (topic, partition), records in pending.items():
            keep = topic in self.keep
            builder = self.producer.create_batch()
            chunk: list[tuple[bytes, bytes]] = []
            n = 0
            for key, value, headers in records:
                hdrs = list(headers)
                if builder.append(timestamp=None, key=key, value=value, headers=hdrs) is None:
                    if not n:  # a record larger than a whole producer batch
                        raise ValueError(
                            f"a record of {len(value)} bytes does not fit in a producer batch "
                            f"for {topic}"
                        )
                    out.append(await self._send(builder, topic, partition, n, chunk))
                    builder, chunk, n = self.producer.create_batch(), [], 0
                    builder.append(timestamp=None, key=key, value=value, headers=hdrs)
                n += 1
                if keep:
                    chunk.append((key, value))
            out.append(await self._send(builder, topic, partition, n, chunk))
        return out

    async def _send(
        self, builder: BatchBuilderLike, topic: str, partition: int, n: int, chunk: list[Any]
    ) -> Sent:
        future = await self.producer.send_batch(builder, topic, partition=partition)
        return Sent(topic, partition, n, chunk, future)
