"""The analytics sink's Parquet datasets: their columns, version, and records → Arrow tables.

Three datasets, one directory each under the sink's root, Hive-partitioned by tenant and
month (``signals/tenant=acme/month=2026-03/part-….parquet``):

- ``signals``: every signal of every signal topic (warnings, escalations, breaches,
  verdicts, reports), one row per record read;
- ``clock_states``: every ``sla.clock-states`` record (the history; the view keeps the
  latest per key);
- ``dead_letters``: every ``sla.dead-letters`` record, and the records the sink itself could
  not read (``reason`` says why).

``tenant`` and ``month`` live in the directory names only (the Hive convention every engine
reads; a record without a tenant goes to ``tenant=__HIVE_DEFAULT_PARTITION__``, read as
NULL), with the tenant percent-encoded. ``month`` is the UTC calendar month (``YYYY-MM``) of
the record's time column (``at``, ``updated_at``, ``dead_at``): engine-neutral; a report for
a local month reads the month and its neighbours.

Versioning (:data:`SCHEMA_VERSION`, also in each file's metadata ``slawatch.schema`` and the
``schema_version`` column): a new version may only *add* nullable columns. Readers take the
union of the columns by name, so an old file reads with NULL in the columns it lacks
(:mod:`streams.sink.query`); a column is never renamed, retyped or removed within a major
version. Keys of a record that no column holds are kept as JSON in ``extra``, so nothing a
producer adds is lost before the schema names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
import pyarrow as pa

#: Bump when columns are added (append-only; see the module doc).
SCHEMA_VERSION = 1
#: The Parquet key-value metadata key holding ``"<dataset>/<version>"``.
METADATA_KEY = b"slawatch.schema"

Kind = Literal["str", "float", "int", "bool", "ts", "json"]
_ARROW: dict[str, pa.DataType] = {
    "str": pa.string(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "ts": pa.timestamp("us", tz="UTC"),
    "json": pa.string(),
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    doc: str
    since: int = 1

    @property
    def arrow(self) -> pa.DataType:
        return _ARROW[self.kind]


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset: its directory name, record columns, and the column its month comes from."""

    name: str
    columns: tuple[Column, ...]
    time_column: str
    id_column: str | None  # the key duplicates are removed by at query time

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns)

    def arrow_schema(self, *, partitions: bool = False) -> pa.Schema:
        fields = [pa.field(c.name, c.arrow) for c in self.columns] + [
            pa.field(c.name, c.arrow) for c in META_COLUMNS
        ]
        if partitions:
            fields += [pa.field("tenant", pa.string()), pa.field("month", pa.string())]
        return pa.schema(fields)


#: Where a row came from, and when the sink wrote it (every dataset).
META_COLUMNS = (
    Column("extra", "json", "keys of the record no column holds, as a JSON object (NULL: none)"),
    Column("schema_version", "int", "the schema version the file was written with"),
    Column("kafka_topic", "str", "the topic the record was read from"),
    Column("kafka_partition", "int", "its partition"),
    Column("kafka_offset", "int", "its offset (with the topic and partition: the record)"),
    Column("sink_written_at", "ts", "when the sink wrote the file (wall clock, UTC)"),
)

SIGNALS = Dataset(
    "signals",
    (
        Column("event_id", "str", "deterministic signal id: duplicates share it"),
        Column("type", "str", "sla.warning … sla.compliance (README: outgoing signals)"),
        Column("ticket_id", "str", "the ticket (ticket signals)"),
        Column("clock", "str", "response, resolution, registration, assessment"),
        Column("policy", "str", "policy id"),
        Column("policy_version", "str", "policy version the clock started under"),
        Column("priority", "str", "resolved priority level"),
        Column("cell", "str", "priority matrix cell"),
        Column("deadline", "ts", "the breach deadline"),
        Column("at", "ts", "when the signal is due"),
        Column("observed_at", "ts", "when the engine noticed"),
        Column("threshold", "float", "warning fraction"),
        Column("tier", "str", "soft / same_day"),
        Column("level", "str", "escalation level"),
        Column("elapsed_business_seconds", "float", "counted time of the clock at `at`"),
        Column("elapsed_wall_seconds", "float", "wall time of the clock at `at`"),
        Column("service", "str", "monitored service (availability)"),
        Column("check", "str", "heartbeat check"),
        Column("target", "str", "availability target name"),
        Column("period", "str", "calendar month YYYY-MM, policy time zone"),
        Column("availability_percent", "float", "the month's availability"),
        Column("target_percent", "float", "the contract's availability figure"),
        Column("downtime_seconds", "float", "counted downtime"),
        Column("budget_seconds", "float", "the month's allowed downtime"),
        Column("measured_seconds", "float", "the month's measured time"),
        Column("reason", "str", "availability.warning reason"),
        Column("exhausts_at", "ts", "when the month's target is missed if the outage goes on"),
        Column("met", "bool", "availability.report verdict"),
        Column("last_seen", "ts", "heartbeat last seen"),
        Column("interval_seconds", "float", "heartbeat interval"),
        Column("revision", "int", "availability.report / sla.compliance revision"),
        Column("maintenance", "json", "maintenance that counted anyway (JSON list)"),
        Column("compliant", "bool", "sla.compliance: every aggregate target met"),
        Column("consecutive_noncompliant_months", "int", "sla.compliance: k of the credit"),
        Column("service_credit_percent", "float", "sla.compliance: the credit earned"),
        Column("rows", "json", "sla.compliance: the month's aggregate rows (JSON list)"),
    ),
    time_column="at",
    id_column="event_id",
)

CLOCK_STATES = Dataset(
    "clock_states",
    (
        Column("key", "str", "the record's key: tenant:ticket:clock (or the service's)"),
        Column("kind", "str", "NULL for a ticket clock, `availability` for a service month"),
        Column("ticket_id", "str", "the ticket"),
        Column("clock", "str", "the clock"),
        Column("ticket_kind", "str", "incident, question, … (the report's `kind`)"),
        Column("policy", "str", "policy id"),
        Column("policy_version", "str", "policy version"),
        Column("priority", "str", "current priority"),
        Column("cell", "str", "matrix cell"),
        Column("phase", "str", "open, closed, cancelled"),
        Column("status", "str", "running, paused, stopped, inactive"),
        Column("tier", "str", "hard, soft, same_day: the clock's goal"),
        Column("started_at", "ts", "clock start"),
        Column("deadline", "ts", "deadline as it stands"),
        Column("next_due", "ts", "next rung due"),
        Column("breached", "bool", "the breach fired"),
        Column("fired", "json", "rungs fired (JSON list)"),
        Column("elapsed_business_seconds", "float", "counted time"),
        Column("updated_at", "ts", "as of"),
        Column("hard_target", "str", "the plan's hard target, e.g. 6h"),
        Column("hard_calendar", "str", "its calendar"),
        Column("soft_target", "str", "the plan's soft target"),
        Column("soft_calendar", "str", "its calendar"),
        Column("pause_statuses", "json", "statuses that pause the clock (JSON list)"),
        Column("status_log", "json", "the ticket's status history (JSON list)"),
        Column("state", "json", "the clock's full state (JSON object)"),
        Column("service", "str", "availability: the service"),
        Column("target", "str", "availability: the target"),
        Column("period", "str", "availability: the month"),
        Column("target_percent", "float", "availability: the contract's figure"),
        Column("availability_percent", "float", "availability: the month so far"),
        Column("downtime_seconds", "float", "availability: counted downtime"),
        Column("budget_seconds", "float", "availability: the budget"),
        Column("measured_seconds", "float", "availability: the month's measured time"),
        Column("down_since", "ts", "availability: an outage going on since"),
        Column("exhausts_at", "ts", "availability: when the target is missed if it goes on"),
    ),
    time_column="updated_at",
    id_column=None,
)

DEAD_LETTERS = Dataset(
    "dead_letters",
    (
        Column("id", "str", "deterministic id (origin and reason)"),
        Column("reason", "str", "one line: what is wrong and what to do"),
        Column("raw", "str", "the original text"),
        Column("source", "json", "origin {topic, partition, offset} (JSON object)"),
        Column("dead_at", "ts", "when it was dead-lettered"),
        Column("event_id", "str", "the event's id, if it had one"),
        Column("ticket_id", "str", "its ticket, if known"),
    ),
    time_column="dead_at",
    id_column="id",
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (SIGNALS, CLOCK_STATES, DEAD_LETTERS)}


class RecordError(ValueError):
    """A record that cannot become a row (the reason is its dead letter's)."""


def build_table(
    dataset: Dataset, docs: list[dict[str, Any]], meta: dict[str, list[Any]]
) -> pa.Table:
    """The Arrow table of ``docs`` (decoded records of one tenant and month) with the meta
    columns ``meta`` (``kafka_topic`` … ``sink_written_at``, one value per doc). Raises
    ``pa.ArrowInvalid``/``ArrowTypeError`` on a value of the wrong type (the caller then
    finds the record responsible, :func:`check_record`)."""
    arrays = []
    for col in dataset.columns:
        values = [d.get(col.name) for d in docs]
        arrays.append(_array(col, values))
    known = dataset.names | {"tenant"}
    extra = []
    for d in docs:
        rest = {k: v for k, v in d.items() if k not in known}
        extra.append(orjson.dumps(rest).decode() if rest else None)
    arrays.append(pa.array(extra, pa.string()))
    arrays.append(pa.array([SCHEMA_VERSION] * len(docs), pa.int64()))
    for col in META_COLUMNS[2:]:
        arrays.append(_array(col, meta[col.name]))
    schema = dataset.arrow_schema().with_metadata(
        {METADATA_KEY: f"{dataset.name}/{SCHEMA_VERSION}".encode()}
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(col: Column, values: list[Any]) -> pa.Array:
    """One column. Arrow refuses a non-string in a string column and a non-boolean in a
    boolean one by itself; it would turn ``true`` into ``1.0`` and ``1.5`` into ``1``, which
    the type set (a C loop) catches first."""
    if col.kind == "json":
        return pa.array(
            [None if v is None else orjson.dumps(v).decode() for v in values], pa.string()
        )
    if col.kind == "ts":
        return pa.array(values, pa.string()).cast(col.arrow)
    if col.kind in ("float", "int"):
        types = set(map(type, values))
        if bool in types:
            raise pa.ArrowTypeError(f"{col.name}: a boolean is not a number")
        if (
            col.kind == "int"
            and float in types
            and not all(v.is_integer() for v in values if type(v) is float)
        ):
            raise pa.ArrowTypeError(f"{col.name}: not an integer")
    return pa.array(values, col.arrow)


def check_record(dataset: Dataset, doc: dict[str, Any]) -> str | None:
    """Why ``doc`` cannot be a row of ``dataset`` (``None``: it can)."""
    for col in dataset.columns:
        try:
            _array(col, [doc.get(col.name)])
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            return f"field {col.name!r}: {str(exc).splitlines()[0][:160]}"
    t = doc.get(dataset.time_column)
    if t is None:
        return f"no {dataset.time_column!r} (the month partition comes from it)"
    return None


def decode(value: bytes | None) -> dict[str, Any]:
    """A record's JSON object, or :class:`RecordError` saying why not."""
    if value is None:
        raise RecordError("empty value (a tombstone): nothing to store")
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise RecordError(f"a record must be a JSON object, got {type(doc).__name__}")
    tenant = doc.get("tenant")
    if tenant is not None and not isinstance(tenant, str):
        raise RecordError("field 'tenant' is not a string")
    return doc
