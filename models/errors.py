"""Errors raised by ``models``: policy files, tenant contracts and incoming events.

All derive from :class:`calendars.errors.SlawatchError` (the one hierarchy of slawatch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from calendars.errors import SlawatchError


def article(word: str) -> str:
    """``a`` or ``an`` before ``word`` (by its first letter: "an urgency", "an impact")."""
    return "an" if word[:1].lower() in "aeiou" else "a"


#: The sorts of mistake an input can make (an error's ``kind``; the ``reason_kind`` label of
#: ``slawatch_dead_letters_total``; the ``kind`` of a dead-letter record), each with what it
#: covers.
DEAD_LETTER_KINDS: dict[str, str] = {
    "too_large": "record over SLAWATCH_MAX_EVENT_BYTES",
    "malformed_json": "not JSON text at all",
    "naive_timestamp": "a timestamp without a UTC offset (docs/contracts.md R1)",
    "unknown_type": "an event type slawatch does not know",
    "schema": "JSON, but not a valid event: not an object, missing/unknown field, bad value",
    "unknown_tenant": "no contract for the tenant",
    "unknown_priority": "priority/impact/urgency missing or not in the tenant's policy",
    "contract": "the tenant's contract cannot be applied: unknown option, policy (version)",
    "duplicate": "a second ticket.created for a ticket",
    "order": "an event for a ticket never created, or after closed/cancelled; a cancellation "
    "of maintenance never announced",
    "not_measured": "monitoring the tenant's contract does not measure: no availability "
    "target (for the service), an unknown heartbeat check",
    "wrong_topic": "a monitoring event on the ticket-event topic, or the reverse",
    "internal": "a slawatch bug while applying the record",
    "other": "anything else",
}


class PolicyError(SlawatchError, ValueError):
    """A policy was given something it cannot answer (bad priority, option, clock...)."""

    kind = "contract"


class UnknownPriorityError(PolicyError):
    """A ticket's priority, impact or urgency is not one the policy knows (or is missing)."""

    kind = "unknown_priority"

    def __init__(self, policy: str, what: str, value: object, allowed: Iterable[str]) -> None:
        self.policy = policy
        self.what = what
        self.value = value
        self.allowed = tuple(allowed)
        if value is None:
            head = f"policy {policy}: a ticket needs {article(what)} {what}"
        else:
            head = f"policy {policy}: unknown {what} {value!r}"
        super().__init__(f"{head}; allowed: {', '.join(self.allowed)}")


class OptionError(PolicyError):
    """A contract option is unknown, has a bad value, or a required one is missing."""


class UnknownPolicyError(PolicyError, LookupError):
    """No policy with that id (and version) is loaded."""


class UnknownClockError(PolicyError, LookupError):
    """The policy has no clock of that name."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem: where (dotted path in the file), what, and the rule broken."""

    path: str
    message: str
    rule: str = ""

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}"


class PolicyLoadError(PolicyError):
    """A policy (or tenant contracts) file failed validation.

    ``str()`` is one line per problem: ``<file>: <path>: <problem>``.
    """

    def __init__(self, source: str, issues: Sequence[Issue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(f"{source}: {issue}" for issue in self.issues))

    @property
    def messages(self) -> list[str]:
        return [f"{self.source}: {issue}" for issue in self.issues]

    @property
    def rule_messages(self) -> list[str]:
        """:attr:`messages`, each ending in its rule id where the problem has one
        (``… [version-text]``; docs/policy-language.md lists them)."""
        return [
            f"{self.source}: {issue}" + (f" [{issue.rule}]" if issue.rule else "")
            for issue in self.issues
        ]


class ContractError(PolicyLoadError):
    """The tenant contracts file is invalid."""


class UnknownTenantError(SlawatchError, LookupError):
    """No contract is registered for that tenant."""

    kind = "unknown_tenant"

    def __init__(self, tenant: str, known: Iterable[str] = ()) -> None:
        self.tenant = tenant
        known = sorted(known)
        hint = f"; known tenants: {', '.join(known)}" if known else ""
        super().__init__(f"unknown tenant {tenant!r}{hint}")


class EventError(SlawatchError, ValueError):
    """An incoming event cannot be used; ``str()`` is a one-line reason a person can act on,
    ``kind`` one of :data:`DEAD_LETTER_KINDS` (``schema`` unless said otherwise)."""

    kind = "schema"


class PolicySetError(PolicyError):
    """Several policy files failed; ``errors`` holds one :class:`PolicyLoadError` per file."""

    def __init__(self, errors: Sequence[PolicyLoadError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    @property
    def messages(self) -> list[str]:
        return [m for e in self.errors for m in e.messages]

    @property
    def rule_messages(self) -> list[str]:
        return [m for e in self.errors for m in e.rule_messages]
