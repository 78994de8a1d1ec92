"""Build hook: compile the clock engine's hot modules with mypyc.

Everything else about the project is in pyproject.toml. The modules in :data:`NATIVE` (the
calendar arithmetic, the ticket state, the clock and availability engines, the processor and
the replay loop: every module an event goes through) are translated to C by mypyc and built
as extension modules *into the installed package* (``pip install .``; ``make`` does it): a
source tree never holds an extension, so an edited ``.py`` can never sit beside a stale build
of it. The installed package is one snapshot of the sources, compiled together; ``make``
reinstalls it when a source changes, and the test session refuses an installed copy that
differs from the source tree (tests/conftest.py). ``SLAWATCH_PURE_PYTHON=1`` at install
time skips the compilation (a pure-Python install).
"""

from __future__ import annotations

import os

from setuptools import setup

#: the modules compiled, dependencies first: each imports only compiled modules listed before
#: it, non-compiled slawatch modules, the standard library, pydantic, holidays and orjson
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
    "streams.availability.state",
    "streams.availability.month",
    "streams.availability.signal",
    "streams.availability.engine",
    "streams.engine.processor",
    "streams.replay_input",
    "streams.replay",
)


def _ext_modules() -> list:
    if os.environ.get("SLAWATCH_PURE_PYTHON", "") not in ("", "0"):
        return []
    from mypyc.build import mypycify

    paths = [name.replace(".", "/") + ".py" for name in NATIVE]
    # pyproject.toml's build requirements bring the dependencies these modules import, so
    # they compile against the same types everywhere (a missing one would be Any)
    return mypycify(["--ignore-missing-imports", *paths], opt_level="3")


if __name__ == "__main__":
    setup(ext_modules=_ext_modules())
