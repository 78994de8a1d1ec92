"""Declarative ITSM connectors (issue 15): how a vendor's webhook becomes canonical ticket events,
and which webhook endpoints ``slawatch ingest`` serves.

A **mapping** (:class:`Mapping`, YAML, one per ITSM tool; JSON Schema: ``slawatch schema
mapping``) is data, not code. It says how the webhook authenticates, where each canonical field
is in the payload (a :class:`Source`: a path, a header, a template or a constant, optionally
through a table), and how to tell *what happened*: ordered :class:`Rule` s on the vendor's event
name (a payload field or a header) give an explicit ``ticket.*`` type, ``ignore``, or
``changed`` — then the type follows from the status before and after the change, read from a
change list, a payload field, or the ticket's last known state kept by ``ingest``.

Canonical statuses (:data:`STATUS_PHASES`) carry the lifecycle: a ticket moving *into*
``resolved``, ``closed`` or ``cancelled`` gives that ``ticket.*`` event, one moving from
``resolved``/``closed`` back to an open status gives ``ticket.reopened``; every other status
(``waiting_for_customer`` pauses clocks, R4) rides along on ``ticket.updated``.

The **connectors file** (:class:`ConnectorsFile`, ``SLAWATCH_CONNECTORS_FILE``) lists the
sources and, per source, the tenants with an endpoint, each optionally overriding parts of the
mapping (its status or priority table: tenants' policies name priorities differently). Secrets
are never in these files (``SLAWATCH_HOOK_SECRETS``).

The reference with every key is docs/connectors.md; the shipped mappings are in
``streams/connectors/mappings/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AnyMapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, model_validator

from models._base import Strict, TimeZone, issues_from, rule_error
from models.docpath import PathSyntaxError, parse_path
from models.errors import PolicyLoadError
from models.events import TICKET_EVENT_TYPES
from models.vocabulary import TicketEventType

#: The canonical statuses and the lifecycle phase each one means. Any other status word is
#: allowed (a tenant's policy may pause on its own status) and is in the ``open`` phase.
STATUS_PHASES: dict[str, str] = {
    "new": "open",
    "open": "open",
    "in_progress": "open",
    "on_hold": "open",
    "waiting_for_customer": "open",
    "customer_unreachable": "open",
    "resolved": "resolved",
    "closed": "closed",
    "cancelled": "cancelled",
}
#: the ``ticket.*`` event of entering a phase
PHASE_EVENTS = {
    "resolved": "ticket.resolved",
    "closed": "ticket.closed",
    "cancelled": "ticket.cancelled",
}
#: what a rule can conclude: an explicit type, "derive it from the change", or nothing
RULE_OUTCOMES = (*TICKET_EVENT_TYPES, "changed", "ignore")
RuleOutcome = Literal[TicketEventType, "changed", "ignore"]

#: names that appear in URLs (``/hooks/{source}/{tenant}``)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def phase_of(status: str | None) -> str | None:
    """The lifecycle phase of a canonical status (``None`` for no status)."""
    if status is None:
        return None
    return STATUS_PHASES.get(status, "open")


class ConnectorFileError(PolicyLoadError):
    """A mapping or connectors file failed validation; one line per problem
    (``<file>: <path>: <problem>``)."""


# == value sources ================================================================================

Scalar = str | int | float | bool


def _text_table(value: Any) -> Any:
    # YAML reads ServiceNow's state codes (1, 2, 6) and GLPI's (1..6) as integers: tables are
    # text to text, compared case-insensitively (keys lower-cased once, here)
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        key = str(k).strip().lower() if not isinstance(k, bool) else str(k).lower()
        if key in out:
            raise rule_error("map-duplicate", f"key {k!r} appears twice (keys ignore case)")
        out[key] = str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
    return out


Table = Annotated[dict[str, str], BeforeValidator(_text_table)]


def _check_path(path: str, where: str) -> str | None:
    try:
        parse_path(path)
    except PathSyntaxError as exc:
        return f"{where}: {exc}"
    return None


def template_fields(template: str) -> list[str]:
    """The placeholders of a template: ``"{sys_id}:{header:X-Id}"`` → ``["sys_id",
    "header:X-Id"]``."""
    return _PLACEHOLDER.findall(template)


class Source(Strict):
    """Where one value is. Exactly one of:

    - ``path``: a path into the JSON body (``issue.fields.priority.name``); a list of paths
      means the first one present;
    - ``header``: a request header (case-insensitive name);
    - ``template``: text with ``{path}`` and ``{header:Name}`` placeholders
      (``"{sys_id}:{sys_mod_count}"``), a missing one reads as empty;
    - ``value``: a constant.

    ``map`` translates the value (case-insensitive keys): a value present but not in the
    table is an error naming the value, unless ``fallback`` (another source, e.g. Jira's status
    category) or ``default`` gives one. A value absent from the payload gives ``fallback``'s,
    then ``default``, then nothing.
    """

    path: str | list[str] | None = None
    header: str | None = None
    template: str | None = None
    value: Scalar | None = None
    map: Table | None = None
    default: str | None = None
    fallback: Source | None = None

    #: the keys that name where the value is (exactly one is given)
    _WHERE: ClassVar[tuple[str, ...]] = ("path", "header", "template", "value")

    @model_validator(mode="after")
    def _one_source(self) -> Source:
        given = [k for k in self._WHERE if getattr(self, k) not in (None, False)]
        if len(given) != 1:
            raise rule_error(
                "source",
                f"give exactly one of {', '.join(self._WHERE[:-1])} or {self._WHERE[-1]}"
                + (f" (got {', '.join(given)})" if given else ""),
            )
        paths = [self.path] if isinstance(self.path, str) else list(self.path or [])
        if self.path is not None and not paths:
            raise rule_error("source", "path: give at least one path")
        problems = [p for p in (_check_path(p, "path") for p in paths) if p]
        if self.template is not None:
            for field in template_fields(self.template):
                if field.startswith("header:"):
                    if not field[7:].strip():
                        problems.append(f"template: empty header name in {{{field}}}")
                else:
                    bad = _check_path(field, f"template placeholder {{{field}}}")
                    if bad:
                        problems.append(bad)
        if problems:
            raise rule_error("path", "; ".join(problems))
        return self

    @property
    def paths(self) -> tuple[str, ...]:
        if self.path is None:
            return ()
        return (self.path,) if isinstance(self.path, str) else tuple(self.path)


TimeFormat = Annotated[
    str,
    Field(
        description="iso (ISO 8601), epoch_ms, epoch_s, or a strptime pattern such as "
        "'%Y-%m-%d %H:%M:%S'"
    ),
]


class Instant(Source):
    """A :class:`Source` read as an instant: ``format`` ``iso`` (default), ``epoch_ms``,
    ``epoch_s`` or a ``strptime`` pattern; ``zone`` (IANA) gives a value without an offset its
    zone (ServiceNow sends UTC wall time, GLPI its server's). A value without an offset and no
    ``zone`` is an error (docs/contracts.md R1). ``received: true`` instead of a source: the instant
    the webhook arrived."""

    format: TimeFormat = "iso"
    zone: TimeZone | None = None
    received: bool = Field(
        False,
        description="the instant the webhook was received (for tools whose placeholders give "
        "no machine-readable time)",
    )

    _WHERE: ClassVar[tuple[str, ...]] = ("path", "header", "template", "value", "received")

    @model_validator(mode="after")
    def _format(self) -> Instant:
        if self.format not in ("iso", "epoch_ms", "epoch_s") and "%" not in self.format:
            raise rule_error(
                "time-format",
                f"format {self.format!r}: use iso, epoch_ms, epoch_s or a strptime pattern",
            )
        return self


# == what happened ================================================================================


class Condition(Strict):
    """A test on the request: the value at ``path`` (or of ``header``) ``equals`` a value, is
    ``one_of`` several, or is ``present`` (true: not absent/null; false: absent or null).
    Values compare as text (``true``, ``1``)."""

    path: str | None = None
    header: str | None = None
    equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if (self.path is None) == (self.header is None):
            raise rule_error("condition", "give exactly one of path or header")
        tests = [k for k in ("equals", "one_of", "present") if getattr(self, k) is not None]
        if len(tests) != 1:
            raise rule_error("condition", "give exactly one of equals, one_of or present")
        if self.path is not None:
            bad = _check_path(self.path, "path")
            if bad:
                raise rule_error("path", bad)
        return self


class ChangeList(Strict):
    """A list of changes in the payload (Jira's ``changelog.items``): the item whose fields
    ``match`` (``{field: status}``) holds the status before the change in ``value``
    (``fromString``)."""

    path: str
    match: dict[str, Scalar]
    value: str

    @model_validator(mode="after")
    def _path(self) -> ChangeList:
        bad = _check_path(self.path, "path")
        if bad:
            raise rule_error("path", bad)
        if not self.match:
            raise rule_error("change-list", "match: name at least one field of the change item")
        return self


class Before(Strict):
    """Where the status *before* this change is: a ``path`` (Zendesk's ``event.previous``), a
    ``template`` (``"{previous_state}:{previous_hold_reason}"``) or a ``changes`` list. Read
    through the mapping's status table; absent or unknown → the ticket's last known state."""

    path: str | None = None
    template: str | None = None
    changes: ChangeList | None = None

    @model_validator(mode="after")
    def _one(self) -> Before:
        given = [k for k in ("path", "template", "changes") if getattr(self, k) is not None]
        if len(given) != 1:
            raise rule_error("before", "give exactly one of path, template or changes")
        if self.path is not None:
            bad = _check_path(self.path, "path")
            if bad:
                raise rule_error("path", bad)
        for field in template_fields(self.template or ""):
            bad = _check_path(field, f"template placeholder {{{field}}}")
            if bad:
                raise rule_error("path", bad)
        return self


class Rule(Strict):
    """One rule of ``events`` (the first whose ``when`` all hold decides): ``then`` is a
    ``ticket.*`` type, ``changed`` (derive the type from the status before and after, see the
    module doc) or ``ignore`` (accepted, nothing to send: a comment, a worklog).
    ``before`` (only with ``changed``) says where the previous status is."""

    when: list[Condition] = Field(default_factory=list)
    then: RuleOutcome
    before: Before | None = None

    @model_validator(mode="after")
    def _before_only_for_changed(self) -> Rule:
        if self.before is not None and self.then != "changed":
            raise rule_error("before", "before is only used with then: changed")
        return self


class Responded(Strict):
    """When a ticket counts as responded to (``ticket.responded``, once per ticket): it enters
    one of ``statuses`` (canonical, e.g. ``in_progress``), or every condition of ``when`` holds
    (Zammad's ``ticket.first_response_at`` present)."""

    statuses: list[str] = Field(default_factory=list)
    when: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Responded:
        if not self.statuses and not self.when:
            raise rule_error("responded", "give statuses, when, or both")
        for s in self.statuses:
            if not _WORD.match(s):
                raise rule_error("status", f"status {s!r}: lower-case word such as in_progress")
        return self


# == authentication ===============================================================================


class Auth(Strict):
    """How a webhook proves where it comes from (the secret itself is per source and tenant, in
    ``SLAWATCH_HOOK_SECRETS``, never in the mapping).

    - ``hmac``: ``header`` carries ``prefix`` + the HMAC (``algorithm``, ``encoding``) of what
      ``signed`` says: the ``body``, or the ``timestamp_header``'s value and the body
      concatenated (Zendesk ``timestamp+body``, GLPI ``body+timestamp``). ``max_age`` (seconds)
      refuses a signed timestamp older than that (a replay); unset: not checked.
    - ``token``: ``header`` (default ``Authorization``) is ``prefix`` + the secret (e.g.
      ``Bearer …``), or the ``query`` parameter is the secret, for tools that cannot set
      headers.
    - ``basic``: HTTP Basic authentication whose ``user:password`` is the secret.
    """

    scheme: Literal["hmac", "token", "basic"]
    header: str | None = None
    algorithm: Literal["sha1", "sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""
    signed: Literal["body", "timestamp+body", "body+timestamp"] = "body"
    timestamp_header: str | None = None
    query: str | None = None
    max_age: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _shape(self) -> Auth:
        if self.scheme == "hmac":
            if not self.header:
                raise rule_error("auth", "hmac needs the header that carries the signature")
            if self.signed != "body" and not self.timestamp_header:
                raise rule_error("auth", f"signed: {self.signed} needs timestamp_header")
        elif self.signed != "body" or self.timestamp_header or self.max_age:
            raise rule_error("auth", "signed, timestamp_header and max_age are for hmac only")
        if self.scheme == "basic" and (self.header or self.query or self.prefix):
            raise rule_error("auth", "basic uses the Authorization header; no header/query/prefix")
        if self.scheme != "token" and self.query:
            raise rule_error("auth", "query is for token only")
        return self

    @property
    def token_header(self) -> str:
        return self.header or "Authorization"


# == the mapping ==================================================================================


class Mapping(Strict):
    """One ITSM tool's webhook → canonical ``ticket.*`` events (see the module doc; every key
    is in docs/connectors.md)."""

    name: str = Field(pattern=NAME.pattern)
    vendor: str = Field(min_length=1)
    docs: list[str] = Field(default_factory=list, description="vendor documentation followed")
    auth: Auth
    tenant: Source | None = Field(
        None, description="the tenant from the payload (default: the endpoint's)"
    )
    ticket_id: Source
    native_id: Source | None = Field(None, description="kept as attributes.native_id")
    at: Instant
    created_at: Instant | None = Field(
        None, description="the ticket's creation instant: the `at` of its ticket.created"
    )
    event_id: Source | None = Field(
        None, description="the dedup key of a delivery (default: a hash of the body)"
    )
    events: list[Rule] = Field(min_length=1)
    status: Source | None = None
    priority: Source | None = None
    impact: Source | None = None
    urgency: Source | None = None
    priority_from: Literal["priority", "impact_urgency"] = Field(
        "priority",
        description="when the tool sends both a priority and impact/urgency: which one the "
        "event carries (an event may not carry both); the other is kept as attributes "
        "vendor_priority / vendor_impact, vendor_urgency. `impact_urgency` for a tenant whose "
        "policy has a priority matrix (a tenant override)",
    )
    kind: Source | None = None
    channel: Source | None = None
    reported_at: Instant | None = None
    attributes: dict[str, Source] = Field(
        default_factory=dict, description="vendor fields kept as event attributes (SLA fields)"
    )
    responded: Responded | None = None
    unknown_ticket: Literal["created", "updated"] = Field(
        "updated",
        description="a 'changed' webhook for a ticket not in the last known state: created "
        "(tools that send snapshots only) or updated",
    )

    @model_validator(mode="after")
    def _status_words(self) -> Mapping:
        src: Source | None = self.status
        while src is not None:
            for vendor, canonical in (src.map or {}).items():
                if not _WORD.match(canonical):
                    raise rule_error(
                        "status",
                        f"status.map[{vendor!r}] = {canonical!r}: a canonical status is a "
                        "lower-case word (resolved, waiting_for_customer, …)",
                    )
            src = src.fallback
        return self

    def with_overrides(self, overrides: AnyMapping[str, Any], source: str) -> Mapping:
        """This mapping with a tenant's ``overrides`` deep-merged onto it (mappings merge key
        by key, anything else replaces), validated again."""
        if not overrides:
            return self
        from models.contracts import deep_merge

        base = self.model_dump(mode="json", exclude_none=True)
        doc = deep_merge(base, _lower_tables(dict(overrides)))
        return mapping_from_data(doc, source)


def _lower_tables(doc: Any) -> Any:
    """``map`` tables with their keys lower-cased as the mapping stores them, so that a tenant's
    ``Highest: kritiek`` replaces the mapping's ``highest`` entry instead of doubling it."""
    if isinstance(doc, dict):
        return {
            k: (
                {str(t).strip().lower(): v for t, v in val.items()}
                if k == "map" and isinstance(val, dict)
                else _lower_tables(val)
            )
            for k, val in doc.items()
        }
    if isinstance(doc, list):
        return [_lower_tables(v) for v in doc]
    return doc


def mapping_from_data(doc: Any, source: str) -> Mapping:
    """Validate a mapping document; raises :class:`ConnectorFileError`."""
    try:
        return Mapping.model_validate(doc, strict=False)
    except ValidationError as exc:
        raise ConnectorFileError(source, issues_from(exc)) from None


# == the connectors file ==========================================================================

EndpointName = Annotated[str, Field(pattern=NAME.pattern)]


class TenantEndpoint(Strict):
    """A tenant's endpoint of a source: ``overrides`` deep-merged onto the mapping (e.g. its
    ``priority.map`` onto the tenant policy's levels); ``serves``: other tenants a mapping
    with a ``tenant`` source may route this endpoint's tickets to (an MSP's shared ITSM)."""

    overrides: dict[str, Any] = Field(default_factory=dict)
    serves: list[EndpointName] = Field(default_factory=list)


class SourceEndpoints(Strict):
    """A source (the ``{source}`` of the URL): its ``mapping`` — a shipped one by name
    (``jira-sm``, ``zendesk``, …) or a YAML file, relative to the connectors file — and the
    tenants that have an endpoint."""

    mapping: str = Field(min_length=1)
    tenants: dict[EndpointName, TenantEndpoint] = Field(min_length=1)


class ConnectorsFile(Strict):
    """``SLAWATCH_CONNECTORS_FILE``: the endpoints ``slawatch ingest`` serves."""

    sources: dict[EndpointName, SourceEndpoints] = Field(min_length=1)


_F = TypeVar("_F", bound=BaseModel)


def file_from_data(model: type[_F], doc: Any, source: str) -> _F:
    """Validate the document of a connectors or notify file as ``model``; raises
    :class:`ConnectorFileError` naming ``source`` and every issue."""
    try:
        return model.model_validate(doc, strict=False)
    except ValidationError as exc:
        raise ConnectorFileError(source, issues_from(exc)) from None


def connectors_from_data(doc: Any, source: str) -> ConnectorsFile:
    """Validate a connectors file; raises :class:`ConnectorFileError`."""
    return file_from_data(ConnectorsFile, doc, source)


__all__ = [
    "PHASE_EVENTS",
    "RULE_OUTCOMES",
    "STATUS_PHASES",
    "Auth",
    "Before",
    "ChangeList",
    "Condition",
    "ConnectorFileError",
    "ConnectorsFile",
    "Instant",
    "Mapping",
    "Responded",
    "Rule",
    "Source",
    "SourceEndpoints",
    "TenantEndpoint",
    "connectors_from_data",
    "mapping_from_data",
    "phase_of",
    "template_fields",
]
