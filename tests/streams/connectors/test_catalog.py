"""Loading the endpoints of a connectors file with their mappings and secrets
(streams.connectors.catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from models.settings import Settings
from streams.connectors.catalog import ConnectorSetupError, load_endpoints, read_secrets

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "connectors"


def test_the_example_endpoints_load_with_their_tenant_overrides():
    secrets = read_secrets(Settings(), EXAMPLES / "hook-secrets.yaml")
    endpoints = load_endpoints(EXAMPLES / "connectors.yaml", secrets)
    assert sorted(e.name for e in endpoints) == [
        "jira/umbrella",
        "servicenow/acme",
        "zammad/umbrella",
        "zendesk/hooli",
    ]
    jira = endpoints.get("jira", "umbrella")
    assert jira is not None and jira.mapping.priority is not None
    assert jira.mapping.priority.map == {
        "highest": "urgent",
        "high": "hoog",
        "medium": "medium",
        "low": "laag",
        "lowest": "laag",
    }
    assert jira.secret.get_secret_value() == "dev-jira-umbrella-secret"
    assert endpoints.get("jira", "acme") is None


def test_every_problem_is_named_at_once(tmp_path: Path):
    mapping = tmp_path / "own.yaml"
    mapping.write_text("name: own\nvendor: X\nauth: {scheme: token}\n")
    config = tmp_path / "connectors.yaml"
    config.write_text(
        "sources:\n"
        "  jira: {mapping: jira-sm, tenants: {a: {}, b: {overrides: {priority: {map: 3}}}}}\n"
        "  mine: {mapping: own.yaml, tenants: {a: {}}}\n"
        "  gone: {mapping: nowhere.yaml, tenants: {a: {}}}\n"
    )
    with pytest.raises(ConnectorSetupError) as err:
        load_endpoints(config, {"jira/b": SecretStr("x")})
    text = "\n".join(err.value.lines)
    assert "sources.jira.tenants.a: no secret for jira/a" in text
    assert "sources.jira.tenants.b.overrides: priority.map" in text
    assert f"{mapping}: ticket_id: Field required" in text
    assert "nowhere.yaml: no such mapping" in text


def test_environment_secrets_win_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    file = tmp_path / "s.yaml"
    file.write_text("jira/a: from-file\njira/b: only-in-file\n")
    monkeypatch.setenv("SLAWATCH_HOOK_SECRETS", '{"jira/a": "from-env"}')
    monkeypatch.setenv("SLAWATCH_HOOK_SECRETS_FILE", str(file))
    found = read_secrets(Settings())
    assert {k: v.get_secret_value() for k, v in found.items()} == {
        "jira/a": "from-env",
        "jira/b": "only-in-file",
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text("jira/a: [1, 2]\n")
    with pytest.raises(ConnectorSetupError, match="expected a mapping of hook secrets"):
        read_secrets(Settings(), bad)
