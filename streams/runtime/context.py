"""What the parts of one worker process share: the :class:`Runtime` (settings, the Faust app,
its topics and table, the per-partition runners) and the raw-bytes topic options.

Its own module so that the app factory (:mod:`streams.runtime.app`) and the agents it
registers (:mod:`streams.runtime.agents`, :mod:`streams.runtime.read_model`) depend on it and
not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import faust

from models.settings import Settings
from streams.clock import SimClock
from streams.runtime.backlog import Backlog
from streams.runtime.contracts import LiveRegistry
from streams.runtime.partition import PartitionRunner

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
    #: the runners of the keyed partitions the worker owns (kept by the input loop)
    runners: dict[int, PartitionRunner] = field(default_factory=dict)
    ticks_in_flight: dict[int, float] = field(default_factory=dict)
    metrics: Any = None
    #: records of the ticket-event topic already keyed and partitioned as the keyed topic
    #: are handled where they are (needs equal partition counts: co-partitioned)
    in_place: bool = False
