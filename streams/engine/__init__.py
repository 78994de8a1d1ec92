"""The pure, deterministic clock engine: events in → signals out, time advanced explicitly.

The names below are imported on first use: a command that needs only the target arithmetic
(``slawatch deadline``: :func:`project`) does not load the engine itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for mypy and mypyc
    from models.ids import signal_id
    from streams.engine.engine import Engine, EngineStats
    from streams.engine.errors import EngineError, RejectedEvent
    from streams.engine.signal import Signal
    from streams.engine.targets import ProjectedSignal, Projection, project, schedule

_EXPORTS = {
    "Engine": "streams.engine.engine",
    "EngineStats": "streams.engine.engine",
    "Signal": "streams.engine.signal",
    "signal_id": "models.ids",
    "EngineError": "streams.engine.errors",
    "RejectedEvent": "streams.engine.errors",
    "ProjectedSignal": "streams.engine.targets",
    "Projection": "streams.engine.targets",
    "project": "streams.engine.targets",
    "schedule": "streams.engine.targets",
}

__all__ = [
    "Engine",
    "EngineError",
    "EngineStats",
    "ProjectedSignal",
    "Projection",
    "RejectedEvent",
    "Signal",
    "project",
    "schedule",
    "signal_id",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'streams.engine' has no attribute {name!r}")
    return getattr(import_module(module), name)
