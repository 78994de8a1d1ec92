"""From the stream to the pages: which views a record changes, and what to push to whom.

The feed (:mod:`streams.web.feed`) hands every record to :meth:`Hub.on_clock` /
:meth:`Hub.on_signal`, which keep what the board remembers (history, availability trail,
recent clock records) and note the tenant as changed. Every ``interval`` seconds
:meth:`Hub.run` draws the sections (:func:`streams.web.views.sections`) of each view that
someone watches and that changed — a tenant changed within the last ``settle`` seconds
(the read model may land a moment after the stream), or ``refresh`` seconds have passed
(figures that move with time alone: "due within 1 h", an overdue count) — once per view,
however many pages watch it, and queues to each page the sections whose HTML differs from
what that page has. A live signal is also queued as it comes (the page announces it to a
screen reader). The runtime's clock is sent when it changes (and on connect).

A page whose queue is full (a stalled browser) is dropped: its ``EventSource`` reconnects
and the page is drawn anew, so a slow reader costs the others nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson

from streams.web.board import Board, Now
from streams.web.views import View, sections

log = logging.getLogger("slawatch.web")

__all__ = ["Hub", "Subscriber", "sse"]

#: Signals announced to the page as they come (the rest only change its sections).
ANNOUNCED = frozenset(
    {"sla.breach", "sla.escalation", "sla.missed", "availability.breach", "heartbeat.missed"}
)


def sse(event: str, data: Any) -> bytes:
    """One server-sent event (``data`` as JSON on one line)."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class Subscriber:
    """One page's event stream: a bounded queue of encoded events (``None``: closed)."""

    def __init__(self, view: View, size: int = 256) -> None:
        self.view = view
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=size)
        self.sent: dict[str, str] = {}  # section id → digest of the HTML the page has
        self.closed = False

    def put(self, item: bytes) -> bool:
        """Queue ``item``; False (and the subscriber closed) when the page cannot keep up."""
        if self.closed:
            return False
        try:
            self.queue.put_nowait(item)
            return True
        except asyncio.QueueFull:
            self.close()
            return False

    def close(self) -> None:
        self.closed = True
        while True:  # make room for the end marker
            try:
                self.queue.get_nowait()
            except asyncio.QueueEmpty:
                break
        self.queue.put_nowait(None)


class Hub:
    """See the module doc. ``board``: the figures; ``render`` the sections of a view (a
    parameter for the tests; :func:`streams.web.views.sections` by default)."""

    def __init__(
        self,
        board: Board,
        *,
        interval: float = 0.5,
        settle: float = 2.0,
        refresh: float = 5.0,
        render: Callable[[Board, View, Now], dict[str, str] | None] = sections,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.board = board
        self.interval, self.settle, self.refresh = interval, settle, refresh
        self.render = render
        self.monotonic = monotonic
        self.subscribers: set[Subscriber] = set()
        self.changed: dict[str, float] = {}  # tenant → when a record of it last came
        self.drawn: dict[View, float] = {}  # view → when it was last drawn
        self.clock_sent: dict[str, Any] | None = None
        self.pushes = 0

    # -- from the feed -------------------------------------------------------------------

    def on_clock(self, record: dict[str, Any], live: bool) -> None:
        tenant = record.get("tenant")
        if not isinstance(tenant, str):
            return
        if record.get("kind") == "availability":
            self.board.trail.add(record)
        else:
            self.board.recent.add(record)
        if live:
            self.changed[tenant] = self.monotonic()

    def on_signal(self, signal: dict[str, Any], live: bool) -> None:
        if not self.board.history.add(signal):
            return  # a repeat (at least once), or not a signal
        tenant = str(signal["tenant"])
        if str(signal.get("type", "")).startswith("availability."):
            self.board.trail.add(signal)
        if not live:
            return
        self.changed[tenant] = self.monotonic()
        if signal.get("type") in ANNOUNCED:
            event = sse("signal", signal)
            for sub in list(self.subscribers):
                if sub.view.concerns(tenant):
                    sub.put(event)

    # -- pages ---------------------------------------------------------------------------

    def subscribe(self, view: View) -> Subscriber:
        sub = Subscriber(view)
        self.subscribers.add(sub)
        self.drawn.pop(view, None)  # draw it for the newcomer at the next round
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        if not any(s.view == sub.view for s in self.subscribers):
            self.drawn.pop(sub.view, None)

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis down, a bug in a section: log, keep serving
                log.exception("board: drawing the live sections failed")
            await asyncio.sleep(self.interval)

    async def round(self) -> None:
        """Draw the views that are due and queue what changed (see the module doc)."""
        self.subscribers = {s for s in self.subscribers if not s.closed}
        if not self.subscribers:
            return
        now = await asyncio.to_thread(self.board.now)
        clock = {
            k: v
            for k, v in now.to_dict().items()
            if k in ("start_ms", "origin_ms", "speed", "source")
        }
        if clock != self.clock_sent:
            self.clock_sent = clock
            self._send_all(sse("now", now.to_dict()))
        t = self.monotonic()
        for view in {s.view for s in self.subscribers}:
            if not self._due(view, t):
                continue
            self.drawn[view] = t
            drawn = await asyncio.to_thread(self.render, self.board, view, now)
            if drawn is not None:
                self._push(view, drawn)

    def _due(self, view: View, t: float) -> bool:
        last = self.drawn.get(view)
        if last is None or t - last >= self.refresh:
            return True
        return any(
            view.concerns(tenant) and changed >= last - self.settle
            for tenant, changed in self.changed.items()
        )

    def _push(self, view: View, drawn: dict[str, str]) -> None:
        digests = {
            k: hashlib.blake2b(v.encode(), digest_size=16).hexdigest() for k, v in drawn.items()
        }
        for sub in [s for s in self.subscribers if s.view == view]:
            for section, html in drawn.items():
                if sub.sent.get(section) == digests[section]:
                    continue
                if sub.put(sse("section", {"id": section, "html": html})):
                    sub.sent[section] = digests[section]
                    self.pushes += 1

    def _send_all(self, event: bytes) -> None:
        for sub in list(self.subscribers):
            sub.put(event)

    def welcome(self, sub: Subscriber, now: Now) -> None:
        """What a page gets on connect: the runtime's clock (its sections come with the
        next round)."""
        sub.put(sse("now", now.to_dict()))
