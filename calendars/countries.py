"""One country's holiday class from the ``holidays`` package, without loading all the others.

``holidays`` registers its ~250 countries lazily, but the package ``holidays.countries``
imports every country module when any one of them is imported: 60–80 ms of every process
that builds a calendar with holidays (``slawatch deadline`` started in ~0.4 s, half of it
here). :func:`holiday_class` finds the country's module in the package's registry and
imports that module alone, with ``holidays.countries`` registered as a package whose
``__init__`` has not run (the submodules need only its ``__path__``). Lookups through the
package's own API (``holidays.country_holidays``, ``list_supported_countries``) still work:
they import each module by name. If the package's layout ever changes so that this fails,
the country comes through the package's own API instead (slower, same result);
``tests/calendars/test_countries.py`` checks both give the same holidays.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

_PACKAGE = "holidays.countries"


def holiday_class(code: str) -> Any | None:
    """The ``holidays`` class of a country code (``NL``, ``NLD``, case-insensitive), or
    ``None`` if the package has no such country."""
    import holidays
    from holidays.registry import COUNTRIES

    wanted = code.strip().upper()
    for module, (class_name, *codes) in COUNTRIES.items():
        if wanted in (c for c in codes if 2 <= len(c) <= 3):
            try:
                return getattr(_country_module(module), class_name)
            except Exception:  # the package changed: its own (eager) way
                return getattr(holidays, wanted).get_entity()
    return None


def _country_module(module: str) -> Any:
    name = f"{_PACKAGE}.{module}"
    if name in sys.modules:
        return sys.modules[name]
    if _PACKAGE not in sys.modules:
        spec = importlib.util.find_spec(_PACKAGE)
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError(f"{_PACKAGE} is not a package")
        sys.modules[_PACKAGE] = importlib.util.module_from_spec(spec)  # (not executed)
    return importlib.import_module(name)
