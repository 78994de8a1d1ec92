"""A ticket's facts (kind, channel, priority, impact, urgency, attributes) as events change
them, normalised, and frozen into cache keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.ports import TicketEventLike

#: the event fields a policy plans clocks from (beside ``attributes``)
FACT_FIELDS = ("kind", "channel", "priority", "impact", "urgency")

#: normalised spellings of the strings seen (statuses, kinds, channels, priorities: a small
#: vocabulary), so the hot path does not build a new lower-case copy of each on every event
_NORMS: dict[str, str] = {}


def norm(value: Any) -> Any:
    """``value`` stripped and lower-cased if it is a string (identifiers are compared so)."""
    if not isinstance(value, str):
        return value
    hit = _NORMS.get(value)
    if hit is None:
        hit = value.strip().lower()
        if len(_NORMS) < 10_000:  # a free-form vocabulary is normalised but not kept
            _NORMS[value] = hit
    return hit


def facts_of(event: TicketEventLike, old: dict[str, Any]) -> dict[str, Any]:
    """The facts after ``event``: ``old`` itself (the same object) when the event changes
    none of them, else a new dict."""
    facts: dict[str, Any] | None = None
    # A later event changes only the facts its sender set: a decoded TicketEvent fills in
    # defaults (kind="incident"), which must not turn a service_request into an incident.
    given = None
    if old:  # (a pydantic model's fields set, read without its Python-level property; a
        # held replay event has the plain attribute, looked up without a failed lookup)
        given = getattr(event, "model_fields_set", None)
    for name in FACT_FIELDS:
        if given is not None and name not in given:
            continue
        v = getattr(event, name, None)
        if v is not None:
            v = norm(v)
            if name not in old or old[name] != v:
                if facts is None:
                    facts = dict(old)
                facts[name] = v
    attrs = getattr(event, "attributes", None)
    if attrs:
        current = old.get("attributes") or {}
        merged = dict(current)
        merged.update(attrs)
        if "attributes" not in old or merged != current:
            if facts is None:
                facts = dict(old)
            facts["attributes"] = merged
    return old if facts is None else facts


_SCALARS = (str, int, float, bool, type(None))


def freeze(obj: Any) -> Any:
    """A hashable, order-independent form of facts, options and attributes (a cache key)."""
    if type(obj) is dict:  # the common case, flat facts/options: no recursion per value
        return tuple(sorted((k, v if type(v) in _SCALARS else freeze(v)) for k, v in obj.items()))
    if isinstance(obj, Mapping):
        return tuple(sorted((k, freeze(v)) for k, v in obj.items()))
    if isinstance(obj, list | tuple):
        return tuple(freeze(v) for v in obj)
    return obj
