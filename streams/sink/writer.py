"""Records in, Parquet files out: the sink's buffer, independent of Kafka.

:meth:`SinkWriter.add` decodes a record and buffers it under its dataset, tenant and month;
:meth:`SinkWriter.flush` writes one file per (dataset, tenant, month) buffered and returns
once every file is durable (:mod:`streams.sink.store`). The caller commits its input offsets
after that, never before: a crash loses nothing (the records after the last commit are read
again) and can only write some records twice, which the views remove by id
(:mod:`streams.sink.query`).

A record the sink cannot store — not JSON, not an object, a field of the wrong type, no time
— is not dropped: it becomes a row of ``dead_letters`` with the reason, the original text
and its origin, like the workers' dead letters. An empty value (a compaction tombstone) has
nothing to store and is counted in :attr:`SinkStats.tombstones`.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
import pyarrow as pa

from streams.sink.schema import (
    DATASETS,
    DEAD_LETTERS,
    Dataset,
    RecordError,
    build_table,
    check_record,
    decode,
)
from streams.sink.store import Store

#: the Hive convention for a NULL partition value (DuckDB, Spark, Trino read it as NULL)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def partition_dir(dataset: str, tenant: str | None, month: str) -> str:
    """``signals/tenant=acme/month=2026-03`` (the tenant percent-encoded)."""
    t = NULL_PARTITION if tenant is None else quote(tenant, safe="")
    return f"{dataset}/tenant={t}/month={month}"


def utc_month(value: Any) -> str:
    """``YYYY-MM`` of an ISO 8601 instant with an offset, in UTC."""
    if not isinstance(value, str):
        raise RecordError(f"time {value!r} is not an ISO 8601 string")
    if value.endswith("+00:00") and len(value) >= 25 and value[4] == "-" and value[10] == "T":
        return value[:7]  # UTC already (what slawatch writes): no parsing
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"time {value!r} is not ISO 8601") from None
    if dt.tzinfo is None:
        raise RecordError(f"time {value!r} has no UTC offset")
    return dt.astimezone(UTC).strftime("%Y-%m")


@dataclass(slots=True)
class SinkStats:
    records: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    dead: int = 0  # records the sink itself dead-lettered
    tombstones: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "rows": dict(self.rows),
            "files": self.files,
            "dead": self.dead,
            "tombstones": self.tombstones,
        }


@dataclass(slots=True)
class _Bucket:
    docs: list[dict[str, Any]] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    partition: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)


class SinkWriter:
    """Buffers decoded records per (dataset, tenant, month) and writes them as files."""

    def __init__(
        self,
        store: Store,
        *,
        wall: Callable[[], float] = time.time,
        on_written: Callable[[str, str | None, list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.store = store
        self.wall = wall
        #: called with (dataset, tenant, records) for each file once it is durable
        self.on_written = on_written
        self.buckets: dict[tuple[str, str | None, str], _Bucket] = {}
        self.pending = 0
        self.stats = SinkStats()

    # -- input -------------------------------------------------------------------------------
    def add(
        self, dataset: str, value: bytes | None, topic: str, partition: int, offset: int
    ) -> None:
        """One record of ``topic`` for ``dataset`` (``signals``, ``clock_states``,
        ``dead_letters``)."""
        self.stats.records += 1
        if value is None:
            self.stats.tombstones += 1
            return
        try:
            doc = decode(value)
        except RecordError as exc:
            self._dead(str(exc), value, topic, partition, offset, None)
            return
        self.add_doc(dataset, doc, topic, partition, offset, raw=value)

    def add_doc(
        self,
        dataset: str,
        doc: dict[str, Any],
        topic: str,
        partition: int,
        offset: int,
        raw: bytes | None = None,
    ) -> None:
        """A record already decoded (``raw``: its bytes, for a dead letter)."""
        spec = DATASETS[dataset]
        tenant = doc.get("tenant")
        try:
            month = utc_month(doc.get(spec.time_column))
        except RecordError as exc:
            self._dead(
                f"{spec.time_column}: {exc}",
                raw or orjson.dumps(doc),
                topic,
                partition,
                offset,
                tenant,
            )
            return
        self._buffer(spec, tenant, month, doc, topic, partition, offset)

    def _buffer(
        self,
        spec: Dataset,
        tenant: str | None,
        month: str,
        doc: dict[str, Any],
        topic: str,
        partition: int,
        offset: int,
    ) -> None:
        b = self.buckets.get((spec.name, tenant, month))
        if b is None:
            b = self.buckets[(spec.name, tenant, month)] = _Bucket()
        b.docs.append(doc)
        b.topic.append(topic)
        b.partition.append(partition)
        b.offset.append(offset)
        self.pending += 1

    def _dead(
        self,
        reason: str,
        raw: bytes,
        topic: str,
        partition: int,
        offset: int,
        tenant: str | None,
        into: dict[tuple[str, str | None, str], _Bucket] | None = None,
    ) -> None:
        """A dead letter of the sink's own, buffered (or added to ``into``)."""
        origin = {"topic": topic, "partition": partition, "offset": offset}
        full = f"analytics sink: {reason}"
        ident = hashlib.sha256(
            orjson.dumps([origin, full], option=orjson.OPT_SORT_KEYS)
        ).hexdigest()[:32]
        now = datetime.fromtimestamp(self.wall(), UTC)
        doc = {
            "id": ident,
            "reason": full,
            "raw": raw.decode("utf-8", errors="replace"),
            "source": origin,
            "dead_at": now.isoformat(),
            "tenant": tenant,
        }
        self.stats.dead += 1
        month = now.strftime("%Y-%m")
        if into is None:
            self._buffer(DEAD_LETTERS, tenant, month, doc, topic, partition, offset)
            return
        b = into.setdefault((DEAD_LETTERS.name, tenant, month), _Bucket())
        b.docs.append(doc)
        b.topic.append(topic)
        b.partition.append(partition)
        b.offset.append(offset)

    # -- output ------------------------------------------------------------------------------
    def flush(self) -> list[str]:
        """Write every buffered record, one file per (dataset, tenant, month), all made
        durable together; return the files written (relative paths)."""
        if not self.pending:
            return []
        buckets, self.buckets, self.pending = self.buckets, {}, 0
        now = self.wall()
        stamp = datetime.fromtimestamp(now, UTC).isoformat()
        # data first; the dead letters its bad records give are added after
        order = sorted(
            buckets.items(),
            key=lambda kv: (kv[0][0] == "dead_letters", kv[0][1] or "", kv[0][0], kv[0][2]),
        )
        late: dict[tuple[str, str | None, str], _Bucket] = {}
        files: list[tuple[str, pa.Table, str, str | None, list[dict[str, Any]]]] = []
        for key, bucket in order:
            self._table(key, bucket, now, stamp, files, late)
        for key, bucket in late.items():
            self._table(key, bucket, now, stamp, files, None)
        self.store.write_many([(relpath, table) for relpath, table, *_ in files])
        for _, table, name, tenant, docs in files:
            self.stats.files += 1
            self.stats.rows[name] = self.stats.rows.get(name, 0) + table.num_rows
            if self.on_written is not None:
                self.on_written(name, tenant, docs)
        return [relpath for relpath, *_ in files]

    def _table(
        self,
        key: tuple[str, str | None, str],
        b: _Bucket,
        now: float,
        stamp: str,
        files: list[tuple[str, pa.Table, str, str | None, list[dict[str, Any]]]],
        late: dict[tuple[str, str | None, str], _Bucket] | None,
    ) -> None:
        name, tenant, month = key
        spec = DATASETS[name]
        meta = {
            "kafka_topic": b.topic,
            "kafka_partition": b.partition,
            "kafka_offset": b.offset,
            "sink_written_at": [stamp] * len(b.docs),
        }
        try:
            table = build_table(spec, b.docs, meta)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            table = self._salvage(spec, b, stamp, late)
            if table is None:
                return
        part = f"part-{int(now * 1000)}-{uuid.uuid4().hex[:12]}.parquet"
        files.append((f"{partition_dir(name, tenant, month)}/{part}", table, name, tenant, b.docs))

    def _salvage(
        self,
        spec: Dataset,
        b: _Bucket,
        stamp: str,
        late: dict[tuple[str, str | None, str], _Bucket] | None,
    ) -> pa.Table | None:
        """The table of the bucket's good records; each bad one becomes a dead letter."""
        good = _Bucket()
        for i, doc in enumerate(b.docs):
            reason = check_record(spec, doc)
            if reason is None:
                good.docs.append(doc)
                good.topic.append(b.topic[i])
                good.partition.append(b.partition[i])
                good.offset.append(b.offset[i])
                continue
            if late is None:  # a sink dead letter always fits its table
                raise RuntimeError(f"dead letter row does not fit: {reason}")
            tenant = doc.get("tenant")
            self._dead(
                reason,
                orjson.dumps(doc),
                b.topic[i],
                b.partition[i],
                b.offset[i],
                tenant if isinstance(tenant, str) else None,
                into=late,
            )
        if not good.docs:
            return None
        meta = {
            "kafka_topic": good.topic,
            "kafka_partition": good.partition,
            "kafka_offset": good.offset,
            "sink_written_at": [stamp] * len(good.docs),
        }
        return build_table(spec, good.docs, meta)
