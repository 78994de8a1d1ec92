"""Which slawatch the tests run: the installed package (compiled by ``make``) or the source
tree, and whether the installed one is a copy of the sources.

``make test`` runs pytest with ``--import-mode=append``, so ``calendars``, ``models`` and
``streams`` come from the virtualenv's installed package, whose hot modules mypyc compiled
(setup.py); ``python -m pytest`` puts the working directory first and runs the sources
(pure Python). An installed package that differs from the source tree (a file edited,
added or removed since ``make``) is refused: the tests never run a stale build.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("calendars", "models", "streams")
_DATA = {".py", ".yaml", ".json"}


def package_root() -> Path:
    """The directory the imported slawatch packages live in."""
    import streams

    return Path(streams.__file__).resolve().parent.parent


def running_sources() -> bool:
    return package_root() == ROOT


def compiled() -> bool:
    """Whether the clock engine runs as a compiled extension."""
    import streams.engine.engine as engine

    return not str(engine.__file__).endswith(".py")


def _files(base: Path) -> dict[str, bytes]:
    out = {}
    for pkg in PACKAGES:
        for path in (base / pkg).rglob("*"):
            if path.suffix in _DATA and "__pycache__" not in path.parts:
                out[str(path.relative_to(base))] = path.read_bytes()
    return out


def stale_files() -> list[str]:
    """The files in which the installed package differs from the source tree (with the seed
    policies and the examples, installed under ``<prefix>/share/slawatch/``)."""
    src, inst = _files(ROOT), _files(package_root())
    diff = sorted(k for k in src.keys() | inst.keys() if src.get(k) != inst.get(k))
    for data in ("policies", "examples"):
        shared = Path(sys.prefix) / "share" / "slawatch" / data
        for path in sorted((ROOT / data).glob("*.*")):
            copy = shared / path.name
            if path.suffix in _DATA | {".jsonl"} and (
                not copy.exists() or copy.read_bytes() != path.read_bytes()
            ):
                diff.append(f"{data}/{path.name}")
    return diff


def describe() -> str:
    if running_sources():
        return f"slawatch: the source tree {ROOT} (pure Python)"
    kind = "compiled with mypyc" if compiled() else "pure Python"
    return f"slawatch: installed at {package_root()} ({kind})"
