"""The optional settings file (``SLAWATCH_CONFIG_FILE``): YAML/JSON or dotenv, below the
environment in precedence, strict about unknown keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.settings import CONFIG_FILE_ENV, Settings, SettingsFileError, SettingsFileSource


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("SLAWATCH_"):
            monkeypatch.delenv(key)


def _use(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, str(path))


def test_no_file_means_defaults() -> None:
    s = Settings()
    assert s.partitions == 4
    assert s.app_id == "slawatch"


def test_yaml_file_by_field_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "slawatch.yaml"
    f.write_text(
        "brokers: kafka:9092\npartitions: 12\ntopic_prefix: prod.\nread_model: false\n"
        "sasl_password: hunter2\nsecurity_protocol: SASL_SSL\nsasl_username: svc\n"
    )
    _use(monkeypatch, f)
    s = Settings()
    assert s.brokers == "kafka:9092"
    assert s.partitions == 12
    assert s.topic("sla.breaches") == "prod.sla.breaches"
    assert s.read_model is False
    assert s.sasl_password is not None and s.sasl_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(s)


def test_yaml_file_accepts_variable_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "slawatch.yml"
    f.write_text("SLAWATCH_PARTITIONS: 6\nSLAWATCH_APP_ID: ops\n")
    _use(monkeypatch, f)
    s = Settings()
    assert (s.partitions, s.app_id) == (6, "ops")


def test_json_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "slawatch.json"
    f.write_text('{"partitions": 3, "tick_interval": 0.5}')
    _use(monkeypatch, f)
    s = Settings()
    assert (s.partitions, s.tick_interval) == (3, 0.5)


def test_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "slawatch.env"
    f.write_text(
        "# deployment\nSLAWATCH_PARTITIONS=8\nexport SLAWATCH_APP_ID='ops'\n"
        "SLAWATCH_REDIS_URL=redis://:pw@redis:6379/0\nOTHER_TOOL=ignored\n"
    )
    _use(monkeypatch, f)
    s = Settings()
    assert (s.partitions, s.app_id) == (8, "ops")
    assert s.redis_url == "redis://:pw@redis:6379/0"


def test_environment_wins_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "slawatch.yaml"
    f.write_text("partitions: 8\napp_id: from-file\n")
    _use(monkeypatch, f)
    monkeypatch.setenv("SLAWATCH_PARTITIONS", "16")
    s = Settings()
    assert s.partitions == 16
    assert s.app_id == "from-file"
    # keyword arguments win over both
    assert Settings(partitions=2).partitions == 2


def test_invalid_value_in_file_is_a_validation_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "slawatch.yaml"
    f.write_text("partitions: 0\n")
    _use(monkeypatch, f)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert info.value.errors()[0]["loc"] == ("partitions",)


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("typo.yaml", "partitons: 3\n", "unknown setting.*partitons"),
        ("typo.env", "SLAWATCH_PARTITONS=3\n", "unknown setting.*SLAWATCH_PARTITONS"),
        ("list.yaml", "- a\n- b\n", "expected a mapping"),
        ("bad.yaml", "partitions: [1\n", "not valid YAML"),
    ],
)
def test_bad_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, match: str
) -> None:
    f = tmp_path / name
    f.write_text(text)
    _use(monkeypatch, f)
    with pytest.raises(SettingsFileError, match=match):
        Settings()


def test_missing_file_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, tmp_path / "nope.yaml")
    with pytest.raises(SettingsFileError, match=CONFIG_FILE_ENV):
        Settings()


def test_empty_variable_and_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, "")
    assert Settings().partitions == 4
    f = tmp_path / "empty.yaml"
    f.write_text("")
    _use(monkeypatch, f)
    assert Settings().partitions == 4


def test_source_reads_an_explicit_path(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("store: rocksdb://\n")
    assert SettingsFileSource(Settings, f)() == {"store": "rocksdb://"}
