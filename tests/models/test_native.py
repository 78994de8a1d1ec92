"""The compiled hot path (models/_native.py, setup.py): which code runs, and that the
compiled build and the pure-Python sources give the same signals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from models import _native

REPO = Path(__file__).resolve().parents[2]


def test_the_makefile_rebuilds_exactly_the_compiled_modules():
    make = (REPO / "Makefile").read_text()
    listed = re.search(r"NATIVE_SRC := (.*?)\n\n", make, re.S)
    assert listed is not None
    files = listed.group(1).replace("\\\n", " ").split()
    assert files == [n.replace(".", "/") + ".py" for n in _native.NATIVE]


def _files(tmp_path: Path, *names: str) -> dict[str, Path]:
    out = {}
    for name in names:
        path = tmp_path / name
        path.write_text("")
        out[name] = path
    return out


def test_a_stale_or_missing_extension_in_a_source_tree_means_the_sources(tmp_path: Path):
    f = _files(tmp_path, "a.py", "b.py", "a.so", "b.so")
    os.utime(f["a.py"], (1000, 1000))
    os.utime(f["b.py"], (1000, 1000))
    os.utime(f["a.so"], (2000, 2000))
    os.utime(f["b.so"], (2000, 2000))
    built = {"a": f["a.so"], "b": f["b.so"]}

    def source(name: str) -> Path:
        return f[f"{name}.py"]

    assert _native.decide(built, source, pure=False, source_tree=True) == ""
    assert _native.decide(built, source, pure=True, source_tree=True) == (
        "SLAWATCH_PURE_PYTHON is set"
    )
    os.utime(f["b.py"], (3000, 3000))  # b edited after the build
    assert _native.decide(built, source, pure=False, source_tree=True) == (
        "compiled b older than the source"
    )
    # an installed wheel: files written in any order at install time, never stale
    assert _native.decide(built, source, pure=False, source_tree=False) == ""
    # one extension missing: all or none
    assert "compiled a" in _native.decide(
        {"a": None, "b": f["b.so"]}, source, pure=False, source_tree=True
    )
    # nothing built: a pure install
    assert _native.decide({"a": None, "b": None}, source, pure=True, source_tree=True) == ""


def _replay(env: dict[str, str]) -> tuple[str, str]:
    code = (
        "import sys; from models import _native; from streams.cli import main; "
        "print(_native.compiled(), file=sys.stderr); "
        "sys.argv = ['slawatch', 'replay', 'examples/events.jsonl', '--tenants', "
        "'examples/tenants.yaml', '--until', '2026-04-20T00:00:00+02:00']; main()"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.skipif(
    not _native.compiled(),
    reason=f"the engine runs from source here ({_native.reason or 'not built'})",
)
def test_compiled_and_pure_python_give_the_same_signals():
    out_c, err_c = _replay({"SLAWATCH_PURE_PYTHON": "0"})
    out_p, err_p = _replay({"SLAWATCH_PURE_PYTHON": "1"})
    assert err_c.splitlines()[0] == "True" and err_p.splitlines()[0] == "False"
    assert out_c.count("\n") > 10
    assert out_c == out_p
    assert err_c.splitlines()[1:] == err_p.splitlines()[1:]  # dead letters, summary
