"""``slawatch policy check|show``, ``slawatch schema``, ``slawatch deadline``."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from models.contracts import default_policy_dir
from streams.cli import _register, app

REPO = Path(__file__).resolve().parents[3]

_register()

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_policy_check_ok():
    r = run("policy", "check", str(default_policy_dir()))
    assert r.exit_code == 0, r.output
    assert "policy covide version 1.0" in r.output


def test_policy_check_reports_problems(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("policies").mkdir()
    doc = yaml.safe_load((default_policy_dir() / "covide.yaml").read_text())
    doc["clocks"]["resolution"]["targets"]["urgent"] = {"soft": "6h", "hard": "4h"}
    Path("policies/covide.yaml").write_text(yaml.safe_dump(doc))
    Path("policies/good.yaml").write_text((default_policy_dir() / "1do.yaml").read_text())
    r = run("policy", "check", "policies/covide.yaml", "policies/good.yaml")
    assert r.exit_code == 1
    assert (
        "policies/covide.yaml: clocks.resolution.targets.urgent: hard target 4h is shorter "
        "than soft target 6h"
    ) in r.output
    assert "ok: policies/good.yaml: policy 1do version 2.5" in r.output


def test_policy_check_tenant_contracts(tmp_path):
    good = tmp_path / "tenants.yaml"
    good.write_text(
        yaml.safe_dump(
            {"tenants": {"acme": {"policy": "covide", "options": {"subscription": "basic"}}}}
        )
    )
    r = run("policy", "check", str(good))
    assert r.exit_code == 0 and "1 tenant contract(s)" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"tenants": {"acme": {"policy": "covide"}}}))
    r = run("policy", "check", str(bad))
    assert r.exit_code == 1
    assert "tenants.acme.options: policy covide requires option subscription" in r.output


def test_policy_show():
    r = run("policy", "show", "bokumo-ict")
    assert r.exit_code == 0, r.output
    for text in (
        "office",
        "always",
        "company_wide",
        "kritiek",
        "single_user/laag",
        "5 workdays",
        "second_line",
        "critical_after_hours",
        # an option effect's priorities, printed as written (not read as rich markup)
        "[kritiek] on always",
    ):
        assert text in r.output
    assert run("policy", "show", "nope").exit_code == 2


@pytest.mark.parametrize("kind", ["policy", "events", "signals", "tenants"])
def test_schema(kind):
    r = run("schema", kind)
    assert r.exit_code == 0, r.output
    schema = json.loads(r.output)
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_schema_content():
    events = json.loads(run("schema", "events").output)
    text = json.dumps(events)
    for t in ("ticket.created", "monitor.down", "maintenance.announced", "heartbeat"):
        assert t in text
    policy = json.loads(run("schema", "policy").output)
    assert "clocks" in policy["properties"]
    assert run("schema", "nope").exit_code == 2


START = "2026-03-02T09:00:00+01:00"  # Monday


def test_deadline_plain():
    # Bokumo single_user/laag resolution 5 workdays from Mon 09:00 → Fri 03-06 17:00
    r = run(
        "deadline",
        "--policy",
        "bokumo-ict",
        "--clock",
        "resolution",
        "--start",
        START,
        "--impact",
        "single_user",
        "--urgency",
        "laag",
    )
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2026-03-06T17:00:00+01:00"


def test_deadline_prints_in_policy_time_zone():
    # 08:00Z = 09:00 CET; response kritiek 30 m → 09:30+01:00
    r = run(
        "deadline",
        "--policy",
        "bokumo-ict",
        "--clock",
        "response",
        "--start",
        "2026-03-02T08:00:00Z",
        "--priority",
        "kritiek",
    )
    assert r.output.strip() == "2026-03-02T09:30:00+01:00"


def test_deadline_json():
    # 1do kritisch with calamity service, Mon 22:00: 30 m on 07:00–23:00 → 22:30;
    # 50 % 22:15, 75 % 22:22:30; breach and service_manager at 22:30
    r = run(
        "deadline",
        "--policy",
        "1do",
        "--clock",
        "response",
        "--start",
        "2026-03-02T22:00:00+01:00",
        "--impact",
        "1",
        "--urgency",
        "A",
        "--option",
        "calamity_service=true",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {
        "deadline": "2026-03-02T22:30:00+01:00",
        "signals": [
            {"type": "sla.warning", "at": "2026-03-02T22:15:00+01:00", "threshold": 0.5},
            {"type": "sla.warning", "at": "2026-03-02T22:22:30+01:00", "threshold": 0.75},
            {"type": "sla.breach", "at": "2026-03-02T22:30:00+01:00"},
            {
                "type": "sla.escalation",
                "at": "2026-03-02T22:30:00+01:00",
                "level": "service_manager",
            },
        ],
    }


def test_deadline_soft_only_is_null():
    # 1do standaard: soft 1 workday (9 h) from Mon 08:00 → 17:00 warning, no deadline
    r = run(
        "deadline",
        "--policy",
        "1do",
        "--clock",
        "response",
        "--start",
        "2026-03-02T08:00:00+01:00",
        "--priority",
        "standaard",
        "--json",
    )
    doc = json.loads(r.output)
    assert doc["deadline"] is None
    assert {"type": "sla.warning", "at": "2026-03-02T17:00:00+01:00", "tier": "soft"} in doc[
        "signals"
    ]


def test_deadline_attributes_and_kind():
    # Bokumo vulnerability cvss 9.8, Fri 18:00 + 24 h (24x7) → Sat 18:00
    r = run(
        "deadline",
        "--policy",
        "bokumo-ict",
        "--clock",
        "assessment",
        "--start",
        "2026-03-06T18:00:00+01:00",
        "--kind",
        "vulnerability",
        "--attribute",
        "cvss=9.8",
    )
    assert r.output.strip() == "2026-03-07T18:00:00+01:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--policy", "1do", "--clock", "response", "--kind", "service_request"],
            "clock response does not apply to a service_request ticket under policy 1do",
        ),
        (
            [
                "--policy",
                "smart-fms",
                "--clock",
                "response",
                "--priority",
                "a",
                "--channel",
                "email",
            ],
            "clock response does not apply to an incident ticket via email under policy smart-fms",
        ),
        (
            ["--policy", "1do", "--clock", "response", "--priority", "laag"],
            "clock response does not apply to an incident ticket with priority laag under "
            "policy 1do",
        ),
    ],
)
def test_deadline_not_applicable_exits_3(args, message):
    r = run("deadline", "--start", START, *args)
    assert r.exit_code == 3
    assert message in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "acme", "--clock", "response"], "unknown policy 'acme'"),
        (["--policy", "1do", "--clock", "resolution"], "policy 1do has no clock 'resolution'"),
        (
            ["--policy", "1do", "--clock", "response", "--priority", "urgent"],
            "unknown priority 'urgent'",
        ),
        (
            [
                "--policy",
                "bokumo-ict",
                "--clock",
                "response",
                "--impact",
                "all",
                "--urgency",
                "hoog",
            ],
            "unknown impact 'all'",
        ),
        (
            [
                "--policy",
                "bokumo-ict",
                "--clock",
                "response",
                "--priority",
                "laag",
                "--option",
                "turbo=1",
            ],
            "unknown option 'turbo'",
        ),
        (
            [
                "--policy",
                "bokumo-ict",
                "--clock",
                "response",
                "--priority",
                "laag",
                "--option",
                "critical_after_hours",
            ],
            "--option 'critical_after_hours' is not key=value",
        ),
        (
            ["--policy", "covide", "--clock", "response", "--priority", "urgent"],
            "needs option subscription",
        ),
        (
            [
                "--policy",
                "bokumo-ict",
                "--clock",
                "response",
                "--priority",
                "laag",
                "--kind",
                "bug",
            ],
            "'--kind': 'bug' is not a ticket kind",
        ),
        (
            [
                "--policy",
                "bokumo-ict",
                "--clock",
                "response",
                "--priority",
                "laag",
                "--channel",
                "fax",
            ],
            "'--channel': 'fax' is not a channel",
        ),
        (
            [
                "--policy",
                "bokumo-ict",
                "--clock",
                "response",
                "--priority",
                "laag",
                "--impact",
                "x",
            ],
            "give either --priority or --impact",
        ),
    ],
)
def test_deadline_bad_input_exits_2(args, message):
    r = run("deadline", "--start", START, *args)
    assert r.exit_code == 2, r.output
    assert message in r.output


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2026-03-02T09:00:00", "has no UTC offset"),
        ("monday", "is not an ISO 8601 instant"),
    ],
)
def test_deadline_bad_start(start, message):
    r = run(
        "deadline",
        "--policy",
        "bokumo-ict",
        "--clock",
        "response",
        "--start",
        start,
        "--priority",
        "laag",
    )
    assert r.exit_code == 2
    assert message in r.output


@pytest.mark.parametrize("value", ["true", "yes", "1", "True"])
def test_deadline_bool_option_spellings(value):
    # kritiek with critical_after_hours, Sat 2026-03-07 10:00 + 30 m on 24x7 → 10:30
    r = run(
        "deadline",
        "--policy",
        "bokumo-ict",
        "--clock",
        "response",
        "--start",
        "2026-03-07T10:00:00+01:00",
        "--priority",
        "kritiek",
        "--option",
        f"critical_after_hours={value}",
    )
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2026-03-07T10:30:00+01:00"


def test_parse_assignments():
    from streams.cli.policy_cmd import parse_assignments

    assert parse_assignments(["cvss=9.8", "team=ops", "n=null"], "--attribute") == {
        "cvss": 9.8,
        "team": "ops",
        "n": "null",
    }
    assert parse_assignments(["x=1"], "--option", typed=False) == {"x": "1"}


def test_policy_check_names_an_unknown_pause_status_with_a_hint(tmp_path):
    doc = yaml.safe_load((default_policy_dir() / "covide.yaml").read_text())
    doc["defaults"]["pause_statuses"] = ["waiting_for_custmer"]
    path = tmp_path / "covide.yaml"
    path.write_text(yaml.safe_dump(doc))
    r = run("policy", "check", str(path))
    assert r.exit_code == 1
    assert r.stdout == (
        f"{path}: defaults.pause_statuses[0]: unknown status 'waiting_for_custmer'; did you "
        "mean 'waiting_for_customer'? (a status outside the standard ones must be declared "
        "under `statuses:`) [status-unknown]\n"
    )


def test_the_old_policy_dir_variable_is_read_with_a_one_line_warning(tmp_path):
    import subprocess
    import sys

    (tmp_path / "covide.yaml").write_text((default_policy_dir() / "covide.yaml").read_text())
    env = {k: v for k, v in os.environ.items() if k != "SLAWATCH_POLICIES_DIR"}
    env["SLAWATCH_POLICY_DIR"] = str(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams",
            "deadline",
            "--policy",
            "covide",
            "--clock",
            "resolution",
            "--start",
            START,
            "--priority",
            "urgent",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # (urgent: 6 h hard on the incidents calendar, Mon 08:00–17:00: 09:00 → 15:00)
    assert done.stdout == "2026-03-02T15:00:00+01:00\n"
    assert done.stderr == (
        "warning: SLAWATCH_POLICY_DIR is deprecated: rename it to SLAWATCH_POLICIES_DIR\n"
    )


@pytest.mark.parametrize(
    ("add", "deadline"),
    [
        # Bokumo office (Mon–Fri 09–17, NL holidays) from Mon 2 Mar 10:00
        ("1h30m", "2026-03-02T11:30:00+01:00"),
        ("2wd", "2026-03-04T10:00:00+01:00"),  # 2 × 8 h: Mon 7 h, Tue 8 h, Wed 1 h
        ("3weeks", "2026-03-23T10:00:00+01:00"),  # same local time three weeks later
        ("1month", "2026-04-02T10:00:00+02:00"),  # (summer time by then)
    ],
)
def test_calendar_adds_in_the_one_grammar(add, deadline):
    r = run("calendar", "--start", "2026-03-02T10:00:00+01:00", "--add", add, "--days", "1")
    assert r.exit_code == 0, r.output
    assert f"+ {add:<6} {deadline}" in r.stdout


def test_policy_check_names_the_rule_of_each_problem(tmp_path):
    # docs/policy-language.md#validation-rules: the ids are stable, tools may match on them
    text = (REPO / "policies/covide.yaml").read_text()
    bad = tmp_path / "covide.yaml"
    bad.write_text(re.sub(r"(?m)^version: .*$", "version: 2", text))
    r = run("policy", "check", str(bad))
    assert r.exit_code == 1
    (line,) = [x for x in r.output.splitlines() if x.startswith(str(bad))]
    assert line.startswith(f"{bad}: version: version must be text")
    assert line.endswith(" [version-text]")
