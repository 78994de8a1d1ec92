"""The command line registers its commands without loading the runtime (issue 12 §5): what
a fresh process has imported after ``slawatch --help`` and a quick ``slawatch deadline``.

Not timed (the figure is measured by ``bench/bench_startup.py``): these tests check the
cause of a slow start, the imports, which is deterministic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
#: the runtime's libraries (and asyncio, which only they need): none is needed to list the
#: commands or to work out a deadline
RUNTIME = (
    "faust",
    "aiokafka",
    "kafka",
    "redis",
    "pydantic_settings",
    "aiohttp",
    "asyncio",
    "pyarrow",
    "duckdb",
)

_PROBE = """
import json, sys
from streams.cli import main
args = json.loads(sys.argv[1])
if args is not None:
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {runtime})))
"""


def loaded_after(args: list[str] | None) -> list[str]:
    """The runtime modules a fresh process imported for ``import streams.cli`` and then
    ``slawatch ARGS`` (``None``: the import alone)."""
    code = _PROBE.format(runtime=repr(set(RUNTIME)))
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args",
    [
        None,
        ["--help"],
        ["deadline", "--help"],
        [
            *["deadline", "--policy", "bokumo-ict", "--clock", "resolution"],
            *["--start", "2026-03-02T09:00:00+01:00", "--impact", "single_user"],
            *["--urgency", "laag"],
        ],
    ],
    ids=["import", "--help", "deadline --help", "deadline"],
)
def test_no_runtime_library_is_imported(args: list[str] | None) -> None:
    assert loaded_after(args) == []


def test_the_probe_sees_a_runtime_import() -> None:
    # the same probe after a command that needs Kafka: it does report the import
    loaded = loaded_after(["config", "show", "--json"])
    assert "pydantic_settings" in loaded


@pytest.mark.parametrize("args", [None, ["--help"]], ids=["import", "--help"])
def test_listing_the_commands_imports_no_pydantic(args: list[str] | None) -> None:
    # pydantic alone is ~100 ms of imports: a command's module imports what it validates
    # with when it runs, not when the command is registered
    code = _PROBE.format(runtime=repr({"pydantic"}))
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
