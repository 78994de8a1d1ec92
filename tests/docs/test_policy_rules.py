"""Every validation rule docs/policy-language.md lists ("Validation rules") is reported by
the validator with that id, at the path the page gives, for a small change of the tutorial's
example policy — so a renamed or vanished rule, or an undocumented trigger here, fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.contracts import load_policies
from models.errors import PolicyLoadError, PolicySetError
from models.policy import policy_from_data
from models.yamlio import loads
from tests.docs.markdown import REPO, first_column_keys, read, section

DOC = read("policy-language.md")
EXAMPLE = REPO / "examples" / "policies" / "example-msp.yaml"


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
_AGGREGATE = {"name": "res", "clock": "resolution", "tier": "hard", "min_share": 0.9}

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
    "day-twice": [
        (_set("calendars.office.hours.thu", ["08:30-12:00"]), "calendars.office.hours.thu")
    ],
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
        (
            _set("calendars.office.overrides[0].on", "good friday"),
            "calendars.office.overrides[0].on",
        )
    ],
    "override-twice": [
        (_set("calendars.office.overrides[1].on", "easter-2"), "calendars.office.overrides[1].on")
    ],
    "workday-hours": [
        (_set("calendars.office.workday_hours", 25), "calendars.office.workday_hours"),
        (_drop("calendars.office.workday_hours"), "clocks.response.targets.p4.hard"),
        (_drop("calendars.office.workday_hours"), "availability[0].maintenance[0].min_notice"),
    ],
    "calendar-unknown": [(_set("clocks.response.calendar", "ofice"), "clocks.response.calendar")],
    "calendar-required": [
        (
            _drop("availability[0].maintenance[0].notice_calendar"),
            "availability[0].maintenance[0].notice_calendar",
        )
    ],
    "level-duplicate": [
        (_set("priority.levels", ["p1", "p2", "p3", "p4", "p4"]), "priority.levels")
    ],
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
    "status-unknown": [
        (_set("defaults.pause_statuses", ["waiting_for_custmer"]), "defaults.pause_statuses[0]"),
        (
            _set("clocks.resolution.pause_statuses", ["waiting_for_customer", "on_hold!"]),
            "clocks.resolution.pause_statuses[1]",
        ),
    ],
    "threshold-duplicate": [
        (_set("clocks.resolution.thresholds", [0.9, 0.9]), "clocks.resolution.thresholds"),
        (_set("defaults.thresholds", [0.5, 0.5]), "defaults.thresholds"),
    ],
    "escalation-range": [
        (_set("clocks.resolution.escalations[0].at", 1.5), "clocks.resolution.escalations[0].at")
    ],
    "escalation-needs-hard": [
        (
            _set(
                "clocks.followup",
                {
                    **_CLOCK,
                    "target": {"soft": "1h"},
                    "escalations": [{"level": "x", "at": "breach"}],
                },
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
    "interval": [
        (_set("heartbeats[0].max_interval", "1 day"), "heartbeats[0].max_interval"),
        (_set("heartbeats[0].max_interval", "0m"), "heartbeats[0].max_interval"),
    ],
    "clock-event": [
        (_set("clocks.response.stop_on", ["ticket.updated"]), "clocks.response.stop_on[0]"),
        (
            _set("clocks.resolution.resume_on", ["ticket.resolved"]),
            "clocks.resolution.resume_on[0]",
        ),
    ],
    "maintenance-kind-duplicate": [
        (
            _set(
                "availability[0].maintenance",
                [{"kinds": ["planned"]}, {"kinds": ["emergency", "planned"], "excluded": False}],
            ),
            "availability[0].maintenance[1].kinds",
        )
    ],
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
                [{**_AGGREGATE, "tier": "hard"}, {**_AGGREGATE, "tier": "soft"}],
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
                _set("aggregates", [_AGGREGATE]),
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


def test_every_rule_the_checks_report_is_documented():
    """The table of checks (models/policy/validation.py RULES) names the ids it reports; each
    is in the doc's table (``calendar-spec`` stands for the calendar format's own ids)."""
    from models.policy.validation import RULES

    reported = {rid for rule in RULES for rid in rule.reports.split()} - {"calendar-spec"}
    assert reported <= _documented_rules()


def _reported(mutate: Any) -> set[tuple[str, str]]:
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
    text = EXAMPLE.read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(PolicySetError) as err:
        load_policies(tmp_path)
    assert [(i.path, i.rule) for e in err.value.errors for i in e.issues] == [
        ("version", "policy-duplicate")
    ]
