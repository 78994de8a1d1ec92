"""The SLA policy language (docs/policy-language.md; the seed contracts' reading:
docs/contracts.md).

A policy is data: named calendars, a priority scheme (direct levels or an impact × urgency
matrix whose *cells* carry the targets), clock rules (which tickets, what starts/stops/pauses,
targets per priority, thresholds, escalations), contract options and what they change, and the
availability / heartbeat / aggregate / service-credit targets. The modules:

- :mod:`.blocks`: the parts of a policy document (pydantic models);
- :mod:`.validation`: the rules that relate the parts, a table of named checks;
- :mod:`.planning`: one ticket's facts and options → its :class:`models.plan.ClockPlan` s;
- :mod:`.model`: :class:`Policy` itself and loading policy files.
"""

from models.policy.blocks import (
    Applies,
    ClockRule,
    Condition,
    Defaults,
    EscalationSpec,
    Matrix,
    OptionEffect,
    OptionSpec,
    PriorityScheme,
    TargetSpec,
)
from models.policy.model import Policy, load_policy_file, policy_from_data
from models.policy.validation import unknown_status_message
from models.vocabulary import CHANNELS, KINDS

__all__ = [
    "CHANNELS",
    "KINDS",
    "Applies",
    "ClockRule",
    "Condition",
    "Defaults",
    "EscalationSpec",
    "Matrix",
    "OptionEffect",
    "OptionSpec",
    "Policy",
    "PriorityScheme",
    "TargetSpec",
    "load_policy_file",
    "policy_from_data",
    "unknown_status_message",
]
