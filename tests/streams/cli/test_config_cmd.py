"""``slawatch config show``: effective settings, secrets masked, clear validation errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from streams.cli import _register, app
from streams.cli.config_cmd import MASK, ConfigError, load_settings, mask_url


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("SLAWATCH_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    _register()
    return CliRunner()


def _show(cli: CliRunner, env: dict[str, str], *args: str):
    return cli.invoke(app, ["config", "show", *args], env=env)


def test_show_text_lists_every_variable_with_its_source(cli: CliRunner) -> None:
    res = _show(cli, {"SLAWATCH_PARTITIONS": "8"})
    assert res.exit_code == 0, res.output
    lines = {line.split()[0]: line for line in res.output.splitlines()}
    assert "SLAWATCH_BROKERS" in lines and "[default]" in lines["SLAWATCH_BROKERS"]
    assert lines["SLAWATCH_PARTITIONS"].split() == ["SLAWATCH_PARTITIONS", "8", "[env]"]
    assert "(unset)" in lines["SLAWATCH_SASL_PASSWORD"]


def test_show_json_masks_secrets(cli: CliRunner) -> None:
    env = {
        "SLAWATCH_SECURITY_PROTOCOL": "SASL_SSL",
        "SLAWATCH_SASL_MECHANISM": "SCRAM-SHA-512",
        "SLAWATCH_SASL_USERNAME": "svc-slawatch",
        "SLAWATCH_SASL_PASSWORD": "s3cret-sasl",
        "SLAWATCH_SSL_KEY_PASSWORD": "s3cret-key",
        "SLAWATCH_REDIS_URL": "rediss://default:s3cret-redis@redis:6380/0",
    }
    res = _show(cli, env, "--json")
    assert res.exit_code == 0, res.output
    assert "s3cret" not in res.output
    data = json.loads(res.output)
    assert data["sasl_password"] == MASK
    assert data["ssl_key_password"] == MASK
    assert data["sasl_username"] == "svc-slawatch"
    assert data["redis_url"] == f"rediss://default:{MASK}@redis:6380/0"
    assert data["partitions"] == 4
    assert data["clock_start"] is None


def test_show_json_is_a_usable_settings_file(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = _show(cli, {"SLAWATCH_APP_ID": "ops", "SLAWATCH_TOPIC_PREFIX": "prod."}, "--json")
    f = tmp_path / "slawatch.json"
    f.write_text(res.output)
    monkeypatch.setenv("SLAWATCH_CONFIG_FILE", str(f))
    settings = load_settings()
    assert (settings.app_id, settings.topic_prefix) == ("ops", "prod.")


def test_invalid_partitions_exit_2_naming_the_variable(cli: CliRunner) -> None:
    res = _show(cli, {"SLAWATCH_PARTITIONS": "0"})
    assert res.exit_code == 2
    assert "SLAWATCH_PARTITIONS: must be ≥ 1" in res.output


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLAWATCH_TICK_INTERVAL": "60"}, "SLAWATCH_TICK_INTERVAL: must be ≤ 10"),
        ({"SLAWATCH_SESSION_TIMEOUT": "0"}, "SLAWATCH_SESSION_TIMEOUT: must be > 0"),
        ({"SLAWATCH_APP_ID": ""}, "SLAWATCH_APP_ID: must not be empty"),
        ({"SLAWATCH_REPLICATION": "three"}, "SLAWATCH_REPLICATION: must be a whole number"),
        ({"SLAWATCH_STORE": "redis://"}, "SLAWATCH_STORE: store must be memory://"),
        ({"SLAWATCH_SECURITY_PROTOCOL": "TLS"}, "SLAWATCH_SECURITY_PROTOCOL: must be one of"),
        ({"SLAWATCH_CLOCK_START": "2026-03-02T08:00:00"}, "SLAWATCH_CLOCK_START: needs a UTC"),
        (
            {"SLAWATCH_SECURITY_PROTOCOL": "SASL_PLAINTEXT"},
            "SASL_PLAINTEXT needs SLAWATCH_SASL_USERNAME and SLAWATCH_SASL_PASSWORD",
        ),
    ],
)
def test_validation_messages(cli: CliRunner, env: dict[str, str], expected: str) -> None:
    res = _show(cli, env)
    assert res.exit_code == 2
    assert expected in res.output


def test_several_problems_are_all_listed(cli: CliRunner) -> None:
    res = _show(cli, {"SLAWATCH_PARTITIONS": "0", "SLAWATCH_REPLICATION": "0"})
    assert res.exit_code == 2
    assert "SLAWATCH_PARTITIONS" in res.output and "SLAWATCH_REPLICATION" in res.output


def test_invalid_value_in_the_settings_file_names_the_file(cli: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "slawatch.yaml"
    f.write_text("partitions: 0\n")
    res = _show(cli, {"SLAWATCH_CONFIG_FILE": str(f)})
    assert res.exit_code == 2
    assert "SLAWATCH_PARTITIONS: must be ≥ 1" in res.output
    assert str(f) in res.output


def test_settings_file_problems_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "slawatch.yaml"
    f.write_text("partitons: 3\n")
    res = _show(cli, {"SLAWATCH_CONFIG_FILE": str(f)})
    assert res.exit_code == 2
    assert "unknown setting(s) partitons" in res.output
    res = _show(cli, {"SLAWATCH_CONFIG_FILE": str(tmp_path / "missing.yaml")})
    assert res.exit_code == 2
    assert "SLAWATCH_CONFIG_FILE" in res.output


def test_settings_file_source_is_shown(cli: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "slawatch.env"
    f.write_text("SLAWATCH_PARTITIONS=6\n")
    res = _show(cli, {"SLAWATCH_CONFIG_FILE": str(f)})
    assert res.exit_code == 0, res.output
    assert f"SLAWATCH_CONFIG_FILE={f}" in res.output
    line = next(x for x in res.output.splitlines() if x.startswith("SLAWATCH_PARTITIONS"))
    assert line.split() == ["SLAWATCH_PARTITIONS", "6", "[file]"]


def test_a_secret_value_is_never_echoed_in_errors(cli: CliRunner) -> None:
    res = _show(
        cli, {"SLAWATCH_REDIS_URL": "redis://:pw-in-url@r:6379/0", "SLAWATCH_PARTITIONS": "0"}
    )
    assert res.exit_code == 2
    assert "pw-in-url" not in res.output


def test_load_settings_raises_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLAWATCH_PARTITIONS", "-1")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.lines == ["SLAWATCH_PARTITIONS: must be ≥ 1 (got '-1')"]


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://:pw@redis:6379/0", f"redis://:{MASK}@redis:6379/0"),
        ("rediss://user:p%40ss@host:6380", f"rediss://user:{MASK}@host:6380"),
        ("redis://redis:6379/0", "redis://redis:6379/0"),
        ("redis://redis:6379/0?password=x&db=1", f"redis://redis:6379/0?password={MASK}&db=1"),
        ("kafka:9092,kafka2:9092", "kafka:9092,kafka2:9092"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked
