"""docs/policy-language.md documents every key of the policy schema, and its tutorial is
true: the example policy loads, the file shown is the file in examples/, and every command
shown prints what the page says it prints."""

from __future__ import annotations

import json
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
            if not target.parts[0] == "examples":
                target.write_text(block.text, encoding="utf-8")
        elif block.lang == "console":
            for command, expected in _commands(block):
                assert _run(command) == expected, command
                ran += 1
    assert ran == 9

    shown = table_after(TUTORIAL, "<!-- signals: signals.jsonl -->")
    assert _signal_rows(tmp_path / "signals.jsonl", ZoneInfo("Europe/Amsterdam")) == shown


# --------------------------------------------------------------------------------------------
# each documented rule id is reported where the page says
# --------------------------------------------------------------------------------------------

Doc = dict[str, Any]


def _set(path: str, value: Any) -> Any:
    """A mutation that sets the value at a dotted path (``[i]`` for list items)."""

    def mutate(doc: Doc) -> None:
        *parents, last = _parts(path)
        node: Any = doc
        for p in parents:
            node = node[p]
        node[last] = value

    return mutate


def _drop(path: str) -> Any:
    def mutate(doc: Doc) -> None:
        *parents, last = _parts(path)
        node: Any = doc
        for p in parents:
            node = node[p]
        del node[last]

    return mutate


def _parts(path: str) -> list[Any]:
    out: list[Any] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        if rest:
            out.extend(int(i) for i in rest.rstrip("]").split("]["))
    return out


def _all(*mutations: Any) -> Any:
    def mutate(doc: Doc) -> None:
        for m in mutations:
            m(doc)

    return mutate


_CLOCK = {"stop_on": ["ticket.resolved"], "calendar": "office"}

#: rule id -> [(mutation of the example policy, path the problem is reported at)]
TRIGGERS: dict[str, list[tuple[Any, str]]] = {
    "policy-id": [(_set("id", "-msp"), "id")],
    "version-text": [(_set("version", 3.2), "version")],
    "timezone": [
        (_set("timezone", "Mars/Olympus"), "timezone"),
        (_set("calendars.office.timezone", "Mars/Olympus"), "calendars.office.timezone"),
    ],
    "calendar-timezone": [
        (_set("calendars.office.timezone", "Europe/London"), "calendars.office.timezone")
    ],
    "spec-type": [(_set("calendars.office.hours", 8), "calendars.office.hours")],
    "unknown-key": [(_set("calendars.office.lunch", "12:00-12:30"), "calendars.office")],
    "day-key": [
        (
            _all(_drop("calendars.office.hours.fri"), _set("calendars.office.hours.friday", [])),
            "calendars.office.hours.friday",
        )
    ],
    "day-twice": [(_set("calendars.office.hours.thu", ["08:30-12:00"]), "calendars.office.hours.thu")],
    "window-format": [
        (_set("calendars.office.hours.fri", ["08:30-noon"]), "calendars.office.hours.fri[0]")
    ],
    "window-order": [
        (_set("calendars.office.hours.fri", ["16:00-12:30"]), "calendars.office.hours.fri[0]")
    ],
    "window-overlap": [
        (
            _set("calendars.office.hours.fri", ["08:30-12:00", "11:00-16:00"]),
            "calendars.office.hours.fri",
        )
    ],
    "never-open": [(_set("calendars.office.hours", {"mon": []}), "calendars.office.hours")],
    "holidays-country": [
        (_set("calendars.office.holidays", {"country": "XX"}), "calendars.office.holidays.country")
    ],
    "holidays-category": [
        (
            _set("calendars.office.holidays", {"country": "NL", "categories": ["bank"]}),
            "calendars.office.holidays.categories",
        )
    ],
    "override-on": [
        (_set("calendars.office.overrides[0].on", "good friday"), "calendars.office.overrides[0].on")
    ],
    "override-twice": [
        (_set("calendars.office.overrides[1].on", "easter-2"), "calendars.office.overrides[1].on")
    ],
    "workday-hours": [
        (_set("calendars.office.workday_hours", 25), "calendars.office.workday_hours"),
        (_drop("calendars.office.workday_hours"), "clocks.response.targets.p4.hard"),
    ],
    "calendar-unknown": [(_set("clocks.response.calendar", "ofice"), "clocks.response.calendar")],
    "calendar-required": [
        (
            _drop("availability[0].maintenance[0].notice_calendar"),
            "availability[0].maintenance[0].notice_calendar",
        )
    ],
    "level-duplicate": [(_set("priority.levels", ["p1", "p2", "p3", "p4", "p4"]), "priority.levels")],
    "level-unknown": [(_set("priority.aliases.critical", "p0"), "priority.aliases.critical")],
    "level-unused": [(_set("priority.levels", ["p1", "p2", "p3", "p4", "p5"]), "priority.levels")],
    "matrix-required": [
        (
            _all(_drop("priority.matrix"), _set("priority.direct", {"p1": "organisation/high"})),
            "priority.direct",
        )
    ],
    "matrix-cell": [
        (_set("priority.matrix.cells.team/urgent", "p2"), "priority.matrix.cells.team/urgent")
    ],
    "matrix-complete": [(_drop("priority.matrix.cells.user/low"), "priority.matrix.cells")],
    "priority-required": [(_drop("priority"), "clocks.response.targets")],
    "priority-unknown": [(_set("clocks.response.targets.p5", "8h"), "clocks.response.targets.p5")],
    "targets-complete": [(_drop("clocks.response.targets.p4"), "clocks.response.targets")],
    "target-ambiguous": [(_set("clocks.response.target", "1h"), "clocks.response.target")],
    "target-empty": [
        (_set("clocks.response.targets.p3", {"calendar": "office"}), "clocks.response.targets.p3")
    ],
    "hard-shorter-than-soft": [
        (
            _set("clocks.response.targets.p1", {"soft": "45m", "hard": "30m"}),
            "clocks.response.targets.p1",
        )
    ],
    "duration": [(_set("clocks.response.targets.p3", "4 days"), "clocks.response.targets.p3.hard")],
    "threshold-range": [
        (_set("clocks.resolution.thresholds", [1.5]), "clocks.resolution.thresholds[0]"),
        (_set("defaults.thresholds", [0]), "defaults.thresholds[0]"),
    ],
    "threshold-duplicate": [
        (_set("clocks.resolution.thresholds", [0.9, 0.9]), "clocks.resolution.thresholds")
    ],
    "escalation-range": [
        (_set("clocks.resolution.escalations[0].at", 1.5), "clocks.resolution.escalations[0].at")
    ],
    "escalation-needs-hard": [
        (
            _set(
                "clocks.followup",
                {**_CLOCK, "target": {"soft": "1h"}, "escalations": [{"level": "x", "at": "breach"}]},
            ),
            "clocks.followup.escalations[0].at",
        )
    ],
    "clock-empty": [(_set("clocks.followup", _CLOCK), "clocks.followup")],
    "clock-overlap": [
        (
            _set(
                "clocks.incident_response",
                {**_CLOCK, "clock": "response", "applies": {"kinds": ["incident"]}, "target": "1h"},
            ),
            "clocks.incident_response.applies.kinds",
        )
    ],
    "clock-resume": [
        (
            _set(
                "clocks.registration",
                {
                    "starts_at": "reported",
                    "stop_on": ["ticket.created"],
                    "resume_on": ["ticket.created"],
                    "calendar": "always",
                    "target": "24h",
                },
            ),
            "clocks.registration.resume_on",
        )
    ],
    "clock-unknown": [
        (
            _set("options.after_hours_p1.effects[0].clocks", ["respons"]),
            "options.after_hours_p1.effects[0].clocks",
        )
    ],
    "condition": [
        (
            _set("clocks.response.applies.attributes", ["cvss is high"]),
            "clocks.response.applies.attributes[0]",
        )
    ],
    "option-choices": [(_set("options.plan", {"type": "choice"}), "options.plan.choices")],
    "option-value": [
        (_set("options.after_hours_p1.default", "yes"), "options.after_hours_p1.default")
    ],
    "option-required": [
        (_set("options.after_hours_p1.required", True), "options.after_hours_p1.default")
    ],
    "option-effects-complete": [
        (
            _all(
                _set("clocks.followup", _CLOCK),
                _set(
                    "options.plan",
                    {
                        "type": "choice",
                        "choices": ["gold", "silver"],
                        "effects": [{"when": "gold", "clocks": ["followup"], "target": "1h"}],
                    },
                ),
            ),
            "options.plan.effects",
        )
    ],
    "effect-empty": [
        (_drop("options.after_hours_p1.effects[0].calendar"), "options.after_hours_p1.effects[0]")
    ],
    "interval": [(_set("heartbeats[0].max_interval", "1 day"), "heartbeats[0].max_interval")],
    "time-of-day": [
        (
            _set("availability[0].maintenance[0].starts_not_before", "8pm"),
            "availability[0].maintenance[0].starts_not_before",
        )
    ],
    "weekly-point": [
        (
            _set("availability[0].maintenance[0].windows[0].start", "friday 20:00"),
            "availability[0].maintenance[0].windows[0].start",
        )
    ],
    "name-duplicate": [
        (
            _set(
                "aggregates",
                [
                    {"name": "p1_resolution", "clock": "resolution", "tier": "hard", "min_share": 0.9},
                    {"name": "p1_resolution", "clock": "resolution", "tier": "soft", "min_share": 0.9},
                ],
            ),
            "aggregates",
        )
    ],
    "aggregate-unknown": [
        (
            _set(
                "service_credits",
                [{"name": "credit", "missed_when": ["nope"], "step_percent": 5, "cap_percent": 50}],
            ),
            "service_credits[0].missed_when",
        )
    ],
    "credit-cap": [
        (
            _all(
                _set(
                    "aggregates",
                    [{"name": "res", "clock": "resolution", "tier": "hard", "min_share": 0.9}],
                ),
                _set(
                    "service_credits",
                    [{"name": "c", "missed_when": ["res"], "step_percent": 10, "cap_percent": 5}],
                ),
            ),
            "service_credits[0]",
        )
    ],
}


def _documented_rules() -> set[str]:
    return first_column_keys(section(DOC, "Validation rules").body)


def test_every_documented_rule_has_a_trigger_here_and_back():
    # policy-duplicate is a rule of a directory of policies: it has its own test below
    assert _documented_rules() == set(TRIGGERS) | {"policy-duplicate"}


def _reported(mutate: Any) -> set[tuple[str, str]]:
    from models.errors import PolicyLoadError
    from models.policy import policy_from_data

    doc = loads(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    mutate(doc)
    try:
        policy_from_data(doc, "example-msp.yaml")
    except PolicyLoadError as exc:
        return {(i.path, i.rule) for i in exc.issues}
    return set()


@pytest.mark.parametrize("rule", sorted(TRIGGERS))
def test_a_documented_rule_is_reported_with_its_id_and_path(rule: str):
    for mutate, path in TRIGGERS[rule]:
        reported = _reported(mutate)
        assert (path, rule) in reported, f"{rule} at {path}; reported: {sorted(reported)}"


def test_the_example_itself_breaks_no_rule():
    assert _reported(lambda doc: None) == set()


def test_the_same_policy_version_twice_in_a_directory_is_policy_duplicate(tmp_path: Path):
    from models.contracts import load_policies
    from models.errors import PolicySetError

    text = EXAMPLE.read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(PolicySetError) as err:
        load_policies(tmp_path)
    assert [(i.path, i.rule) for e in err.value.errors for i in e.issues] == [
        ("version", "policy-duplicate")
    ]
