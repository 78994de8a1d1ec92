"""The runtime's notion of "now": the wall clock, or a simulated clock.

The engine never reads a clock (time is passed in); the live runtime does, through this one
object, so that the demo can run a working week in minutes and the tests can pin time:

    now = start + (wall − origin) × speed

``SimClock.from_settings`` builds it from ``SLAWATCH_CLOCK_*`` (unset start = the wall clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from calendars.timeline import US, us_of


@dataclass(frozen=True, slots=True)
class SimClock:
    """``start``/``origin`` in epoch µs; ``speed`` sim seconds per wall second (0 = frozen)."""

    start_us: int | None = None
    origin_us: int = 0
    speed: float = 1.0
    wall: Callable[[], float] = field(default=time.time, compare=False)

    @classmethod
    def from_settings(cls, settings, wall: Callable[[], float] = time.time) -> SimClock:
        if settings.clock_start is None:
            return cls(wall=wall)
        origin = settings.clock_origin
        origin_us = us_of(origin) if origin is not None else int(wall() * US)
        return cls(us_of(settings.clock_start), origin_us, settings.clock_speed, wall)

    @property
    def simulated(self) -> bool:
        return self.start_us is not None

    def now_us(self) -> int:
        wall_us = int(self.wall() * US)
        if self.start_us is None:
            return wall_us
        return self.start_us + int((wall_us - self.origin_us) * self.speed)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_us() / US, tz=UTC)
