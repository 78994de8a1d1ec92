"""The fixes every worker installs into faust-streaming and aiokafka, in one place.

They replace private methods, so each is written for the exact versions pinned in
pyproject.toml; the measurements behind them are in ``docs/runtime-notes.md``:

- :func:`install_end_offsets_fix`: Tansu (the embedded broker) answers ListOffsets(LATEST)
  short of the end; changelog recovery then dropped the last table updates. Harmless on
  real Kafka.
- :func:`install_recovery_fix`: faust-streaming skipped or repeated input records when
  recovery ended with records waiting.
- :func:`install_commit_on_revoke_fix`: faust-streaming dropped the uncommitted offsets of
  revoked partitions (faust-streaming#502).

Call :func:`install_faust_fixes` once per worker process, before the Faust app starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    _ORIGINAL_END_OFFSETS = aiokafka.AIOKafkaConsumer.end_offsets

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

    Idempotent; call once per worker process before the Faust app starts.
    """
    global _FAUST_FIXES_INSTALLED
    if _FAUST_FIXES_INSTALLED:
        return
    _check_faust_version()
    import asyncio

    from faust.tables.recovery import Recovery
    from faust.transport.consumer import Consumer

    async def _wait_next_records(self: Any, timeout: float) -> tuple[Any, Any]:
        if not self.flow_active:
            await self.wait(self.can_resume_flow)
        try:
            self.not_waiting_next_records.set()
            is_client_only = self.app.client_only
            active_partitions = None if is_client_only else set(self._get_active_partitions())
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
    _check_faust_version()
    import asyncio
    import logging

    from faust.transport.consumer import Consumer

    original = Consumer.on_partitions_revoked
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


#: The faust-streaming version the replaced methods were copied from.
FAUST_VERSION_PATCHED = "0.15.3"


def _check_faust_version() -> None:
    import warnings

    import faust

    if faust.__version__ != FAUST_VERSION_PATCHED:
        warnings.warn(
            f"slawatch replaces faust-streaming {FAUST_VERSION_PATCHED} methods, "
            f"installed is {faust.__version__}: re-check docs/runtime-notes.md",
            RuntimeWarning,
            stacklevel=3,
        )


def install_faust_fixes() -> None:
    """All of :func:`install_end_offsets_fix`, :func:`install_recovery_fix` and
    :func:`install_commit_on_revoke_fix`: call once per worker process, before the Faust
    app starts."""
    install_end_offsets_fix()
    install_recovery_fix()
    install_commit_on_revoke_fix()
