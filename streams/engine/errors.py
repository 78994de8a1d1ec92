"""Errors of the clock engine."""

from __future__ import annotations

from typing import Any

from calendars.errors import SlawatchError


class EngineError(SlawatchError):
    """Base of the engine's errors."""


class RejectedEvent(EngineError):
    """An event that cannot be applied; the caller dead-letters it with ``reason``.

    ``signals`` are the signals that advancing to the event's instant fired before it was
    rejected: they are real and must still be emitted. ``kind``: the sort of mistake
    (``models.errors.DEAD_LETTER_KINDS``).
    """

    def __init__(
        self, reason: str, signals: list[Any] | None = None, *, kind: str = "other"
    ) -> None:
        super().__init__(reason, kind=kind)
        self.reason = reason
        self.signals: list[Any] = signals or []
