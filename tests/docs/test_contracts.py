"""docs/contracts.md: the normative reading of the seed contracts. Every policy key it names
exists in that policy file, every seed policy is read, and the rules keep their numbers."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from models.yamlio import loads
from tests.docs.markdown import REPO, read

DOC = read("contracts.md")
#: `policies/<file> <key path>`, e.g. `policies/covide.yaml clocks.resolution.targets.urgent`
REF = re.compile(r"`policies/([\w.-]+\.ya?ml) ([^`\s]+)`")
SEEDS = ("bokumo-ict.yaml", "1do.yaml", "inlenersbeloning.yaml", "covide.yaml", "smart-fms.yaml")


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` (dot-separated keys, ``[i]`` for list items); ``KeyError`` with
    the part that is missing."""
    node = data
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if index:
            if not isinstance(node, list) or int(index) >= len(node):
                raise KeyError(f"[{index}] in {path}")
            node = node[int(index)]
        else:
            if not isinstance(node, dict) or key not in node:
                raise KeyError(f"{key} in {path}")
            node = node[key]
    return node


def references() -> list[tuple[str, str]]:
    return REF.findall(DOC)


@pytest.mark.parametrize(("file", "path"), references())
def test_every_policy_key_the_doc_names_exists(file: str, path: str):
    source = REPO / "policies" / file
    assert source.is_file(), f"docs/contracts.md names {source}, which does not exist"
    resolve(loads(source.read_text(encoding="utf-8"), str(source)), path)


def test_a_missing_key_or_item_does_not_resolve():
    data = {"clocks": {"a/b": {"x": [1, {"y": 2}]}}}
    assert resolve(data, "clocks.a/b.x[1].y") == 2
    for path in ("clocks.a/b.z", "clocks.a/b.x[2]", "clocks.a/b.x.y", "clocks.a/b.x[1].y.z"):
        with pytest.raises(KeyError):
            resolve(data, path)


def test_every_seed_policy_has_its_table_of_clauses():
    assert {p.name for p in (REPO / "policies").glob("*.yaml")} == set(SEEDS)
    named = Counter(file for file, _ in references())
    assert set(named) == set(SEEDS)
    assert min(named.values()) >= 10, named


def test_the_common_rules_keep_their_numbers():
    # code and policy files cite "docs/contracts.md R5": R1..R9 are each defined once, in order
    defined = re.findall(r"^- \*\*(R\d+) ", DOC, re.M)
    assert defined == [f"R{i}" for i in range(1, 10)]


def test_the_reading_is_the_projects_own():
    # the repository never cites a file outside itself
    for name in ("contracts.md", "policy-language.md"):
        text = read(name)
        assert "../shared" not in text and "CONTRACTS.md" not in text, name
