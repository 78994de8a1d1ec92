"""The one error hierarchy of slawatch.

It lives in the lowest layer (``calendars``) so that every package can share it without
import cycles: ``models`` and ``streams`` subclass :class:`SlawatchError` for their own errors.

Each error carries a ``kind``: what sort of mistake it is, as a stable label (the vocabulary,
with what each covers, is ``models.errors.DEAD_LETTER_KINDS``). A rejected input's dead letter
and the ``reason_kind`` label of its metric take it from the error; nothing parses messages.
"""

from __future__ import annotations


class SlawatchError(Exception):
    """Base of every error slawatch raises on purpose; ``kind`` labels the sort of mistake
    (a class default, or given when raised: ``EventError(reason, kind="malformed_json")``)."""

    kind: str = "other"

    def __init__(self, *args: object, kind: str | None = None) -> None:
        super().__init__(*args)
        if kind is not None:
            self.kind = kind


class CalendarError(SlawatchError, ValueError):
    """A business calendar was used wrongly (e.g. a naive datetime was passed)."""


class NaiveDatetimeError(CalendarError):
    """A datetime without tzinfo was given where an instant is required (docs/contracts.md
    R1)."""

    kind = "naive_timestamp"

    def __init__(self, what: str, value: object) -> None:
        super().__init__(
            f"{what} must be timezone-aware (ISO 8601 with an offset, e.g. "
            f"2026-03-02T09:00:00+01:00); got naive {value!r}"
        )


class CalendarSpecError(CalendarError):
    """A calendar spec broke a named validation rule.

    ``rule`` is a stable identifier (e.g. ``window-order``) that tests and tools can match on;
    ``path`` is the location inside the spec (e.g. ``hours.mon-thu[1]``).
    """

    def __init__(self, rule: str, path: str, message: str) -> None:
        self.rule = rule
        self.path = path
        self.message = message
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{message} [{rule}]")
