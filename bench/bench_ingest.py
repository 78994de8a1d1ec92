"""Webhooks per second one ``slawatch ingest`` accepts (acks=all before each answer), against a
raw aiokafka producer sending the same records in the same run.

Against the embedded broker, one ``slawatch ingest`` process (as deployed) receives ``-n``
signed Jira ``jira:issue_created`` webhooks (one ticket each, about 1 KB) from ``-c``
concurrent HTTP clients in this process. Each answer comes only after Kafka confirmed the
event (``acks=all``), so the figure includes HTTP, signature checking, mapping, the ticket
memory and the produce round trip. The baselines produce the very records ingest produced
(read back from its topic), with ``acks=all`` too:

* ``raw_concurrent``: ``-c`` tasks, each sending one record and awaiting its ack before the
  next — the same concurrency and per-record confirmation as the webhooks;
* ``raw_batched``: all records sent at once, then every ack awaited (the producer's best).

The load generator shares the machine's cores with ingest and the broker. ``--json`` prints
the figures as one JSON object.

    .venv/bin/python bench/bench_ingest.py                 # 3000 webhooks, 32 clients
    .venv/bin/python bench/bench_ingest.py -n 10000 -c 64 --json
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import yaml

sys.path.append(str(Path(__file__).resolve().parents[1]))  # the installed slawatch first

from models.settings import Settings
from streams.embedded import EmbeddedKafka, free_port
from streams.topics import ensure_topics

SECRET = "bench-secret"
FIXTURE = Path(__file__).resolve().parents[1] / "tests/streams/connectors/fixtures/jira"


def webhooks(n: int) -> list[tuple[bytes, dict[str, str]]]:
    """``n`` signed Jira issue_created webhooks, one ticket each."""
    doc = yaml.safe_load((FIXTURE / "issue_created.yaml").read_text())["body"]
    out = []
    for i in range(n):
        issue = {**doc["issue"], "key": f"BENCH-{i}", "id": str(100000 + i)}
        body = json.dumps({**doc, "issue": issue, "timestamp": 1772438400000 + i}).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": f"sha256={digest}",
            "X-Atlassian-Webhook-Identifier": f"bench-{i}",
        }
        out.append((body, headers))
    return out


async def send_webhooks(url: str, hooks: list[tuple[bytes, dict[str, str]]], clients: int) -> dict:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for h in hooks:
        queue.put_nowait(h)

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body, headers = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "seconds": elapsed,
        "per_second": len(hooks) / elapsed,
        "statuses": statuses,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


async def read_back(bootstrap: str, topic: str, n: int) -> list[tuple[bytes, bytes]]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    out: list[tuple[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while len(out) < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                out.extend((r.key, r.value) for r in records)
    finally:
        await consumer.stop()
    return out[:n]


async def raw_produce(
    bootstrap: str, topic: str, records: list[tuple[bytes, bytes]], clients: int | None
) -> float:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1)
    await producer.start()
    try:
        started = time.perf_counter()
        if clients is None:
            futures = [await producer.send(topic, value=v, key=k) for k, v in records]
            await asyncio.gather(*futures)
        else:
            todo = list(records)

            async def one() -> None:
                while todo:
                    k, v = todo.pop()
                    await producer.send_and_wait(topic, value=v, key=k)

            await asyncio.gather(*(one() for _ in range(clients)))
        return time.perf_counter() - started
    finally:
        await producer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="webhooks")
    parser.add_argument("-c", "--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()

    kafka = EmbeddedKafka().start()
    work = Path(tempfile.mkdtemp(prefix="slawatch-bench-ingest-"))
    proc = None
    try:
        prefix = f"bi{uuid.uuid4().hex[:6]}."
        settings = Settings(brokers=kafka.bootstrap, topic_prefix=prefix)
        ensure_topics(settings=settings)
        (work / "connectors.yaml").write_text(
            yaml.safe_dump({"sources": {"jira": {"mapping": "jira-sm", "tenants": {"acme": {}}}}})
        )
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
        env.update(
            SLAWATCH_BROKERS=kafka.bootstrap,
            SLAWATCH_TOPIC_PREFIX=prefix,
            SLAWATCH_CONNECTORS_FILE=str(work / "connectors.yaml"),
            SLAWATCH_HOOK_SECRETS=json.dumps({"jira/acme": SECRET}),
        )
        with (work / "ingest.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streams", "ingest", "--port", str(port), "-l", "warning"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        hooks = webhooks(args.n)
        url = f"http://127.0.0.1:{port}/hooks/jira/acme"
        asyncio.run(send_webhooks(url, hooks[: min(200, args.n)], args.clients))  # warm-up
        ingest = asyncio.run(send_webhooks(url, hooks, args.clients))
        events = settings.topic("sla.ticket-events")
        records = asyncio.run(read_back(kafka.bootstrap, events, args.n))
        out_topic = settings.topic("sla.dead-letters")  # any existing topic of the same setup
        concurrent = asyncio.run(raw_produce(kafka.bootstrap, out_topic, records, args.clients))
        batched = asyncio.run(raw_produce(kafka.bootstrap, out_topic, records, None))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(15)
        kafka.stop()

    n = len(records)
    result: dict[str, Any] = {
        "webhooks": args.n,
        "clients": args.clients,
        "accepted": ingest["statuses"].get(200, 0),
        "ingest_per_second": round(ingest["per_second"], 1),
        "ingest_p50_ms": round(ingest["p50_ms"], 2),
        "ingest_p99_ms": round(ingest["p99_ms"], 2),
        "raw_concurrent_per_second": round(n / concurrent, 1),
        "raw_batched_per_second": round(n / batched, 1),
        "ratio_vs_raw_concurrent": round(ingest["per_second"] / (n / concurrent), 3),
        "ratio_vs_raw_batched": round(ingest["per_second"] / (n / batched), 3),
        "record_bytes": round(statistics.mean(len(v) for _, v in records)) if records else 0,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"ingest: {result['ingest_per_second']:.0f} webhooks/s accepted with acks=all "
            f"({result['accepted']}/{args.n} answered 200, {args.clients} clients; "
            f"p50 {result['ingest_p50_ms']:.1f} ms, p99 {result['ingest_p99_ms']:.1f} ms)"
        )
        print(
            f"raw aiokafka, the same {n} records, acks=all: "
            f"{result['raw_concurrent_per_second']:.0f}/s with {args.clients} concurrent "
            f"send_and_wait, {result['raw_batched_per_second']:.0f}/s batched"
        )
        print(
            f"ratio: {result['ratio_vs_raw_concurrent']:.2f} of raw concurrent, "
            f"{result['ratio_vs_raw_batched']:.2f} of raw batched"
        )
    return 0 if result["accepted"] == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
