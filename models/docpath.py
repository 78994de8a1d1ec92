"""Paths into a JSON document, as the connector mappings write them: ``issue.fields.status.name``,
``changelog.items[0].toString``, ``item.status.id``.

A path is dot-separated keys, each optionally followed by ``[n]`` list indexes. Keys are taken
literally (no wildcards, no expressions): a mapping should say exactly where a value is, so a
payload that moved it fails loudly instead of matching something else. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")

#: one step of a path: a key of an object, or an index into a list
Step = str | int


class PathSyntaxError(ValueError):
    """A path that cannot be parsed (the message says where)."""


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[Step, ...]:
    """``"a.b[2].c"`` → ``("a", "b", 2, "c")``; raises :class:`PathSyntaxError`. Cached: a
    mapping reads the same few paths on every webhook."""
    if not isinstance(path, str) or not path.strip():
        raise PathSyntaxError("a path must be a non-empty string such as issue.fields.status")
    steps: list[Step] = []
    for part in path.strip().split("."):
        m = _SEGMENT.fullmatch(part)
        if m is None:
            raise PathSyntaxError(
                f"bad path {path!r} at {part!r}: expected key or key[index] between the dots"
            )
        steps.append(m.group(1))
        steps.extend(int(i) for i in _INDEX.findall(m.group(2)))
    return tuple(steps)


def resolve(doc: Any, steps: Sequence[Step]) -> Any:
    """The value at ``steps`` in ``doc``, or ``None`` when any step is missing (a key not in
    an object, an index past a list's end, a step into a scalar)."""
    node = doc
    for step in steps:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, Mapping):
                return None
            node = node.get(step)
            if node is None:
                return None
    return node
