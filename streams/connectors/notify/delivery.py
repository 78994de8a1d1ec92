"""Delivering requests to receivers: retries, backoff, one queue per receiver.

Each receiver has its own :class:`ReceiverWorker` with its own queue, delivering in order
(an incident's trigger before its resolve), so a receiver that is down delays only itself.
A request is retried on a connection error, a timeout, 408, 425, 429 and 5xx, waiting an
exponential backoff with full jitter (``uniform(0, min(max_backoff, backoff × 2^(n-1)))``, or
the receiver's ``Retry-After`` when longer); any other answer is final. After the last
attempt (or a final answer) the request's signal goes to ``sla.dead-letters`` with the
receiver's last answer. Every job ends exactly once (delivered, skipped as already delivered,
or dead-lettered), and only then does its ``done`` callback let the consumer commit the
signal's offset.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from models.notify import Delivery
from streams.connectors.kafka import SinkUnavailable
from streams.connectors.notify.receivers import Request
from streams.connectors.notify.state import NotifyState

log = logging.getLogger("slawatch.notify")

RETRY_STATUSES = frozenset({408, 425, 429})
#: jobs a receiver may have waiting before the consumer waits for it
QUEUE_LIMIT = 10_000


@dataclass(slots=True)
class Job:
    """One request for one receiver. ``action``: ``fire``, ``resolve``, ``notify`` (remembered
    as delivered under ``ident``) or ``resend`` (Alertmanager's periodic re-send: one attempt,
    the next round is the retry)."""

    receiver: str
    action: str
    ident: str
    request: Request
    raw: bytes = b""
    origin: dict[str, Any] = field(default_factory=dict)
    done: Callable[[], None] | None = None

    @property
    def once(self) -> bool:
        return self.action == "resend"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int  # 0: no HTTP answer (connection error, timeout)
    text: str
    retry_after: float | None = None

    @property
    def verdict(self) -> str:
        """``ok``, ``retry`` or ``fail``."""
        if 200 <= self.status < 300:
            return "ok"
        if self.status == 0 or self.status in RETRY_STATUSES or self.status >= 500:
            return "retry"
        return "fail"

    def __str__(self) -> str:
        head = f"HTTP {self.status}" if self.status else "no answer"
        return f"{head}: {self.text[:200]}" if self.text else head


class Poster(Protocol):
    """The HTTP transport (aiohttp in :class:`HttpPoster`)."""

    async def post(self, request: Request, timeout: float) -> Answer: ...


class HttpPoster:
    """POSTs with one shared aiohttp session."""

    def __init__(self) -> None:
        import aiohttp

        self.session = aiohttp.ClientSession()

    async def post(self, request: Request, timeout: float) -> Answer:
        import aiohttp

        try:
            async with self.session.post(
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                text = await response.text(errors="replace")
                return Answer(response.status, text, _retry_after(response.headers))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Answer(0, str(exc) or type(exc).__name__)

    async def close(self) -> None:
        await self.session.close()


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def backoff(attempt: int, cfg: Delivery, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): full jitter."""
    return rng() * min(cfg.max_backoff, cfg.backoff * 2 ** (attempt - 1))


DeadLetter = Callable[[Job, str], Awaitable[None]]
Counted = Callable[[str, str], None]


class ReceiverWorker:
    """Delivers one receiver's jobs in order (see the module doc)."""

    def __init__(
        self,
        name: str,
        poster: Poster,
        cfg: Delivery,
        state: NotifyState,
        dead_letter: DeadLetter,
        *,
        count: Counted = lambda receiver, outcome: None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        queue_limit: int = QUEUE_LIMIT,
    ) -> None:
        self.name = name
        self.poster = poster
        self.cfg = cfg
        self.state = state
        self.dead_letter = dead_letter
        self.count = count
        self.sleep = sleep
        self.rng = rng
        self.queue: asyncio.Queue[Job] = asyncio.Queue(queue_limit)

    async def put(self, job: Job) -> None:
        await self.queue.put(job)

    async def run(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self.deliver(job)
            finally:
                self.queue.task_done()
                if job.done is not None:
                    job.done()

    async def deliver(self, job: Job) -> str:
        """Deliver (or give up on) one job; returns what became of it."""
        if not job.once and await self.state.was_sent(self.name, job.action, job.ident):
            self.count(self.name, "duplicate")
            return "duplicate"
        attempts = 1 if job.once else self.cfg.attempts
        answer = Answer(0, "not tried")
        for attempt in range(1, attempts + 1):
            answer = await self.poster.post(job.request, self.cfg.timeout)
            verdict = answer.verdict
            if verdict == "ok":
                if not job.once:
                    await self.state.mark_sent(self.name, job.action, job.ident)
                self.count(self.name, "delivered")
                return "delivered"
            if verdict == "fail" or attempt == attempts:
                break
            self.count(self.name, "retried")
            wait = max(backoff(attempt, self.cfg, self.rng), answer.retry_after or 0.0)
            log.warning(
                "receiver %s: %s; attempt %d of %d, again in %.1f s",
                self.name,
                answer,
                attempt,
                attempts,
                wait,
            )
            await self.sleep(min(wait, self.cfg.max_backoff))
        if job.once:
            self.count(self.name, "resend_failed")
            return "resend_failed"
        tries = "the first attempt" if answer.verdict == "fail" else f"{attempts} attempts"
        reason = f"receiver {self.name}: undeliverable after {tries}: {answer}"
        await self._dead(job, reason)
        self.count(self.name, "dead_letter")
        return "dead_letter"

    async def _dead(self, job: Job, reason: str) -> None:
        """Dead-letter ``job``; while Kafka is down, keep trying (the offset waits)."""
        attempt = 0
        while True:
            try:
                await self.dead_letter(job, reason)
                return
            except SinkUnavailable as exc:
                attempt += 1
                log.error("receiver %s: cannot dead-letter yet: %s", self.name, exc)
                await self.sleep(backoff(attempt, self.cfg, self.rng) or self.cfg.backoff)


__all__ = ["Answer", "HttpPoster", "Job", "Poster", "ReceiverWorker", "backoff"]
