"""The read-model sink's write policy (streams.runtime.read_model): retry with backoff until
Redis has the batch, let go only when told to, never make a released record committable.

The retry tests run against a real redis-server that is stopped and started again on the
same port; the broker-level guarantee (offsets not committed during an outage) is tested
with real workers in ``test_read_model_integration``."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from calendars.errors import SlawatchError
from streams.clock import SimClock
from streams.embedded import EmbeddedRedis, free_port
from streams.observability import Metrics
from streams.runtime.read_model import Backoff, Holdback, RetryingWriter, release_uncommitted
from streams.sinks.redis_model import ReadModel

ERRORS = (RedisError, OSError, asyncio.TimeoutError)


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = Backoff(first=0.1, cap=1.0).delays()
    assert [round(next(delays), 3) for _ in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert [next(Backoff(first=2, cap=2).delays()) for _ in range(2)] == [2, 2]


@pytest.mark.parametrize(
    "kwargs", [{"first": 0}, {"first": 3, "cap": 2}, {"factor": 0.5}, {"first": -1}]
)
def test_backoff_is_checked_at_construction(kwargs: dict[str, float]) -> None:
    with pytest.raises(SlawatchError, match="backoff"):
        Backoff(**kwargs)


def test_holdback_releases_a_partition_after_a_gap_until_it_is_read_again() -> None:
    hb = Holdback()
    assert hb.admit("t", 0, 10)
    hb.released("t", 0, 11)
    hb.released("t", 0, 12)
    assert not hb.admit("t", 0, 13)  # after the gap: must not be acked
    assert hb.admit("t", 1, 13)  # other partitions are not concerned
    assert hb.admit("u", 0, 13)
    hb.released("t", 0, 9)  # an earlier release moves the gap back
    assert not hb.admit("t", 0, 10)
    assert hb.admit("t", 0, 8)  # read again from before the gap (seek to the commit)
    assert hb.admit("t", 0, 13)  # ... and the mark is gone


class _Recorder:
    """Stands for Faust's consumer: records what reaches ``Consumer.ack``."""

    def __init__(self) -> None:
        self.acked: list[int] = []

    def ack(self, message: Any) -> bool:
        self.acked.append(message.offset)
        return True


def test_a_released_message_never_reaches_the_consumers_ack() -> None:
    """Faust's own message type: once released, the stream's later ``ack`` (take_events acks
    its batch when the loop moves on, also after an exception) is a no-op for the commit."""
    from faust.types.tuples import ConsumerMessage

    def message(offset: int) -> Any:
        return ConsumerMessage("t", 0, offset, 0.0, 0, None, b"k", b"v", None)

    consumer = _Recorder()
    kept, released = message(1), message(2)
    for m in (kept, released):
        m.incref()
    release_uncommitted([type("E", (), {"message": released})()], hb := Holdback())
    assert kept.ack(consumer) is True and released.ack(consumer) is False
    assert consumer.acked == [1]
    assert hb.gaps == {("t", 0): 2}


# -- against a real redis-server ------------------------------------------------------------


@pytest.fixture
def stopped_redis() -> Any:
    """A port where a redis-server will be started by the test (and is stopped after)."""
    port = free_port()
    servers: list[EmbeddedRedis] = []

    def start() -> EmbeddedRedis:
        srv = EmbeddedRedis(port=port).start()
        servers.append(srv)
        return srv

    yield port, start
    for srv in servers:
        srv.stop()


def _batch() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    record = {
        "key": "acme:INC-1:response",
        "tenant": "acme",
        "ticket_id": "INC-1",
        "clock": "response",
        "phase": "open",
        "status": "running",
        "deadline": "2026-03-02T09:30:00+01:00",
        "updated_at": "2026-03-02T09:00:00+01:00",
    }
    signal = {
        "event_id": "sig-1",
        "type": "sla.breach",
        "tenant": "acme",
        "ticket_id": "INC-0",
        "clock": "response",
        "at": "2026-03-02T08:30:00+01:00",
    }
    return [record], [signal]


@pytest.mark.integration
def test_a_write_waits_for_redis_and_lands_once_it_is_back(stopped_redis, caplog) -> None:
    port, start = stopped_redis
    url = f"redis://127.0.0.1:{port}/0"
    metrics = Metrics()
    calls: list[str] = []
    writer = RetryingWriter(
        ERRORS,
        backoff=Backoff(first=0.05, cap=0.2),
        metrics=metrics,
        on_outage=lambda: calls.append("outage"),
        on_recovery=lambda: calls.append("recovery"),
    )
    model = ReadModel("rm-test:")
    clock = SimClock(1_772_438_400_000_000, 1_700_000_000_000_000, 600.0)
    records, signals = _batch()
    pending_during: list[float | None] = []

    async def run() -> bool:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)

        async def execute() -> None:
            pipe = client.pipeline(transaction=False)
            model.queue(pipe, records, signals)
            model.queue_runtime_clock(pipe, clock)
            await pipe.execute()

        async def bring_redis_back() -> None:
            while not metrics.value("slawatch_read_model_write_failures_total"):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # a few more failed attempts
            pending_during.append(metrics.value("slawatch_read_model_pending_records"))
            # blocking, from this thread: a server started from a worker thread would die
            # with that thread (the embedded services are tied to their parent's thread)
            start()

        try:
            back = asyncio.create_task(bring_redis_back())
            ok = await asyncio.wait_for(writer.write(execute, 2, lambda: None), 30)
            await back
            return ok
        finally:
            await client.aclose()

    with caplog.at_level(logging.WARNING, logger="slawatch.read_model"):
        assert asyncio.run(run()) is True
    failures = metrics.value("slawatch_read_model_write_failures_total")
    assert failures is not None and failures >= 2
    assert pending_during == [2.0]
    assert metrics.value("slawatch_read_model_pending_records") == 0
    assert calls == ["outage", "recovery"]
    messages = [r.getMessage() for r in caplog.records]
    assert "Redis write failed" in messages[0] and "not committed" in messages[0]
    assert "Redis is back; 2 records written" in messages[-1]
    # the batch is there, as one write would have left it
    sync = redis.Redis.from_url(url)
    assert model.clock(sync, "acme", "INC-1", "response")["deadline"] == records[0]["deadline"]
    assert [b["event_id"] for b in model.recent_breaches(sync, "acme")] == ["sig-1"]
    assert model.runtime_clock(sync) == clock


@pytest.mark.integration
def test_a_write_lets_go_when_the_worker_must(stopped_redis, caplog) -> None:
    """Redis down and the worker stopping (or its partitions moving): the batch is given back
    promptly, uncommitted, instead of holding up the stop or the rebalance."""
    port, _ = stopped_redis
    metrics = Metrics()
    writer = RetryingWriter(ERRORS, backoff=Backoff(first=5.0, cap=5.0), metrics=metrics)
    stop_at = time.monotonic() + 0.3

    async def run() -> bool:
        client = aioredis.Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
        try:
            return await writer.write(
                lambda: client.set("k", "v"),
                7,
                lambda: "the worker is stopping" if time.monotonic() > stop_at else None,
            )
        finally:
            await client.aclose()

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="slawatch.read_model"):
        assert asyncio.run(run()) is False
    # the 5 s backoff sleep is cut short by the stop
    assert time.monotonic() - started < 2.5
    assert metrics.value("slawatch_read_model_pending_records") == 0
    assert caplog.records[-1].getMessage() == (
        "read model: the worker is stopping while Redis is unavailable: 7 records left "
        "uncommitted, to be read again"
    )


def test_anything_but_redis_being_unavailable_propagates() -> None:
    """A bug (here a TypeError) is not retried as if Redis were down."""

    async def broken() -> None:
        raise TypeError("not a Redis problem")

    writer = RetryingWriter(ERRORS, backoff=Backoff(first=0.01, cap=0.01))
    with pytest.raises(TypeError):
        asyncio.run(writer.write(broken, 1, lambda: None))
