"""The pure, deterministic clock engine: events in → signals out, time advanced explicitly."""

from models.ids import signal_id
from streams.engine.engine import Engine, EngineStats
from streams.engine.errors import EngineError, RejectedEvent
from streams.engine.signal import Signal
from streams.engine.targets import ProjectedSignal, Projection, project, schedule

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
