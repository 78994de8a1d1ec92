"""docs/connectors.md says what the code does: every mapping key has a row, the configuration
examples load, the body templates to paste into TOPdesk and Freshservice (and the ServiceNow
script) produce the payloads the shipped mappings read, and its links resolve."""

from __future__ import annotations

import json
import re

import yaml

from models.connectors import Auth, Mapping, connectors_from_data
from models.notify import notify_from_data
from streams.connectors.catalog import load_mapping
from tests.docs.markdown import DOCS, REPO, blocks, read, section, sections, slug, table_rows
from tests.streams.connectors.helpers import fixture

PAGE = "connectors.md"
TEXT = read(PAGE)


def _blocks(heading: str, lang: str) -> list[str]:
    return [b.text for b in blocks(section(TEXT, heading).body) if b.lang == lang]


def test_every_mapping_key_has_a_row():
    rows = table_rows(section(TEXT, "Mapping reference").body)
    documented = {k for row in rows for k in re.findall(r"`([a-z_]+)`", row[0])}
    assert documented == set(Mapping.model_fields), (
        f"undocumented: {sorted(set(Mapping.model_fields) - documented)}; "
        f"not in the schema: {sorted(documented - set(Mapping.model_fields))}"
    )


def test_source_and_auth_keys_are_explained():
    ref = section(TEXT, "Mapping reference").body
    for key in ("path", "header", "template", "value", "map", "fallback", "default"):
        assert f"`{key}`" in ref, key
    for key in ("format", "zone", "received: true", "when", "then", "before", "changes", "one_of"):
        assert f"`{key}`" in ref, key
    for key in Auth.model_fields:
        assert f"`{key}`" in ref, f"auth key {key}"


def test_the_walkthrough_configuration_loads():
    connectors, notify = _blocks(
        'Walkthrough: from "I use Jira SM" to "my on-call gets paged"', "yaml"
    )
    config = connectors_from_data(yaml.safe_load(connectors), PAGE)
    endpoint = config.sources["jira"].tenants["umbrella"]
    mapping = load_mapping(config.sources["jira"].mapping).with_overrides(endpoint.overrides, PAGE)
    assert mapping.priority is not None and mapping.priority.map is not None
    assert mapping.priority.map["high"] == "hoog"
    routes = notify_from_data(yaml.safe_load(notify), PAGE)
    breach = {"type": "sla.breach", "tenant": "umbrella"}
    assert [r.name for r in routes.route(breach)] == ["umbrella-pd", "alertmanager"]


def test_the_topdesk_template_gives_the_payload_the_mapping_reads():
    (template,) = _blocks("TOPdesk", "json")
    body = fixture("topdesk", "created").doc
    filled = re.sub(
        r"\$\{(\w+)\}",
        lambda m: (
            str(body[m.group(1)]).lower()
            if isinstance(body[m.group(1)], bool)
            else str(body[m.group(1)])
        ),
        template,
    )
    assert json.loads(filled) == {
        k: str(v).lower() if isinstance(v, bool) else v for k, v in body.items()
    }
    mapped = load_mapping("topdesk")
    for src in (mapped.ticket_id, mapped.at, mapped.status, mapped.native_id):
        assert src is not None and src.paths[0] in json.loads(filled)


def test_the_freshservice_template_gives_the_payload_the_mapping_reads():
    (template,) = _blocks("Freshservice", "json")
    doc = json.loads(template)
    assert set(doc) == set(fixture("freshservice", "created").doc)
    assert doc["event"] == "created"
    assert all(re.fullmatch(r"\{\{ticket\.\w+\}\}", v) for k, v in doc.items() if k != "event")


def test_the_servicenow_script_sends_every_field_of_the_payload():
    (script,) = _blocks("ServiceNow", "javascript")
    sent = set(re.findall(r"^\s+(\w+): ", script, re.M))
    assert sent == set(fixture("servicenow", "insert").doc)


def test_the_kafka_connect_examples_are_json():
    for text in _blocks("Tools without webhooks: Kafka Connect", "json"):
        assert json.loads(text)["config"]["connector.class"]


def test_links_resolve():
    anchors = {slug(s.heading) for s in sections(TEXT)}
    for target in re.findall(r"\]\(([^)\s]+)\)", TEXT):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        file = (DOCS / path).resolve() if path else DOCS / PAGE
        assert file.exists(), target
        assert file.is_relative_to(REPO), target
        if anchor and not path:
            assert anchor in anchors, target
