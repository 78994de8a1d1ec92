"""Import set-up for the calendar tests.

- ``oracle.py`` (next to this file) must be importable under any pytest import mode
  (``prepend`` puts this directory on sys.path already; ``importlib`` does not).
- The repository root goes on sys.path too, so ``calendars`` resolves to the regular package
  even when the venv's editable install still maps it as a namespace package (an install made
  before ``calendars/__init__.py`` existed does exactly that).
"""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE), str(_HERE.parents[1])):
    if _path not in sys.path:
        sys.path.insert(0, _path)
