"""The compiled hot path: mypyc-built engine and calendar modules, never a stale one.

``setup.py`` compiles the modules in :data:`NATIVE` with mypyc when the project is installed
(``SLAWATCH_PURE_PYTHON=1`` at install time skips that). The sources stay the only code: the
compiled extension of a module is its ``.py`` file translated to C, and every test runs
against whichever the interpreter loads.

In a source tree (an editable install, ``make test``) an extension can lag behind its
source: the ``.py`` was edited after the last build. Then, and whenever
``SLAWATCH_PURE_PYTHON`` is set at run time, :func:`install` makes every module of
:data:`NATIVE` load from its ``.py`` (all or none: compiled code checks the native classes
of the other compiled modules). ``make`` rebuilds.

Standard library only: ``setup.py`` reads :data:`NATIVE` from here before anything else is
installed, and every package imports this module before any of its own.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path
from typing import Any

#: the modules setup.py compiles (dependencies first; each only imports compiled modules
#: listed before it, non-compiled slawatch modules and the standard library or pydantic)
NATIVE = (
    "calendars.days",
    "calendars.timeline",
    "calendars.calendar",
    "models.plan",
    "models.ids",
    "streams.engine.state",
    "streams.engine.targets",
    "streams.engine.facts",
    "streams.engine.signal",
    "streams.engine.timers",
    "streams.engine.rules",
    "streams.engine.accounting",
    "streams.engine.rungs",
    "streams.engine.records",
    "streams.engine.engine",
    "streams.availability.downtime",
    "streams.availability.maintenance",
    "streams.availability.engine",
    "streams.engine.processor",
    "streams.replay",
)
ROOT = Path(__file__).resolve().parent.parent

#: why the sources run although compiled modules are built ("" otherwise)
reason = ""
_installed = False


def source_of(name: str) -> Path:
    return ROOT.joinpath(*name.split(".")).with_suffix(".py")


def extension_of(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = base.with_name(base.name + suffix)
        if path.exists():
            return path
    return None


def install() -> None:
    """Decide once per process whether :data:`NATIVE` loads compiled or from source."""
    global _installed, reason
    if _installed:
        return
    _installed = True
    reason = decide(
        {name: extension_of(name) for name in NATIVE},
        source_of,
        pure=os.environ.get("SLAWATCH_PURE_PYTHON", "") not in ("", "0"),
        source_tree=(ROOT / "pyproject.toml").exists(),
    )
    if reason and not reason.startswith("SLAWATCH_PURE_PYTHON"):
        warnings.warn(
            f"slawatch: {reason}; running the pure-Python sources (`make` rebuilds)",
            RuntimeWarning,
            stacklevel=2,
        )
    if reason:
        sys.meta_path.insert(0, _Sources())


def decide(
    built: dict[str, Path | None],
    source: Any,
    *,
    pure: bool,
    source_tree: bool,
) -> str:
    """Why the sources must run although extensions are built ("" if the extensions may):
    asked for (``pure``), or, in a source tree, an extension missing or older than its
    source. No extension at all is a pure install: nothing to decide."""
    if not any(built.values()):
        return ""
    if pure:
        return "SLAWATCH_PURE_PYTHON is set"
    if source_tree:
        stale = [
            name
            for name, ext in built.items()
            if ext is None or source(name).stat().st_mtime > ext.stat().st_mtime
        ]
        if stale:
            return f"compiled {', '.join(stale)} older than the source"
    return ""


def compiled() -> bool:
    """Whether the clock engine runs compiled (imports it)."""
    import streams.engine.engine as engine

    return not str(engine.__file__).endswith(".py")


class _Sources:
    """A meta-path finder that loads the :data:`NATIVE` modules from their ``.py`` files."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in NATIVE:
            return None
        return importlib.util.spec_from_file_location(name, source_of(name))
