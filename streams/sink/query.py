"""SQL over the sink's files with DuckDB (embedded, in-process): the views.

Raw views read every file of a dataset, by column *name* (``union_by_name``: a file written
before a column existed reads NULL in it), with the Hive partition columns ``tenant`` and
``month`` from the directory names; the current schema's columns always exist, even when
every file is older. The views people query remove the duplicates a sink restart can write
(the records after its last commit are read and written again):

- ``signals``: one row per ``event_id`` (signal ids are deterministic, a re-sent signal has
  the same id); ``verdicts``: the ``sla.met``/``sla.missed`` of ``signals``;
- ``clock_states``: the latest record per key (by ``updated_at``, then offset), what the
  compacted topic holds; ``clock_state_history``: every record, duplicates removed;
- ``dead_letters``: one row per ``id``;
- ``signals_raw``, ``clock_states_raw``, ``dead_letters_raw``: the files as written.

The same de-duplication works in any engine::

    SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY event_id
                   ORDER BY kafka_topic, kafka_partition, kafka_offset) AS n
                   FROM signals_raw) WHERE n = 1
"""

from __future__ import annotations

from typing import Any

from streams.sink.schema import CLOCK_STATES, DATASETS, DEAD_LETTERS, META_COLUMNS, SIGNALS, Dataset
from streams.sink.store import Store, open_store
from streams.sink.writer import partition_dir

_DUCK = {
    "str": "VARCHAR",
    "float": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "ts": "TIMESTAMPTZ",
    "json": "VARCHAR",
}

VIEWS = {
    "signals": (
        "SELECT * EXCLUDE (_n) FROM (SELECT *, row_number() OVER (PARTITION BY tenant, "
        "event_id ORDER BY kafka_topic, kafka_partition, kafka_offset) AS _n FROM signals_raw) "
        "WHERE _n = 1"
    ),
    "verdicts": "SELECT * FROM signals WHERE type IN ('sla.met', 'sla.missed')",
    "clock_state_history": (
        "SELECT * EXCLUDE (_n) FROM (SELECT *, row_number() OVER (PARTITION BY tenant, "
        "kafka_topic, kafka_partition, kafka_offset ORDER BY sink_written_at) AS _n "
        "FROM clock_states_raw) WHERE _n = 1"
    ),
    "clock_states": (
        "SELECT * EXCLUDE (_n) FROM (SELECT *, row_number() OVER (PARTITION BY tenant, key "
        "ORDER BY updated_at DESC, kafka_offset DESC) AS _n FROM clock_states_raw) "
        "WHERE _n = 1"
    ),
    "dead_letters": (
        "SELECT * EXCLUDE (_n) FROM (SELECT *, row_number() OVER (PARTITION BY tenant, id "
        "ORDER BY kafka_topic, kafka_partition, kafka_offset) AS _n FROM dead_letters_raw) "
        "WHERE _n = 1"
    ),
}


def _empty(ds: Dataset) -> str:
    cols = [*ds.columns, *META_COLUMNS]
    typed = ", ".join(f'CAST(NULL AS {_DUCK[c.kind]}) AS "{c.name}"' for c in cols)
    parts = "CAST(NULL AS VARCHAR) AS tenant, CAST(NULL AS VARCHAR) AS month"
    return f"SELECT {typed}, {parts} WHERE false"


def connect(location: str | Any, *, tenant: str | None = None, threads: int | None = None) -> Any:
    """A DuckDB connection with the views over the sink at ``location`` (a directory or a
    filesystem URL, :func:`streams.sink.store.open_store`). With ``tenant``, the views see
    that tenant's partitions only (its directories are the only files opened: a report of
    one tenant costs its data, not the whole sink's)."""
    import duckdb

    store = location if hasattr(location, "write") else open_store(location)
    con = duckdb.connect(":memory:")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    for ds in DATASETS.values():
        con.execute(f"CREATE VIEW {ds.name}_raw AS {_raw(store, ds, con, tenant)}")
    for name, sql in VIEWS.items():
        con.execute(f"CREATE VIEW {name} AS {sql}")
    return con


def _raw(store: Store, ds: Dataset, con: Any, tenant: str | None) -> str:
    sub = "" if tenant is None else partition_dir(ds.name, tenant, "x").rsplit("/", 2)[1]
    root = store.local_root()
    if root is not None:
        base = root / ds.name / sub if sub else root / ds.name
        if not base.exists() or not any(base.rglob("*.parquet")):
            return _empty(ds)
        glob = str(base / "**" / "*.parquet").replace("'", "''")
        scan = (
            f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
            "union_by_name = true, hive_types = {'tenant': 'VARCHAR', 'month': 'VARCHAR'})"
        )
        return f"{scan} UNION ALL BY NAME {_empty(ds)}"
    import pyarrow as pa
    import pyarrow.dataset as pads

    fs, path = store.filesystem()
    try:
        files = [
            f.path
            for f in fs.get_file_info(_selector(f"{path}/{ds.name}" + (f"/{sub}" if sub else "")))
            if f.path.endswith(".parquet") and not f.base_name.startswith((".", "_"))
        ]
    except FileNotFoundError:
        files = []
    if not files:
        return _empty(ds)
    dataset = pads.dataset(
        files,
        filesystem=fs,
        format="parquet",
        schema=ds.arrow_schema(partitions=True),
        partitioning=pads.partitioning(
            pa.schema([pa.field("tenant", pa.string()), pa.field("month", pa.string())]),
            flavor="hive",
        ),
        partition_base_dir=f"{path}/{ds.name}",
    )
    con.register(f"_{ds.name}_arrow", dataset)
    return f"SELECT * FROM _{ds.name}_arrow"


def _selector(path: str) -> Any:
    import pyarrow.fs as pafs

    return pafs.FileSelector(path, recursive=True, allow_not_found=False)


__all__ = ["CLOCK_STATES", "DEAD_LETTERS", "SIGNALS", "VIEWS", "connect"]
