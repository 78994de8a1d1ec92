"""Hand the C heap's free memory back to the system now and then (glibc ``malloc_trim``).

Each output record of the input loop is serialised by orjson into a bytes object whose
allocation starts at ~4 KB, freed once the record is sent. Between those short-lived blocks
the worker keeps allocating long-lived state, so glibc's heap fills with free holes it does
not return: a worker that loaded 100,000 open tickets sat at 1.46 GiB resident, 0.5 GiB of
it live (measured with ``bench/bench_scale.py --part sizing``). ``malloc_trim(0)`` releases
the free pages inside the heap (not only at its top). It costs a walk of the heap (a few ms
for a GiB), so :class:`HeapTrimmer` calls it at most every :data:`TRIM_EVERY` seconds, and
only after that many records were handled. Elsewhere than glibc (macOS, musl) it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Callable

#: Seconds between two trims at most.
TRIM_EVERY = 10.0
#: Records handled since the last trim before another one is worth it.
TRIM_AFTER_RECORDS = 50_000


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


class HeapTrimmer:
    def __init__(
        self,
        every: float = TRIM_EVERY,
        after: int = TRIM_AFTER_RECORDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trim = _malloc_trim()
        self.every, self.after = every, after
        self.monotonic = monotonic
        self.records = 0
        self.last = monotonic()

    def handled(self, records: int) -> bool:
        """``records`` more were handled; trims (and says so) when it is time."""
        self.records += records
        now = self.monotonic()
        if self.trim is None or self.records < self.after or now - self.last < self.every:
            return False
        self.trim(0)
        self.records, self.last = 0, now
        return True
