"""The layers import downward only, with no cycles (docs/architecture.md):

    calendars  ←  models  ←  streams.engine, streams.availability  ←  the services and the
    replay (runtime, sink, reports, connectors, web …)  ←  the CLI and the demo

Every import counts, also one inside a function (a lazy import is still a dependency), but
not one under ``if TYPE_CHECKING:`` (types only). Checked on the source tree with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("calendars", "models", "streams")

#: what each layer must not import (prefixes of module names)
FORBIDDEN = {
    "calendars": ("models", "streams", "faust", "aiokafka", "kafka", "redis", "pydantic"),
    "models": ("streams", "faust", "aiokafka", "kafka", "redis"),
    "streams.engine": ("streams.runtime", "streams.cli", "streams.sinks", "faust", "aiokafka"),
    "streams.availability": ("streams.runtime", "streams.cli", "streams.sinks", "faust"),
    # the services (worker, sink, ingest, notify, board) and the replay sit below the command
    # line: what both need lives below them (models, streams), never in a command's module
    **{
        service: ("streams.cli", "streams.demo")
        for service in (
            "streams.runtime",
            "streams.sink",
            "streams.sinks",
            "streams.reports",
            "streams.connectors",
            "streams.web",
            "streams.observability",
            "streams.replay",
            "streams.replay_input",
            "streams.traffic",
            "streams.topics",
            "streams.embedded",
        )
    },
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    return ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def imports(name: str) -> set[str]:
    """The modules ``name`` imports (absolute names; relative imports resolved)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    up = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*up, base] if base else up)
                found.add(base)
                found.update(f"{base}.{a.name}" for a in child.names)
            visit(child)

    visit(tree)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    bad = []
    for name in MODULES:
        if name != layer and not name.startswith(layer + "."):
            continue
        for imp in imports(name):
            if any(imp == f or imp.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{name} imports {imp}")
    assert not bad, "\n".join(sorted(bad))


def test_no_import_cycle_among_the_modules() -> None:
    """No two modules depend on each other (directly or via others, lazy imports included):
    a cycle makes the import order matter and the layers meaningless."""
    graph = {name: {m for m in imports(name) if m in MODULES and m != name} for name in MODULES}
    # a package's __init__ re-exporting its modules is not a cycle with them
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycles.append(" → ".join([*stack[stack.index(m) :], m]))
            elif m not in state:
                dfs(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            dfs(n)
    assert not cycles, "\n".join(cycles)


def test_a_module_does_one_thing_in_a_few_hundred_lines() -> None:
    """No module of the packages grows past 600 lines: past that, it mixes concerns (split it
    by concern, as streams/engine/ and models/policy/ are)."""
    long = {
        name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 600
    }
    assert not long, long
