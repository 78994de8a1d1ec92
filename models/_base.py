"""Shared pieces of the ``models`` schemas: the strict base model, identifier and time-zone
types, and the conversion of pydantic errors into :class:`models.errors.Issue` lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from models.errors import Issue


class Strict(BaseModel):
    """Base of every slawatch schema: strict types, unknown keys rejected, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def or_string(description: str, pattern: str | None = None) -> Any:
    """``json_schema_extra`` for models that also accept a string shorthand (``"30m"``,
    ``"cvss >= 9.0"``): the JSON Schema becomes ``anyOf: [string, object]``."""

    def extra(schema: dict[str, Any]) -> None:
        obj = {k: v for k, v in schema.items() if k not in ("title", "description")}
        title, desc = schema.get("title"), schema.get("description")
        schema.clear()
        text: dict[str, Any] = {"type": "string", "description": description}
        if pattern:
            text["pattern"] = pattern
        schema["anyOf"] = [text, obj]
        if title:
            schema["title"] = title
        if desc:
            schema["description"] = desc

    return extra


def rule_error(rule: str, message: str) -> PydanticCustomError:
    """A pydantic error of type ``rule`` whose message is ``message`` verbatim."""
    return PydanticCustomError(rule, "{message}", {"message": message})


def _ident(value: Any) -> Any:
    # Identifiers (levels, impacts, kinds, option names...) match case-insensitively; YAML
    # turns ``1`` into an int, so integers are accepted and read as their decimal text.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip().lower()
    return value


Identifier = Annotated[
    str,
    BeforeValidator(_ident),
    WithJsonSchema({"type": "string", "description": "identifier, case-insensitive"}),
]


def _zone(value: Any) -> Any:
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "timezone", "time zone must be an IANA name such as Europe/Amsterdam"
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise rule_error(
            "timezone", f"unknown time zone {value!r} (use an IANA name such as Europe/Amsterdam)"
        ) from None


TimeZone = Annotated[
    ZoneInfo,
    BeforeValidator(_zone),
    PlainSerializer(lambda z: z.key, return_type=str),
    WithJsonSchema({"type": "string", "description": "IANA time zone, e.g. Europe/Amsterdam"}),
]


def render_loc(loc: Sequence[Any]) -> str:
    """``('clocks', 'resolution', 'targets', 'urgent')`` -> ``clocks.resolution.targets.urgent``;
    integer parts render as ``[i]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _clean_msg(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def issues_from(error: ValidationError) -> list[Issue]:
    """One :class:`Issue` per pydantic error, with the union/function noise removed from the
    location (pydantic puts tags such as ``function-after[...]`` and type names in ``loc``)."""
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for err in error.errors(include_url=False):
        loc = [
            p
            for p in err["loc"]
            if not (
                isinstance(p, str)
                and (("[" in p and p.endswith("]") and "(" in p) or p.startswith("function-"))
            )
        ]
        path = render_loc(loc)
        msg = _clean_msg(err["msg"])
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not part of the schema)"
        key = (path, msg)
        if key in seen:
            continue
        seen.add(key)
        issues.append(Issue(path, msg, err["type"]))
    return issues


def raise_issues(title: str, problems: Iterable[tuple[tuple[Any, ...], str, str, Any]]) -> None:
    """Raise a pydantic ``ValidationError`` made of named-rule problems
    ``(loc, rule, message, input)`` (used from ``model_validator``s so that semantic checks
    keep their exact path, just like structural errors)."""
    details = [
        InitErrorDetails(
            type=PydanticCustomError(rule, "{message}", {"message": message}),
            loc=tuple(loc),
            input=value,
        )
        for loc, rule, message, value in problems
    ]
    if details:
        raise ValidationError.from_exception_data(title, details)
