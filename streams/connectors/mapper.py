"""One webhook → canonical ticket events, by a declarative mapping (``models.connectors``).

Pure: no I/O, no clock (the receive time comes with the :class:`Webhook`). In two steps,
because what happened may depend on the ticket's last known state, which the caller fetches
in between (:mod:`.memory`):

1. :meth:`Mapper.parse` decodes the body and finds the tenant, the ticket and the delivery's
   dedup key;
2. :meth:`Mapper.derive` applies the first matching rule of ``events`` and returns the
   canonical events (validated against ``models.events``, each with only the fields the
   mapping set, so a later event never resets a fact it did not carry), with the ticket's
   memory to keep once the events are in Kafka — or why nothing is sent.

Anything that prevents mapping raises :class:`MappingError` with a one-line reason (the
receiver dead-letters it with the raw body: retrying would not help).

Event ids are ``<source>:<dedup key>:<type without "ticket.">``: a redelivered webhook (same
dedup key) gives the same ids, which the engine ignores as duplicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from calendars.errors import SlawatchError
from models.connectors import (
    PHASE_EVENTS,
    Condition,
    Instant,
    Mapping,
    Rule,
    Source,
    phase_of,
    template_fields,
)
from models.docpath import parse_path, resolve
from models.errors import EventError
from models.events import parse_event
from streams.connectors.memory import FACTS, TicketMemory


class MappingError(SlawatchError, ValueError):
    """The webhook authenticated but cannot be mapped; ``str()`` is a one-line reason."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """One delivery as received: ``headers`` with lower-case names; ``received_at`` aware."""

    source: str
    tenant: str
    body: bytes
    headers: AnyMapping[str, str]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Parsed:
    """A decoded webhook: its JSON document, tenant, ticket and dedup key."""

    webhook: Webhook
    doc: Any
    tenant: str
    ticket_id: str
    dedup: str

    @property
    def key(self) -> str:
        """The Kafka key of its events, ``tenant:ticket_id``."""
        return f"{self.tenant}:{self.ticket_id}"

    @property
    def memory_key(self) -> str:
        """Where its :class:`TicketMemory` is kept: ``source/tenant:ticket_id``."""
        return f"{self.webhook.source}/{self.key}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a webhook gives: ``events`` (canonical dicts, in order) and the ticket's
    ``memory`` to keep after they are sent; or ``ignored`` saying why there is none."""

    events: list[dict[str, Any]]
    memory: TicketMemory | None
    ignored: str | None = None


def _text(value: Any) -> str | None:
    """A scalar as text (``true``, ``12``); ``None`` for null or an empty string."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    raise TypeError(type(value).__name__)


class _Reader:
    """Values of one request: paths into the body, headers, templates."""

    def __init__(self, doc: Any, headers: AnyMapping[str, str]) -> None:
        self.doc = doc
        self.headers = headers

    def at(self, path: str) -> Any:
        value = resolve(self.doc, parse_path(path))
        return None if value == "" else value

    def header(self, name: str) -> str | None:
        value = self.headers.get(name.lower())
        return value if value else None

    def raw(self, src: Source) -> Any:
        """The source's own value (before ``map``), ``None`` if absent."""
        if src.value is not None:
            return src.value
        if src.header is not None:
            return self.header(src.header)
        if src.template is not None:
            text = src.template
            for field in template_fields(src.template):
                got = (
                    self.header(field[7:].strip())
                    if field.startswith("header:")
                    else self.scalar(self.at(field), field)
                )
                text = text.replace("{" + field + "}", got or "")
            return text
        for path in src.paths:
            value = self.at(path)
            if value is not None:
                return value
        return None

    def scalar(self, value: Any, where: str) -> str | None:
        try:
            return _text(value)
        except TypeError as exc:
            raise MappingError(
                f"{where}: expected a text value, found {exc} {value!r:.60}"
            ) from None

    def where(self, src: Source) -> str:
        if isinstance(src, Instant) and src.received:
            return "the receive time"
        if src.header is not None:
            return f"header {src.header}"
        if src.template is not None:
            return f"template {src.template!r}"
        if src.value is not None:
            return "a constant"
        return " or ".join(src.paths)

    def text(self, src: Source | None, name: str) -> str | None:
        """The value of ``src`` as text, through its ``map``/``fallback``/``default``."""
        if src is None:
            return None
        value = self.scalar(self.raw(src), f"{name} ({self.where(src)})")
        if value is None:
            found = self.text(src.fallback, name) if src.fallback is not None else None
            return found if found is not None else src.default
        if src.map is None:
            return value
        mapped = src.map.get(value.lower())
        if mapped is not None:
            return mapped
        if src.fallback is not None:
            found = self.text(src.fallback, name)
            if found is not None:
                return found
        if src.default is not None:
            return src.default
        raise MappingError(
            f"{name}: {value!r} ({self.where(src)}) is not in the mapping's {name}.map; add it "
            f"to the mapping or the tenant's overrides (known: {', '.join(sorted(src.map))})"
        )

    def instant(self, src: Instant | None, name: str, received: datetime) -> datetime | None:
        if src is None:
            return None
        if src.received:
            return received
        value: Any = None
        for candidate in _chain(src):
            value = self.raw(candidate)
            if value is not None:
                break
        if value is None:
            return None
        return _instant(value, src, f"{name} ({self.where(src)})")

    def holds(self, cond: Condition) -> bool:
        value = self.header(cond.header) if cond.header is not None else self.at(cond.path or "")
        if cond.present is not None:
            return (value is not None) == cond.present
        if isinstance(value, dict | list):
            return False
        text = _text(value)
        if cond.equals is not None:
            return text == _text(cond.equals)
        return text in {_text(v) for v in cond.one_of or ()}


def _same(memory: TicketMemory, status: str | None, facts: dict[str, str]) -> bool:
    """Whether a snapshot repeats what was sent last (attributes alone do not count: vendor
    SLA fields tick on every update)."""
    return status == memory.status and all(memory.facts.get(k) == v for k, v in facts.items())


def _chain(src: Source) -> list[Source]:
    out = [src]
    while out[-1].fallback is not None:
        out.append(out[-1].fallback)  # type: ignore[arg-type]
    return out


def _instant(value: Any, src: Instant, where: str) -> datetime:
    fmt = src.format
    try:
        if fmt in ("epoch_ms", "epoch_s"):
            number = float(value)
            return datetime.fromtimestamp(number / 1000 if fmt == "epoch_ms" else number, UTC)
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
        parsed = (
            datetime.fromisoformat(value.strip())
            if fmt == "iso"
            else datetime.strptime(value.strip(), fmt)
        )
    except (ValueError, OverflowError, TypeError) as exc:
        raise MappingError(f"{where}: {value!r} is not a {fmt} timestamp ({exc})") from None
    if parsed.tzinfo is None:
        if src.zone is None:
            raise MappingError(
                f"{where}: {value!r} has no UTC offset and the mapping gives no zone "
                "(docs/contracts.md R1): set zone, e.g. Europe/Amsterdam, in the mapping or the "
                "tenant's overrides"
            )
        parsed = parsed.replace(tzinfo=src.zone)
    return parsed


class Mapper:
    """The mapping of one endpoint (``source``; ``tenants``: those its ``tenant`` source may
    name, the endpoint's own first)."""

    def __init__(self, mapping: Mapping, source: str, tenants: tuple[str, ...] = ()) -> None:
        self.mapping = mapping
        self.source = source
        self.tenants = tenants

    # -- step 1 ----------------------------------------------------------------------------
    def parse(self, hook: Webhook) -> Parsed:
        try:
            doc = orjson.loads(hook.body)
        except orjson.JSONDecodeError as exc:
            raise MappingError(f"the body is not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise MappingError(f"the body must be a JSON object, got {type(doc).__name__}")
        read = _Reader(doc, hook.headers)
        m = self.mapping
        tenant = hook.tenant
        if m.tenant is not None:
            named = read.text(m.tenant, "tenant")
            if named is None:
                raise MappingError(f"tenant: nothing at {read.where(m.tenant)}")
            allowed = self.tenants or (hook.tenant,)
            if named not in allowed:
                raise MappingError(
                    f"tenant {named!r} (from {read.where(m.tenant)}) is not served by the "
                    f"endpoint {hook.source}/{hook.tenant} (serves: {', '.join(allowed)})"
                )
            tenant = named
        ticket = read.text(m.ticket_id, "ticket_id")
        if ticket is None:
            raise MappingError(f"ticket_id: nothing at {read.where(m.ticket_id)}")
        dedup = read.text(m.event_id, "event_id") if m.event_id is not None else None
        if dedup is None:
            dedup = hashlib.sha256(hook.body).hexdigest()[:32]
        return Parsed(hook, doc, tenant, ticket, dedup)

    # -- step 2 ----------------------------------------------------------------------------
    def derive(self, parsed: Parsed, memory: TicketMemory | None) -> Outcome:
        read = _Reader(parsed.doc, parsed.webhook.headers)
        m = self.mapping
        index, rule = self._rule(read)
        if rule.then == "ignore":
            return Outcome([], None, f"rule {index} of mapping {m.name} ignores this webhook")
        received = parsed.webhook.received_at
        at = read.instant(m.at, "at", received)
        if at is None:
            raise MappingError(f"at: nothing at {read.where(m.at)}")
        created_at = read.instant(m.created_at, "created_at", received) or at
        facts: dict[str, str] = {}
        for name in FACTS:
            value = read.text(getattr(m, name), name)
            if value is not None:
                facts[name] = value
        status = read.text(m.status, "status")
        now_status = status if status is not None else (memory.status if memory else None)
        responded_before = memory.responded if memory else False
        responded_now = self._responded(read, now_status)

        if rule.then in ("changed", "ticket.created"):
            types = self._changes(read, rule, memory, now_status, responded_now)
            if (
                types == ["ticket.updated"]
                and memory is not None
                and _same(memory, now_status, facts)
            ):
                return Outcome([], None, "nothing slawatch tracks changed (status, priority, …)")
        else:
            types = [rule.then]

        fields: dict[str, Any] = dict(facts)
        if status is not None:
            fields["status"] = status
        reported = read.instant(m.reported_at, "reported_at", received)
        if reported is not None:
            fields["reported_at"] = reported.isoformat()
        attributes = self._attributes(read)
        if "priority" in fields and ("impact" in fields or "urgency" in fields):
            # an event carries a priority level or impact with urgency, never both
            drop = ("impact", "urgency") if m.priority_from == "priority" else ("priority",)
            for name in drop:
                if name in fields:
                    attributes[f"vendor_{name}"] = fields.pop(name)
        if attributes:
            fields["attributes"] = attributes
        events = []
        for etype in types:
            event = {
                "event_id": f"{self.source}:{parsed.dedup}:{etype.removeprefix('ticket.')}",
                "type": etype,
                "tenant": parsed.tenant,
                "ticket_id": parsed.ticket_id,
                "at": (created_at if etype == "ticket.created" else at).isoformat(),
                **fields,
            }
            try:
                parse_event(event)
            except EventError as exc:
                raise MappingError(f"the mapped event is not valid: {exc}") from None
            events.append(event)
        kept = {**(memory.facts if memory else {}), **facts}
        responded = responded_before or responded_now or "ticket.responded" in types
        return Outcome(events, TicketMemory(now_status, responded, kept))

    def _rule(self, read: _Reader) -> tuple[int, Rule]:
        for i, rule in enumerate(self.mapping.events, start=1):
            if all(read.holds(c) for c in rule.when):
                return i, rule
        raise MappingError(
            f"no rule of mapping {self.mapping.name}'s events matches this webhook; add a "
            "last rule `- then: ignore` to accept such webhooks without an event"
        )

    def _responded(self, read: _Reader, status: str | None) -> bool:
        r = self.mapping.responded
        if r is None:
            return False
        if status is not None and status in r.statuses:
            return True
        return bool(r.when) and all(read.holds(c) for c in r.when)

    def _changes(
        self,
        read: _Reader,
        rule: Rule,
        memory: TicketMemory | None,
        now_status: str | None,
        responded_now: bool,
    ) -> list[str]:
        """The event types of a change: created (explicitly, or an unknown ticket of a
        snapshot tool), responded, then entering a phase or reopening; else updated."""
        types: list[str] = []
        creating = rule.then == "ticket.created" or (
            memory is None and self.mapping.unknown_ticket == "created"
        )
        if creating:
            types.append("ticket.created")
            before_phase: str | None = "open"
        else:
            before = self._before(read, rule, now_status)
            if before is None and memory is not None:
                before = memory.status
            before_phase = phase_of(before)
        if responded_now and not (memory is not None and memory.responded):
            types.append("ticket.responded")
        now_phase = phase_of(now_status)
        if now_phase is not None and now_phase != before_phase:
            if now_phase in PHASE_EVENTS:
                types.append(PHASE_EVENTS[now_phase])
            elif before_phase in ("resolved", "closed"):
                types.append("ticket.reopened")
        return types or ["ticket.updated"]

    def _before(self, read: _Reader, rule: Rule, now_status: str | None) -> str | None:
        """The canonical status before this change as the payload tells it, or ``None``."""
        b = rule.before
        if b is None:
            return None
        if b.path is not None:
            return self._canonical(read.scalar(read.at(b.path), f"before ({b.path})"))
        if b.template is not None:
            return self._canonical(read.raw(Source(template=b.template)))
        changes = b.changes
        if changes is None:
            return None
        items = read.at(changes.path)
        if not isinstance(items, list):
            return None
        for item in items:
            if isinstance(item, dict) and all(
                _text(item.get(k)) == _text(v) for k, v in changes.match.items()
            ):
                return self._canonical(read.scalar(item.get(changes.value), changes.value))
        return now_status  # a change list without a status change: the status stayed

    def _canonical(self, vendor: str | None) -> str | None:
        """A vendor status through the mapping's status table (``None`` if unknown)."""
        src = self.mapping.status
        if vendor is None or src is None:
            return None
        if src.map is None:
            return vendor.lower()
        return src.map.get(vendor.lower())

    def _attributes(self, read: _Reader) -> dict[str, Any]:
        out: dict[str, Any] = {}
        native = read.text(self.mapping.native_id, "native_id")
        if native is not None:
            out["native_id"] = native
        for name, src in self.mapping.attributes.items():
            value = read.raw(src)
            if value is not None:
                out[name] = value
        return out


__all__ = ["Mapper", "MappingError", "Outcome", "Parsed", "Webhook"]
