"""Every mistake a new user makes is one line on stderr naming the file or flag and what to
do, and exit code 2 — never a traceback (issue 12 §3).

Each case runs the real command group in-process through click's test runner (which calls
the same entry point as ``slawatch``); a few run as a separate ``slawatch`` process too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from streams.cli import _register, app

_register()
REPO = Path(__file__).resolve().parents[3]
EVENTS = str(REPO / "examples" / "events.jsonl")
MONITORING = str(REPO / "examples" / "monitoring.jsonl")
TENANTS = str(REPO / "examples" / "tenants.yaml")
START = "2026-03-02T09:00:00+01:00"
DEADLINE = ["deadline", "--policy", "bokumo-ict", "--clock", "response"]
MATRIX = ["--impact", "single_user", "--urgency", "laag"]
NO_REDIS = ["--redis-url", "redis://127.0.0.1:1/0"]  # never reached: the mistake comes first


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    latin1 = tmp_path / "tenants-latin1.yaml"
    latin1.write_bytes("tenants:\n  caf\xe9: {policy: covide}\n".encode("latin-1"))
    (tmp_path / "empty").mkdir()
    bad = tmp_path / "bad-tenants.yaml"
    bad.write_text("tenants:\n  a: {policy: nope}\n  b: {policy: covide}\n")
    return {
        "dir": str(tmp_path),
        "binary": str(binary),
        "latin1": str(latin1),
        "bad_tenants": str(bad),
        "missing": str(tmp_path / "missing.jsonl"),
        "out_in_missing_dir": str(tmp_path / "no-such-dir" / "signals.jsonl"),
    }


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def assert_one_line(result, *fragments: str, code: int = 2) -> str:
    """Exit ``code``, nothing on stdout, exactly one line on stderr (``error: …``) that
    contains every fragment, and no traceback."""
    err = result.stderr
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


CASES = {
    # files
    "replay: missing events file": (
        lambda f: ["replay", f["missing"], "--tenants", TENANTS],
        ["'EVENTS'", "missing.jsonl': no such file; check the path"],
    ),
    "replay: missing tenants file": (
        lambda f: ["replay", EVENTS, "--tenants", f["missing"]],
        ["'--tenants'", "no such file"],
    ),
    "replay: a directory as the events file": (
        lambda f: ["replay", f["dir"], "--tenants", TENANTS],
        ["'EVENTS'", "is a directory; give a file"],
    ),
    "replay: a directory as the tenants file": (
        lambda f: ["replay", EVENTS, "--tenants", f["dir"]],
        ["'--tenants'", "is a directory; give a file"],
    ),
    "replay: a binary events file": (
        lambda f: ["replay", f["binary"], "--tenants", TENANTS],
        ["'EVENTS'", "photo.jpg' is a binary file; give a text file"],
    ),
    "replay: a binary tenants file": (
        lambda f: ["replay", EVENTS, "--tenants", f["binary"]],
        ["'--tenants'", "is a binary file"],
    ),
    "replay: a tenants file that is not UTF-8": (
        lambda f: ["replay", EVENTS, "--tenants", f["latin1"]],
        ["tenants-latin1.yaml: not UTF-8 text (a binary file?); give a YAML or JSON file"],
    ),
    "replay: a tenants file with two problems": (
        lambda f: ["replay", EVENTS, "--tenants", f["bad_tenants"]],
        ["bad-tenants.yaml: tenants.a.policy: unknown policy 'nope'", "+1 more problem"],
    ),
    "replay: --out into a missing directory": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--out", f["out_in_missing_dir"]],
        ["'--out'", "directory", "no-such-dir' does not exist; create it first"],
    ),
    "replay: --dead-letters into a missing directory": (
        lambda f: [
            "replay",
            EVENTS,
            "--tenants",
            TENANTS,
            "--dead-letters",
            f["out_in_missing_dir"],
        ],
        ["'--dead-letters'", "does not exist; create it first"],
    ),
    "replay: --out is a directory": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--out", f["dir"]],
        ["'--out'", "is a directory; give a file name"],
    ),
    "replay: --policies is not a directory": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--policies", f["missing"]],
        ["'--policies'", "no such directory"],
    ),
    "replay: --replace-policies without --policies": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--replace-policies"],
        ["--replace-policies needs at least one --policies DIR"],
    ),
    # instants
    "replay: --until without an offset": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--until", "2026-04-02"],
        ["'--until'", "has no UTC offset; write e.g. 2026-04-02T00:00:00+02:00"],
    ),
    "replay: --until far in the future": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--until", "9999-12-31T16:00:00+01:00"],
        ["'--until'", "the year 9999 is outside the calendars' years 1900–2199"],
    ),
    "deadline: --start in 9999": (
        lambda f: [*DEADLINE, *MATRIX, "--start", "9999-12-31T16:00:00+01:00"],
        ["'--start'", "the year 9999 is outside the calendars' years"],
    ),
    "deadline: --start in 1850": (
        lambda f: [*DEADLINE, *MATRIX, "--start", "1850-06-01T10:00:00+01:00"],
        ["'--start'", "the year 1850 is outside"],
    ),
    "deadline: --start is not a date": (
        lambda f: [*DEADLINE, *MATRIX, "--start", "monday"],
        ["'--start'", "'monday' is not an ISO 8601 instant; write e.g."],
    ),
    # --explain
    "replay: --explain of an unknown ticket": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--explain", "acme:NOPE"],
        ["--explain acme:NOPE: no such ticket in", "tickets of acme: INC-1"],
    ),
    "replay: --explain without a tenant": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--explain", "INC-1"],
        ["'--explain'", "'INC-1' is not TENANT:TICKET; write e.g. acme:INC-1"],
    ),
    # policies and tickets
    "deadline: an unknown policy": (
        lambda f: ["deadline", "--policy", "nope", "--clock", "response", "--start", START],
        ["unknown policy 'nope'; loaded policies: 1do, bokumo-ict"],
    ),
    "deadline: impact without urgency": (
        lambda f: [*DEADLINE, "--start", START, "--impact", "single_user"],
        ["a ticket needs an urgency (impact was given)"],
    ),
    "deadline: a priority and a matrix cell": (
        lambda f: [*DEADLINE, *MATRIX, "--start", START, "--priority", "kritiek"],
        ["give either --priority or --impact with --urgency, not both"],
    ),
    "deadline: an option without a value": (
        lambda f: [*DEADLINE, *MATRIX, "--start", START, "--option", "critical_after_hours"],
        ["--option 'critical_after_hours' is not key=value"],
    ),
    "deadline: SLAWATCH_POLICIES_DIR is not a directory": (
        lambda f: [*DEADLINE, *MATRIX, "--start", START],
        ["SLAWATCH_POLICIES_DIR=", "no such directory; fix SLAWATCH_POLICIES_DIR or unset it"],
        {"SLAWATCH_POLICIES_DIR": "/no/such/policies"},
    ),
    "policy show: an unknown policy": (
        lambda f: ["policy", "show", "acme"],
        ["unknown policy 'acme'"],
    ),
    "policy check: a missing file": (
        lambda f: ["policy", "check", f["missing"]],
        ["'PATHS'", "no such file"],
    ),
    "policy check: a directory without policy files": (
        lambda f: ["policy", "check", f["dir"] + "/empty"],
        ["'PATHS'", "holds no policy files (*.yaml, *.yml, *.json)"],
    ),
    "schema: an unknown kind": (
        lambda f: ["schema", "tickets"],
        ["unknown schema 'tickets'; choose one of policy, events, signals, tenants"],
    ),
    # durations
    "calendar: --add 99999workdays": (
        lambda f: ["calendar", "--start", START, "--add", "99999workdays"],
        ["--add 99999workdays from 2026-03-02T09:00:00+01:00: no such amount of open time"],
    ),
    "calendar: --add 1d is ambiguous": (
        lambda f: ["calendar", "--start", START, "--add", "1d"],
        ["'--add'", "'d' is ambiguous (a workday or 24 hours?): write 1wd for workdays, or 24h"],
    ),
    "calendar: --days 0": (
        lambda f: ["calendar", "--start", START, "--days", "0"],
        ["'--days'"],
    ),
    "calendar: a missing --spec": (
        lambda f: ["calendar", "--spec", f["missing"]],
        ["'--spec'", "no such file"],
    ),
    "calendar: a --spec that is no calendar": (
        lambda f: ["calendar", "--spec", TENANTS, "--start", START],
        ["tenants.yaml: unknown key(s) tenants; allowed: holidays, hours"],
    ),
    "at-risk: --within 1d": (
        lambda f: ["at-risk", "--tenant", "acme", "--within", "1d", *NO_REDIS],
        ["'--within'", "'d' is ambiguous"],
    ),
    "at-risk: --within in workdays": (
        lambda f: ["at-risk", "--tenant", "acme", "--within", "2wd", *NO_REDIS],
        ["'--within'", "workdays need a business calendar"],
    ),
    "demo: --for without a unit": (
        lambda f: ["demo", "--for", "45"],
        ["'--for'", "'45' has no unit: write e.g. 30m"],
    ),
    # Redis and settings
    "at-risk: a malformed --redis-url": (
        lambda f: ["at-risk", "--tenant", "acme", "--redis-url", "notaurl"],
        ["'--redis-url'", "'notaurl' is not a Redis URL; write redis://HOST:6379/0"],
    ),
    "breaches: a --redis-url with a bad port": (
        lambda f: ["breaches", "--tenant", "acme", "--redis-url", "redis://localhost:99999/0"],
        ["'--redis-url'", "is not a valid Redis URL"],
    ),
    "services: a malformed SLAWATCH_REDIS_URL": (
        lambda f: ["services", "--tenant", "acme"],
        ["SLAWATCH_REDIS_URL: 'notaurl' is not a Redis URL"],
        {"SLAWATCH_REDIS_URL": "notaurl"},
    ),
    "at-risk: an invalid setting": (
        lambda f: ["at-risk", "--tenant", "acme", *NO_REDIS],
        ["invalid settings: SLAWATCH_PARTITIONS: must be ≥ 1 (got '0')"],
        {"SLAWATCH_PARTITIONS": "0"},
    ),
    "at-risk: an unknown --tz": (
        lambda f: ["at-risk", "--tenant", "acme", "--tz", "Mars/Olympus", *NO_REDIS],
        ["'--tz'", "'Mars/Olympus' is not a time zone"],
    ),
    # availability
    "availability: month 13": (
        lambda f: [
            "availability",
            MONITORING,
            "--tenants",
            TENANTS,
            "--tenant",
            "hooli",
            "--month",
            "2026-13",
        ],
        ["'--month'", "month 13 does not exist"],
    ),
    "availability: an unknown tenant": (
        lambda f: [
            "availability",
            MONITORING,
            "--tenants",
            TENANTS,
            "--tenant",
            "nobody",
            "--month",
            "2026-03",
        ],
        ["unknown tenant 'nobody'; known tenants: acme"],
    ),
    "produce: a missing file": (
        lambda f: ["produce", f["missing"]],
        ["'FILES'", "no such file"],
    ),
    # the command line itself
    "an unknown command": (lambda f: ["replai"], ["No such command 'replai'"]),
    "an unknown option": (
        lambda f: ["replay", EVENTS, "--tenants", TENANTS, "--outt", "x"],
        ["No such option: --outt", "see 'slawatch replay --help'"],
    ),
    "a missing option": (
        lambda f: ["replay", EVENTS],
        ["Missing option '--tenants'", "see 'slawatch replay --help'"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_mistake_is_one_line_and_exit_2(case: str, files: dict[str, str]) -> None:
    args, fragments, *env = CASES[case]
    assert_one_line(run(*args(files), env=env[0] if env else None), *fragments)


def test_the_offset_hint_is_itself_valid() -> None:
    # a date without an offset gets an example built from it; that example is accepted
    err = assert_one_line(run(*DEADLINE, *MATRIX, "--start", "2026-04-02"), "has no UTC offset")
    hint = re.search(r"write e\.g\. (\S+);", err)
    assert hint is not None and hint[1] == "2026-04-02T00:00:00+02:00", err
    ok = run(*DEADLINE, *MATRIX, "--start", hint[1])
    assert ok.exit_code == 0, ok.output
    # (response 8h single_user/laag from Thu 00:00: Thu 09:00-17:00 → 17:00)
    assert ok.stdout.strip() == "2026-04-02T17:00:00+02:00"


def test_a_clock_that_does_not_apply_is_exit_3_and_one_line() -> None:
    args = ["deadline", "--policy", "1do", "--clock", "response", "--start", START]
    assert_one_line(
        run(*args, "--kind", "service_request"),
        "clock response does not apply to a service_request ticket under policy 1do",
        code=3,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "examples/no-such-file.jsonl", "--tenants", "examples/tenants.yaml"],
        [*DEADLINE, *MATRIX, "--start", "9999-12-31T16:00:00+01:00"],
        ["at-risk", "--tenant", "acme", "--redis-url", "notaurl"],
    ],
)
def test_the_installed_command_prints_one_line_too(args: list[str]) -> None:
    # the console entry point as a user runs it: a fresh process, real stderr
    done = subprocess.run(
        [sys.executable, "-m", "streams", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
