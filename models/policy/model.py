"""The policy: one versioned SLA contract as data (docs/policy-language.md).

:class:`Policy` is the validated document (its parts are :mod:`models.policy.blocks`; the
rules relating them, :mod:`models.policy.validation`) and answers what the engine asks:
:meth:`Policy.plan` (one ticket's clocks, :mod:`models.policy.planning`) and
:meth:`Policy.calendar` (a named business calendar). Files load with
:func:`load_policy_file`; a problem names the file, the path and the rule broken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, PrivateAttr, ValidationError, model_validator

from models._base import Identifier, Strict, TimeZone, issues_from, raise_issues
from models.availability import AggregateTarget, AvailabilityTarget, Heartbeat, ServiceCredit
from models.errors import Issue, PolicyError, PolicyLoadError
from models.plan import ClockPlan, TicketFacts
from models.policy import planning
from models.policy.blocks import (
    ClockRule,
    Defaults,
    OptionSpec,
    PriorityScheme,
    version_text,
)
from models.policy.validation import validate

if TYPE_CHECKING:
    from calendars import BusinessCalendar


class Policy(Strict):
    """One versioned SLA policy. See ``policies/*.yaml`` for the five seed contracts."""

    id: Identifier
    version: Annotated[str, BeforeValidator(version_text)] = Field(min_length=1)
    name: str = ""
    source: str = ""
    timezone: TimeZone
    defaults: Defaults = Field(default_factory=Defaults)
    # statuses of the tenant's ITSM tool beyond the standard ones, that clocks may pause on
    statuses: list[Identifier] = Field(default_factory=list)
    calendars: dict[Identifier, dict[str, Any] | str] = Field(min_length=1)
    priority: PriorityScheme | None = None
    options: dict[Identifier, OptionSpec] = Field(default_factory=dict)
    clocks: dict[Identifier, ClockRule] = Field(default_factory=dict)
    availability: list[AvailabilityTarget] = Field(default_factory=list)
    heartbeats: list[Heartbeat] = Field(default_factory=list)
    aggregates: list[AggregateTarget] = Field(default_factory=list)
    service_credits: list[ServiceCredit] = Field(default_factory=list)

    # derived once, when the policy is validated: the built calendars, each level's
    # strictest matrix cell, the attributes clock rules read; and plans, cached by what they
    # depend on
    _calendars: dict[str, BusinessCalendar] = PrivateAttr(default_factory=dict)
    _strictest: dict[str, str] = PrivateAttr(default_factory=dict)
    _cond_attrs: tuple[str, ...] = PrivateAttr(default=())
    _plan_cache: dict[Any, tuple[ClockPlan, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _semantics(self) -> Policy:
        problems, calendars = validate(self)
        raise_issues("Policy", [(p.loc, p.rule, p.message, p.value) for p in problems])
        self._calendars.update(calendars)
        self._strictest = planning.strictest_cells(self, self._calendars)
        self._cond_attrs = tuple(
            sorted({c.attribute for r in self.clocks.values() for c in r.applies.attributes})
        )
        return self

    # ---------------------------------------------------------------- what the engine asks

    def calendar(self, name: str) -> BusinessCalendar:
        """The named calendar, built once (unknown → :class:`PolicyError`)."""
        key = name.lower()
        cal = self._calendars.get(key)
        if cal is None:
            if key not in self.calendars:
                raise PolicyError(
                    f"policy {self.id}: no calendar {name!r}; "
                    f"calendars: {', '.join(self.calendars)}"
                )
            from calendars import BusinessCalendar

            cal = self._calendars[key] = BusinessCalendar.from_spec(self.calendar_spec(key))
        return cal

    def calendar_spec(self, name: str) -> dict[str, Any]:
        """The calendar spec of ``name`` as :mod:`calendars.spec` reads it (with the
        policy's zone unless it names its own)."""
        raw = self.calendars[name]
        spec = {"hours": raw} if isinstance(raw, str) else dict(raw)
        spec.setdefault("timezone", self.timezone.key)
        return spec

    @property
    def condition_attributes(self) -> tuple[str, ...]:
        """The ticket attributes some clock rule's ``applies`` looks at (sorted): the only
        attributes :meth:`plan` depends on, so callers may cache plans by them alone."""
        return self._cond_attrs

    @property
    def clock_names(self) -> tuple[str, ...]:
        """Every clock name this policy can produce, in file order (deduplicated)."""
        names: dict[str, None] = {}
        for key, rule in self.clocks.items():
            names[rule.clock or key] = None
        return tuple(names)

    def resolve_options(self, options: Mapping[str, Any] | None) -> dict[str, bool | str | None]:
        """Validated option values with defaults filled in (:func:`planning.resolve_options`)."""
        return planning.resolve_options(self, options)

    def resolve_priority(self, facts: TicketFacts) -> tuple[str | None, str | None]:
        """``(level, cell)`` of a ticket (:func:`planning.resolve_priority`)."""
        return planning.resolve_priority(self, facts, self._strictest)

    def plan(
        self,
        facts: TicketFacts,
        options: Mapping[str, Any] | None = None,
        *,
        clocks: Iterable[str] | None = None,
    ) -> tuple[ClockPlan, ...]:
        """Every clock that applies to this ticket under these options, fully resolved (only
        the named ``clocks`` if given, e.g. for ``slawatch deadline``)."""
        wanted = {c.lower() for c in clocks} if clocks is not None else None
        opts = planning.resolve_options(self, options)
        key = planning.plan_key(facts, opts, self._cond_attrs, wanted)
        cache = self._plan_cache
        if key is not None and (hit := cache.get(key)) is not None:
            return hit
        result = planning.plan(self, facts, opts, self._strictest, wanted)
        if wanted is not None:
            result = tuple(x for x in result if x.clock in wanted)
        if key is not None:
            if len(cache) > 4096:
                cache.clear()
            cache[key] = result
        return result

    def rule_for(self, clock: str, facts: TicketFacts) -> tuple[str, ClockRule] | None:
        """The clock rule that would produce ``clock`` for a ticket (:func:`planning.rule_for`)."""
        return planning.rule_for(self, clock, facts)


def policy_from_data(data: Any, source: str) -> Policy:
    """Validate a decoded policy document; problems raise :class:`PolicyLoadError` whose lines
    read ``<source>: <path>: <problem>``."""
    if not isinstance(data, dict):
        raise PolicyLoadError(source, [Issue("", "a policy file must be a mapping at the top")])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyLoadError(source, issues_from(exc)) from None


def load_policy_file(path: str | Path) -> Policy:
    """Read and validate one policy file (YAML or JSON)."""
    from models.yamlio import read_document

    source = str(path)
    return policy_from_data(read_document(path, source), source)
