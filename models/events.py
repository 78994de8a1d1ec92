"""Incoming events: ticket events from ITSM tools and monitoring events (issue 3).

One JSON object per Kafka message. :func:`parse_event` is the fast path the engine calls for
every message: ``orjson`` decoding, a dict lookup on ``type`` and one ``model_validate`` of
a prebuilt model (no per-event schema building, no union trial-and-error). Anything unusable
raises :class:`models.errors.EventError` with a one-line reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from models.errors import EventError
from models.plan import TicketFacts
from models.vocabulary import (
    CHANNELS,
    KINDS,
    MONITORING_EVENT_TYPES,
    TICKET_EVENT_TYPES,
    TicketEventType,
)


def _choice(values: tuple[str, ...], default: str | None = None) -> Any:
    # Case-insensitive closed vocabulary, checked and lower-cased inside pydantic-core (no
    # Python call per event: this is the hot path).
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, to_lower=True, pattern=rf"(?i)^\s*({'|'.join(values)})\s*$"
        ),
        WithJsonSchema(schema),
    ]


# Integers are accepted where ITSM tools number things (ticket ids, 1do's impact 1|2|3): the
# models coerce numbers to text (``coerce_numbers_to_str``).
Id = Annotated[str, StringConstraints(min_length=1)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]
LowerKind = _choice(KINDS, "incident")
LowerChannel = _choice(CHANNELS)
Instant: TypeAlias = AwareDatetime
_TIME_FIELDS = ("at", "reported_at", "start", "end")


class _Event(BaseModel):
    # Lax mode (ISO strings → datetimes, numbers → text) but unknown keys are errors; the
    # few things lax mode would let through (numeric timestamps) are refused in parse_event.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    event_id: Id
    tenant: Id
    at: Instant


class TicketEvent(_Event):
    """``ticket.*`` events. ``at`` is when it happened in the ITSM tool (ISO 8601 with an
    offset: the contracts' reading, docs); ``reported_at`` when the customer reported it (may
    precede creation: the Inlenersbeloning registration clock starts there; never after it).

    A priority comes either as a level (``priority``) or as a matrix cell (``impact`` with
    ``urgency``), never both: the policy would have to pick one and ignore the other. These
    rules are checked here, at construction, so the replay and the live runtime (both go
    through :func:`parse_event`) dead-letter the same events with the same reason."""

    type: TicketEventType
    ticket_id: Id
    kind: LowerKind = "incident"  # type: ignore[valid-type]
    channel: LowerChannel | None = None  # type: ignore[valid-type]
    priority: Word | None = None
    impact: Word | None = None
    urgency: Word | None = None
    status: Word | None = None
    reported_at: Instant | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> TicketEvent:
        d = self.__dict__  # (the hot path: plain dict reads)
        if d["priority"] is not None and (d["impact"] is not None or d["urgency"] is not None):
            given = "impact" if d["impact"] is not None else "urgency"
            raise PydanticCustomError(
                "priority_and_matrix",
                "'priority' and '{given}' both given: send either a priority level or "
                "impact with urgency, not both",
                {"given": given},
            )
        reported = d["reported_at"]
        if reported is not None and reported > d["at"]:
            raise PydanticCustomError(
                "reported_after",
                "'reported_at' {reported} is after 'at' {at}: a ticket is reported before "
                "(or when) it is registered; check the ITSM mapping",
                {"reported": reported.isoformat(), "at": d["at"].isoformat()},
            )
        return self

    def facts(self) -> TicketFacts:
        """What a policy looks at to decide this ticket's clocks."""
        return TicketFacts(
            kind=self.kind,
            channel=self.channel,
            priority=self.priority,
            impact=self.impact,
            urgency=self.urgency,
            attributes=self.attributes,
        )


class MonitorEvent(_Event):
    """A monitored service went down or came back up; ``cause`` (e.g. ``force_majeure``,
    ``ddos``) decides whether an outage is excluded from availability."""

    type: Literal["monitor.down", "monitor.up"]
    service: Id
    cause: Word | None = None


class MaintenanceEvent(_Event):
    """Maintenance announced (``at`` = when announced; ``start``/``end``/``kind`` required)
    or cancelled (only ``maintenance_id`` required)."""

    type: Literal["maintenance.announced", "maintenance.cancelled"]
    maintenance_id: Id
    start: Instant | None = None
    end: Instant | None = None
    kind: Word | None = None
    service: Id | None = None

    @model_validator(mode="after")
    def _window(self) -> MaintenanceEvent:
        if self.type == "maintenance.announced":
            missing = [f for f in ("start", "end", "kind") if getattr(self, f) is None]
            if missing:
                raise PydanticCustomError(
                    "maintenance_fields",
                    "maintenance.announced needs {fields}",
                    {"fields": ", ".join(missing)},
                )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise PydanticCustomError("window", "maintenance end must be after its start")
        return self


class HeartbeatEvent(_Event):
    """A periodic job (``check``: ``backup``, ``snapshot``...) reports that it ran."""

    type: Literal["heartbeat"]
    check: Word
    service: Id | None = None


MonitoringEvent = MonitorEvent | MaintenanceEvent | HeartbeatEvent
Event = Annotated[
    TicketEvent | MonitorEvent | MaintenanceEvent | HeartbeatEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Event)
_EVENT_VALIDATOR = EVENT_ADAPTER.validator  # pydantic-core's, without the adapter's wrapper

_MODELS: dict[str, type[_Event]] = {
    **{t: TicketEvent for t in TICKET_EVENT_TYPES},
    "monitor.down": MonitorEvent,
    "monitor.up": MonitorEvent,
    "maintenance.announced": MaintenanceEvent,
    "maintenance.cancelled": MaintenanceEvent,
    "heartbeat": HeartbeatEvent,
}
_ALL_TYPES = ", ".join((*TICKET_EVENT_TYPES, *MONITORING_EVENT_TYPES))


#: The largest input record (bytes) slawatch accepts, live and in a replay alike (one limit,
#: so a backtest dead-letters what the runtime would); ``SLAWATCH_MAX_EVENT_BYTES`` sets it.
MAX_EVENT_BYTES = 65536


def too_large(size: int, limit: int) -> str:
    """The dead-letter reason of a record over the limit (checked before decoding it)."""
    return f"record of {size} bytes exceeds the limit of {limit} bytes (SLAWATCH_MAX_EVENT_BYTES)"


def parse_event(
    raw: bytes | bytearray | memoryview | str | Mapping[str, Any],
) -> TicketEvent | MonitoringEvent:
    """Decode and validate one incoming event; raises :class:`EventError`."""
    if type(raw) is bytes or type(raw) is str:
        # Fast path: events in canonical form (text ids, ISO 8601 strings) validate in one
        # strict pass straight from the JSON text, inside pydantic-core. Strict mode accepts
        # a subset of what the lax path below does, with the same result; everything else
        # (numbers for ids, numeric timestamps, bad input) goes the lax way, which coerces
        # or names the problem (tests/models/test_events.py compares the two).
        try:
            return _EVENT_VALIDATOR.validate_json(raw, strict=True)  # type: ignore[no-any-return]
        except (ValidationError, TypeError, ValueError):
            pass
    if isinstance(raw, Mapping):
        data: Any = raw
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise EventError(f"malformed JSON: {exc}", kind="malformed_json") from None
        except TypeError:
            raise EventError(
                f"an event is JSON text or a mapping, not {type(raw).__name__}",
                kind="malformed_json",
            ) from None
    if not isinstance(data, Mapping):
        raise EventError(f"an event must be a JSON object, got {_json_kind(data)}")
    etype = data.get("type")
    model = _MODELS.get(etype) if isinstance(etype, str) else None
    if model is None:
        if etype is None:
            raise EventError(f"missing field 'type'{_ident(data)}; expected one of {_ALL_TYPES}")
        raise EventError(
            f"unknown event type {etype!r}{_ident(data)}; expected one of {_ALL_TYPES}",
            kind="unknown_type",
        )
    for key in _TIME_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise EventError(
                f"{etype}{_ident(data)}: '{key}' must be an ISO 8601 string with an offset "
                f"(e.g. 2026-03-02T09:00:00+01:00), got {value!r}"
            )
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        naive = any(e.get("type") == "timezone_aware" for e in exc.errors(include_url=False))
        raise EventError(_reason(exc, data), kind="naive_timestamp" if naive else None) from None


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return type(value).__name__


def _ident(data: Mapping[str, Any]) -> str:
    eid = data.get("event_id")
    return f" (event {eid})" if isinstance(eid, str | int) else ""


def _reason(exc: ValidationError, data: Mapping[str, Any]) -> str:
    errors = exc.errors(include_url=False)
    parts = [_one(err, data) for err in errors[:3]]
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"{data.get('type')}{_ident(data)}: {'; '.join(parts)}{more}"


def _one(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = err.get("loc") or ()
    field = ".".join(str(p) for p in loc) if loc else ""
    etype = err.get("type")
    value = err.get("input")
    if etype == "missing":
        return f"missing field '{field}'"
    if etype == "extra_forbidden":
        return f"unknown field '{field}' (free-form data belongs in 'attributes')"
    if etype == "timezone_aware":
        return (
            f"'{field}' timestamp {value!r} has no UTC offset; send ISO 8601 with an "
            "offset, e.g. 2026-03-02T09:00:00+01:00 (see README, 'How the clocks work')"
        )
    if etype in ("datetime_from_date_parsing", "datetime_parsing", "datetime_type"):
        return f"'{field}' is not an ISO 8601 instant: {value!r} (e.g. 2026-03-02T09:00:00+01:00)"
    if etype in ("too_short", "string_too_short"):
        return f"'{field}' must not be empty"
    if etype == "string_pattern_mismatch" and field in ("kind", "channel"):
        values = KINDS if field == "kind" else CHANNELS
        expected = ", ".join(repr(v) for v in values[:-1]) + f" or {values[-1]!r}"
        return f"'{field}' has unknown value {value!r}; expected {expected}"
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{field}' has unknown value {value!r}; expected {expected}"
    msg = str(err.get("msg", "invalid"))
    return f"'{field}': {msg}" if field else msg


__all__ = [
    "EVENT_ADAPTER",
    "MAX_EVENT_BYTES",
    "MONITORING_EVENT_TYPES",
    "TICKET_EVENT_TYPES",
    "Event",
    "HeartbeatEvent",
    "MaintenanceEvent",
    "MonitorEvent",
    "MonitoringEvent",
    "TicketEvent",
    "parse_event",
    "too_large",
]
