"""Helpers for the policy tests.

Expected instants in these tests are worked out by hand (the comment next to each shows the
arithmetic); nothing here computes them with the code under test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from models.plan import ClockPlan, TicketFacts
from models.policy import Policy

AMS = ZoneInfo("Europe/Amsterdam")


def at(text: str) -> datetime:
    """``"2026-03-02 09:00"`` → that Amsterdam wall-clock instant (aware)."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def iso(text: str) -> str:
    """Expected ISO string in the policy time zone for a local wall-clock time."""
    return at(text).isoformat()


def plans(
    policy: Policy, options: dict[str, Any] | None = None, **facts: Any
) -> dict[str, ClockPlan]:
    return {p.clock: p for p in policy.plan(TicketFacts(**facts), options or {})}


def project(
    policy: Policy, clock: str, start: datetime, options: dict[str, Any] | None = None, **facts: Any
) -> Any:
    """Deadline projection of one clock through ``Policy.plan`` and the engine's ``project``
    (what ``slawatch deadline`` prints)."""
    from streams.cli.policy_cmd import deadline_result

    _, proj = deadline_result(policy, clock, start, TicketFacts(**facts), options or {})
    return proj


def deadline(
    policy: Policy, clock: str, start: datetime, options: dict[str, Any] | None = None, **facts: Any
) -> str | None:
    proj = project(policy, clock, start, options, **facts)
    return None if proj.deadline is None else proj.deadline.astimezone(AMS).isoformat()


def signals(
    policy: Policy, clock: str, start: datetime, options: dict[str, Any] | None = None, **facts: Any
) -> list[tuple[str, str, Any]]:
    """``[(type, ISO instant, threshold|tier|level)]`` in firing order."""
    proj = project(policy, clock, start, options, **facts)
    out = []
    for s in proj.signals:
        extra = s.threshold if s.threshold is not None else (s.tier or s.level)
        out.append((s.type, s.at.astimezone(AMS).isoformat(), extra))
    return out
