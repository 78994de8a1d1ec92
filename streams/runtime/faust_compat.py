"""Every use of faust-streaming's and aiokafka's private API, in one place.

The worker replaces private methods and reads private attributes of these two libraries, so
this module is written for the exact versions in :data:`PINNED` (pinned in pyproject.toml);
:func:`check_versions` refuses others at start-up, and
``tests/streams/runtime/test_faust_compat.py`` has one canary per fix that shows, *without*
the fix, the upstream behaviour it works around (a strict xfail: an upgrade that changes the
upstream code is noticed). The measurements behind the fixes are in ``docs/runtime-notes.md``,
the upstream issue/PR texts in ``docs/upstream.md``.

Fixes (:func:`install_faust_fixes` installs them all, once per worker process, before the
Faust app starts):

- :func:`install_end_offsets_fix`: Tansu (the embedded broker) answers ListOffsets(LATEST)
  short of the end; changelog recovery then dropped the last table updates. Harmless on
  real Kafka.
- :func:`install_recovery_fix`: faust-streaming skipped or repeated input records when
  recovery ended with records waiting. Its replacement of ``Consumer._wait_next_records``
  also leaves the partitions of the batch loop's topics (:func:`exclude_from_streams`) to
  the batch loop.
- :func:`install_commit_on_revoke_fix`: faust-streaming dropped the uncommitted offsets of
  revoked partitions (faust-streaming#502).
- :func:`install_fetch_wait`: faust-streaming hard-codes a 1.5 s fetch wait.

Access to the worker's clients for the batch loop (``streams.runtime.batch``):
:class:`WorkerClients` (fetch and commit through Faust's own consumer, in its thread; the
producer Faust started; the committed offsets Faust read at the assignment).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

from calendars.errors import SlawatchError

#: The distributions whose private API this module uses, at the versions it was written for
#: (pinned exactly in pyproject.toml).
PINNED: dict[str, str] = {"faust-streaming": "0.15.3", "aiokafka": "0.14.0"}


class UnsupportedVersionError(SlawatchError, RuntimeError):
    """faust-streaming or aiokafka is installed at a version the worker was not written for."""


def check_versions(pinned: Mapping[str, str] = PINNED) -> None:
    """Refuse to run the worker on other versions of the libraries patched here.

    The fixes replace private methods with copies changed in a few lines; on another version
    they could silently undo an upstream fix or break the consumer. Raises
    :class:`UnsupportedVersionError` naming what is installed and what to do."""
    wrong = []
    for dist, want in pinned.items():
        try:
            have = metadata.version(dist)
        except metadata.PackageNotFoundError:
            have = "not installed"
        if have != want:
            wrong.append(f"{dist} {have} (needs {want})")
    if wrong:
        wanted = " ".join(f"'{d}=={v}'" for d, v in pinned.items())
        raise UnsupportedVersionError(
            "the slawatch worker patches private code of faust-streaming and aiokafka and "
            f"runs only on the versions it was written for; installed: {', '.join(wrong)}. "
            f"Install them with `pip install {wanted}`; to move to other versions, re-check "
            "every fix in streams/runtime/faust_compat.py against them (the canaries in "
            "tests/streams/runtime/test_faust_compat.py show which upstream behaviour "
            "changed) and update PINNED and pyproject.toml together."
        )


#: ``(class, method name) → the method as the library defines it``, for each one replaced
#: (the canaries run the originals)
ORIGINALS: dict[tuple[type, str], Any] = {}


def _replace(owner: type, name: str) -> Any:
    """Note ``owner.name`` as the library defines it, before a fix replaces it."""
    return ORIGINALS.setdefault((owner, name), getattr(owner, name))


def original(owner: type, name: str) -> Any:
    """``owner.name`` as the library defines it, whether or not a fix replaced it."""
    return ORIGINALS.get((owner, name), getattr(owner, name))


# --------------------------------------------------------------------------------------
# Tansu ListOffsets(LATEST) quirk
# --------------------------------------------------------------------------------------


async def true_end_offsets(consumer: Any, partitions: Sequence[Any]) -> dict[Any, int]:
    """End offsets (last offset + 1) that are right on Tansu as well as on Kafka.

    Tansu answers ListOffsets(LATEST) with the base offset of the partition's *last record
    batch* + 1, which is short of the end whenever that batch holds more than one record.
    The high watermark in a Fetch response is right, so this asks ListOffsets first (as
    ``AIOKafkaConsumer.end_offsets`` does) and then sends one Fetch per leader at those
    offsets (``max_wait_time=10`` ms, 1-byte limits, which Tansu ignores: it returns the one
    last batch) and takes the larger of the two values. On real Kafka both agree and the
    cost is one extra round trip per leader.

    ``consumer`` is a started :class:`aiokafka.AIOKafkaConsumer`; ``partitions`` are
    ``TopicPartition``-like (``.topic``, ``.partition``).
    """
    import aiokafka
    from aiokafka.protocol.fetch import FetchRequest
    from aiokafka.structs import TopicPartition

    list_offsets = _ORIGINAL_END_OFFSETS or aiokafka.AIOKafkaConsumer.end_offsets
    listed: dict[Any, int] = await list_offsets(consumer, partitions)
    client = consumer._client
    by_node: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
    for tp, offset in listed.items():
        node = client.cluster.leader_for_partition(TopicPartition(tp.topic, tp.partition))
        if node is None or node < 0:
            continue
        by_node.setdefault(node, {}).setdefault(tp.topic, []).append((tp.partition, offset, 1))
    result = dict(listed)
    keys = {(tp.topic, tp.partition): tp for tp in listed}
    for node, topics in by_node.items():
        # max_wait_time must not be 0: Tansu answers such a Fetch with no topics at all.
        request = FetchRequest(10, 0, 1, 0, list(topics.items()))
        response = await client.send(node, request)
        for topic, parts in response.topics:
            for partition, error_code, highwater, *_ in parts:
                tp = keys.get((topic, partition))
                if tp is not None and error_code == 0 and highwater > result[tp]:
                    result[tp] = highwater
    return result


_ORIGINAL_END_OFFSETS: Any = None


def install_end_offsets_fix() -> None:
    """Make ``aiokafka.AIOKafkaConsumer.end_offsets`` use :func:`true_end_offsets`.

    Faust's table recovery reads each changelog partition up to ``end_offsets()``; on Tansu
    that stops before the last batch and a restarted worker silently loses the last table
    updates (see docs/runtime-notes.md). Install this once per process before the Faust
    worker starts. Idempotent; harmless on real Kafka.
    """
    global _ORIGINAL_END_OFFSETS
    import aiokafka

    if _ORIGINAL_END_OFFSETS is not None:
        return
    _ORIGINAL_END_OFFSETS = _replace(aiokafka.AIOKafkaConsumer, "end_offsets")

    async def end_offsets(self: Any, partitions: Any) -> dict[Any, int]:
        return await true_end_offsets(self, list(partitions))

    end_offsets.__doc__ = true_end_offsets.__doc__
    aiokafka.AIOKafkaConsumer.end_offsets = end_offsets  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------
# faust-streaming recovery race (not Tansu-specific; frequent on a fast local broker)
# --------------------------------------------------------------------------------------

_FAUST_FIXES_INSTALLED = False


def install_recovery_fix() -> None:
    """Fix faust-streaming 0.15.3 losing or repeating input records around recovery.

    Two changes (see docs/runtime-notes.md, "Faust recovery race"):

    1. ``Consumer._wait_next_records`` hands the *live* ``_active_partitions`` set to the
       consumer thread, where aiokafka's ``fetched_records(partitions)`` reads it later
       (``if partitions and tp not in partitions``) and Faust's ``getmany`` filters with it
       again. When recovery pauses the changelog partitions in between, the set becomes
       empty, aiokafka returns (and advances past) the records of *every* partition, and
       Faust discards those that are not active: input records skipped for good. The
       replacement passes a snapshot, so aiokafka only returns what Faust will yield.
    2. ``Recovery.on_recovery_completed`` resumes the stream partitions before seeking them
       to the committed offsets, so records processed in between are processed again after
       the seek. The replacement seeks first (records stay buffered in aiokafka: with (1),
       nothing returns them while the partitions are paused) and then resumes.

    The snapshot of (1) also leaves out the partitions of the topics given to
    :func:`exclude_from_streams`: the batch loop reads those itself.

    Idempotent; call once per worker process before the Faust app starts.
    """
    global _FAUST_FIXES_INSTALLED
    if _FAUST_FIXES_INSTALLED:
        return
    check_versions()
    import asyncio

    from faust.tables.recovery import Recovery
    from faust.transport.consumer import Consumer

    async def _wait_next_records(self: Any, timeout: float) -> tuple[Any, Any]:
        if not self.flow_active:
            await self.wait(self.can_resume_flow)
        try:
            self.not_waiting_next_records.set()
            is_client_only = self.app.client_only
            active_partitions = None
            if not is_client_only:  # a snapshot, without the batch loop's partitions
                batch = batch_topics(self.app)
                active_partitions = {
                    tp for tp in self._get_active_partitions() if tp.topic not in batch
                }
            records: Any = {}
            if is_client_only or active_partitions:
                records = await self._getmany(active_partitions=active_partitions, timeout=timeout)
            else:
                await self.sleep(1)
            return records, active_partitions
        finally:
            self.not_waiting_next_records.set()

    async def on_recovery_completed(self: Any, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        self.log.info("Restore complete!")
        await self.app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callback_coros = [
            asyncio.ensure_future(
                table.on_recovery_completed(
                    self.actives_for_table[table], self.standbys_for_table[table]
                )
            )
            for table in self.tables.values()
        ]
        if callback_coros:
            await asyncio.wait(callback_coros)
        assignment = consumer.assignment()
        if self.app.consumer_generation_id != generation_id:
            self.log.warning(
                "Recovery rebalancing again app id %s param %s",
                self.app.consumer_generation_id,
                generation_id,
            )
            return
        if assignment:  # seek while the stream partitions are still paused
            self.log.info("Seek stream partitions to committed offsets.")
            await self._wait(consumer.perform_seek(), timeout=self.app.conf.broker_request_timeout)
        consumer.resume_partitions({tp for tp in assignment if not self._is_changelog_tp(tp)})
        self.completed.set()
        self.app.flow_control.resume()
        consumer.resume_flow()
        await self.app._fetcher.maybe_start()
        self.tables.on_actives_ready()
        if not self.app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        self.app.on_rebalance_end()
        self.log.info("Worker ready")

    _replace(Consumer, "_wait_next_records")
    _replace(Recovery, "on_recovery_completed")
    Consumer._wait_next_records = _wait_next_records  # type: ignore[method-assign]
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    _FAUST_FIXES_INSTALLED = True


_COMMIT_ON_REVOKE_INSTALLED = False


def install_commit_on_revoke_fix(timeout: float = 5.0) -> None:
    """Commit what was processed before giving partitions away in a rebalance.

    faust-streaming 0.15.3 ``Consumer.on_partitions_revoked`` drops the acked-but-uncommitted
    offsets of the revoked partitions (it commits only every ``broker_commit_interval``), so
    the next owner reprocesses up to that interval's worth of events: measured 57–60
    duplicates of 800 when a second worker joined (upstream: faust-streaming/faust#502). The
    replacement first stops the flow, waits (at most ``timeout`` s) for the events already
    handed to agents to be acked, and commits the revoked partitions, then runs the original.
    Idempotent.
    """
    global _COMMIT_ON_REVOKE_INSTALLED
    if _COMMIT_ON_REVOKE_INSTALLED:
        return
    check_versions()
    import asyncio
    import logging

    from faust.transport.consumer import Consumer

    original = _replace(Consumer, "on_partitions_revoked")
    log = logging.getLogger(__name__)

    async def on_partitions_revoked(self: Any, revoked: set[Any]) -> None:
        if revoked and not self.app.client_only:
            self.stop_flow()
            try:
                await asyncio.wait_for(self.wait_empty(), timeout)
                await asyncio.wait_for(self.commit(set(revoked)), timeout)
            except Exception as exc:  # never block the rebalance on this
                log.warning("commit on revoke of %d partitions failed: %r", len(revoked), exc)
        await original(self, revoked)

    on_partitions_revoked.__doc__ = install_commit_on_revoke_fix.__doc__
    Consumer.on_partitions_revoked = on_partitions_revoked  # type: ignore[method-assign]
    _COMMIT_ON_REVOKE_INSTALLED = True


def install_faust_fixes() -> None:
    """Every fix of this module: :func:`install_end_offsets_fix`, :func:`install_recovery_fix`,
    :func:`install_commit_on_revoke_fix` and :func:`install_fetch_wait`. Call once per worker
    process, before the Faust app starts; refuses other library versions
    (:func:`check_versions`)."""
    check_versions()
    install_end_offsets_fix()
    install_recovery_fix()
    install_commit_on_revoke_fix()
    install_fetch_wait()


# --------------------------------------------------------------------------------------
# faust-streaming's hard-coded fetch wait
# --------------------------------------------------------------------------------------

#: Longest a consumer fetch waits for data. faust-streaming 0.15 hard-codes 1.5 s
#: (``AIOKafkaConsumerThread._create_worker_consumer``); the embedded broker (Tansu) answers
#: a waiting fetch only when that time runs out, even when records arrive meanwhile, which
#: put ~1.2 s (p50) between a tick and its processing. Real Kafka answers as soon as data is
#: there; the shorter wait costs an idle worker a few empty fetches per second.
FETCH_MAX_WAIT_MS = 100
#: What faust-streaming 0.15.3 passes (and the patch replaces).
FAUST_FETCH_MAX_WAIT_MS = 1500


def install_fetch_wait(ms: int = FETCH_MAX_WAIT_MS) -> None:
    """Make Faust's consumers wait at most ``ms`` per fetch (see :data:`FETCH_MAX_WAIT_MS`):
    ``aiokafka.AIOKafkaConsumer.__init__`` replaces Faust's hard-coded value (only that
    value: other consumers keep theirs). Idempotent."""
    import aiokafka

    init = aiokafka.AIOKafkaConsumer.__init__
    if getattr(init, "_slawatch_fetch_wait", None) is not None:
        return
    _replace(aiokafka.AIOKafkaConsumer, "__init__")

    def patched(self: Any, *topics: Any, **kwargs: Any) -> None:
        if kwargs.get("fetch_max_wait_ms") == FAUST_FETCH_MAX_WAIT_MS:
            kwargs["fetch_max_wait_ms"] = ms
        init(self, *topics, **kwargs)

    patched._slawatch_fetch_wait = ms  # type: ignore[attr-defined]
    aiokafka.AIOKafkaConsumer.__init__ = patched  # type: ignore[method-assign]


# --------------------------------------------------------------------------------------
# The batch loop's access to the worker's clients
# --------------------------------------------------------------------------------------

_BATCH_TOPICS = "_slawatch_batch_topics"


def exclude_from_streams(app: Any, topics: Iterable[str]) -> None:
    """Faust's stream layer leaves the partitions of ``topics`` alone (the batch loop reads
    them): they stay subscribed, so the group assigns them (co-partitioned with the table's
    changelog), but :func:`install_recovery_fix`'s ``_wait_next_records`` never asks for
    their records. Register the topics with the app's conductor (``app.topics.add``)."""
    setattr(app, _BATCH_TOPICS, frozenset(topics))


def batch_topics(app: Any) -> frozenset[str]:
    return getattr(app, _BATCH_TOPICS, frozenset())


class WorkerClients:
    """The Kafka clients of a started Faust worker, as the batch loop uses them.

    Faust runs its aiokafka consumer in a thread of its own (``ConsumerThread``, with its own
    event loop); fetches and commits of the batch loop run there too, as coroutines on that
    loop (``asyncio.run_coroutine_threadsafe``), not through Faust's two-worker method queue,
    where they would wait behind Faust's own long-polling fetches."""

    def __init__(self, app: Any) -> None:
        self.app = app

    # -- consumer ---------------------------------------------------------------------------
    def _thread(self) -> Any:
        return self.app.consumer._thread

    def _consumer(self) -> Any:
        return self._thread()._ensure_consumer()

    async def _in_thread(self, coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
        thread = self._thread()
        future = asyncio.run_coroutine_threadsafe(coro_fn(*args, **kwargs), thread.thread_loop)
        return await asyncio.wrap_future(future)

    def assignment(self) -> set[Any]:
        """The partitions assigned to the worker (Faust ``TP``s), empty before the start."""
        try:
            return set(self.app.consumer.assignment())
        except Exception:  # consumer not started yet
            return set()

    async def fetch(
        self, partitions: Collection[Any], timeout: float, max_records: int | None = None
    ) -> dict[Any, list[Any]]:
        """Records of ``partitions`` (assigned ones; never empty: aiokafka reads an empty
        set as every partition) from Faust's consumer: ``{TP: [ConsumerRecord]}``, waiting
        up to ``timeout`` seconds for some."""
        from aiokafka.structs import TopicPartition
        from faust.types import TP

        consumer = self._consumer()
        tps = [TopicPartition(tp.topic, tp.partition) for tp in partitions]
        got = await self._in_thread(
            consumer.getmany, *tps, timeout_ms=int(timeout * 1000), max_records=max_records
        )
        return {TP(tp.topic, tp.partition): recs for tp, recs in got.items()}

    async def commit(self, offsets: Mapping[Any, int]) -> None:
        """Commit ``{TP: next offset}`` as the group member Faust runs (the only member the
        coordinator accepts commits from). Raises what aiokafka raises (e.g.
        ``CommitFailedError`` after a rebalance)."""
        from aiokafka.structs import OffsetAndMetadata, TopicPartition

        consumer = self._consumer()
        thread = self._thread()
        assigned = self.assignment()
        todo = {
            TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(offset, "")
            for tp, offset in offsets.items()
            if tp in assigned
        }
        if todo:
            await self._in_thread(consumer.commit, todo)
            # Faust's "no commit for a while" warnings look at this
            thread.tp_last_committed_at.update(dict.fromkeys(offsets, _monotonic()))

    def committed(self, tp: Any) -> int | None:
        """The group's committed offset of ``tp`` as Faust read it at the assignment (its
        seek to the committed offsets), ``None`` if none."""
        return self.app.consumer._committed_offset.get(tp)

    def highwater(self, tp: Any) -> int | None:
        """The end of ``tp`` as the last fetch response said, ``None`` if unknown."""
        try:
            return self.app.consumer.highwater(tp)
        except Exception:  # not (or no longer) assigned
            return None

    def note_read(self, tp: Any, offset: int) -> None:
        """Tell Faust's consumer the last offset read from ``tp`` (its lag gauge reads it)."""
        self.app.consumer._read_offset[tp] = offset

    def flow_active(self) -> bool:
        """False while Faust has stopped the consumer's flow (a rebalance, a stop)."""
        return bool(self.app.consumer.flow_active)

    # -- producer ---------------------------------------------------------------------------
    def producer(self) -> Any:
        """The aiokafka producer Faust started (``app.producer``): records go straight into
        its batches, past Faust's per-message ``send`` wrapper."""
        return self.app.producer._ensure_producer()


def _monotonic() -> float:
    import time

    return time.monotonic()
