"""Reading policy and contract documents (YAML or JSON).

The YAML loader (on libyaml's parser when PyYAML has it) differs from ``yaml.safe_load`` in
three ways that matter for SLA files: only ``true``/``false`` are booleans (YAML 1.1 reads
the calendar key ``on:`` and the answer ``no`` as booleans), dates stay strings, and a key
given twice in one mapping is an error instead of silently keeping the last one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import yaml

from models.errors import Issue, PolicyLoadError


class _Loader(yaml.SafeLoader):
    """The reading rules below on PyYAML's pure-Python parser (its error messages)."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's parser when PyYAML has it (10x faster: every command that
    loads the policies pays for it at start)."""


# Drop YAML 1.1 booleans (yes/no/on/off/y/n), keeping only true/false; and keep dates as
# text (calendar specs spell days as "2026-07-03" strings).
_DROP = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


def _mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in out:
            raise DuplicateKeyError(
                "while reading a mapping",
                node.start_mark,
                f"key {key!r} appears twice",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if tag not in _DROP]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    _cls.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def loads(text: str | bytes, source: str) -> Any:
    """Decode YAML (JSON is YAML too, but is decoded with orjson when it looks like JSON)."""
    if source.endswith(".json"):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise PolicyLoadError(source, [Issue("", f"invalid JSON: {exc}", "json")]) from None
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError as fast_exc:
        exc: yaml.YAMLError = fast_exc
    try:  # a bad file again on the pure-Python parser: it words errors better ("…here")
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as slow_exc:
        exc = slow_exc
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    raise PolicyLoadError(source, [Issue(where, f"invalid YAML: {problem}", "yaml")])


def read_document(path: str | Path, source: str | None = None) -> Any:
    source = source or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        issue = Issue("", f"cannot read file: {exc.strerror}", "io")
        raise PolicyLoadError(source, [issue]) from None
    except UnicodeDecodeError:
        issue = Issue("", "not UTF-8 text (a binary file?); give a YAML or JSON file", "io")
        raise PolicyLoadError(source, [issue]) from None
    return loads(text, source)
