"""A read model in a real Redis, written from the real engine, for the board's tests.

Tenants ``acme`` (Bokumo ICT, office hours Mon–Fri 09:00–17:00, Dutch holidays closed) and
``globex`` (1do). Events, with the deadlines worked out by hand (Europe/Amsterdam, CEST):

- acme T-1, Thu 2 Apr 2026 16:00, single_user/laag: response 8 h → Tue 7 Apr 16:00 (Thu
  16–17, then Good Friday, the weekend and Easter Monday closed, Tue 09–16); resolution
  5 workdays → Mon 13 Apr 16:00;
- acme T-2, Tue 7 Apr 10:00, company_wide/hoog (kritiek): response 30 min → 10:30,
  resolution 2 h → 12:00;
- globex G-1, Tue 7 Apr 10:00, impact 1 / urgency A.

:func:`ReadModelWriter.at` applies the events up to an instant with the engine, writes its
clock records and signals with :class:`streams.sinks.redis_model.ReadModel` (as the
workers' sink does) and stores a frozen runtime clock at that instant.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calendars.timeline import us_of
from models.contracts import load_policies, tenants_from_data
from models.events import parse_event
from streams.clock import SimClock
from streams.engine import Engine
from streams.sinks.redis_model import ReadModel
from streams.web.board import Known

AMS = ZoneInfo("Europe/Amsterdam")
TENANTS = {"acme": {"policy": "bokumo-ict"}, "globex": {"policy": "1do"}}
ADMIN = "admin-token-0123456789"
ACME = "acme-token-0123456789ab"
GLOBEX = "globex-token-0123456789"


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


EVENTS = [
    ("acme", "T-1", d(2026, 4, 2, 16), {"impact": "single_user", "urgency": "laag"}),
    ("acme", "T-2", d(2026, 4, 7, 10), {"impact": "company_wide", "urgency": "hoog"}),
    ("globex", "G-1", d(2026, 4, 7, 10), {"impact": "1", "urgency": "A"}),
]


class ReadModelWriter:
    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.model = ReadModel(prefix)
        self.registry = tenants_from_data({"tenants": TENANTS}, load_policies())
        self.engine = Engine(self.registry)
        self.applied = 0
        self.signals: list[dict[str, Any]] = []
        self.ids = itertools.count(1)

    def apply(self, tenant: str, ticket: str, etype: str, at: datetime, **fields: Any) -> None:
        raw = {"event_id": f"e{next(self.ids)}", "type": etype, "tenant": tenant,
               "ticket_id": ticket, "at": at.isoformat(), **fields}  # fmt: skip
        self._write([s.to_dict() for s in self.engine.apply(parse_event(json.dumps(raw)))])

    def at(self, now: datetime) -> list[dict[str, Any]]:
        """Apply the created events due by ``now``, advance to it, write; the new signals."""
        out = []
        while self.applied < len(EVENTS) and EVENTS[self.applied][2] <= now:
            tenant, ticket, when, fields = EVENTS[self.applied]
            raw = {"event_id": f"c{self.applied}", "type": "ticket.created", "tenant": tenant,
                   "ticket_id": ticket, "at": when.isoformat(), **fields}  # fmt: skip
            out += [s.to_dict() for s in self.engine.apply(parse_event(json.dumps(raw)))]
            self.applied += 1
        out += [s.to_dict() for s in self.engine.advance(now)]
        self._write(out)
        pipe = self.client.pipeline(transaction=False)
        self.model.queue_runtime_clock(pipe, SimClock(us_of(now), 0, 0.0))
        pipe.execute()
        return out

    def _write(self, signals: list[dict[str, Any]]) -> None:
        records = [r for key in list(self.engine.tickets) for r in self.engine.clock_records(key)]
        pipe = self.client.pipeline(transaction=False)
        self.model.queue(pipe, records, signals)
        pipe.execute()
        self.signals += signals

    def known(self) -> Known:
        return Known(load_policies(), self.registry)


def run_async(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """``asyncio.run(main())`` in a thread of its own: the session's browser (Playwright's
    synchronous API) keeps an event loop running in the main thread once it has started."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="board-test-loop")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture
def written(redis_server) -> Iterator[ReadModelWriter]:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    prefix = f"b{uuid.uuid4().hex[:8]}:slawatch:"
    try:
        yield ReadModelWriter(client, prefix)
    finally:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
        client.close()
