"""What a policy check reports (:class:`Problem`) and what the checks share
(:class:`Context`): the vocabulary of :mod:`models.policy.validation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calendars import BusinessCalendar

Loc = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: where (a path into the document), the rule broken, and a message."""

    loc: Loc
    rule: str
    message: str
    value: Any = None


@dataclass(slots=True)
class Context:
    """What several checks need, derived once: the calendars that could be built, the
    priority levels and matrix cells, and the clock rules an option gives their target."""

    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    levels: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    effect_targets: set[str] = field(default_factory=set)
