"""The connector services of docker/compose.yaml (ingest, notify, alertmanager), checked without
a Docker engine: the commands, mounts and secrets point at files that exist and load, the
health checks ask the ports the commands listen on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.settings import Settings
from streams.connectors.catalog import load_endpoints, read_secret_file

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def _option(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def _host_path(svc: dict[str, Any], target: str) -> Path:
    for m in svc["volumes"]:
        if isinstance(m, dict) and target.startswith(m["target"]):
            return (DOCKER / m["source"] / target.removeprefix(m["target"]).lstrip("/")).resolve()
    raise AssertionError(f"{target} is not mounted")


def _secret_file(compose: dict[str, Any], name: str) -> Path:
    spec = compose["secrets"][name]["file"]
    return (DOCKER / re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", spec)).resolve()


def test_ingest_and_notify_run_their_commands_with_health_checks(compose: dict[str, Any]):
    for name, command, port in (("ingest", "ingest", "8088"), ("notify", "notify", "8089")):
        svc = compose["services"][name]
        cmd = svc["command"]
        assert cmd[0] == command and _option(cmd, "--port") == port
        assert _option(cmd, "--bind") == "0.0.0.0"
        health = " ".join(svc["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/healthz" in health
        assert svc["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert svc["environment"] == compose["services"]["worker-1"]["environment"]
    assert "127.0.0.1:8088:8088" in compose["services"]["ingest"]["ports"]
    assert compose["services"]["notify"]["depends_on"]["alertmanager"]["condition"] == (
        "service_healthy"
    )


def test_the_mounted_connectors_and_secrets_load(compose: dict[str, Any]):
    ingest = compose["services"]["ingest"]
    cmd = ingest["command"]
    connectors = _host_path(ingest, _option(cmd, "--connectors"))
    assert _option(cmd, "--secrets") == "/run/secrets/hook-secrets"
    secrets = read_secret_file({}, _secret_file(compose, "hook-secrets"), "hook")
    endpoints = load_endpoints(connectors, secrets)
    assert {e.name for e in endpoints} == set(secrets)  # each endpoint its secret, no stray one

    from streams.connectors.notify import load

    notify = compose["services"]["notify"]
    ncmd = notify["command"]
    config, receiver_secrets = load(
        Settings(),
        _host_path(notify, _option(ncmd, "--config")),
        _secret_file(compose, "notify-secrets"),
    )
    am = [r for r in config.receivers if r.type == "alertmanager"]
    assert am and am[0].url == "http://alertmanager:9093"
    assert set(receiver_secrets) <= {r.name for r in config.receivers}


def test_alertmanager_is_pinned_and_configured(compose: dict[str, Any]):
    am = compose["services"]["alertmanager"]
    assert re.fullmatch(r"prom/alertmanager:v\d+\.\d+\.\d+", am["image"])
    config = next(m for m in am["volumes"] if isinstance(m, dict))
    doc = yaml.safe_load((DOCKER / config["source"]).read_text())
    assert doc["route"]["receiver"] in {r["name"] for r in doc["receivers"]}
    assert "--cluster.listen-address=" in am["command"]


def test_ingest_keeps_ticket_state_in_redis(compose: dict[str, Any], monkeypatch):
    env = compose["services"]["ingest"]["environment"]
    for key, value in env.items():
        monkeypatch.setenv(key, re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", str(value)))
    s = Settings()
    assert s.ingest_state == "redis" and s.notify_state == "redis"
