"""What the parts of one worker process share: the :class:`Runtime` (settings, the Faust app,
its topics and table, the per-partition runners) and the raw-bytes topic options.

Its own module so that the app factory (:mod:`streams.runtime.app`) and the agents it
registers (:mod:`streams.runtime.agents`, :mod:`streams.runtime.read_model`) depend on it and
not on each other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import faust

from models.settings import Settings
from streams.clock import SimClock
from streams.runtime.backlog import Backlog
from streams.runtime.contracts import LiveRegistry
from streams.runtime.partition import PartitionRunner

log = logging.getLogger("slawatch.runtime")

RAW: dict[str, Any] = {
    "key_type": bytes,
    "value_type": bytes,
    "key_serializer": "raw",
    "value_serializer": "raw",
}


@dataclass
class Runtime:
    """What the agents share inside one worker process."""

    settings: Settings
    app: faust.App
    clock: SimClock
    registry: LiveRegistry
    topics: dict[str, Any]
    keyed: Any
    tickets: Any  # faust Table: ticket key (bytes) → JSON bytes
    backlog: Backlog  # what this worker finished upstream of each keyed partition
    runners: dict[int, PartitionRunner] = field(default_factory=dict)
    ticks_in_flight: dict[int, float] = field(default_factory=dict)
    metrics: Any = None
    #: records of the ticket-event topic already keyed and partitioned as the keyed topic
    #: are handled where they are (needs equal partition counts: co-partitioned)
    in_place: bool = False

    def owned_partitions(self) -> set[int]:
        name = self.keyed.get_topic_name()
        try:
            assignment = self.app.consumer.assignment()
        except Exception:  # consumer not started yet
            return set()
        return {tp.partition for tp in assignment if tp.topic == name}

    def runner(self, partition: int) -> PartitionRunner:
        """The runner of ``partition``, built from the table the first time it is needed
        after an assignment (the table is recovered by then)."""
        found = self.runners.get(partition)
        if found is None:
            import orjson

            found = PartitionRunner(partition, self.registry)
            items = ((k.decode(), orjson.loads(v)) for k, v in self.tickets.items())
            n = found.load(items)
            log.info("partition %d: %d tickets restored", partition, n)
            self.runners[partition] = found
        return found

    def drop_revoked(self, revoked: set[int]) -> None:
        for p in revoked:
            self.runners.pop(p, None)
            self.ticks_in_flight.pop(p, None)
