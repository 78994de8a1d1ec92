"""BatchSender on the embedded broker: records in producer batches per topic partition, in
order, with the offsets the loop gives the table's store (first record's offset + index)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from streams.runtime.partition import partition_for
from streams.runtime.produce import BatchSender

pytestmark = [pytest.mark.integration]


async def _scenario(bootstrap: str) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    kept, other = f"bs-kept-{uuid.uuid4().hex[:6]}", f"bs-other-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(kept, 2, 1), NewTopic(other, 3, 1)])
    finally:
        admin.close()
    # 4 KiB producer batches: a partition's 300 records of ~100 B need several
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_batch_size=4096, linger_ms=5)
    await producer.start()
    try:
        sender = BatchSender(producer, keep=frozenset({kept}))
        await sender.prepare([kept, other])
        for i in range(600):
            sender.add(kept, f"k{i}".encode(), f"value {i} ".encode() * 10, partition=i % 2)
        keys = [f"tenant:T-{i}".encode() for i in range(200)]
        for key in keys:
            sender.add(other, key, b"x", headers=[("src", b"here")])
        assert len(sender) == 800
        sent = await sender.send()
        assert len(sender) == 0
        await asyncio.gather(*(s.future for s in sent))
    finally:
        await producer.stop()

    by_tp = {}
    for s in sent:
        by_tp.setdefault((s.topic, s.partition), []).append(s)
    assert len(by_tp[(kept, 0)]) > 1  # several producer batches for one partition
    assert sum(s.count for s in sent if s.topic == other) == 200
    assert all(not s.records for s in sent if s.topic == other)  # not kept

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(kept, 0), TopicPartition(kept, 1)]
        tps += [TopicPartition(other, p) for p in range(3)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        got: dict[tuple[str, int], list] = {}
        while sum(len(v) for v in got.values()) < 800:
            batch = await consumer.getmany(timeout_ms=3000)
            assert batch, got.keys()
            for tp, recs in batch.items():
                got.setdefault((tp.topic, tp.partition), []).extend(recs)
    finally:
        await consumer.stop()

    for p in (0, 1):
        records = got[(kept, p)]
        assert [r.key for r in records] == [f"k{i}".encode() for i in range(p, 600, 2)]
        # the offsets the loop computes for the store are the broker's
        computed = [
            (s.future.result().offset + i, key)
            for s in by_tp[(kept, p)]
            for i, (key, _) in enumerate(s.records)
        ]
        assert computed == [(r.offset, r.key) for r in records]
    for p in range(3):  # where Kafka's default partitioner puts these keys
        assert {r.key for r in got[(other, p)]} == {k for k in keys if partition_for(k, 3) == p}
        assert all(r.headers == (("src", b"here"),) for r in got[(other, p)])


def test_batches_land_in_order_with_the_offsets_the_store_is_given(kafka) -> None:
    asyncio.run(_scenario(kafka.bootstrap))
