"""calendars.countries: one country's holiday class without importing all ~250 countries,
with the same holidays as the ``holidays`` package's own API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
how, code, subdiv = sys.argv[1], sys.argv[2], sys.argv[3] or None
years = range(2025, 2028)
if how == "ours":
    from calendars.countries import holiday_class
    table = holiday_class(code)(subdiv=subdiv, years=years)
else:
    import holidays
    table = holidays.country_holidays(code, subdiv=subdiv, years=years)
countries = sorted(m for m in sys.modules if m.startswith("holidays.countries."))
print(json.dumps({"days": sorted((d.isoformat(), n) for d, n in table.items()),
                  "countries_loaded": len(countries)}))
"""


def _run(how: str, code: str, subdiv: str = "") -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, how, code, subdiv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("code", "subdiv"), [("NL", ""), ("nld", ""), ("DE", "BY"), ("US", "CA")])
def test_the_same_holidays_as_the_packages_own_api(code: str, subdiv: str) -> None:
    ours, theirs = _run("ours", code, subdiv), _run("package", code.upper(), subdiv)
    assert ours["days"] == theirs["days"] and ours["days"]
    # the package's own API imports every country; ours only the one asked (and what it
    # builds on: a few countries derive from another's class)
    assert theirs["countries_loaded"] > 200
    assert ours["countries_loaded"] <= 3


def test_an_unknown_code_is_none() -> None:
    from calendars.countries import holiday_class

    assert holiday_class("XX") is None
    assert holiday_class("NL") is not None
