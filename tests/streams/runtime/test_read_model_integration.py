"""Redis going away under a running worker loses no read-model update (real ``slawatch
worker`` processes, the embedded broker, real redis-servers).

Redis (with an append-only file, as a production Redis keeps its data) is stopped while
events stream in, a worker is even stopped during the outage, and Redis comes back: the read
model must end exactly equal to one built independently from the topics — every record of
``sla.clock-states`` and the signal topics applied in topic order to a fresh Redis with
``streams.sinks.redis_model`` directly.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
import yaml

from bench.gen_events import generate, tenants_document
from models.settings import Settings
from streams.cli.broker_cmd import tail_records
from streams.embedded import EMBEDDED_SESSION_TIMEOUT, EmbeddedRedis, free_port
from streams.sinks.redis_model import ReadModel
from streams.topics import ensure_topics
from tests.build_check import package_root
from tests.streams.workers import Worker

pytestmark = [pytest.mark.integration]

REPO = Path(__file__).resolve().parents[3]
READ_MODEL_TOPICS = ("sla.clock-states", "sla.breaches", "sla.verdicts")


class PersistentRedis(EmbeddedRedis):
    """The embedded redis-server with an append-only file in ``data``: it can be stopped and
    started again (same port) with its data."""

    def __init__(self, port: int, data: Path) -> None:
        super().__init__(port)
        self.fixed_port = port
        self.data = data

    def _command(self, port: int) -> list[str]:
        return [*super()._command(port), "--appendonly", "yes", "--appendfsync", "always",
                "--dir", str(self.data)]  # fmt: skip


@pytest.fixture
def setup(kafka, tmp_path: Path) -> Iterator[dict[str, Any]]:
    tag = uuid.uuid4().hex[:6]
    doc = tenants_document(6, seed=5)
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(yaml.safe_dump(doc))
    settings = Settings(
        brokers=kafka.bootstrap, topic_prefix=f"rm{tag}.", partitions=4, app_id=f"rm{tag}"
    )
    ensure_topics(settings=settings)
    (tmp_path / "redis").mkdir()
    store = PersistentRedis(free_port(), tmp_path / "redis")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    env.update(
        PYTHONPATH=str(package_root()),  # the slawatch the tests run
        SLAWATCH_BROKERS=kafka.bootstrap,
        SLAWATCH_TOPIC_PREFIX=f"rm{tag}.",
        SLAWATCH_APP_ID=f"rm{tag}",
        SLAWATCH_PARTITIONS="4",
        SLAWATCH_SESSION_TIMEOUT=str(EMBEDDED_SESSION_TIMEOUT),
        SLAWATCH_TENANTS_FILE=str(tenants),
        SLAWATCH_DATA_DIR=str(tmp_path / "data"),
        SLAWATCH_READ_MODEL="true",
        SLAWATCH_REDIS_URL=f"redis://127.0.0.1:{store.fixed_port}/0",
        SLAWATCH_CLOCK_SPEED="0",  # event time only, as in a replay
    )
    workers: list[Worker] = []

    def worker(clock: str, metrics_port: int) -> Worker:
        argv = [sys.executable, "-m", "streams", "worker", "-l", "info"]
        extra = {"SLAWATCH_CLOCK_START": clock, "SLAWATCH_METRICS_PORT": str(metrics_port)}
        w = Worker(argv, {**env, **extra}, tmp_path / f"worker{len(workers)}.log")
        workers.append(w)
        return w.start()

    try:
        yield {"settings": settings, "doc": doc, "redis": store, "worker": worker,
               "workers": workers}  # fmt: skip
    finally:
        for w in workers:
            w.stop(signal.SIGKILL)
        store.stop()


def _send(events: list[dict[str, Any]], s: Settings) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=s.bootstrap_servers, linger_ms=5)
    for e in events:
        key = f"{e['tenant']}:{e['ticket_id']}".encode()
        producer.send(s.topic("sla.ticket-events"), key=key, value=orjson.dumps(e))
    producer.flush()
    producer.close()


def _committed(s: Settings) -> dict[str, int]:
    """The worker group's committed offsets, summed per topic."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=s.bootstrap_servers)
    try:
        offsets = admin.list_group_offsets(s.app_id).get(s.app_id, {})
    finally:
        admin.close()
    total: dict[str, int] = {}
    for tp, om in offsets.items():
        total[tp.topic] = total.get(tp.topic, 0) + max(om.offset, 0)
    return total


def _ends(s: Settings, names: list[str]) -> dict[str, int]:
    """Records in each topic (aiokafka, and the high watermark Tansu's ListOffsets misses)."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    from streams.runtime.faust_compat import true_end_offsets

    async def ends() -> dict[str, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=s.bootstrap_servers)
        await consumer.start()
        try:
            out = {}
            for name in names:
                parts = consumer.partitions_for_topic(name) or set()
                tps = [TopicPartition(name, p) for p in parts]
                out[name] = sum((await true_end_offsets(consumer, tps)).values())
            return out
        finally:
            await consumer.stop()

    return asyncio.run(ends())


def _wait(what: str, ok: Any, dep: dict[str, Any], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.5)
    logs = "\n---\n".join(w.tail() for w in dep["workers"])
    raise AssertionError(f"{what}: not within {timeout} s\n{logs}")


def _read_model_caught_up(s: Settings) -> bool:
    names = [s.topic(t) for t in READ_MODEL_TOPICS]
    ends, done = _ends(s, names), _committed(s)
    return all(ends[n] > 0 and done.get(n, 0) >= ends[n] for n in names)


def _metric(port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exposed")


def _dump(client: redis.Redis, prefix: str) -> dict[str, Any]:
    """Every key under ``prefix`` (the prefix cut off) with its content and whether it
    expires; the runtime clock left out (it is not built from the topics)."""
    out: dict[str, Any] = {}
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        name = key.decode()[len(prefix) :]
        if name == "runtime-clock":
            continue
        kind = client.type(key).decode()
        if kind == "hash":
            value: Any = client.hgetall(key)
        elif kind == "zset":
            value = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(client.smembers(key))
        else:
            value = client.get(key)
        out[name] = (kind, value, client.ttl(key) > 0)
    return out


def _built_from_topics(s: Settings, client: redis.Redis, prefix: str) -> None:
    """The independent expectation: the topics' records, in topic order, through
    ``ReadModel.queue`` into ``client`` under ``prefix``."""
    model = ReadModel(prefix)
    states = s.topic("sla.clock-states")
    names = [s.topic(t) for t in READ_MODEL_TOPICS]
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        pipe = client.pipeline(transaction=False)
        model.queue(
            pipe,
            [r["value"] for r in batch if r["topic"] == states],
            [r["value"] for r in batch if r["topic"] != states],
        )
        pipe.execute()
        batch.clear()

    for rec in tail_records(names, s.bootstrap_servers[0], s, from_beginning=True,
                            idle_timeout=3):  # fmt: skip
        batch.append(rec)
        if len(batch) >= 500:
            flush()
    flush()


def test_redis_stopped_and_restarted_mid_stream_loses_no_update(setup, redis_server) -> None:
    dep = setup
    s: Settings = dep["settings"]
    store: PersistentRedis = dep["redis"]
    events = generate(160, seed=31, tenants=dep["doc"])
    t0 = (datetime.fromisoformat(events[0]["at"]) - timedelta(hours=1)).isoformat()
    q = len(events) // 4
    states, inputs = s.topic("sla.clock-states"), s.topic("sla.ticket-events")
    store.start()
    metrics_a = free_port()
    a = dep["worker"](t0, metrics_a)
    _send(events[:q], s)
    _wait("read model of the first quarter", lambda: _read_model_caught_up(s), dep)

    def outage(start: int, upto: int) -> int:
        """Stop Redis, send ``events[start:upto]``: the SLA clocks go on, the read model's
        offsets stay where Redis last had them. Returns that commit."""
        store.stop()
        held = _committed(s)[states]
        _send(events[start:upto], s)
        _wait("events consumed during the outage", lambda: _committed(s)[inputs] >= upto, dep)
        time.sleep(3)  # three commit intervals
        assert _ends(s, [states])[states] > held  # new clock records were written...
        assert _committed(s)[states] == held  # ...and not one of them counts as done
        assert _metric(metrics_a, "slawatch_read_model_pending_records") > 0
        return held

    # -- 1: Redis stopped and started again under the running worker ---------------------------
    outage(q, 2 * q)
    store.start()
    _send(events[2 * q : 3 * q], s)
    _wait("read model caught up after the outage", lambda: _read_model_caught_up(s), dep)
    assert _metric(metrics_a, "slawatch_read_model_write_failures_total") > 0
    assert _metric(metrics_a, "slawatch_read_model_pending_records") == 0
    assert "Redis is back" in a.tail(400), a.tail()

    # -- 2: during an outage a second worker joins (a rebalance) and the first one stops ------
    held = outage(3 * q, 3 * q + q // 3)
    dep["worker"](t0, free_port())
    _wait(  # the joining worker's rebalance: a lets go of the batch it holds
        "the rebalance",
        lambda: "a rebalance is moving partitions while Redis is unavailable" in a.tail(400),
        dep,
    )
    _send(events[3 * q + q // 3 : 3 * q + 2 * q // 3], s)
    _wait(  # the rebalance is not held up by the batches waiting for Redis
        "events consumed after the rebalance",
        lambda: _committed(s)[inputs] >= 3 * q + 2 * q // 3,
        dep,
    )
    a.stop(signal.SIGTERM, timeout=40)
    assert a.proc is not None and a.proc.returncode == 0, a.tail()
    assert _committed(s)[states] == held
    assert "the worker is stopping while Redis is unavailable" in a.tail(400), a.tail()
    store.start()  # the remaining worker reads from the commits on
    _send(events[3 * q + 2 * q // 3 :], s)
    _wait("everything consumed", lambda: _committed(s).get(inputs, 0) >= len(events), dep)
    _wait("read model caught up", lambda: _read_model_caught_up(s), dep)

    live = redis.Redis.from_url(f"redis://127.0.0.1:{store.port}/0")
    expected_prefix = f"expected-{uuid.uuid4().hex[:6]}:"
    fresh = redis.Redis.from_url(redis_server.url)
    _built_from_topics(s, fresh, expected_prefix)
    got, want = _dump(live, f"{s.topic_prefix}slawatch:"), _dump(fresh, expected_prefix)
    assert len(want) > 50
    assert sorted(got) == sorted(want)
    assert got == want
