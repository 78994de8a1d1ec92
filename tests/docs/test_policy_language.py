"""docs/policy-language.md documents every key of the policy schema, and its tutorial is
true: the example policy loads, the file shown is the file in examples/, and every command
shown prints what the page says it prints."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from calendars.spec import _HOLIDAY_KEYS, _OVERRIDE_KEYS, _TOP_KEYS
from models.policy import Policy, load_policy_file
from models.schemas import json_schema
from models.yamlio import loads
from streams.cli import _register, app
from tests.docs.markdown import (
    REPO,
    Block,
    blocks,
    first_column_keys,
    read,
    section,
    sections,
    table_after,
    table_rows,
)

DOC = read("policy-language.md")
EXAMPLE = REPO / "examples" / "policies" / "example-msp.yaml"
TUTORIAL = section(DOC, "Write a new contract from scratch").body


# --------------------------------------------------------------------------------------------
# (a) every key of the schema has a row in the section of its mapping
# --------------------------------------------------------------------------------------------


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in get_args(annotation):  # unions, lists, dicts, Annotated[...] (its metadata too)
        yield from _models_in(arg)


def policy_models() -> dict[str, type[BaseModel]]:
    """Every pydantic model a policy file is made of, by class name (walked from Policy)."""
    found: dict[str, type[BaseModel]] = {}
    todo: list[type[BaseModel]] = [Policy]
    while todo:
        model = todo.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return found


def _section_of(marker: str) -> str:
    found = [s for s in sections(DOC) if s.level == 3 and marker in s.heading]
    assert len(found) == 1, f"expected one reference heading naming {marker}, found {len(found)}"
    return found[0].body


def test_the_walk_reaches_every_mapping_of_the_json_schema():
    # the schema `slawatch schema policy` exports names each nested mapping once in $defs: a
    # model the walk missed would go undocumented without this test failing
    defs = set(json_schema("policy")["$defs"])
    assert defs <= set(policy_models())


@pytest.mark.parametrize("name", sorted(policy_models()))
def test_every_key_of_a_policy_mapping_is_documented_in_its_section(name: str):
    model = policy_models()[name]
    documented = first_column_keys(_section_of(f"`{name}`"))
    assert documented == set(model.model_fields), (
        f"docs/policy-language.md, section of `{name}`: undocumented "
        f"{sorted(set(model.model_fields) - documented)}, not in the schema "
        f"{sorted(documented - set(model.model_fields))}"
    )


@pytest.mark.parametrize("name", sorted(policy_models()))
def test_the_default_column_is_the_schemas_default(name: str):
    # "—" marks a required key; a literal in backticks is the default; "none" is None; other
    # words ("every ticket", "the clock's") describe what an absent key means
    model = policy_models()[name]
    for row in table_rows(_section_of(f"`{name}`")):
        key, default = row[0].strip("`"), row[2]
        field = model.model_fields[key]
        where = f"`{name}`.{key}: default column {default!r}"
        assert field.is_required() == (default == "—"), where
        if default == "none":
            assert field.get_default() is None, where
        elif re.fullmatch(r"`[^`]*`", default):
            value = field.get_default(call_default_factory=True)
            assert loads(default.strip("`"), "default.yaml") == value, where


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("`calendars.<name>`", _TOP_KEYS),
        ("`calendars.<name>.holidays`", _HOLIDAY_KEYS),
        ("`calendars.<name>.overrides[]`", _OVERRIDE_KEYS),
    ],
)
def test_every_calendar_key_is_documented(path: str, keys: frozenset[str]):
    # calendars are plain mappings checked by calendars/spec.py, not pydantic models: its
    # allowed-key sets are the schema
    body = next(s.body for s in sections(DOC) if s.level == 3 and s.heading.startswith(path))
    assert first_column_keys(body) == set(keys)


def test_every_yaml_example_is_valid_yaml():
    for block in blocks(DOC):
        if block.lang == "yaml":
            assert isinstance(loads(block.text, "doc.yaml"), dict | list), block.text


# --------------------------------------------------------------------------------------------
# (b) the tutorial's policy is examples/policies/example-msp.yaml, and it validates
# --------------------------------------------------------------------------------------------


def test_the_example_policy_loads_through_the_real_loader():
    policy = load_policy_file(EXAMPLE)
    assert (policy.id, policy.version) == ("example-msp", "3.2")
    assert policy.clock_names == ("response", "resolution")
    assert [a.name for a in policy.availability] == ["workplace"]
    assert [h.check for h in policy.heartbeats] == ["backup"]


def _labelled(kind: str, value: str) -> Block:
    found = [b for b in blocks(TUTORIAL) if b.label == (kind, value)]
    assert len(found) == 1, f"expected one block labelled {kind}: {value}"
    return found[0]


def test_the_complete_file_in_the_tutorial_is_the_example_file():
    shown = _labelled("file", "examples/policies/example-msp.yaml")
    assert shown.text == EXAMPLE.read_text(encoding="utf-8")


def _part_of(fragment: Any, whole: Any) -> bool:
    if isinstance(fragment, dict):
        return isinstance(whole, dict) and all(
            k in whole and _part_of(v, whole[k]) for k, v in fragment.items()
        )
    if isinstance(fragment, list):
        return (
            isinstance(whole, list)
            and len(fragment) == len(whole)
            and all(_part_of(a, b) for a, b in zip(fragment, whole, strict=True))
        )
    return bool(fragment == whole)


def test_each_step_of_the_tutorial_shows_part_of_the_example_file():
    whole = loads(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    steps = [b for b in blocks(TUTORIAL) if b.lang == "yaml" and b.label is None]
    assert len(steps) == 5
    for step in steps:
        assert _part_of(loads(step.text, "step.yaml"), whole), step.text


def test_a_fragment_that_differs_from_the_file_is_noticed():
    whole = {"a": {"b": [1, {"c": 2, "d": 3}]}}
    assert _part_of({"a": {"b": [1, {"c": 2}]}}, whole)
    assert not _part_of({"a": {"b": [1, {"c": 4}]}}, whole)
    assert not _part_of({"a": {"b": [1]}}, whole)
    assert not _part_of({"a": {"x": 1}}, whole)


# --------------------------------------------------------------------------------------------
# the tutorial runs as written
# --------------------------------------------------------------------------------------------


def _commands(block: Block) -> list[tuple[str, list[str]]]:
    """``$ command`` lines of a console block, each with the lines it prints."""
    out: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            assert out, f"output before any command in {block.text!r}"
            out[-1][1].append(line)
    return out


def _run(command: str) -> list[str]:
    words = shlex.split(command)
    env: dict[str, str] = {}
    while "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words[0] == "slawatch", command
    result = CliRunner().invoke(app, words[1:], env=env)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    return [line.rstrip() for line in result.stdout.splitlines()]


def _signal_rows(path: Path, tz: ZoneInfo) -> list[list[str]]:
    rows = []
    for line in path.read_text().splitlines():
        s = json.loads(line)
        at = datetime.fromisoformat(s["at"]).astimezone(tz)
        if s.get("level"):
            detail = s["level"]
        elif s.get("tier"):
            detail = f"tier {s['tier']}"
        elif s.get("threshold") is not None:
            detail = f"threshold {s['threshold']:g}"
        else:
            detail = ""
        rows.append([at.strftime("%Y-%m-%d %H:%M"), s["type"], s["clock"], detail])
    return rows


def test_the_tutorial_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _register()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.delenv("SLAWATCH_POLICY_DIR", raising=False)
    ran = 0
    for block in blocks(TUTORIAL):
        if block.label is not None and block.label[0] == "file":
            target = Path(block.label[1])
            if target.parts[0] != "examples":
                target.write_text(block.text, encoding="utf-8")
        elif block.lang == "console":
            for command, expected in _commands(block):
                assert _run(command) == expected, command
                ran += 1
    assert ran == 9

    shown = table_after(TUTORIAL, "<!-- signals: signals.jsonl -->")
    assert _signal_rows(tmp_path / "signals.jsonl", ZoneInfo("Europe/Amsterdam")) == shown
