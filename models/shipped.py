"""Data shipped with slawatch beside its code: the seed policies and the examples.

In a source checkout they are the repository's own directories; an installed package (a
wheel, ``make``'s build in the virtualenv, the Docker image) has them under
``<prefix>/share/slawatch/`` (pyproject.toml ``data-files``).
"""

from __future__ import annotations

import sys
from pathlib import Path


def shipped(name: str) -> Path:
    """The directory ``name`` (``policies``, ``examples``) of this slawatch."""
    here = Path(__file__).resolve().parent.parent / name
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "slawatch" / name
