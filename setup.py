"""Build hook: compile the clock engine's hot modules with mypyc.

Everything else about the project is in pyproject.toml. The modules in
``models/_native.py:NATIVE`` (the calendar arithmetic, the ticket state and the clock
engine) are translated to C by mypyc and built as extension modules beside their sources;
with ``SLAWATCH_PURE_PYTHON=1`` in the environment the install stays pure Python. The
``.py`` files stay the code: see models/_native.py for how a source tree never runs a stale
build.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def _native_modules() -> tuple[str, ...]:
    # models/_native.py is standard library only: loaded by path, before anything is installed
    spec = importlib.util.spec_from_file_location("_slawatch_native", HERE / "models/_native.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("models/_native.py is missing: run the build from the repository")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.NATIVE)


def _ext_modules() -> list:
    if os.environ.get("SLAWATCH_PURE_PYTHON", "") not in ("", "0"):
        return []
    from mypyc.build import mypycify

    paths = [name.replace(".", "/") + ".py" for name in _native_modules()]
    # pyproject.toml's build requirements bring the dependencies these modules import, so
    # they compile against the same types everywhere (a missing one would be Any)
    return mypycify(["--ignore-missing-imports", *paths], opt_level="3")


setup(ext_modules=_ext_modules())
