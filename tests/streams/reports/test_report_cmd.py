"""``slawatch report``, ``slawatch query`` and ``slawatch schema report`` on the examples
(examples/events.jsonl + monitoring.jsonl, the five example tenants): the --json output
follows its schema with the names the issue fixed, --csv and --html write their files, the
sink gives the same report as the events file, and a mistake is one line with exit 2."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
import yaml
from typer.testing import CliRunner

from models.contracts import load_policies, tenants_from_data
from streams.cli import _register, app
from streams.replay import replay
from streams.reports.records import report_records
from streams.runtime.partition import signal_key
from streams.sink.store import open_store
from streams.sink.writer import SinkWriter
from streams.topics import SIGNAL_ROUTES

REPO = Path(__file__).resolve().parents[3]
TENANTS = REPO / "examples" / "tenants.yaml"
UNTIL = "2026-05-01T00:00:00+02:00"


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ev") / "all.jsonl"
    path.write_bytes(
        (REPO / "examples/events.jsonl").read_bytes()
        + (REPO / "examples/monitoring.jsonl").read_bytes()
    )
    return path


def cli(*args: str) -> Any:
    _register()
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def report_json(*args: str) -> dict[str, Any]:
    res = cli("report", *args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_json_follows_the_schema_with_the_issue_names(events: Path) -> None:
    doc = report_json(
        str(events),
        "--tenants",
        str(TENANTS),
        "--tenant",
        "umbrella",
        "--month",
        "2026-04",
        "--until",
        UNTIL,
    )
    schema = json.loads(cli("schema", "report").stdout)
    jsonschema.validate(doc, schema)
    for key in (
        "tenant",
        "policy",
        "period",
        "rows",
        "compliant",
        "consecutive_noncompliant_months",
        "service_credit_percent",
        "availability",
        "breaches",
    ):
        assert key in schema["required"], key
    assert doc["period"] == {"from": "2026-04-01", "to": "2026-04-30"}
    row_props = schema["$defs"]["Row"]["properties"]
    for key in (
        "clock",
        "kind",
        "priority",
        "tier",
        "target",
        "count",
        "met",
        "missed",
        "open",
        "percent_within",
        "aggregate_target_percent",
        "compliant",
    ):
        assert key in row_props and key in doc["rows"][0], key
    for key in ("service", "availability_percent", "target_percent", "met"):
        assert key in schema["$defs"]["AvailabilityRow"]["properties"]
    assert [a["service"] for a in doc["availability"]] == ["crm"]
    compliance = json.loads(cli("schema", "compliance").stdout)
    assert compliance["properties"]["type"]["const"] == "sla.compliance"


def test_csv_and_html_files(events: Path, tmp_path: Path) -> None:
    res = cli(
        "report",
        str(events),
        "--tenants",
        str(TENANTS),
        "--tenant",
        "acme",
        "--month",
        "2026-04",
        "--csv",
        str(tmp_path / "csv"),
    )
    assert res.exit_code == 0, res.output
    with (tmp_path / "csv" / "rows.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["clock"], r["priority"], r["missed"]) for r in rows} >= {
        ("resolution", "kritiek", "1")
    }
    with (tmp_path / "csv" / "breaches.csv").open() as fh:
        (breach,) = list(csv.DictReader(fh))
    assert breach["ticket_id"] == "INC-1" and "deadline" in breach["explanation"]
    res = cli(
        "report",
        str(events),
        "--tenants",
        str(TENANTS),
        "--tenant",
        "acme",
        "--month",
        "2026-04",
        "--html",
        str(tmp_path / "r.html"),
    )
    assert res.exit_code == 0, res.output
    page = (tmp_path / "r.html").read_text()
    assert page.startswith("<!doctype html>") and "INC-1" in page and "<svg" in page


def _sink_from_replay(root: Path) -> None:
    """What the sink writes for the runtime's output of the examples (no broker: the
    writer fed as the Kafka loop would feed it)."""
    registry = tenants_from_data(yaml.safe_load(TENANTS.read_text()), load_policies())
    lines = (REPO / "examples/events.jsonl").read_bytes().splitlines() + (
        REPO / "examples/monitoring.jsonl"
    ).read_bytes().splitlines()
    result = replay(lines, registry, until=datetime.fromisoformat(UNTIL))
    w = SinkWriter(open_store(root))
    for i, sig in enumerate(result.signals):
        d = sig.to_dict()
        assert signal_key(d)
        w.add("signals", orjson.dumps(d), SIGNAL_ROUTES[d["type"]], 0, i)
    i = 0
    for key in result.engine.tickets:
        for rec in report_records(result.engine, key):
            w.add("clock_states", orjson.dumps(rec), "sla.clock-states", 0, i)
            i += 1
    w.flush()


def test_the_sink_gives_the_same_report_as_the_events_file(events: Path, tmp_path: Path) -> None:
    _sink_from_replay(tmp_path / "sink")
    for tenant, month in (
        ("umbrella", "2026-04"),
        ("acme", "2026-04"),
        ("globex", "2026-04"),
        ("hooli", "2026-03"),
        ("initech", "2026-04"),
    ):
        from_file = report_json(
            str(events),
            "--tenants",
            str(TENANTS),
            "--tenant",
            tenant,
            "--month",
            month,
            "--until",
            UNTIL,
        )
        from_sink = report_json(
            "--sink",
            str(tmp_path / "sink"),
            "--tenants",
            str(TENANTS),
            "--tenant",
            tenant,
            "--month",
            month,
        )
        assert from_sink == from_file, tenant


def test_query(tmp_path: Path) -> None:
    _sink_from_replay(tmp_path / "sink")
    res = cli(
        "query",
        "--sink",
        str(tmp_path / "sink"),
        "--format",
        "json",
        "SELECT tenant, count(*) AS n FROM verdicts GROUP BY tenant ORDER BY tenant",
    )
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in res.stdout.splitlines()]
    assert [g["tenant"] for g in got] == sorted(g["tenant"] for g in got)
    assert all(g["n"] > 0 for g in got)
    bad = cli("query", "--sink", str(tmp_path / "sink"), "SELECT nope FROM signals")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: ")
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "acme"], "give --month YYYY-MM, or --from DATE and --to DATE"),
        (["--tenant", "acme", "--month", "2026-13"], "is not a month"),
        (["--tenant", "acme", "--from", "2026-03-01"], "--from and --to go together"),
        (["--tenant", "acme", "--from", "2026-03-10", "--to", "2026-03-01"], "is before"),
        (["--tenant", "nobody", "--month", "2026-03"], "nobody"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(events: Path, args: list[str], message: str) -> None:
    res = cli("report", str(events), "--tenants", str(TENANTS), *args)
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_date_range(events: Path) -> None:
    doc = report_json(
        str(events),
        "--tenants",
        str(TENANTS),
        "--tenant",
        "hooli",
        "--from",
        "2026-03-01",
        "--to",
        "2026-04-30",
        "--until",
        UNTIL,
    )
    assert doc["period"] == {"from": "2026-03-01", "to": "2026-04-30"}
    assert [a["month"] for a in doc["availability"]] == ["2026-03", "2026-04"]
