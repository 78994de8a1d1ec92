"""Partition logs for the PartitionRunner tests (test_partition.py, test_partition_batch.py),
without Kafka: 60 generated tickets of 8 tenants and their first 40 days of monitoring, in
event order, and :func:`partition_log` laying events out as one partition's records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from bench.gen_events import generate, monitoring_events, tenants_document
from calendars.timeline import us_of
from models.contracts import load_policies, tenants_from_data
from streams.availability.engine import MON_PREFIX
from streams.runtime.partition import TICK_KEY, tick_value

UNTIL = datetime.fromisoformat("2026-06-01T00:00:00+02:00")

DOC = tenants_document(8, seed=3)
TICKET_EVENTS = generate(60, seed=3, tenants=DOC)
# and the tenants' monitoring (outages, maintenance, heartbeats) of the first 40 days
EVENTS = sorted(
    TICKET_EVENTS + monitoring_events(DOC, seed=3, days=40),
    key=lambda e: datetime.fromisoformat(e["at"]),
)
REGISTRY = tenants_from_data(DOC, load_policies())

#: one record of a partition log: ``(log, offset, key, raw)``
Record = tuple[int, int, bytes, bytes]


def partition_log(events: list[dict[str, Any]], tick_every: int = 7) -> list[Record]:
    """Records of one partition as ``(log, offset, key, value)`` in processing order: the
    events in order — a ticket's events in log 0 (handled in place) or log 1 (re-keyed),
    depending on its id; monitoring events in log 1 under their tenant's key — with a timer
    tick (log 1, at the previous event's instant) every few records and a final tick at
    UNTIL."""
    out: list[Record] = []
    next_offset = [0, 0]

    def add(log: int, key: bytes, value: bytes) -> None:
        out.append((log, next_offset[log], key, value))
        next_offset[log] += 1

    for i, e in enumerate(events):
        if "ticket_id" in e:
            add(
                len(e["ticket_id"]) % 2, f"{e['tenant']}:{e['ticket_id']}".encode(), orjson.dumps(e)
            )
        else:
            add(1, (MON_PREFIX + e["tenant"]).encode(), orjson.dumps(e))
        if i % tick_every == tick_every - 1:
            add(1, TICK_KEY, tick_value(us_of(datetime.fromisoformat(e["at"]))))
    add(1, TICK_KEY, tick_value(us_of(UNTIL)))
    return out
