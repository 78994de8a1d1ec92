"""The Redis read model (streams.sinks.redis_model) and ``slawatch at-risk``/``breaches``,
against the session's real redis-server. Each test writes under its own key prefix."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from typer.testing import CliRunner

from calendars.timeline import us_of
from models.durations import format_left
from streams.cli.at_risk_cmd import parse_duration
from streams.clock import SimClock
from streams.sinks.redis_model import ReadModel, ReadModelError

pytestmark = [pytest.mark.integration]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def client(redis_server) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_server.url)
    yield c
    c.close()


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}:slawatch:"


def record(
    ticket: str,
    clock: str = "response",
    *,
    deadline: str | None = "2026-04-02T14:30:00+00:00",
    status: str = "running",
    phase: str = "open",
    updated_at: str = "2026-04-02T14:02:00+00:00",
    tenant: str = "acme",
    priority: str = "kritiek",
) -> dict[str, Any]:
    """A clock record shaped like ``Engine.clock_records`` (state trimmed)."""
    return {
        "key": f"{tenant}:{ticket}:{clock}",
        "tenant": tenant,
        "ticket_id": ticket,
        "clock": clock,
        "policy": "bokumo-ict",
        "policy_version": "25.1",
        "priority": priority,
        "cell": "company_wide/hoog",
        "phase": phase,
        "status": status,
        "tier": "hard",
        "started_at": "2026-04-02T14:00:00+00:00",
        "deadline": deadline,
        "next_due": None,
        "breached": False,
        "fired": [],
        "elapsed_business_seconds": 120.0,
        "updated_at": updated_at,
        "state": {"name": clock},
    }


def breach(event_id: str, at: str, *, kind: str = "sla.breach", ticket: str = "INC-1") -> dict:
    return {
        "event_id": event_id,
        "type": kind,
        "tenant": "acme",
        "ticket_id": ticket,
        "clock": "resolution",
        "policy": "bokumo-ict",
        "policy_version": "25.1",
        "priority": "kritiek",
        "deadline": at,
        "at": at,
    }


def write(client: redis.Redis, model: ReadModel, records=(), signals=()) -> list:
    pipe = client.pipeline(transaction=False)
    model.queue(pipe, records, signals)
    return pipe.execute()


def store_clock(client: redis.Redis, prefix: str, clock: SimClock) -> None:
    """What a worker writes with every batch: the clock it runs on."""
    pipe = client.pipeline(transaction=False)
    ReadModel(prefix).queue_runtime_clock(pipe, clock)
    pipe.execute()


def keys_of(rows: list[dict]) -> list[str]:
    return [r["key"] for r in rows]


NOW = datetime(2026, 4, 2, 14, 10, tzinfo=UTC)


def test_open_clocks_ordered_by_deadline(client, prefix):
    model = ReadModel(prefix)
    write(
        client,
        model,
        [
            record("INC-3", deadline="2026-04-02T18:00:00+00:00"),
            record("INC-1", deadline="2026-04-02T14:30:00+00:00"),
            record("INC-2", "resolution", deadline="2026-04-02T16:00:00+02:00"),  # 14:00Z
            record("INC-4", deadline=None),  # no deadline: not in the due set
            record("INC-5", deadline="2026-04-02T15:00:00+00:00", status="paused"),
            record("SR:7", deadline="2026-04-02T20:00:00+00:00"),  # a ':' in the ticket id
        ],
    )
    rows = model.at_risk(client, "acme", NOW)
    assert keys_of(rows) == [
        "acme:INC-2:resolution",
        "acme:INC-1:response",
        "acme:INC-5:response",
        "acme:INC-3:response",
        "acme:SR:7:response",
    ]
    assert client.zscore(f"{prefix}{{acme}}:due", "INC-1:response") == 1775140200.0
    # the record is stored as received, state included
    stored = model.clock(client, "acme", "INC-4", "response")
    assert stored is not None and stored["state"] == {"name": "response"}
    assert stored["deadline"] is None
    assert model.clock(client, "acme", "INC-9", "response") is None
    assert model.tenants(client) == ["acme"]


def test_at_risk_window_includes_overdue(client, prefix):
    model = ReadModel(prefix)
    write(
        client,
        model,
        [
            record("LATE", deadline="2026-04-02T13:00:00+00:00"),  # overdue by 1h10m
            record("SOON", deadline="2026-04-02T14:40:00+00:00"),  # in 30 min
            record("EDGE", deadline="2026-04-02T16:10:00+00:00"),  # exactly now + 2h
            record("LATER", deadline="2026-04-02T16:10:01+00:00"),  # 1 s outside
        ],
    )
    rows = model.at_risk(client, "acme", NOW, timedelta(hours=2))
    assert keys_of(rows) == ["acme:LATE:response", "acme:SOON:response", "acme:EDGE:response"]
    rows = model.at_risk(client, "acme", NOW, timedelta(0))
    assert keys_of(rows) == ["acme:LATE:response"]
    assert keys_of(model.at_risk(client, "acme", NOW, limit=2)) == [
        "acme:LATE:response",
        "acme:SOON:response",
    ]
    # another tenant sees nothing of acme's
    assert model.at_risk(client, "globex", NOW) == []


def test_finished_clocks_leave_the_set_and_expire(client, prefix):
    model = ReadModel(prefix, finished_ttl=3600)
    write(client, model, [record(t) for t in ("A", "B", "C", "D")])
    assert len(model.at_risk(client, "acme", NOW)) == 4
    write(
        client,
        model,
        [
            record("A", status="stopped", updated_at="2026-04-02T14:05:00+00:00"),
            record("B", status="inactive", updated_at="2026-04-02T14:05:00+00:00"),
            record("C", phase="closed", status="stopped", updated_at="2026-04-02T14:05:00+00:00"),
            record("D", phase="cancelled", updated_at="2026-04-02T14:05:00+00:00"),
        ],
    )
    assert model.at_risk(client, "acme", NOW) == []
    assert client.zcard(f"{prefix}{{acme}}:due") == 0
    for ticket in ("A", "B", "C", "D"):
        key = f"{prefix}{{acme}}:clock:{ticket}:response"
        assert 0 < client.ttl(key) <= 3600
        assert model.clock(client, "acme", ticket, "response") is not None  # still readable
    # a clock that comes back (reopened) loses its expiry and is due again
    write(client, model, [record("A", updated_at="2026-04-02T14:06:00+00:00")])
    assert client.ttl(f"{prefix}{{acme}}:clock:A:response") == -1
    assert keys_of(model.at_risk(client, "acme", NOW)) == ["acme:A:response"]


def test_stale_record_does_not_overwrite_newer(client, prefix):
    model = ReadModel(prefix)
    newer = record("INC-1", status="stopped", updated_at="2026-04-02T14:20:00+00:00")
    older = record("INC-1", deadline="2026-04-02T14:30:00+00:00", updated_at="2026-04-02T14:02:00Z")
    assert write(client, model, [newer, older])[:2] == [1, 0]
    stored = model.clock(client, "acme", "INC-1", "response")
    assert stored["status"] == "stopped" and stored["updated_at"] == "2026-04-02T14:20:00+00:00"
    assert model.at_risk(client, "acme", NOW) == []  # the stale one did not re-enter the set
    # same instant again (redelivery): written again, nothing changes
    assert write(client, model, [newer])[0] == 1
    assert model.clock(client, "acme", "INC-1", "response") == stored
    # an instant given in another offset compares as an instant: 16:21+02:00 is newer
    newest = record(
        "INC-1", deadline="2026-04-02T15:00:00+00:00", updated_at="2026-04-02T16:21:00+02:00"
    )
    assert write(client, model, [newest])[0] == 1
    assert keys_of(model.at_risk(client, "acme", NOW)) == ["acme:INC-1:response"]


def test_breaches_newest_first_deduplicated_and_capped(client, prefix):
    model = ReadModel(prefix, breaches_kept=3)
    b1 = breach("id-1", "2026-04-02T14:30:00+00:00")
    b2 = breach("id-2", "2026-04-02T16:00:00+00:00", kind="sla.missed")
    b3 = breach("id-3", "2026-04-02T15:00:00+00:00")
    warning = {**breach("id-w", "2026-04-02T14:15:00+00:00"), "type": "sla.warning"}
    met = {**breach("id-m", "2026-04-02T17:00:00+00:00"), "type": "sla.met"}
    write(client, model, signals=[b1, b2, warning, met, b3, b1])  # b1 twice in one batch
    write(client, model, signals=[b2])  # and b2 re-delivered later
    rows = model.recent_breaches(client, "acme", limit=10)
    assert [r["event_id"] for r in rows] == ["id-2", "id-3", "id-1"]
    assert rows[0] == b2
    assert client.zcard(f"{prefix}{{acme}}:breaches") == 3
    assert [r["event_id"] for r in model.recent_breaches(client, "acme", limit=1)] == ["id-2"]
    # a fourth pushes out the oldest (by `at`), from the index and the data hash
    avail = {
        "event_id": "id-4",
        "type": "availability.breach",
        "tenant": "acme",
        "policy": "bokumo-ict",
        "policy_version": "25.1",
        "at": "2026-04-30T22:00:00+00:00",
        "service": "portal",
        "period": "2026-04",
        "target_percent": 99.5,
    }
    write(client, model, signals=[avail])
    rows = model.recent_breaches(client, "acme", limit=10)
    assert [r["event_id"] for r in rows] == ["id-4", "id-2", "id-3"]
    assert not client.hexists(f"{prefix}{{acme}}:breaches:data", "id-1")
    assert client.hlen(f"{prefix}{{acme}}:breaches:data") == 3


def test_async_client_writes_the_same_as_sync(client, redis_server, prefix):
    sync_prefix, async_prefix = f"sync-{prefix}", f"async-{prefix}"
    records = [
        record("INC-1", deadline="2026-04-02T15:00:00+00:00"),
        record("INC-2", deadline="2026-04-02T14:20:00+00:00"),
        record("INC-3", status="stopped"),
        record("INC-2", deadline="2026-04-02T13:00:00+00:00", updated_at="2026-04-02T14:00:00Z"),
    ]
    signals = [breach("id-1", "2026-04-02T14:30:00+00:00")] * 2
    client.script_flush()  # the pipelines must load the scripts themselves
    write(client, ReadModel(sync_prefix, finished_ttl=600), records, signals)

    async def run() -> list:
        aclient = aioredis.Redis.from_url(redis_server.url)
        try:
            await aclient.script_flush()
            pipe = aclient.pipeline(transaction=False)
            ReadModel(async_prefix, finished_ttl=600).queue(pipe, records, signals)
            return await pipe.execute()
        finally:
            await aclient.aclose()

    results = asyncio.run(run())
    assert results[:4] == [1, 1, 1, 0]

    def dump(p: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in client.scan_iter(match=f"{p}*"):
            name = key.decode()[len(p) :]
            kind = client.type(key).decode()
            if kind == "hash":
                out[name] = client.hgetall(key)
            elif kind == "zset":
                out[name] = client.zrange(key, 0, -1, withscores=True)
            else:
                out[name] = client.smembers(key)
            out[name + " ttl>0"] = client.ttl(key) > 0
        return out

    sync_dump, async_dump = dump(sync_prefix), dump(async_prefix)
    assert sync_dump == async_dump
    assert sorted(sync_dump) == sorted(
        [
            "{acme}:due",
            "{acme}:due ttl>0",
            "{acme}:clock:INC-1:response",
            "{acme}:clock:INC-1:response ttl>0",
            "{acme}:clock:INC-2:response",
            "{acme}:clock:INC-2:response ttl>0",
            "{acme}:clock:INC-3:response",
            "{acme}:clock:INC-3:response ttl>0",
            "{acme}:breaches",
            "{acme}:breaches ttl>0",
            "{acme}:breaches:data",
            "{acme}:breaches:data ttl>0",
            "tenants",
            "tenants ttl>0",
        ]
    )
    assert sync_dump["{acme}:due"] == [
        (b"INC-2:response", 1775139600.0),
        (b"INC-1:response", 1775142000.0),
    ]
    assert sync_dump["{acme}:clock:INC-3:response ttl>0"] is True


def test_plain_eval_path_for_other_pipelines(client, prefix):
    """Anything without redis-py's ``scripts`` set gets EVAL with the script text."""

    class Recorder:
        def __init__(self) -> None:
            self.calls: list[tuple] = []

        def __getattr__(self, name: str):
            return lambda *args: self.calls.append((name, *args))

    rec = Recorder()
    ReadModel(prefix).queue(rec, [record("INC-1")], [])
    assert [c[0] for c in rec.calls] == ["eval", "sadd"]
    assert rec.calls[0][2:4] == (2, f"{prefix}{{acme}}:clock:INC-1:response")


def test_engine_records_from_the_example_replay(client, prefix):
    """Real records from the engine: acme's response clock has stopped (INC-1 responded),
    its resolution clock is open and overdue; hooli's S-1 has both clocks open."""
    from streams.cli.policies import registry as load_registry
    from streams.replay import replay

    registry = load_registry(REPO / "examples/tenants.yaml")
    result = replay((REPO / "examples/events.jsonl").read_bytes().splitlines(), registry)
    engine = result.engine
    records = [r for key in list(engine.tickets) for r in engine.clock_records(key)]
    signals = [s.to_dict() for s in result.signals]
    model = ReadModel(prefix)
    write(client, model, records, signals)
    now = datetime(2026, 4, 10, 11, 0, tzinfo=UTC)
    assert keys_of(model.at_risk(client, "acme", now)) == ["acme:INC-1:resolution"]
    assert keys_of(model.at_risk(client, "hooli", now)) == [
        "hooli:S-1:response",
        "hooli:S-1:resolution",
    ]
    # the stopped registration clock of initech is kept (with an expiry) but not due
    assert model.at_risk(client, "initech", now) == []
    assert model.clock(client, "initech", "X-9", "registration")["status"] == "stopped"
    assert client.ttl(f"{prefix}{{initech}}:clock:X-9:registration") > 0
    breaches = model.recent_breaches(client, "acme", limit=50)
    assert [(b["type"], b["ticket_id"], b["clock"], b["at"]) for b in breaches] == [
        ("sla.breach", "INC-1", "resolution", "2026-04-02T16:00:00+00:00")
    ]


def test_availability_records_from_the_monitoring_example(client, prefix):
    """The availability engine's records of examples/monitoring.jsonl (March 2026) land in
    ``P{T}:availability``, one per service and target; an older record never overwrites a
    newer one; the availability breach is among the recent breaches."""
    from streams.cli.policies import registry as load_registry
    from streams.replay import replay

    registry = load_registry(REPO / "examples/tenants.yaml")
    lines = (REPO / "examples/monitoring.jsonl").read_bytes().splitlines()
    result = replay(lines, registry, until=datetime(2026, 3, 25, tzinfo=UTC))
    eng = result.availability
    records = [r for tenant in sorted(eng.tenants) for r in eng.records(tenant)]
    model = ReadModel(prefix)
    write(client, model, records, [s.to_dict() for s in result.signals])
    (hooli,) = model.availability(client, "hooli")
    # 1.5 h (Tue 10 Mar, maintenance from 15:00 breaks "not before 16:00") + 1.75 h (Thu
    # 19 Mar) = 3.25 h of 743 h: 100 × (1 − 3.25 / 743) = 99.5626 %
    assert (hooli["service"], hooli["target"], hooli["period"]) == (
        "webservice",
        "webservice",
        "2026-03",
    )
    assert (hooli["downtime_seconds"], hooli["availability_percent"]) == (11700, 99.5626)
    assert hooli["breached"] is True and hooli["down_since"] is None
    stale = {**hooli, "availability_percent": 100.0, "updated_at": "2026-03-01T00:00:00+00:00"}
    write(client, model, [stale], [])
    assert model.availability(client, "hooli")[0]["availability_percent"] == 99.5626
    breaches = model.recent_breaches(client, "hooli")
    assert [(b["type"], b["service"]) for b in breaches] == [("availability.breach", "webservice")]


def test_a_revised_report_replaces_the_months_figure(client, prefix):
    """Bokumo web down Wed 4 Mar 09:00, the clock at 10 May before its up of 10:00 is read:
    March (10.9017 %) and April (0 %) are reported; the late up revises both. ``P{T}:reports``
    keeps each month's latest revision, also when revision 0 is delivered again later."""
    from models.contracts import load_policies, tenants_from_data
    from models.events import parse_event
    from streams.availability.engine import AvailabilityEngine

    registry = tenants_from_data({"tenants": {"bok": {"policy": "bokumo-ict"}}}, load_policies())
    eng = AvailabilityEngine(registry, events_advance_time=False)

    def event(i: str, kind: str, at: str) -> Any:
        return parse_event(
            {"event_id": i, "type": kind, "tenant": "bok", "service": "web", "at": at}
        )

    first = eng.apply(event("d", "monitor.down", "2026-03-04T09:00:00+01:00"))
    first += eng.advance(datetime(2026, 5, 10, 10, tzinfo=UTC))
    late = eng.apply(event("u", "monitor.up", "2026-03-04T10:00:00+01:00"))
    model = ReadModel(prefix)

    def months() -> list[tuple[str, int, float, bool]]:
        return [
            (r["period"], r["revision"], r["availability_percent"], r["met"])
            for r in model.reports(client, "bok")
        ]

    write(client, model, [], [s.to_dict() for s in first])
    assert months() == [("2026-03", 0, 10.9017, False), ("2026-04", 0, 0.0, False)]
    write(client, model, [], [s.to_dict() for s in late])
    # one hour of 743: 100 × (1 − 1/743) = 99.8654 %; April never down
    assert months() == [("2026-03", 1, 99.8654, True), ("2026-04", 1, 100.0, True)]
    write(client, model, [], [s.to_dict() for s in first])  # at-least-once: again, late
    assert months() == [("2026-03", 1, 99.8654, True), ("2026-04", 1, 100.0, True)]


# -- the command line -------------------------------------------------------------------


def test_parse_duration_and_format_left():
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("1week") == timedelta(days=7)
    for bad in ("", "2", "2x", "h", "2h junk"):
        with pytest.raises(Exception, match=r"e\.g\.|units: "):
            parse_duration(bad)
    with pytest.raises(Exception, match=r"'d' is ambiguous"):  # a workday or 24 h?
        parse_duration("1d")
    assert format_left(1500) == "25m"
    assert format_left(7500) == "2h05m"
    assert format_left(-4200) == "-1h10m"
    assert format_left(-45) == "-45s"
    assert format_left(97200) == "1d03h"


@pytest.fixture
def cli():
    from streams.cli import _register, app

    _register()
    return CliRunner(env={"COLUMNS": "200"}), app  # wide: no wrapped table cells


def test_cli_at_risk_json_and_table(client, prefix, redis_server, cli):
    runner, app = cli
    model = ReadModel(prefix)
    write(
        client,
        model,
        [
            record("LATE", deadline="2026-04-02T13:00:00+00:00"),
            record("SOON", "resolution", deadline="2026-04-02T14:40:00+00:00", priority="hoog"),
            record("FAR", deadline="2026-04-03T14:40:00+00:00"),
        ],
    )
    base = ["at-risk", "--tenant", "acme", "--redis-url", redis_server.url, "--prefix", prefix]
    res = runner.invoke(
        app, [*base, "--within", "2h", "--now", "2026-04-02T16:10:00+02:00", "--json"]
    )
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(x["ticket_id"], x["clock"], x["seconds_left"]) for x in lines] == [
        ("LATE", "response", -4200.0),
        ("SOON", "resolution", 1800.0),
    ]
    assert "state" not in lines[0]

    res = runner.invoke(
        app, [*base, "--within", "2h", "--now", "2026-04-02T14:10:00Z", "--tz", "Europe/Amsterdam"]
    )
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "LATE" in out and "SOON" in out and "FAR" not in out
    assert "-1h10m" in out and "30m" in out
    assert "2026-04-02 15:00 CEST" in out  # 13:00Z in Amsterdam
    assert out.index("LATE") < out.index("SOON")

    # default zone: the policy's calendar (bokumo-ict: Europe/Amsterdam)
    res = runner.invoke(app, [*base, "--now", "2026-04-02T14:10:00Z"])
    assert res.exit_code == 0, res.output
    assert "2026-04-03 16:40 CEST" in res.stdout  # FAR, shown without a window

    res = runner.invoke(app, ["at-risk", "--tenant", "nobody", "--redis-url", redis_server.url])
    assert res.exit_code == 0 and "no open clocks" in res.stdout


def test_cli_breaches(client, prefix, redis_server, cli):
    runner, app = cli
    write(
        client,
        ReadModel(prefix),
        signals=[
            breach("id-1", "2026-04-02T14:30:00+00:00", ticket="INC-1"),
            breach("id-2", "2026-04-02T16:00:00+00:00", ticket="INC-2", kind="sla.missed"),
        ],
    )
    base = ["breaches", "--tenant", "acme", "--redis-url", redis_server.url, "--prefix", prefix]
    res = runner.invoke(app, [*base, "--json"])
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["event_id"] for x in res.stdout.splitlines()] == ["id-2", "id-1"]
    assert json.loads(res.stdout.splitlines()[0])["type"] == "sla.missed"
    res = runner.invoke(app, [*base, "--limit", "1", "--tz", "UTC"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "acme: the latest breaches, newest first (2026; times UTC)"
    assert lines[1].split() == ["at", "type", "ticket", "clock", "priority", "deadline"]
    assert lines[3].split() == ["02", "Apr", "16:00", "missed", "INC-2", "resolution",
                                "kritiek", "02", "Apr", "16:00"]  # fmt: skip
    assert "INC-1" not in res.stdout


def test_cli_unreachable_redis_and_bad_window(cli):
    runner, app = cli
    res = runner.invoke(
        app, ["at-risk", "--tenant", "acme", "--redis-url", "redis://127.0.0.1:1/0"]
    )
    assert res.exit_code == 2
    assert "unreachable" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(
        app, ["breaches", "--tenant", "acme", "--redis-url", "redis://127.0.0.1:1/0"]
    )
    assert res.exit_code == 2
    res = runner.invoke(app, ["at-risk", "--tenant", "acme", "--within", "soon"])
    assert res.exit_code == 2


def test_cli_services_from_the_read_model(client, prefix, redis_server, cli):
    """``slawatch services``: each monitored service's month so far, as the runtime wrote it
    (here: the availability records of examples/monitoring.jsonl up to 19 Mar 10:30, while
    hooli's webservice is down since 10:00 with 1.5 h counted of a 2.972 h budget)."""
    from streams.cli.policies import registry as load_registry
    from streams.replay import replay

    runner, app = cli
    registry = load_registry(REPO / "examples/tenants.yaml")
    lines = (REPO / "examples/monitoring.jsonl").read_bytes().splitlines()
    upto = [x for x in lines if b'"mon-025"' not in x and b'"mon-026"' not in x]  # before 10:30
    assert len(upto) == 24
    until = datetime(2026, 3, 19, 9, 30, tzinfo=UTC)  # 10:30 Amsterdam
    eng = replay(upto, registry, until=until).availability
    write(client, ReadModel(prefix), eng.records("hooli"), [])
    base = ["services", "--tenant", "hooli", "--redis-url", redis_server.url, "--prefix", prefix]
    res = runner.invoke(app, [*base, "--json"])
    assert res.exit_code == 0, res.output
    (rec,) = [json.loads(x) for x in res.stdout.splitlines()]
    # 1.5 h (10 Mar) + 0.5 h since 10:00 = 2 h = 7200 s; going on, the budget (2 h 58 m
    # 19.2 s) is used up 58 m 19.2 s after 10:30: 11:28:19.2 (+1 µs) Amsterdam
    assert (rec["service"], rec["downtime_seconds"], rec["breached"]) == ("webservice", 7200, False)
    assert rec["down_since"] == "2026-03-19T09:00:00+00:00"
    assert rec["exhausts_at"] == "2026-03-19T10:28:19.200001+00:00"
    # the runtime's clock at 10:45 Amsterdam: the outage goes on, the target is not lost yet
    at_1045 = datetime(2026, 3, 19, 9, 45, tzinfo=UTC)
    store_clock(client, prefix, SimClock(us_of(at_1045), 0, 0.0))
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "hooli: availability per service at Thu 19 Mar 2026 10:45 CET"
    assert lines[1].split() == ["service", "month", "availability", "target", "downtime",
                                "budget", "updated"]  # fmt: skip
    assert lines[3].split() == ["webservice", "2026-03", "99.7308", "%", "99.6", "%", "2h00m",
                                "2h58m", "19", "Mar", "10:30"]  # fmt: skip
    assert lines[4] == (
        "webservice is down since 19 Mar 10:00; if it goes on, the 2026-03 target is missed "
        "at 19 Mar 11:28"
    )
    assert "now: the runtime's simulated clock, frozen; times Europe/Amsterdam" in res.stdout
    # at 11:30 it has been missed (the record is the runtime's last, from 10:30)
    store_clock(client, prefix, SimClock(us_of(at_1045 + timedelta(minutes=45)), 0, 0.0))
    res = runner.invoke(app, base)
    assert "the 2026-03 target was missed at 19 Mar 11:28" in " ".join(res.stdout.split())
    res = runner.invoke(app, ["services", "--tenant", "nobody", "--redis-url", redis_server.url])
    assert res.exit_code == 0 and "no monitored services" in res.stdout


def test_the_runtime_clock_is_stored_and_read_back(client, prefix):
    model = ReadModel(prefix)
    demo = SimClock(us_of(datetime(2026, 3, 2, 7, tzinfo=UTC)), 1_796_000_000_123_456, 600.0)
    assert model.runtime_clock(client) is None  # no worker has written yet
    store_clock(client, prefix, demo)
    assert model.runtime_clock(client) == demo
    assert json.loads(client.get(f"{prefix}runtime-clock")) == {
        "start": "2026-03-02T07:00:00+00:00",
        "origin": "2026-11-30T00:53:20.123456+00:00",
        "speed": 600.0,
    }
    store_clock(client, prefix, SimClock())  # a worker on the wall clock
    assert model.runtime_clock(client).simulated is False
    for bad in (b"nonsense", b'{"start": "2026-03-02T07:00:00", "origin": null, "speed": 1}'):
        client.set(f"{prefix}runtime-clock", bad)
        with pytest.raises(ReadModelError, match="runtime-clock: not a runtime clock"):
            model.runtime_clock(client)


def _three_clocks(client: redis.Redis, prefix: str) -> None:
    write(
        client,
        ReadModel(prefix),
        [
            record("LATE", deadline="2026-04-02T13:00:00+00:00"),
            record("SOON", "resolution", deadline="2026-04-02T14:40:00+00:00", priority="hoog"),
            record("FAR", deadline="2026-04-03T14:40:00+00:00"),
        ],
    )


def test_cli_at_risk_runs_on_the_runtime_clock(client, prefix, redis_server, cli):
    """No --now: "now" is the clock the workers stored with the model (here a simulated one
    frozen at 14:10Z on 2 April 2026), not this machine's wall clock."""
    runner, app = cli
    _three_clocks(client, prefix)
    store_clock(client, prefix, SimClock(us_of(NOW), 0, 0.0))
    base = ["at-risk", "--tenant", "acme", "--redis-url", redis_server.url, "--prefix", prefix]
    res = runner.invoke(app, [*base, "--within", "2h", "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(x["ticket_id"], x["seconds_left"]) for x in lines] == [("LATE", -4200), ("SOON", 1800)]
    res = runner.invoke(app, [*base, "--within", "2h"])
    out = res.stdout.splitlines()
    assert (
        out[0] == "acme: open clocks due within 2h of Thu 02 Apr 2026 16:10 CEST, earliest "
        "deadline first"
    )
    assert out[-1] == "now: the runtime's simulated clock, frozen"
    res = runner.invoke(app, [*base[:2], "nobody", *base[3:]])
    assert res.stdout.splitlines() == [
        "nobody: no open clocks at Thu 02 Apr 2026 14:10 UTC.",
        "now: the runtime's simulated clock, frozen",
    ]
    res = runner.invoke(app, [*base[:2], "nobody", *base[3:], "--within", "30m"])
    assert res.stdout.splitlines()[0] == (
        "nobody: no open clocks due within 30m of Thu 02 Apr 2026 14:10 UTC."
    )
    # --now still wins
    res = runner.invoke(app, [*base, "--within", "2h", "--now", "2026-04-02T13:10:00Z", "--json"])
    assert [json.loads(x)["seconds_left"] for x in res.stdout.splitlines()] == [-600, 5400]


def test_cli_without_a_stored_clock_uses_its_own_settings(client, prefix, redis_server):
    from streams.cli import _register, app

    _register()
    _three_clocks(client, prefix)
    base = ["at-risk", "--tenant", "acme", "--redis-url", redis_server.url, "--prefix", prefix]
    runner = CliRunner(env={"COLUMNS": "200", "SLAWATCH_CLOCK_START": "2026-04-02T14:40:00Z",
                            "SLAWATCH_CLOCK_SPEED": "0"})  # fmt: skip
    res = runner.invoke(app, [*base, "--json"])
    assert [json.loads(x)["seconds_left"] for x in res.stdout.splitlines()] == [-6000, 0, 86400]
    res = runner.invoke(app, base)
    assert res.stdout.splitlines()[-1] == (
        "now: this command's SLAWATCH_CLOCK_* settings (no worker has stored its clock in "
        "Redis yet)"
    )
    res = CliRunner(env={"COLUMNS": "200"}).invoke(app, base)
    assert res.stdout.splitlines()[-1] == (
        "now: the wall clock (no worker has stored its clock in Redis yet)"
    )


def test_cli_a_stored_clock_that_is_not_one(client, prefix, redis_server, cli):
    runner, app = cli
    client.set(f"{prefix}runtime-clock", b"{}")
    res = runner.invoke(
        app, ["at-risk", "--tenant", "acme", "--redis-url", redis_server.url, "--prefix", prefix]
    )
    assert res.exit_code == 2
    assert res.stderr.strip().startswith(f"error: {prefix}runtime-clock: not a runtime clock")
    assert res.stderr.strip().endswith("give the instant with --now")
    assert len(res.stderr.strip().splitlines()) == 1


def test_cli_tables_fit_80_columns(client, prefix, redis_server):
    """The three tables in an 80-column terminal, on the engine's own records: every line
    fits, nothing is cut off with an ellipsis, the figures are all there."""
    from streams.cli import _register, app
    from streams.cli.policies import registry as load_registry
    from streams.replay import replay

    _register()
    registry = load_registry(REPO / "examples/tenants.yaml")
    tickets = replay((REPO / "examples/events.jsonl").read_bytes().splitlines(), registry)
    lines = (REPO / "examples/monitoring.jsonl").read_bytes().splitlines()
    upto = [x for x in lines if b'"mon-025"' not in x and b'"mon-026"' not in x]
    mon = replay(upto, registry, until=datetime(2026, 3, 19, 9, 30, tzinfo=UTC))
    month = replay(lines, registry, until=datetime(2026, 3, 25, tzinfo=UTC))  # its breach
    model = ReadModel(prefix)
    engine = tickets.engine
    write(client, model, [r for k in list(engine.tickets) for r in engine.clock_records(k)],
          [s.to_dict() for s in tickets.signals + month.signals])  # fmt: skip
    write(client, model, [r for t in sorted(mon.availability.tenants)
                          for r in mon.availability.records(t)])  # fmt: skip
    store_clock(client, prefix, SimClock(us_of(datetime(2026, 3, 19, 9, 45, tzinfo=UTC)), 0, 0))
    runner = CliRunner(env={"COLUMNS": "80"})
    where = ["--redis-url", redis_server.url, "--prefix", prefix]
    outputs = {}
    for args in (["at-risk", "--tenant", "hooli"], ["breaches", "--tenant", "acme"],
                 ["breaches", "--tenant", "hooli"], ["services", "--tenant", "hooli"],
                 ["services", "--tenant", "acme"]):  # fmt: skip
        res = runner.invoke(app, [*args, *where])
        assert res.exit_code == 0, res.output
        too_wide = [line for line in res.stdout.splitlines() if len(line) > 80]
        assert too_wide == [] and "…" not in res.stdout, res.stdout
        outputs[" ".join(args)] = res.stdout
    services = outputs["services --tenant hooli"].splitlines()
    assert services[3].split() == ["webservice", "2026-03", "99.7308", "%", "99.6", "%", "2h00m",
                                   "2h58m", "19", "Mar", "10:30"]  # fmt: skip
    assert services[1].split()[-1] == "updated"
    acme = outputs["services --tenant acme"].splitlines()[3].split()
    assert acme[:6] == ["portal", "2026-03", "99.8654", "%", "99.5", "%"]
    rows = [line.split() for line in outputs["breaches --tenant hooli"].splitlines()[3:]]
    assert rows == [
        ["09", "Apr", "13:30", "breach", "S-1", "response", "a", "09", "Apr", "13:30"],
        ["19", "Mar", "11:28", "availability", "webservice", "—", "—", "—"],
    ]
    assert "S-1" in outputs["at-risk --tenant hooli"]
