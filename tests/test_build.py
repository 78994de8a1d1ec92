"""The compiled hot path (setup.py): which modules mypyc compiles, that the installed build
is what the tests run, and that the compiled build and the pure-Python sources give the same
signals."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import build_check

REPO = Path(__file__).resolve().parents[1]


def _native() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("_slawatch_setup", REPO / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # (setup() runs only as __main__)
    return tuple(module.NATIVE)


NATIVE = _native()


def test_each_compiled_module_imports_only_compiled_modules_listed_before_it():
    """mypyc compiles the list as one group; a module importing a compiled module listed
    after it would still work, but the order documents the layering (dependencies first)."""
    for i, name in enumerate(NATIVE):
        tree = ast.parse((REPO / (name.replace(".", "/") + ".py")).read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
        later = sorted(imported & set(NATIVE[i + 1 :]))
        assert not later, f"{name} imports {later}, compiled after it"


def test_no_package_imports_build_machinery_and_no_extension_sits_beside_a_source():
    build = {"setup", "setuptools", "mypy", "mypyc", "importlib.machinery"}
    for pkg in build_check.PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                for name in names:
                    top = name.split(".")[0]
                    assert name not in build and top not in build, f"{path} imports {name}"
                    assert "_native" not in name, f"{path} imports {name}"
        assert not list((REPO / pkg).rglob("*.so")), "an extension in the source tree"


def test_the_installed_build_is_the_source_tree():
    """What tests/conftest.py refuses at the start of a session, checked again here: the
    tests run the sources themselves or an installed copy identical to them."""
    assert build_check.running_sources() or build_check.stale_files() == []


def _written_out_inits() -> list[tuple[str, ast.ClassDef, ast.FunctionDef]]:
    """Every dataclass of a compiled module that writes its own ``__init__``."""
    out = []
    for name in NATIVE:
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


def _replay(*, sources: bool) -> tuple[str, str]:
    """``slawatch replay`` of the examples in a fresh interpreter: on the source tree
    (``PYTHONPATH``) or on the installed package (``-P``: the working directory not on
    ``sys.path``)."""
    code = (
        "import sys; from streams.cli import main; import streams.engine.engine as e; "
        "print(not e.__file__.endswith('.py'), file=sys.stderr); "
        "sys.argv = ['slawatch', 'replay', 'examples/events.jsonl', '--tenants', "
        "'examples/tenants.yaml', '--until', '2026-04-20T00:00:00+02:00']; main()"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if sources:
        env["PYTHONPATH"] = str(REPO)
    r = subprocess.run(
        [sys.executable, "-P", "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.skipif(
    build_check.running_sources() or not build_check.compiled(),
    reason="no compiled build under test (`make test` builds and runs one)",
)
def test_compiled_and_pure_python_give_the_same_signals():
    out_c, err_c = _replay(sources=False)
    out_p, err_p = _replay(sources=True)
    assert err_c.splitlines()[0] == "True" and err_p.splitlines()[0] == "False"
    assert out_c.count("\n") > 10
    assert out_c == out_p
    assert err_c.splitlines()[1:] == err_p.splitlines()[1:]  # dead letters, summary
