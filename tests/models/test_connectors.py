"""The connector schemas: mappings, the connectors file, the notify file (models.connectors,
models.notify, models.docpath)."""

from __future__ import annotations

from typing import Any

import pytest

from models.connectors import (
    STATUS_PHASES,
    ConnectorFileError,
    connectors_from_data,
    mapping_from_data,
    phase_of,
)
from models.docpath import PathSyntaxError, parse_path, resolve
from models.notify import notify_from_data
from models.schemas import json_schema
from streams.connectors.catalog import load_mapping, shipped_mappings


def _mapping(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "t",
        "vendor": "Test",
        "auth": {"scheme": "token"},
        "ticket_id": {"path": "id"},
        "at": {"path": "at"},
        "events": [{"then": "changed"}],
    }
    doc.update(changes)
    return doc


def _problems(doc: dict[str, Any]) -> str:
    with pytest.raises(ConnectorFileError) as err:
        mapping_from_data(doc, "m.yaml")
    return str(err.value)


# -- paths -----------------------------------------------------------------------------------


def test_paths_parse_keys_and_indexes():
    assert parse_path("changelog.items[0].toString") == ("changelog", "items", 0, "toString")
    assert parse_path("a[1][2].b") == ("a", 1, 2, "b")
    doc = {"a": [{"b": 1}, {"b": None}], "s": "x"}
    assert resolve(doc, parse_path("a[0].b")) == 1
    assert resolve(doc, parse_path("a[1].b")) is None
    assert resolve(doc, parse_path("a[5].b")) is None  # past the end
    assert resolve(doc, parse_path("s.b")) is None  # into a scalar
    assert resolve(doc, parse_path("missing.b")) is None


@pytest.mark.parametrize("bad", ["", "a..b", "a.[0]", "a[x]", ".a", "a[0"])
def test_bad_paths_are_refused(bad: str):
    with pytest.raises(PathSyntaxError):
        parse_path(bad)


# -- mappings --------------------------------------------------------------------------------


def test_every_shipped_mapping_validates_and_names_its_vendor_docs():
    shipped = shipped_mappings()
    assert set(shipped) == {
        "jira-sm",
        "zendesk",
        "servicenow",
        "topdesk",
        "zammad",
        "glpi",
        "freshservice",
    }
    for name in shipped:
        mapping = load_mapping(name)
        assert mapping.name == name
        assert mapping.docs and all(d.startswith("https://") for d in mapping.docs), name


def test_a_source_names_exactly_one_place():
    assert "give exactly one of path, header, template or value (got path, header)" in (
        _problems(_mapping(ticket_id={"path": "id", "header": "X-Id"}))
    )
    assert "give exactly one of" in _problems(_mapping(ticket_id={"map": {"a": "b"}}))


def test_paths_and_templates_are_checked_when_loaded():
    assert "bad path 'a..b'" in _problems(_mapping(ticket_id={"path": "a..b"}))
    out = _problems(_mapping(event_id={"template": "{a..b}:{header:}"}))
    assert "template placeholder {a..b}" in out and "empty header name" in out


def test_tables_ignore_case_and_read_numbers_as_text():
    m = mapping_from_data(_mapping(status={"path": "s", "map": {1: "new", "Done": "resolved"}}), "")
    assert m.status is not None and m.status.map == {"1": "new", "done": "resolved"}
    out = _problems(_mapping(status={"path": "s", "map": {"Done": "resolved", "done": "closed"}}))
    assert "appears twice (keys ignore case)" in out


def test_statuses_are_lower_case_words():
    assert "a canonical status is a lower-case word" in _problems(
        _mapping(status={"path": "s", "map": {"Done": "Resolved!"}})
    )


def test_instants_need_a_known_format_and_zone():
    assert "format 'dd-mm'" in _problems(_mapping(at={"path": "t", "format": "dd-mm"}))
    assert "unknown time zone 'Mars/Olympus'" in _problems(
        _mapping(at={"path": "t", "zone": "Mars/Olympus"})
    )
    m = mapping_from_data(_mapping(at={"received": True}), "")
    assert m.at.received


def test_auth_rules():
    assert "hmac needs the header" in _problems(_mapping(auth={"scheme": "hmac"}))
    assert "needs timestamp_header" in _problems(
        _mapping(auth={"scheme": "hmac", "header": "X-Sig", "signed": "timestamp+body"})
    )
    assert "basic uses the Authorization header" in _problems(
        _mapping(auth={"scheme": "basic", "header": "X"})
    )
    assert "Input should be 'hmac', 'token' or 'basic'" in _problems(
        _mapping(auth={"scheme": "none"})
    )


def test_rules_conditions_and_before():
    assert "before is only used with then: changed" in _problems(
        _mapping(events=[{"then": "ticket.created", "before": {"path": "p"}}])
    )
    assert "give exactly one of equals, one_of or present" in _problems(
        _mapping(events=[{"when": [{"path": "t"}], "then": "ignore"}])
    )
    assert "at least 1 item" in _problems(_mapping(events=[]))
    assert "Input should be" in _problems(_mapping(events=[{"then": "ticket.exploded"}]))


def test_overrides_merge_tables_case_insensitively_and_can_drop_a_field():
    base = mapping_from_data(
        _mapping(
            priority={"path": "p", "map": {"Highest": "highest", "High": "high"}},
            impact={"path": "i"},
        ),
        "",
    )
    over = base.with_overrides({"priority": {"map": {"HIGHEST": "urgent"}}, "impact": None}, "t")
    assert over.priority is not None and over.priority.map == {"highest": "urgent", "high": "high"}
    assert over.impact is None
    with pytest.raises(ConnectorFileError, match=r"t: priority\.map"):
        base.with_overrides({"priority": {"map": "nope"}}, "t")


def test_status_phases():
    assert phase_of("waiting_for_customer") == "open"
    assert phase_of("resolved") == "resolved"
    assert phase_of("some_custom_pause") == "open"
    assert phase_of(None) is None
    assert set(STATUS_PHASES.values()) == {"open", "resolved", "closed", "cancelled"}


# -- the connectors file ---------------------------------------------------------------------


def test_connectors_file():
    c = connectors_from_data(
        {"sources": {"jira": {"mapping": "jira-sm", "tenants": {"acme": {}}}}}, "c.yaml"
    )
    assert c.sources["jira"].tenants["acme"].serves == []
    with pytest.raises(ConnectorFileError, match=r"sources\.jira\.tenants: .*at least 1"):
        connectors_from_data({"sources": {"jira": {"mapping": "jira-sm", "tenants": {}}}}, "c")
    with pytest.raises(ConnectorFileError, match="should match pattern"):
        connectors_from_data(
            {"sources": {"ji ra": {"mapping": "jira-sm", "tenants": {"a": {}}}}}, "c"
        )


# -- the notify file -------------------------------------------------------------------------


def _notify(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "receivers": [
            {"name": "am", "type": "alertmanager", "url": "http://am:9093"},
            {"name": "pd", "type": "pagerduty"},
            {"name": "chat", "type": "slack"},
            {"name": "hook", "type": "webhook", "url": "https://example.org/sla"},
        ],
        "routes": [
            {
                "match": {"tenants": ["acme"], "types": ["sla.breach"]},
                "receivers": ["pd"],
                "continue": True,
            },
            {"match": {"types": ["sla.breach", "sla.escalation"]}, "receivers": ["am"]},
            {"receivers": ["hook"]},
        ],
    }
    doc.update(changes)
    return doc


def test_routes_first_match_and_continue():
    cfg = notify_from_data(_notify(), "n.yaml")

    def names(**sig: Any) -> list[str]:
        return [r.name for r in cfg.route(sig)]

    assert names(type="sla.breach", tenant="acme") == ["pd", "am"]  # continue, then stop
    assert names(type="sla.breach", tenant="globex") == ["am"]
    assert names(type="sla.warning", tenant="acme") == ["hook"]
    assert cfg.receiver("pd").stateful and not cfg.receiver("hook").stateful


def test_notify_file_rules():
    def problems(doc: dict[str, Any]) -> str:
        with pytest.raises(ConnectorFileError) as err:
            notify_from_data(doc, "n.yaml")
        return str(err.value)

    assert "unknown receiver(s) nobody" in problems(_notify(routes=[{"receivers": ["nobody"]}]))
    twice = _notify()
    twice["receivers"].append({"name": "am", "type": "webhook", "url": "https://x"})
    assert "receiver names must be unique: am" in problems(twice)
    slack_url = _notify()
    slack_url["receivers"][2]["url"] = "https://hooks.slack.com/services/T/B/X"
    assert "a Slack webhook URL is a secret" in problems(slack_url)
    no_url = _notify()
    del no_url["receivers"][0]["url"]
    assert "a alertmanager receiver needs its url" in problems(no_url)


@pytest.mark.parametrize("kind", ["mapping", "connectors", "notify"])
def test_json_schemas_are_exported(kind: str):
    schema = json_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    key = {"mapping": "events", "connectors": "sources", "notify": "routes"}[kind]
    assert key in schema["properties"]
