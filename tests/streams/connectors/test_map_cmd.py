"""``slawatch map``: payload files → canonical events, without Kafka."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from streams.cli import _register, app
from tests.streams.connectors.helpers import fixture

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "connectors"
runner = CliRunner()
_register()


def _write(tmp_path: Path, vendor: str, name: str) -> str:
    path = tmp_path / f"{vendor}-{name}.json"
    path.write_bytes(fixture(vendor, name).body)
    return str(path)


def test_a_sequence_of_snapshots_as_json_lines(tmp_path: Path):
    files = [_write(tmp_path, "zammad", n) for n in ("created", "first_response", "closed")]
    res = runner.invoke(
        app, ["map", "--source", "zammad", "--tenant", "acme", *files, "-H", "X-Zammad-Delivery:d"]
    )
    assert res.exit_code == 0, res.output
    events = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(e["type"], e["event_id"]) for e in events] == [
        ("ticket.created", "zammad:d:created"),
        ("ticket.responded", "zammad:d:responded"),
        ("ticket.closed", "zammad:d:closed"),
    ]


def test_the_connectors_file_gives_the_tenant_overrides(tmp_path: Path):
    payload = _write(tmp_path, "jira", "issue_created")
    args = ["map", "--source", "jira", "--tenant", "umbrella", payload]
    res = runner.invoke(app, [*args, "--connectors", str(EXAMPLES / "connectors.yaml")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["priority"] == "hoog"  # Jira's High, in covide's words


def test_a_payload_that_cannot_be_mapped_is_one_line_and_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"webhookEvent": "jira:issue_created", "issue": {"fields": {}}}')
    res = runner.invoke(app, ["map", "--source", "jira-sm", "--tenant", "acme", str(bad)])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"cannot map {bad}: ticket_id: nothing at issue.key"
    assert "Traceback" not in res.output


def test_an_ignored_payload_says_why(tmp_path: Path):
    payload = _write(tmp_path, "jira", "comment_created")
    res = runner.invoke(app, ["map", "--source", "jira-sm", "--tenant", "acme", payload])
    assert res.exit_code == 0 and res.stdout == ""
    assert "no event from" in res.stderr and "ignores this webhook" in res.stderr


def test_unknown_source_and_bad_header(tmp_path: Path):
    payload = _write(tmp_path, "jira", "issue_created")
    res = runner.invoke(app, ["map", "--source", "remedy", "--tenant", "acme", payload])
    assert res.exit_code == 2 and "shipped mappings: freshservice, glpi, jira-sm" in res.stderr
    res = runner.invoke(app, ["map", "--source", "jira-sm", "--tenant", "a", payload, "-H", "x"])
    assert res.exit_code == 2 and "write a header as Name:value" in res.output


def test_receive_time_for_mappings_that_use_it(tmp_path: Path):
    payload = _write(tmp_path, "freshservice", "created")
    args = ["map", "--source", "freshservice", "--tenant", "acme", payload]
    res = runner.invoke(app, [*args, "--received", "2026-03-02T10:00:00+01:00"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["at"] == "2026-03-02T10:00:00+01:00"
    res = runner.invoke(app, [*args, "--received", "2026-03-02T10:00:00"])
    assert res.exit_code == 2 and "needs a UTC offset" in res.output
