"""``slawatch demo``: the live demo end to end (embedded broker and Redis, a worker, traffic),
and the offline fallback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from streams.cli.demo_cmd import parse_duration
from streams.demo.display import read_model_hint
from tests.build_check import package_root

REPO = Path(__file__).resolve().parents[3]


def _env(columns: str = "160") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    env["PYTHONPATH"] = str(package_root())  # the slawatch the tests run (build_check)
    env["COLUMNS"] = columns
    return env


def _demo(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "streams", "demo", *args],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.integration
def test_live_demo_prints_breaches_and_a_summary() -> None:
    """The live demo end to end; while it runs, the read-model commands it suggests work as
    printed and measure against the demo's simulated clock (March 2026, not the wall clock)."""
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "streams", "demo", "--for", "25s"],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("at-risk --tenant" in x for x in lines):
            time.sleep(0.2)
        hint = [x.strip() for x in lines if re.search(r" (at-risk|breaches|services) --tenant", x)]
        assert len(hint) == 3, "".join(lines)
        # the ops board, started by the demo, answers at the URL it printed (issue 17)
        board = re.search(r"board +(http://127\.0\.0\.1:\d+/)", "".join(lines))
        assert board, "".join(lines)
        with urllib.request.urlopen(board.group(1) + "api/tenants", timeout=10) as r:
            assert "acme" in {t["tenant"] for t in json.loads(r.read())["tenants"]}
        time.sleep(4)  # the worker writes the read model (and its clock) with its batches
        answers = {}
        for command in hint:
            program, *args = command.split()
            assert program == "slawatch"
            res = subprocess.run(
                [sys.executable, "-P", "-m", "streams", *args],
                cwd=REPO, env=_env(columns="80"), capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            assert res.returncode == 0, res.stdout + res.stderr
            answers[args[0]] = res.stdout
        at_risk = answers["at-risk"].splitlines()
        assert re.match(r"acme: (no )?open clocks at (Mon|Tue) 0[23] Mar 2026 ", at_risk[0])
        assert at_risk[-1] == "now: the runtime's simulated clock, running ×600", at_risk
        proc.wait(timeout=75)
    finally:
        proc.kill()
    reader.join(5)
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "worker ready" in out
    breaches = [line for line in out.splitlines() if re.search(r"\bBREACH\b", line)]
    assert breaches, out
    summary = out[out.rindex("summary:") :]
    counts = dict(re.findall(r"^\s+(sla\.\w+)\s+(\d+)$", summary, re.M))
    assert int(counts.get("sla.breach", 0)) >= len({b.split()[3] for b in breaches}) > 0, summary
    assert int(counts.get("sla.warning", 0)) > 0, summary
    assert re.search(r"^dead letters: \d+$", summary, re.M), summary
    assert re.search(r"^signals: \d+$", summary, re.M), summary
    # the connectors: Jira webhooks through slawatch ingest, pages through slawatch notify
    assert re.search(r"^webhook  jira/umbrella SUP-1 created → 200 accepted$", out, re.M), out
    assert re.search(r"^connectors: 4 Jira webhooks through ingest \(4 accepted\)", summary, re.M)

    # the analytics sink ran beside the worker and stored what it published
    sink = re.search(r"^sink: (\d+) signals, (\d+) clock states", summary, re.M)
    assert sink and int(sink.group(1)) > 0 and int(sink.group(2)) > 0, summary


def test_read_model_hint_names_the_demos_redis() -> None:
    lines = read_model_hint("redis://127.0.0.1:41234/0", "acme", program=".venv/bin/slawatch")
    assert lines[1:] == [
        f"    .venv/bin/slawatch {cmd} --tenant acme --redis-url redis://127.0.0.1:41234/0"
        for cmd in ("at-risk", "breaches", "services")
    ]


def test_read_model_hint_sets_the_prefix_when_this_shell_would_look_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLAWATCH_TOPIC_PREFIX", "prod.")
    (_, at_risk, *_) = read_model_hint("redis://127.0.0.1:41234/0", "acme", program="slawatch")
    assert at_risk.endswith("--redis-url redis://127.0.0.1:41234/0 --prefix slawatch:")


def test_offline_demo_replays_the_examples() -> None:
    res = _demo("--offline", timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "sla.breach" in res.stdout
    assert "dead letter" in res.stdout
    assert "summary:" in res.stdout


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("2m", 120), ("1.5h", 5400), ("1h30m", 5400)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "45", "500ms", "1d"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    import typer

    with pytest.raises(typer.BadParameter):
        parse_duration(text)
