"""Raw aiokafka throughput against the embedded broker: the runtime's passthrough baseline.

Three figures, each the median of ``--repeat`` runs on fresh topics:

* produce:      N JSON ticket events (~300 bytes, keyed tenant:ticket_id) → topic
* consume:      read them back (explicit assignment, no group) and parse with orjson
* passthrough:  consume → orjson parse → produce each to an output topic → flush
                (what a pipeline that does no work at all costs; issue 5 compares the
                full Faust pipeline against this)

Usage::

    .venv/bin/python bench/bench_kafka.py                 # 50k messages, 4 partitions
    .venv/bin/python bench/bench_kafka.py -n 200000 --repeat 3 --json
    .venv/bin/python bench/bench_kafka.py --bootstrap host:9092   # an external broker
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

sys.path.append(str(Path(__file__).resolve().parents[1]))  # the installed slawatch first

from streams.embedded import EmbeddedKafka

PRODUCER_OPTS = {"linger_ms": 5, "max_batch_size": 256 * 1024, "acks": 1}


def make_events(n: int, seed: int = 7) -> list[tuple[bytes, bytes]]:
    """``n`` (key, value) pairs: ticket events of about 300 bytes of JSON."""
    rng = random.Random(seed)
    tenants = ["acme", "bokumo", "covide", "smartfms", "1do"]
    types = ["ticket.created", "ticket.updated", "ticket.responded", "ticket.resolved"]
    out = []
    for i in range(n):
        tenant = rng.choice(tenants)
        ticket = f"T-{rng.randrange(100_000):06d}"
        event = {
            "event_id": f"{tenant}-{ticket}-{i:08d}",
            "type": rng.choice(types),
            "tenant": tenant,
            "ticket_id": ticket,
            "at": f"2026-03-{1 + i % 28:02d}T{8 + i % 10:02d}:{i % 60:02d}:00+01:00",
            "kind": "incident",
            "channel": rng.choice(["portal", "email", "phone"]),
            "priority": rng.choice(["p1", "p2", "p3", "p4"]),
            "status": "open",
            "attributes": {"service": rng.choice(["mail", "erp", "vpn"]), "cvss": 5.0},
            "reported_at": "2026-03-01T08:00:00+01:00",
        }
        out.append((f"{tenant}:{ticket}".encode(), orjson.dumps(event)))
    return out


async def produce(bootstrap: str, topic: str, events: list[tuple[bytes, bytes]]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **PRODUCER_OPTS)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [await producer.send(topic, value=v, key=k) for k, v in events]
        await producer.flush()
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def _consumer(bootstrap: str, topic: str, partitions: int) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    return consumer


async def consume(bootstrap: str, topic: str, partitions: int, n: int) -> float:
    consumer = await _consumer(bootstrap, topic, partitions)
    try:
        start = time.perf_counter()
        seen = 0
        loads = orjson.loads
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for records in batch.values():
                for rec in records:
                    loads(rec.value)
                seen += len(records)
            if not batch and time.perf_counter() - start > 120:
                raise RuntimeError(f"consumed only {seen} of {n}")
        return time.perf_counter() - start
    finally:
        await consumer.stop()


async def passthrough(bootstrap: str, src: str, dst: str, partitions: int, n: int) -> float:
    consumer = await _consumer(bootstrap, src, partitions)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **PRODUCER_OPTS)
    await producer.start()
    try:
        start = time.perf_counter()
        seen = 0
        loads = orjson.loads
        futures = []
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for tp, records in batch.items():
                for rec in records:
                    loads(rec.value)
                    futures.append(
                        await producer.send(
                            dst, value=rec.value, key=rec.key, partition=tp.partition
                        )
                    )
                seen += len(records)
            if not batch and time.perf_counter() - start > 120:
                raise RuntimeError(f"passed through only {seen} of {n}")
        await producer.flush()
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()
        await consumer.stop()


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    finally:
        admin.close()


async def one_run(bootstrap: str, events: list[tuple[bytes, bytes]], partitions: int) -> dict:
    run = uuid.uuid4().hex[:8]
    src, dst = f"bench-{run}-in", f"bench-{run}-out"
    create_topics(bootstrap, [src, dst], partitions)
    n = len(events)
    return {
        "produce": n / await produce(bootstrap, src, events),
        "consume": n / await consume(bootstrap, src, partitions, n),
        "passthrough": n / await passthrough(bootstrap, src, dst, partitions, n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--messages", type=int, default=50_000)
    parser.add_argument("-p", "--partitions", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--bootstrap", help="use this broker instead of the embedded one")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    events = make_events(args.messages)
    avg_size = statistics.mean(len(v) for _, v in events)
    broker = None if args.bootstrap else EmbeddedKafka().start()
    bootstrap = args.bootstrap or broker.bootstrap  # type: ignore[union-attr]
    try:
        runs = [
            asyncio.run(one_run(bootstrap, events, args.partitions)) for _ in range(args.repeat)
        ]
    finally:
        if broker is not None:
            broker.stop()
    result = {
        "broker": "embedded tansu" if broker is not None else bootstrap,
        "messages": args.messages,
        "avg_value_bytes": round(avg_size),
        "partitions": args.partitions,
        "repeat": args.repeat,
        **{
            f"{name}_msg_s": round(statistics.median(r[name] for r in runs))
            for name in ("produce", "consume", "passthrough")
        },
        "runs": [{k: round(v) for k, v in r.items()} for r in runs],
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['broker']}: {args.messages} msgs × ~{result['avg_value_bytes']} B, "
        f"{args.partitions} partitions, median of {args.repeat}"
    )
    for name in ("produce", "consume", "passthrough"):
        each = ", ".join(f"{r[name]:,.0f}" for r in runs)
        print(f"  {name:<12} {result[f'{name}_msg_s']:>10,} msg/s   (runs: {each})")


if __name__ == "__main__":
    main()
