"""The compiled hot path (models/_native.py, setup.py): which code runs, and that the
compiled build and the pure-Python sources give the same signals."""

from __future__ import annotations

import ast
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


def _written_out_inits() -> list[tuple[str, ast.ClassDef, ast.FunctionDef]]:
    """Every dataclass of a compiled module that writes its own ``__init__``."""
    out = []
    for name in _native.NATIVE:
        path = REPO / (name.replace(".", "/") + ".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            decorators = [ast.unparse(d) for d in node.decorator_list]
            if not any(d.startswith("dataclass") for d in decorators):
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    out.append((f"{name}.{node.name}", node, item))
    return out


def _field_default(value: ast.expr | None) -> str | None:
    """The default an ``__init__`` must give a field: its own, ``None`` for a
    ``default_factory`` (the __init__ then makes a fresh one), none if required."""
    if value is None:
        return None
    if isinstance(value, ast.Call) and ast.unparse(value.func) == "field":
        kw = {k.arg: k.value for k in value.keywords}
        if "default_factory" in kw:
            return "None"
        return ast.unparse(kw["default"]) if "default" in kw else None
    return ast.unparse(value)


def test_written_out_dataclass_inits_take_the_fields_in_order_and_set_each_once():
    """The hot dataclasses write their ``__init__`` out so that mypyc compiles it (the one
    dataclasses generates is interpreted Python): it must take exactly the fields, in
    order, with their defaults, and set every field once."""
    found = _written_out_inits()
    assert {n.rsplit(".", 1)[1] for n, _, _ in found} >= {
        "Signal",
        "Goal",
        "Item",
        "Schedule",
        "ClockState",
        "TicketState",
    }
    for name, cls, init in found:
        fields = [
            (st.target.id, _field_default(st.value))
            for st in cls.body
            if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)
            and "ClassVar" not in ast.unparse(st.annotation)
        ]  # fmt: skip
        args = init.args.args[1:]
        defaults = [None] * (len(args) - len(init.args.defaults)) + [
            ast.unparse(d) for d in init.args.defaults
        ]
        params = [(a.arg, d) for a, d in zip(args, defaults, strict=True)]
        assert params == fields, f"{name}.__init__ does not match its fields"
        assert not init.args.kwonlyargs and init.args.vararg is None and init.args.kwarg is None
        set_ = []
        for node in ast.walk(init):
            if isinstance(node, ast.Assign):
                set_ += [
                    t.attr
                    for t in node.targets
                    if isinstance(t, ast.Attribute) and ast.unparse(t.value) == "self"
                ]
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "object.__setattr__":
                assert ast.unparse(node.args[0]) == "self"
                first = node.args[1]
                assert isinstance(first, ast.Constant)
                set_.append(first.value)
        assert sorted(set_) == sorted(f for f, _ in fields), f"{name}.__init__ sets {set_}"


def test_written_out_inits_behave_as_the_generated_ones():
    """Frozen stays frozen, defaults are fresh per instance, equality is by fields."""
    import dataclasses

    from streams.engine.state import ClockState
    from streams.engine.targets import Goal, Item

    g = Goal("office", 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.need = 6  # type: ignore[misc]
    assert g == Goal("office", 5) and hash(g) == hash(Goal("office", 5))
    assert g != Goal("office", 6) and g != ("office", 5)
    assert Item("breach", "breach", "office", 5) == Item("breach", "breach", "office", 5)
    a, b = ClockState("response", 1, 2), ClockState("response", 1, 2)
    a.fired.append("breach")
    assert b.fired == [] and a != b
    assert ClockState("r", 1, 2, sch=object()) == ClockState("r", 1, 2)  # sch: not compared


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
