"""The sink's files and views, without Kafka: partitioning, atomic writes, bad records as
dead letters, duplicates removed at query time, and an old-schema file read by today's views.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streams.sink.query import connect
from streams.sink.schema import SCHEMA_VERSION, SIGNALS
from streams.sink.store import open_store
from streams.sink.writer import SinkWriter


def signal(event_id: str, tenant: str = "acme", at: str = "2026-03-02T09:00:00+00:00", **kw):
    doc = {
        "event_id": event_id,
        "type": "sla.breach",
        "tenant": tenant,
        "ticket_id": "T-1",
        "clock": "response",
        "policy": "bokumo-ict",
        "policy_version": "25.1",
        "priority": "hoog",
        "deadline": at,
        "at": at,
        "observed_at": at,
        "elapsed_business_seconds": 3600.0,
        "elapsed_wall_seconds": 3600.0,
    }
    doc.update(kw)
    return orjson.dumps(doc)


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_partitioned_by_tenant_and_utc_month_with_no_temporary_file_left(tmp_path: Path) -> None:
    w = SinkWriter(open_store(tmp_path))
    w.add("signals", signal("a", "acme"), "sla.breaches", 0, 1)
    w.add("signals", signal("b", "acme", at="2026-03-31T23:30:00+00:00"), "sla.breaches", 0, 2)
    # 1 April 00:30 in Amsterdam is 31 March 22:30 UTC: the partition is the UTC month
    w.add("signals", signal("c", "acme", at="2026-04-01T00:30:00+02:00"), "sla.breaches", 0, 3)
    w.add("signals", signal("d", "x/y z"), "sla.breaches", 1, 7)
    written = w.flush()
    assert len(written) == 2
    names = files(tmp_path)
    assert all(n.endswith(".parquet") and "/.tmp-" not in n for n in names)
    assert {n.rsplit("/", 1)[0] for n in names} == {
        "signals/tenant=acme/month=2026-03",
        "signals/tenant=x%2Fy%20z/month=2026-03",  # percent-encoded, Hive style
    }
    con = connect(tmp_path)
    rows = con.execute(
        "SELECT event_id, tenant, month, kafka_partition, kafka_offset, schema_version "
        "FROM signals ORDER BY event_id"
    ).fetchall()
    assert rows == [
        ("a", "acme", "2026-03", 0, 1, SCHEMA_VERSION),
        ("b", "acme", "2026-03", 0, 2, SCHEMA_VERSION),
        ("c", "acme", "2026-03", 0, 3, SCHEMA_VERSION),
        ("d", "x/y z", "2026-03", 1, 7, SCHEMA_VERSION),
    ]
    meta = pq.read_metadata(tmp_path / names[0]).metadata
    assert meta[b"slawatch.schema"] == f"signals/{SCHEMA_VERSION}".encode()


def test_duplicates_are_written_and_removed_by_the_views(tmp_path: Path) -> None:
    w = SinkWriter(open_store(tmp_path))
    for _ in range(2):  # a restart reads the records after its last commit again
        w.add("signals", signal("a"), "sla.breaches", 0, 1)
        w.add("signals", signal("b"), "sla.breaches", 0, 2)
        w.flush()
    con = connect(tmp_path)
    assert con.execute("SELECT count(*) FROM signals_raw").fetchone() == (4,)
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM signals").fetchone() == (
        2,
        2,
    )


def test_clock_states_view_keeps_the_latest_record_per_key(tmp_path: Path) -> None:
    w = SinkWriter(open_store(tmp_path))

    def rec(status: str, updated: str, offset: int) -> None:
        doc = {
            "key": "acme:T-1:response",
            "tenant": "acme",
            "ticket_id": "T-1",
            "clock": "response",
            "status": status,
            "updated_at": updated,
            "state": {"stops": []},
        }
        w.add("clock_states", orjson.dumps(doc), "sla.clock-states", 3, offset)

    rec("running", "2026-03-02T09:00:00+00:00", 10)
    rec("stopped", "2026-03-02T10:00:00+00:00", 11)
    w.flush()
    rec("stopped", "2026-03-02T10:00:00+00:00", 11)  # read again after a restart
    w.flush()
    con = connect(tmp_path)
    assert con.execute("SELECT key, status FROM clock_states").fetchall() == [
        ("acme:T-1:response", "stopped")
    ]
    assert con.execute("SELECT count(*) FROM clock_state_history").fetchone() == (2,)


def test_bad_records_become_dead_letters_with_their_reason(tmp_path: Path) -> None:
    w = SinkWriter(open_store(tmp_path), wall=lambda: 1_772_442_000.0)  # 2026-03-02 09:00 UTC
    w.add("signals", b"{not json", "sla.breaches", 0, 5)
    w.add("signals", b"[1, 2]", "sla.breaches", 0, 6)
    w.add("signals", signal("ok"), "sla.breaches", 0, 7)
    w.add("signals", signal("bad", elapsed_business_seconds="an hour"), "sla.breaches", 0, 8)
    w.add("signals", signal("naive", at="2026-03-02T09:00:00"), "sla.breaches", 0, 9)
    w.add("clock_states", None, "sla.clock-states", 0, 10)  # a tombstone: nothing to store
    w.flush()
    assert w.stats.dead == 4 and w.stats.tombstones == 1
    con = connect(tmp_path)
    assert con.execute("SELECT event_id FROM signals").fetchall() == [("ok",)]
    dead = con.execute(
        "SELECT tenant, json_extract(source, '$.offset')::INT, reason FROM dead_letters ORDER BY 2"
    ).fetchall()
    assert [(t, o) for t, o, _ in dead] == [(None, 5), (None, 6), ("acme", 8), ("acme", 9)]
    reasons = [r for _, _, r in dead]
    assert reasons[0].startswith("analytics sink: not valid JSON")
    assert reasons[1] == "analytics sink: a record must be a JSON object, got list"
    assert "elapsed_business_seconds" in reasons[2]
    assert "no UTC offset" in reasons[3]


def test_a_file_of_an_older_schema_reads_with_null_in_the_new_columns(tmp_path: Path) -> None:
    # A signals file as a version before `revision`, `compliant`, … existed would have
    # written it: a subset of today's columns, no `extra`, no schema metadata.
    old = pa.table(
        {
            "event_id": ["old-1"],
            "type": ["sla.met"],
            "ticket_id": ["T-9"],
            "clock": ["response"],
            "policy": ["covide"],
            "policy_version": ["1.0"],
            "at": pa.array(["2026-01-05T10:00:00+00:00"]).cast(pa.timestamp("us", "UTC")),
            "kafka_topic": ["sla.verdicts"],
            "kafka_partition": pa.array([0], pa.int64()),
            "kafka_offset": pa.array([1], pa.int64()),
        }
    )
    part = tmp_path / "signals" / "tenant=umbrella" / "month=2026-01"
    part.mkdir(parents=True)
    pq.write_table(old, part / "part-old.parquet")
    con = connect(tmp_path)  # only old files: the current columns exist all the same
    assert con.execute(
        "SELECT event_id, tenant, revision, compliant, elapsed_business_seconds, extra FROM signals"
    ).fetchall() == [("old-1", "umbrella", None, None, None, None)]
    # and beside a file of today's schema
    w = SinkWriter(open_store(tmp_path))
    w.add(
        "signals",
        signal(
            "new-1", "umbrella", at="2026-01-06T10:00:00+00:00", revision=2, future_field={"x": 1}
        ),
        "sla.verdicts",
        0,
        2,
    )
    w.flush()
    con = connect(tmp_path)
    assert con.execute(
        "SELECT event_id, revision, elapsed_business_seconds, extra FROM signals ORDER BY 1"
    ).fetchall() == [
        ("new-1", 2, 3600.0, '{"future_field":{"x":1}}'),
        ("old-1", None, None, None),
    ]
    # every column of the current schema is documented in the view
    names = {d[0] for d in con.execute("SELECT * FROM signals LIMIT 0").description}
    assert {c.name for c in SIGNALS.columns} <= names


def test_an_empty_sink_has_every_view(tmp_path: Path) -> None:
    con = connect(tmp_path / "nothing-yet")
    for view in ("signals", "verdicts", "clock_states", "dead_letters", "clock_state_history"):
        assert con.execute(f"SELECT count(*) FROM {view}").fetchone() == (0,)


def test_a_filesystem_url_store(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    store = open_store("memory://slawatch-test/sink")
    w = SinkWriter(store)
    w.add("signals", signal("m1", "acme"), "sla.breaches", 0, 1)
    w.add("signals", signal("m1", "acme"), "sla.breaches", 0, 1)
    (path,) = w.flush()
    assert path.startswith("signals/tenant=acme/month=2026-03/part-")
    con = connect(store)
    assert con.execute("SELECT event_id, tenant, month FROM signals").fetchall() == [
        ("m1", "acme", "2026-03")
    ]


def test_compaction_merges_a_partition_without_changing_what_the_views_say(
    tmp_path: Path,
) -> None:
    from streams.sink.compact import compact

    store = open_store(tmp_path)
    w = SinkWriter(store)
    for i in range(20):  # 20 flushes: 20 small files in one partition, one duplicate record
        w.add("signals", signal(f"s{i}"), "sla.breaches", 0, i)
        if i == 7:
            w.add("signals", signal("s7"), "sla.breaches", 0, 7)
        w.flush()
    # and a file of an older schema (fewer columns)
    part = tmp_path / "signals" / "tenant=acme" / "month=2026-03"
    pq.write_table(pa.table({"event_id": ["old"], "type": ["sla.met"]}), part / "part-old.parquet")
    w.add("signals", signal("other", "globex"), "sla.breaches", 0, 99)  # one file: untouched
    w.flush()
    before = connect(tmp_path).execute("SELECT * FROM signals ORDER BY event_id").fetchall()
    stats = compact(store, min_files=16)
    assert (stats.partitions, stats.files_in, stats.files_out, stats.rows) == (1, 21, 1, 22)
    assert len(list(part.glob("*.parquet"))) == 1
    after = connect(tmp_path).execute("SELECT * FROM signals ORDER BY event_id").fetchall()
    # the same rows, column for column (sink_written_at included: the records are copied)
    assert after == before and len(after) == 22
    assert compact(store, min_files=16).partitions == 0  # nothing left to merge
