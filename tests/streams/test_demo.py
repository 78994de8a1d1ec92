"""``slawatch demo``: the live demo end to end (embedded broker and Redis, a worker, traffic),
and the offline fallback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from streams.cli.demo_cmd import parse_duration
from tests.build_check import package_root

REPO = Path(__file__).resolve().parents[2]


def _demo(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    env["PYTHONPATH"] = str(package_root())  # the slawatch the tests run (build_check)
    env["COLUMNS"] = "160"
    return subprocess.run(
        [sys.executable, "-P", "-m", "streams", "demo", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.integration
def test_live_demo_prints_breaches_and_a_summary() -> None:
    res = _demo("--for", "20s", timeout=75)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "worker ready" in out
    breaches = [line for line in res.stdout.splitlines() if re.search(r"\bBREACH\b", line)]
    assert breaches, out
    summary = res.stdout[res.stdout.rindex("summary:") :]
    counts = dict(re.findall(r"^\s+(sla\.\w+)\s+(\d+)$", summary, re.M))
    assert int(counts.get("sla.breach", 0)) >= len({b.split()[3] for b in breaches}) > 0, summary
    assert int(counts.get("sla.warning", 0)) > 0, summary
    assert re.search(r"^dead letters: \d+$", summary, re.M), summary
    assert re.search(r"^signals: \d+$", summary, re.M), summary
    # the analytics sink ran beside the worker and stored what it published
    sink = re.search(r"^sink: (\d+) signals, (\d+) clock states", summary, re.M)
    assert sink and int(sink.group(1)) > 0 and int(sink.group(2)) > 0, summary


def test_offline_demo_replays_the_examples() -> None:
    res = _demo("--offline", timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "sla.breach" in res.stdout
    assert "dead letter" in res.stdout
    assert "summary:" in res.stdout


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("2m", 120), ("1.5h", 5400), ("45", 45), ("500ms", 0.5)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_nonsense() -> None:
    import typer

    with pytest.raises(typer.BadParameter):
        parse_duration("soon")
