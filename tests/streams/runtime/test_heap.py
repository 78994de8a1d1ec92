"""HeapTrimmer: glibc's malloc_trim, at most every so often and only after enough work."""

from __future__ import annotations

from streams.runtime.heap import HeapTrimmer


def test_trims_only_after_enough_records_and_time() -> None:
    now = [100.0]
    calls: list[int] = []
    t = HeapTrimmer(every=10.0, after=1000, monotonic=lambda: now[0])
    t.trim = lambda pad: calls.append(pad) or 1  # type: ignore[assignment,func-returns-value]
    assert not t.handled(5000)  # enough records, not enough time since the start
    now[0] = 111.0
    assert t.handled(1)  # now both
    assert calls == [0]
    now[0] = 125.0
    assert not t.handled(999)  # time, but too few records since the last trim
    assert t.handled(1)
    assert calls == [0, 0]


def test_without_glibc_it_never_trims() -> None:
    now = [0.0]
    t = HeapTrimmer(every=0.0, after=0, monotonic=lambda: now[0])
    t.trim = None
    assert not t.handled(10**6)


def test_on_this_linux_the_real_malloc_trim_is_found_and_runs() -> None:
    import sys

    t = HeapTrimmer(every=0.0, after=0)
    if sys.platform.startswith("linux"):
        assert t.trim is not None
        assert t.handled(1)
