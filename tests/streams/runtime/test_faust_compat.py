"""The fixes of streams/runtime/faust_compat.py and their canaries.

Each fix replaces private code of faust-streaming or aiokafka written for the pinned
versions. Its canary runs the library's *own* code (``faust_compat.original``: the method
as the library defines it, whether or not the fix is installed in this process) and asserts
what the fix makes true: a strict xfail today. When an upgrade changes that upstream code,
the canary passes, and the strict xfail fails the suite: time to re-check the fix (and maybe
drop it). Next to each canary, the fixed code makes the same assertion hold.
"""

from __future__ import annotations

import asyncio
import functools
import re
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from streams.runtime import faust_compat as fc

REPO = Path(__file__).resolve().parents[3]

#: a canary: fails today (an assertion, nothing else), passes once the upstream code changes
canary = functools.partial(pytest.mark.xfail, strict=True, raises=AssertionError)


# -- versions -------------------------------------------------------------------------------------


def test_the_pins_in_pyproject_are_the_versions_the_fixes_were_written_for() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = dict(re.fullmatch(r"([\w.-]+)==([\w.]+)", d).groups() for d in deps if "==" in d)
    assert {k: pins.get(k) for k in fc.PINNED} == fc.PINNED
    fc.check_versions()  # what is installed here


def test_another_version_is_refused_with_what_to_do() -> None:
    with pytest.raises(fc.UnsupportedVersionError) as err:
        fc.check_versions({"faust-streaming": "9.9.9", "aiokafka": fc.PINNED["aiokafka"]})
    text = str(err.value)
    assert f"faust-streaming {fc.PINNED['faust-streaming']} (needs 9.9.9)" in text
    assert "pip install 'faust-streaming==9.9.9'" in text
    assert "test_faust_compat.py" in text
    with pytest.raises(fc.UnsupportedVersionError, match="no-such-dist not installed"):
        fc.check_versions({"no-such-dist": "1.0"})


# -- helpers --------------------------------------------------------------------------------------


def _app(name: str) -> Any:
    """A Faust app whose consumer exists but never starts (nothing connects)."""
    import faust

    return faust.App(name, broker="kafka://127.0.0.1:9", store="memory://", web_enabled=False)


def _tp(topic: str, partition: int) -> Any:
    from faust.types import TP

    return TP(topic, partition)


# -- recovery fix, part 1: the live set of active partitions --------------------------------------


async def _fetch_during_a_pause(wait_next_records: Any, app: Any) -> set[Any]:
    """Run ``Consumer._wait_next_records`` while recovery pauses every partition during the
    fetch (what ``on_recovery_completed`` does to the changelog partitions, concurrently,
    from the consumer thread's point of view): the set the fetch filters with afterwards."""
    consumer = app.consumer
    consumer._active_partitions = {_tp("in", 0), _tp("in", 1)}
    consumer.flow_active = True
    seen: dict[str, Any] = {}

    async def getmany(active_partitions: Any, timeout: float) -> dict[Any, Any]:
        seen["filter"] = active_partitions
        consumer.pause_partitions(set(consumer._active_partitions))  # meanwhile...
        return {}

    consumer._getmany = getmany
    await wait_next_records(consumer, 0.01)
    # aiokafka's fetched_records(partitions) reads the set now: an empty one means *every*
    # partition, whose records Faust's getmany then drops as not active (skipped for good)
    return set(seen["filter"])


@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="faust-streaming hands aiokafka its live set (fixed)"
)
def test_canary_faust_hands_aiokafka_the_live_set_of_active_partitions() -> None:
    from faust.transport.consumer import Consumer

    wait = fc.original(Consumer, "_wait_next_records")
    got = asyncio.run(_fetch_during_a_pause(wait, _app("canary-live-set")))
    assert got == {_tp("in", 0), _tp("in", 1)}  # the partitions active when it asked


def test_the_fix_hands_aiokafka_a_snapshot_without_the_batch_loops_topics() -> None:
    from faust.transport.consumer import Consumer

    fc.install_recovery_fix()
    app = _app("fixed-live-set")
    got = asyncio.run(_fetch_during_a_pause(Consumer._wait_next_records, app))
    assert got == {_tp("in", 0), _tp("in", 1)}
    fc.exclude_from_streams(app, ["in"])  # the batch loop reads "in" itself
    app.consumer._paused_partitions.clear()
    app.consumer._active_partitions = {_tp("in", 0), _tp("other", 0)}
    seen: dict[str, Any] = {}

    async def getmany(active_partitions: Any, timeout: float) -> dict[Any, Any]:
        seen["filter"] = set(active_partitions)
        return {}

    app.consumer._getmany = getmany
    asyncio.run(Consumer._wait_next_records(app.consumer, 0.01))
    assert seen["filter"] == {_tp("other", 0)}


# -- recovery fix, part 2: resume before seek -----------------------------------------------------


def _recovery_stub(calls: list[str]) -> Any:
    """What ``Recovery.on_recovery_completed`` touches, recording the consumer's calls."""

    async def nothing(*_: Any, **__: Any) -> None:
        return None

    async def seek() -> None:
        calls.append("seek")

    async def wait(coro: Any, timeout: float = 0) -> None:
        await coro

    consumer = SimpleNamespace(
        assignment=lambda: {_tp("in", 0)},
        resume_partitions=lambda tps: calls.append("resume"),
        perform_seek=seek,
        resume_flow=lambda: calls.append("flow"),
    )
    app = SimpleNamespace(
        consumer=consumer,
        consumer_generation_id=1,
        on_rebalance_complete=SimpleNamespace(send=nothing),
        conf=SimpleNamespace(broker_request_timeout=1.0),
        flow_control=SimpleNamespace(resume=lambda: None),
        _fetcher=SimpleNamespace(maybe_start=nothing),
        assignor=SimpleNamespace(assigned_standbys=lambda: set()),
        on_rebalance_end=lambda: None,
    )
    log = SimpleNamespace(info=lambda *a: None, warning=lambda *a: None, dev=lambda *a: None)
    return SimpleNamespace(
        app=app,
        log=log,
        _set_recovery_ended=lambda: None,
        tables=SimpleNamespace(
            values=lambda: [], on_actives_ready=lambda: None, on_standbys_ready=lambda: None
        ),
        actives_for_table={},
        standbys_for_table={},
        _is_changelog_tp=lambda tp: False,
        _wait=wait,
        completed=asyncio.Event(),
    )


@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="faust-streaming resumes before it seeks (fixed)"
)
def test_canary_recovery_resumes_the_stream_partitions_before_seeking_them() -> None:
    from faust.tables.recovery import Recovery

    calls: list[str] = []
    asyncio.run(fc.original(Recovery, "on_recovery_completed")(_recovery_stub(calls), 1))
    # records fetched between the two are processed, then read again from the committed offset
    assert calls.index("seek") < calls.index("resume")


def test_the_fix_seeks_first() -> None:
    from faust.tables.recovery import Recovery

    fc.install_recovery_fix()
    calls: list[str] = []
    asyncio.run(Recovery.on_recovery_completed(_recovery_stub(calls), 1))
    assert calls == ["seek", "resume", "flow"]


# -- commit on revoke (faust-streaming#502) -------------------------------------------------------


async def _revoke_with_acked_offsets(on_revoked: Any, app: Any) -> list[dict[Any, int]]:
    """Partition ``in/0`` has offsets 5, 6, 7 processed (acked), 5 committed, when it is
    revoked: the commits that reach the broker."""
    consumer = app.consumer
    tp = _tp("in", 0)
    consumer._committed_offset[tp] = 5
    for offset in (5, 6, 7):
        consumer._acked[tp].append(offset)
        consumer._acked_index[tp].add(offset)
    consumer._n_acked = 3
    committed: list[dict[Any, int]] = []

    async def commit_to_broker(offsets: Any) -> bool:
        committed.append(dict(offsets))
        return True

    async def app_revoked(revoked: Any) -> None:
        return None

    consumer._commit = commit_to_broker
    consumer._on_partitions_revoked = app_revoked
    consumer.assignment = lambda: {tp}
    app.topics.acks_enabled_for = lambda topic: True
    await on_revoked(consumer, {tp})
    return committed


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="faust-streaming drops acked offsets on revoke (#502)",
)
def test_canary_revoke_drops_the_offsets_processed_since_the_last_commit() -> None:
    from faust.transport.consumer import Consumer

    revoked = fc.original(Consumer, "on_partitions_revoked")
    committed = asyncio.run(_revoke_with_acked_offsets(revoked, _app("canary-revoke")))
    # the next owner would start at 5 and process 5, 6, 7 again
    assert {_tp("in", 0): 8} in committed


def test_the_fix_commits_them_before_giving_the_partition_away() -> None:
    from faust.transport.consumer import Consumer

    fc.install_commit_on_revoke_fix()
    committed = asyncio.run(
        _revoke_with_acked_offsets(Consumer.on_partitions_revoked, _app("fixed-revoke"))
    )
    assert committed == [{_tp("in", 0): 8}]


# -- fetch wait -----------------------------------------------------------------------------------


def _worker_consumer_kwargs(monkeypatch: pytest.MonkeyPatch, init: Any) -> dict[str, Any]:
    """The arguments Faust builds its worker's aiokafka consumer with, as ``init`` (an
    ``AIOKafkaConsumer.__init__``) receives them."""
    import aiokafka

    class _Stop(Exception):
        pass

    captured: dict[str, Any] = {}

    def through(self: Any, *topics: Any, **kwargs: Any) -> None:
        captured.update(kwargs)
        raise _Stop

    monkeypatch.setattr(aiokafka.AIOKafkaConsumer, "__init__", through)
    if init is not None:  # the fix's __init__, calling ``through`` as the original
        monkeypatch.setattr(fc, "_replace", lambda owner, name: getattr(owner, name))

    app = _app("canary-fetch-wait")
    app.Table("t", key_type=bytes, value_type=bytes)  # as the worker: a changelog table
    thread = app.consumer._thread
    with pytest.raises(_Stop):
        thread._create_worker_consumer(app.consumer.transport)
    return captured


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="faust-streaming hard-codes a 1.5 s fetch wait (fixed)",
)
def test_canary_faust_waits_up_to_one_and_a_half_seconds_per_fetch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kwargs = _worker_consumer_kwargs(monkeypatch, None)
    # on Tansu a tick waited that long to be read back (docs/runtime-notes.md)
    assert kwargs["fetch_max_wait_ms"] <= fc.FETCH_MAX_WAIT_MS


def test_the_fix_shortens_faust_fetch_wait_only() -> None:
    import aiokafka

    fc.install_fetch_wait()
    patched = aiokafka.AIOKafkaConsumer.__init__
    assert patched._slawatch_fetch_wait == fc.FETCH_MAX_WAIT_MS

    seen: dict[str, Any] = {}
    real = fc.original(aiokafka.AIOKafkaConsumer, "__init__")

    async def build(wait: int) -> int:
        consumer = aiokafka.AIOKafkaConsumer(fetch_max_wait_ms=wait)
        seen[wait] = consumer._fetch_max_wait_ms
        return seen[wait]

    assert real is not patched
    assert asyncio.run(build(fc.FAUST_FETCH_MAX_WAIT_MS)) == fc.FETCH_MAX_WAIT_MS
    assert asyncio.run(build(500)) == 500  # other consumers keep theirs


# -- Tansu's ListOffsets (integration) ------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="Tansu answers ListOffsets(LATEST) short (fixed)"
)
def test_canary_tansu_end_offsets_stop_before_the_last_batch(kafka) -> None:
    if not kafka.embedded:
        pytest.skip("the quirk is Tansu's")
    import aiokafka

    listed, true = asyncio.run(
        _end_offsets(kafka.bootstrap, fc.original(aiokafka.AIOKafkaConsumer, "end_offsets"))
    )
    # Faust's table recovery reads a changelog up to end_offsets(): it lost the last batch
    assert listed == true == 300


@pytest.mark.integration
def test_the_fix_finds_the_true_end(kafka) -> None:
    listed, true = asyncio.run(_end_offsets(kafka.bootstrap, fc.true_end_offsets))
    assert listed == true == 300


async def _end_offsets(bootstrap: str, end_offsets: Any) -> tuple[int, int]:
    """Three producer batches of 100 records on a fresh topic: ``end_offsets`` and the
    records there are."""
    import uuid

    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    topic = f"canary-end-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=50)
    await producer.start()
    try:
        for _ in range(3):
            futures = [await producer.send(topic, b"x", partition=0) for _ in range(100)]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        listed = (await end_offsets(consumer, [tp]))[tp]
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        n = 0
        while n < 300:
            batch = await consumer.getmany(tp, timeout_ms=2000)
            if not batch:
                break
            n += sum(len(v) for v in batch.values())
        return listed, n
    finally:
        await consumer.stop()
