"""Delivery to receivers (streams.connectors.notify.delivery) against local HTTP receivers:
retries with backoff, final answers, dead letters, one receiver down not holding up another,
deliveries not repeated."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from models.notify import Delivery
from streams.connectors.kafka import SinkUnavailable
from streams.connectors.notify.delivery import HttpPoster, Job, ReceiverWorker, backoff
from streams.connectors.notify.receivers import Request
from streams.connectors.notify.state import MemoryNotifyState
from tests.streams.connectors.helpers import Recorder

FAST = Delivery(attempts=4, backoff=0.01, max_backoff=0.05, timeout=5)


def job(url: str, ident: str = "sig-1", action: str = "notify") -> Job:
    return Job("r", action, ident, Request(url, b'{"a": 1}', {"Content-Type": "application/json"}))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class Dead:
    def __init__(self, fail: int = 0) -> None:
        self.letters: list[tuple[str, str]] = []
        self.fail = fail

    async def __call__(self, job: Job, reason: str) -> None:
        if self.fail:
            self.fail -= 1
            raise SinkUnavailable("Kafka is down")
        self.letters.append((job.ident, reason))


@pytest.fixture
def recorder():
    made: list[Recorder] = []

    def make(**kw: Any) -> Recorder:
        rec = Recorder(**kw).start()
        made.append(rec)
        return rec

    yield make
    for rec in made:
        rec.stop()


def test_backoff_is_exponential_with_full_jitter():
    cfg = Delivery(backoff=1, max_backoff=60)
    assert [backoff(n, cfg, lambda: 1.0) for n in (1, 2, 3, 7, 8)] == [1, 2, 4, 60, 60]
    assert backoff(3, cfg, lambda: 0.0) == 0.0
    assert backoff(3, cfg, lambda: 0.5) == 2.0


def test_retried_until_delivered_and_remembered(recorder):
    rec = recorder(answers=[503, 429, 200])

    async def go() -> tuple[str, str, bool]:
        poster = HttpPoster()
        state = MemoryNotifyState()
        worker = ReceiverWorker("r", poster, FAST, state, Dead())
        try:
            first = await worker.deliver(job(rec.url))
            again = await worker.deliver(job(rec.url))  # read again after a restart
            return first, again, await state.was_sent("r", "notify", "sig-1")
        finally:
            await poster.close()

    assert run(go()) == ("delivered", "duplicate", True)
    assert len(rec.requests) == 3  # 503, 429, 200; the duplicate was not sent


def test_a_final_answer_is_dead_lettered_at_once(recorder):
    rec = recorder(answers=[400])
    dead = Dead()

    async def go() -> str:
        poster = HttpPoster()
        try:
            return await ReceiverWorker("r", poster, FAST, MemoryNotifyState(), dead).deliver(
                job(rec.url)
            )
        finally:
            await poster.close()

    assert run(go()) == "dead_letter"
    assert len(rec.requests) == 1
    assert dead.letters == [
        ("sig-1", "receiver r: undeliverable after the first attempt: HTTP 400: unavailable")
    ]


def test_undeliverable_after_n_attempts_and_kafka_down_meanwhile(recorder):
    rec = recorder(answers=[503] * 10)
    dead = Dead(fail=2)  # the dead-letter topic is down twice: it keeps trying

    async def go() -> str:
        poster = HttpPoster()
        try:
            return await ReceiverWorker("r", poster, FAST, MemoryNotifyState(), dead).deliver(
                job(rec.url)
            )
        finally:
            await poster.close()

    assert run(go()) == "dead_letter"
    assert len(rec.requests) == FAST.attempts
    assert dead.letters == [
        ("sig-1", "receiver r: undeliverable after 4 attempts: HTTP 503: unavailable")
    ]


def test_a_receiver_that_is_down_does_not_hold_up_another(recorder):
    down = recorder(answers=[503] * 100)
    up = recorder()
    slow = Delivery(attempts=3, backoff=0.5, max_backoff=0.5, timeout=5)
    done: dict[str, float] = {}

    async def go() -> None:
        poster = HttpPoster()
        state = MemoryNotifyState()
        workers = {
            "down": ReceiverWorker("down", poster, slow, state, Dead(), rng=lambda: 1.0),
            "up": ReceiverWorker("up", poster, slow, state, Dead()),
        }
        tasks = [asyncio.create_task(w.run()) for w in workers.values()]
        started = time.monotonic()
        for i in range(5):
            for name, rec in (("down", down), ("up", up)):
                j = job(rec.url, f"s{i}")
                j.done = lambda n=name, k=i: done.__setitem__(f"{n}{k}", time.monotonic() - started)
                await workers[name].put(j)
        await asyncio.wait_for(workers["up"].queue.join(), 5)
        up_done = time.monotonic() - started
        assert up_done < 1.0, f"the healthy receiver waited {up_done:.1f} s"
        assert not any(k.startswith("down") for k in done)  # still retrying its first
        for t in tasks:
            t.cancel()
        await poster.close()

    run(go())
    assert len(up.requests) == 5


def test_retry_after_is_honoured(recorder):
    rec = recorder(answers=[(429, {"Retry-After": "7"}), 200])
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)

    async def go() -> str:
        poster = HttpPoster()
        cfg = Delivery(attempts=3, backoff=0.01, max_backoff=30, timeout=5)
        worker = ReceiverWorker("r", poster, cfg, MemoryNotifyState(), Dead(), sleep=sleep)
        try:
            return await worker.deliver(job(rec.url))
        finally:
            await poster.close()

    assert run(go()) == "delivered"
    assert waits == [7.0]  # longer than the backoff (at most 0.01 s)


def test_a_connection_refused_is_retried():
    from streams.embedded import free_port

    async def go() -> str:
        poster = HttpPoster()
        dead = Dead()
        try:
            url = f"http://127.0.0.1:{free_port()}/"
            return await ReceiverWorker("r", poster, FAST, MemoryNotifyState(), dead).deliver(
                job(url)
            )
        finally:
            await poster.close()

    assert run(go()) == "dead_letter"
