"""The rules that relate a policy's parts to each other, as a table of small named checks.

Pydantic checks each part's shape (types, required keys, unknown keys); once the shape is
right, :func:`validate` runs :data:`RULES` in order. Each check looks at one concern and
yields :class:`Problem` values carrying a stable rule id (the ids and the paths they are
reported at are documented in docs/policy-language.md, "Validation rules", and tested
there), so fixing one problem never hides another of a different concern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.policy.checks import (
    check_aggregates,
    check_availability,
    check_calendars,
    check_clocks,
    check_escalations,
    check_id,
    check_options,
    check_priority,
    check_references,
    check_statuses,
    check_targets,
    check_thresholds,
    unknown_status_message,
)
from models.policy.problems import Context, Problem

if TYPE_CHECKING:
    from calendars import BusinessCalendar
    from models.policy.model import Policy

__all__ = ["RULES", "Problem", "Rule", "unknown_status_message", "validate"]


Check = Callable[["Policy", Context], Iterable[Problem]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named check and the rule ids it reports (space-separated; ``calendar-spec`` stands
    for the calendar format's own ids, :mod:`calendars.spec`)."""

    name: str
    reports: str
    check: Check


def validate(p: Policy) -> tuple[list[Problem], dict[str, BusinessCalendar]]:
    """Every problem of ``p`` (in :data:`RULES` order) and the calendars it could build."""
    ctx = Context()
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule.check(p, ctx))
    return problems, ctx.calendars


#: The checks, in the order their problems are reported.
RULES: tuple[Rule, ...] = (
    Rule("id", "policy-id", check_id),
    Rule("calendars", "calendar-spec calendar-timezone", check_calendars),
    Rule(
        "priority",
        "level-duplicate level-unknown matrix-required matrix-cell matrix-complete level-unused",
        check_priority,
    ),
    Rule("statuses", "status-unknown", check_statuses),
    Rule("thresholds", "threshold-range threshold-duplicate", check_thresholds),
    Rule(
        "references",
        "calendar-unknown priority-unknown clock-unknown aggregate-unknown",
        check_references,
    ),
    Rule(
        "targets",
        "priority-required target-ambiguous targets-complete workday-hours hard-shorter-than-soft",
        check_targets,
    ),
    Rule("escalations", "escalation-range escalation-needs-hard", check_escalations),
    Rule("clocks", "clock-empty clock-event clock-resume clock-overlap", check_clocks),
    Rule(
        "options",
        "option-choices option-value option-required effect-empty option-effects-complete",
        check_options,
    ),
    Rule(
        "availability",
        "calendar-required maintenance-kind-duplicate workday-hours",
        check_availability,
    ),
    Rule("aggregates", "name-duplicate", check_aggregates),
)
