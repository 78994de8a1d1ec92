"""The ``sla.clock-states`` records of a ticket, with what a report needs beside the clock.

The engine's record (:func:`streams.engine.records.clock_records`) describes one clock: its
status, priority, deadline as it stands and full state. A monthly report also needs to know
what kind of ticket the clock belongs to (Covide's question clock is the ``response`` clock of
a ``question``: the aggregates are per clock *rule*), which tiers the clock has (a met clock
says nothing of a soft target it kept), and, to explain a breach, the calendar and the
pauses. Those are facts of the ticket and its plan, so they are added here, in one place, for
the live runtime (:class:`streams.runtime.partition.PartitionRunner`) and for a report read
from an events file alike:

- ``ticket_kind``: the ticket's kind (``incident``, ``question``, …). Not ``kind``: that key
  already tells an availability record (``kind: "availability"``) from a ticket clock's;
- ``hard_target`` / ``soft_target``: the targets of the clock's plan as written in the
  policy (``"6h"``, ``"2 workdays"``), ``hard_calendar`` / ``soft_calendar`` the calendars
  they count on; ``None`` for a tier the clock does not have (or an inactive clock);
- ``pause_statuses``: the statuses that pause it (R4), sorted;
- ``status_log``: the ticket's status history, ``[[ISO instant, status | None], …]``.
"""

from __future__ import annotations

from typing import Any, Protocol

from streams.engine.signal import dt


class _Plan(Protocol):
    hard: Any
    soft: Any
    pause_statuses: frozenset[str]


class _Clock(Protocol):
    active: bool


class _Ticket(Protocol):
    facts: dict[str, Any]
    status_log: list[list[Any]]
    clocks: dict[str, Any]


class EngineLike(Protocol):
    """What :func:`report_records` reads of a :class:`streams.engine.Engine`."""

    tickets: dict[str, Any]

    def clock_records(self, key: str) -> list[dict[str, Any]]: ...

    def plan_of(self, ticket: Any, name: str) -> Any: ...


#: the keys :func:`report_records` adds to each engine record
REPORT_KEYS = (
    "ticket_kind",
    "hard_target",
    "hard_calendar",
    "soft_target",
    "soft_calendar",
    "pause_statuses",
    "status_log",
)


def report_records(engine: EngineLike, key: str) -> list[dict[str, Any]]:
    """The engine's clock records of ticket ``key`` with :data:`REPORT_KEYS` added (empty for
    an unknown ticket)."""
    records = engine.clock_records(key)
    if not records:
        return records
    ticket: _Ticket = engine.tickets[key]
    kind = ticket.facts.get("kind") or "incident"
    log = [[dt(at).isoformat(), status] for at, status in ticket.status_log]
    for rec in records:
        clock: _Clock = ticket.clocks[rec["clock"]]
        plan: _Plan | None = engine.plan_of(ticket, rec["clock"]) if clock.active else None
        hard = plan.hard if plan is not None else None
        soft = plan.soft if plan is not None else None
        rec["ticket_kind"] = kind
        rec["hard_target"] = None if hard is None else str(hard)
        rec["hard_calendar"] = None if hard is None else hard.calendar
        rec["soft_target"] = None if soft is None else str(soft)
        rec["soft_calendar"] = None if soft is None else soft.calendar
        rec["pause_statuses"] = sorted(plan.pause_statuses) if plan is not None else []
        rec["status_log"] = log
    return records
