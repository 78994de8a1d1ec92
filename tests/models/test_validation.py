"""Policy files are validated at load; every message names the file, the path and the problem
(and semantic checks are named rules)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.contracts import default_policy_dir, load_policies
from models.errors import PolicyLoadError, PolicySetError
from models.policy import Policy, load_policy_file

SEED = yaml.safe_load((default_policy_dir() / "covide.yaml").read_text())
BOKUMO = yaml.safe_load((default_policy_dir() / "bokumo-ict.yaml").read_text())
FILE = "policies/covide.yaml"


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Write a (mutated) policy to ``policies/covide.yaml`` under a temp cwd and return the
    load error lines (``[]`` when it loads)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").mkdir()

    def run(
        mutate: Callable[[dict[str, Any]], None] | None = None,
        *,
        raw: str | None = None,
        base: dict[str, Any] = SEED,
    ) -> list[str]:
        doc = copy.deepcopy(base)
        if mutate is not None:
            mutate(doc)
        text = raw if raw is not None else yaml.safe_dump(doc, sort_keys=False)
        Path(FILE).write_text(text)
        try:
            load_policy_file(FILE)
        except PolicyLoadError as exc:
            assert str(exc) == "\n".join(exc.messages)
            return exc.messages
        return []

    return run


def test_seed_policies_load(policies):
    assert sorted(policies) == ["1do", "bokumo-ict", "covide", "inlenersbeloning", "smart-fms"]


def test_hard_shorter_than_soft(write):
    def m(d):
        d["clocks"]["resolution"]["targets"]["urgent"] = {"soft": "6h", "hard": "4h"}

    assert write(m) == [
        f"{FILE}: clocks.resolution.targets.urgent: hard target 4h is shorter than soft target 6h"
    ]


def test_hard_shorter_than_soft_across_units(write):
    # 1 workday (9 h on `incidents`) vs 10 h; 3 weeks vs 1 month (28–31 days is still longer)
    def m(d):
        d["clocks"]["resolution"]["targets"]["hoog"] = {"soft": "10h", "hard": "1 workday"}
        d["clocks"]["resolution"]["targets"]["laag"] = {"soft": "3 weeks", "hard": "1 month"}

    assert write(m) == [
        f"{FILE}: clocks.resolution.targets.hoog: hard target 1 workday is shorter than soft "
        "target 10h"
    ]

    def m2(d):
        d["clocks"]["resolution"]["targets"]["laag"] = {"soft": "5 weeks", "hard": "1 month"}

    assert write(m2) == [
        f"{FILE}: clocks.resolution.targets.laag: hard target 1 month is shorter than soft "
        "target 5 weeks"
    ]


def test_threshold_range(write):
    def m(d):
        d["clocks"]["resolution"]["thresholds"] = [0.5, 1.5]

    assert write(m) == [
        f"{FILE}: clocks.resolution.thresholds[1]: warning threshold 1.5 must lie strictly "
        "between 0 and 1"
    ]

    def m0(d):
        d["defaults"]["thresholds"] = [0]

    assert write(m0) == [
        f"{FILE}: defaults.thresholds[0]: warning threshold 0 must lie strictly between 0 and 1"
    ]


def test_unknown_calendar(write):
    def m(d):
        d["clocks"]["resolution"]["calendar"] = "incident"

    assert write(m) == [
        f"{FILE}: clocks.resolution.calendar: unknown calendar 'incident'; calendars: "
        "incidents, always"
    ]


def test_workday_window_calendar_must_exist(write):
    def m(d):
        d["availability"][0]["maintenance"] = [
            {"kinds": ["minor"], "workday_windows": [{"calendar": "office", "start": "16:00",
                                                      "end": "07:00"}]}
        ]  # fmt: skip

    assert write(m) == [
        f"{FILE}: availability[0].maintenance[0].workday_windows[0].calendar: unknown calendar "
        "'office'; calendars: incidents, always"
    ]


def test_target_calendar_must_exist(write):
    def m(d):
        d["clocks"]["resolution"]["targets"]["urgent"] = {"hard": "6h", "calendar": "24x7"}

    assert write(m) == [
        f"{FILE}: clocks.resolution.targets.urgent.calendar: unknown calendar '24x7'; "
        "calendars: incidents, always"
    ]


def test_targets_complete(write):
    def m(d):
        del d["clocks"]["resolution"]["targets"]["laag"]

    assert write(m) == [
        f'{FILE}: clocks.resolution.targets: no target for laag (write `null` for "no target")'
    ]


def test_matrix_complete_and_cells(write):
    def m(d):
        del d["priority"]["matrix"]["cells"]["single_user/laag"]
        d["priority"]["matrix"]["cells"]["single_users/laag"] = "laag"

    errors = write(m, base=BOKUMO)
    assert errors == [
        f"{FILE}: priority.matrix.cells.single_users/laag: cell 'single_users/laag' must be "
        "'<impact>/<urgency>' with impact in company_wide, multiple_users, single_user and "
        "urgency in hoog, medium, laag",
        f"{FILE}: priority.matrix.cells: matrix cell single_user/laag is missing",
    ]


def test_matrix_level_unknown(write):
    def m(d):
        d["priority"]["matrix"]["cells"]["single_user/laag"] = "low"

    assert write(m, base=BOKUMO) == [
        f"{FILE}: priority.matrix.cells.single_user/laag: unknown level 'low'; levels: "
        "kritiek, hoog, medium, laag"
    ]


def test_unknown_key(write):
    def m(d):
        d["clocks"]["resolution"]["deadline"] = "6h"

    assert write(m) == [f"{FILE}: clocks.resolution.deadline: unknown key (not part of the schema)"]


def test_calendar_spec_errors_keep_their_path(write):
    def m(d):
        d["calendars"]["incidents"]["hours"] = {"mon-fri": ["17:00-08:00"]}

    assert write(m) == [
        f"{FILE}: calendars.incidents.hours.mon-fri[0]: window '17:00-08:00' must end after "
        "it starts"
    ]


def test_bad_duration(write):
    def m(d):
        d["clocks"]["resolution"]["targets"]["urgent"] = "2 dagen"

    assert write(m) == [
        f"{FILE}: clocks.resolution.targets.urgent.hard: unknown unit 'dagen' in '2 dagen'; "
        "units: s, m, h, wd (workdays), weeks, months"
    ]


def test_invalid_yaml_names_the_line(write):
    assert write(raw="id: covide\n  bad: [\n") == [
        f"{FILE}: line 2, column 6: invalid YAML: mapping values are not allowed here"
    ]


def test_duplicate_key_is_an_error(write):
    assert write(raw="id: covide\nid: again\n") == [
        f"{FILE}: line 2, column 1: invalid YAML: key 'id' appears twice"
    ]


def test_yaml_on_and_no_are_not_booleans(tmp_path):
    # YAML 1.1 would turn the calendar key `on:` into True; our loader keeps it text.
    from models.yamlio import loads

    assert loads("on: easter-2\nanswer: no\nday: 2026-07-03\n", "x.yaml") == {
        "on": "easter-2",
        "answer": "no",
        "day": "2026-07-03",
    }


def test_escalation_needs_a_hard_target(write):
    def m(d):
        d["clocks"]["resolution"]["targets"] = {
            k: {"soft": "1h"} for k in ("urgent", "hoog", "medium", "laag")
        }
        d["clocks"]["resolution"]["escalations"] = [{"level": "boss", "at": "breach"}]

    assert write(m) == [
        f"{FILE}: clocks.resolution.escalations[0].at: escalation at 'breach' needs a hard "
        "target, and this clock has none"
    ]


def test_escalation_fraction_range(write):
    def m(d):
        d["clocks"]["resolution"]["escalations"] = [{"level": "boss", "at": 1.5}]

    assert write(m) == [
        f"{FILE}: clocks.resolution.escalations[0].at: escalation fraction 1.5 must lie in (0, 1]"
    ]


def test_option_effect_names_known_clocks_and_values(write):
    def m(d):
        d["options"]["subscription"]["effects"][0]["clocks"] = ["reply"]
        d["options"]["subscription"]["effects"][1]["when"] = "gold"

    # in the order of the checks (models/policy/validation.py RULES): the unknown names
    # first, then what follows from them
    assert write(m) == [
        f"{FILE}: options.subscription.effects[0].clocks: unknown clock rule 'reply'; clock "
        "rules: response, question_response, resolution",
        f"{FILE}: options.subscription.effects[1].when: 'gold' is not a choice of option "
        "subscription: premium, business, basic",
        # (a consequence: premium and business now set no response target)
        f"{FILE}: options.subscription.effects: clock rule response takes its target from "
        "option subscription, but no effect sets it for premium, business",
    ]


def test_two_rules_for_one_clock_need_disjoint_kinds(write):
    def m(d):
        d["clocks"]["question_response"]["applies"] = {"kinds": ["question", "incident"]}

    assert write(m) == [
        f"{FILE}: clocks.question_response.applies.kinds: rules response and question_response "
        "both produce clock 'response' for the same ticket kinds; give them disjoint "
        "`applies.kinds`"
    ]


def test_workdays_need_a_workday_length(write):
    def m(d):
        del d["calendars"]["incidents"]["workday_hours"]

    errors = write(m)
    assert (
        f"{FILE}: clocks.resolution.targets.hoog.hard: hard target 2 workdays is in "
        "workdays but calendar 'incidents' declares no `workday_hours`"
    ) in errors
    assert len(errors) == 4


def test_unknown_priority_in_targets(write):
    def m(d):
        d["clocks"]["resolution"]["targets"]["critical"] = "1h"

    assert write(m) == [
        f"{FILE}: clocks.resolution.targets.critical: unknown priority or matrix cell "
        "'critical'; known: urgent, hoog, medium, laag"
    ]


def test_version_must_be_text(write):
    def m(d):
        d["version"] = 1.0

    assert write(m) == [
        f'{FILE}: version: version must be text: write version: "1.0" (quoted; YAML reads 1.0 '
        "as a number and would turn 1.10 into 1.1)"
    ]


def test_unknown_stop_event(write):
    def m(d):
        d["clocks"]["resolution"]["stop_on"] = ["ticket.fixed"]

    (msg,) = write(m)
    assert msg.startswith(f"{FILE}: clocks.resolution.stop_on[0]: Input should be ")


def test_unknown_time_zone(write):
    def m(d):
        d["timezone"] = "Europe/Amsterdan"

    assert write(m) == [
        f"{FILE}: timezone: unknown time zone 'Europe/Amsterdan' (use an IANA name such as "
        "Europe/Amsterdam)"
    ]


def test_bad_attribute_condition(write):
    def m(d):
        d["clocks"]["question_response"]["applies"]["attributes"] = ["cvss >> 9"]

    assert write(m) == [
        f"{FILE}: clocks.question_response.applies.attributes[0]: cannot read condition "
        "'cvss >> 9': write e.g. 'cvss >= 9.0'"
    ]


def test_several_problems_are_all_reported(write):
    def m(d):
        d["clocks"]["resolution"]["calendar"] = "nope"
        d["clocks"]["resolution"]["thresholds"] = [2]

    errors = write(m)
    assert len(errors) == 2


def test_load_policies_reports_every_bad_file(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\n")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(SEED))
    (tmp_path / "c.yaml").write_text("[1, 2]\n")
    with pytest.raises(PolicySetError) as exc:
        load_policies(tmp_path)
    text = str(exc.value)
    assert "a.yaml: version: Field required" in text
    assert "c.yaml: a policy file must be a mapping at the top" in text
    assert "b.yaml" not in text


def test_duplicate_versions_are_rejected(tmp_path):
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(SEED))
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(SEED))
    with pytest.raises(PolicySetError, match=r"version 1\.0 is already loaded"):
        load_policies(tmp_path)


def test_no_assert_in_validation_code():
    # validation must not depend on `assert` (python -O strips it)
    root = Path(__file__).resolve().parents[2] / "models"
    for path in root.glob("*.py"):
        assert (
            "\n    assert " not in path.read_text() and "\n        assert " not in path.read_text()
        ), path


def test_policy_is_strict_and_frozen():
    p = Policy.model_validate(copy.deepcopy(SEED))
    with pytest.raises(Exception):  # noqa: B017 - pydantic frozen instance error
        p.id = "other"  # type: ignore[misc]


def test_issues_carry_named_rules(write, tmp_path):
    def m(d):
        d["clocks"]["resolution"]["targets"]["urgent"] = {"soft": "6h", "hard": "4h"}
        d["clocks"]["resolution"]["thresholds"] = [1.5]
        d["clocks"]["resolution"]["calendar"] = "nope"

    write(m)
    with pytest.raises(PolicyLoadError) as exc:
        load_policy_file(FILE)
    assert {i.rule for i in exc.value.issues} == {
        "hard-shorter-than-soft",
        "threshold-range",
        "calendar-unknown",
    }


def test_json_schema_accepts_the_shorthands():
    from models.schemas import json_schema

    defs = json_schema("policy")["$defs"]
    for name in ("TargetSpec", "Condition"):
        schema = defs[name]
        text = str(schema)
        assert "'type': 'string'" in text, name


def test_option_that_sets_a_target_must_cover_every_value(write):
    def m(d):
        d["options"]["subscription"]["effects"].pop()  # drop `basic`

    assert write(m) == [
        f"{FILE}: options.subscription.effects: clock rule response takes its target from "
        "option subscription, but no effect sets it for basic"
    ]


def test_an_unknown_pause_status_is_an_error_with_a_hint(write):
    def m(d):
        d["defaults"]["pause_statuses"] = ["waiting_for_custmer"]
        d["clocks"]["resolution"]["pause_statuses"] = ["wacht_op_klant"]

    assert write(m) == [
        f"{FILE}: defaults.pause_statuses[0]: unknown status 'waiting_for_custmer'; did you "
        "mean 'waiting_for_customer'? (a status outside the standard ones must be declared "
        "under `statuses:`)",
        f"{FILE}: clocks.resolution.pause_statuses[0]: unknown status 'wacht_op_klant' (a "
        "status outside the standard ones must be declared under `statuses:`)",
    ]


def test_a_status_of_the_tenants_itsm_is_declared_under_statuses(write):
    def m(d):
        d["statuses"] = ["Wacht_Op_Klant"]  # identifiers are case-insensitive
        d["clocks"]["resolution"]["pause_statuses"] = ["wacht_op_klant", "customer_unreachable"]

    assert write(m) == []
