"""Compaction: many small files of a partition merged into one.

Each flush of the sink writes one file per (dataset, tenant, month) it has records for, so a
partition collects a file every few seconds while its month is current. Readers pay per
file, so the sink merges a partition's files once it has ``min_files`` of them (and a
closed month's into one): the merged file is written like any other (durable, atomic), and
only then are the files it replaces deleted. A crash in between leaves both, which the
views' de-duplication hides (the rows are the same records, with the same ids and Kafka
coordinates); the next compaction merges them. Rows are not de-duplicated here: a view
decides which copy wins, compaction only changes the number of files.

A query that listed a partition's files just before they were deleted fails with a missing
file; run it again (queries are short, compaction rare).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from streams.sink.schema import DATASETS, METADATA_KEY, SCHEMA_VERSION
from streams.sink.store import Store

#: merge a partition once it has this many files
MIN_FILES = 16


@dataclass(slots=True)
class CompactStats:
    partitions: int = 0
    files_in: int = 0
    files_out: int = 0
    rows: int = 0
    skipped: int = 0


def partitions(store: Store) -> dict[str, list[str]]:
    """Every partition directory (``signals/tenant=…/month=…``) and its files."""
    out: dict[str, list[str]] = defaultdict(list)
    for name in DATASETS:
        for rel in store.list_files(name):
            out[rel.rsplit("/", 1)[0]].append(rel)
    return dict(out)


def compact(store: Store, *, min_files: int = MIN_FILES) -> CompactStats:
    """Merge the files of each partition that has at least ``min_files`` of them."""
    stats = CompactStats()
    for directory, files in sorted(partitions(store).items()):
        if len(files) < max(2, min_files):
            continue
        dataset = DATASETS[directory.split("/", 1)[0]]
        tables = [store.read(f) for f in files]
        # files of older schema versions lack newer columns: today's schema, nulls for them
        schema = dataset.arrow_schema()
        if any(set(t.column_names) - set(schema.names) - {"tenant", "month"} for t in tables):
            stats.skipped += 1  # a newer sink's file: left to a sink that knows its columns
            continue
        merged = pa.concat_tables(
            [_conform(t, schema) for t in tables], promote_options="none"
        ).replace_schema_metadata({METADATA_KEY: f"{dataset.name}/{SCHEMA_VERSION}".encode()})
        name = f"part-{int(time.time() * 1000)}-{uuid.uuid4().hex[:12]}-c{len(files)}.parquet"
        store.write_many([(f"{directory}/{name}", merged)])
        store.delete_many(files)
        stats.partitions += 1
        stats.files_in += len(files)
        stats.files_out += 1
        stats.rows += merged.num_rows
    return stats


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns (missing ones null; the partition columns
    a reader may have added are not in the files' schema)."""
    cols = []
    for field in schema:
        if field.name in table.column_names:
            cols.append(table.column(field.name).cast(field.type))
        else:
            cols.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(cols, schema=schema)
