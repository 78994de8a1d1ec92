"""Runtime settings, read from ``SLAWATCH_*`` environment variables.

- ``SLAWATCH_BROKERS`` (``127.0.0.1:9092``): Kafka bootstrap servers, comma-separated
  ``host:port`` (a ``kafka://`` prefix and ``;`` separators are accepted).
- ``SLAWATCH_REDIS_URL`` (``redis://127.0.0.1:6379/0``): Redis of the read model.
- ``SLAWATCH_TOPIC_PREFIX`` (empty): prepended to every topic name, e.g. ``prod.`` gives
  ``prod.sla.breaches``.
- ``SLAWATCH_PARTITIONS`` (4) / ``SLAWATCH_REPLICATION`` (1): for the topics we create.
- ``SLAWATCH_STORE`` (``memory://``): Faust table store, ``memory://`` or ``rocksdb://``
  (RocksDB through the ``rocksdict`` package, on disk under ``SLAWATCH_DATA_DIR``).
- ``SLAWATCH_SESSION_TIMEOUT`` (unset): consumer-group session timeout in seconds; unset
  means 60 s (Faust's default) or 6 s on the embedded broker.
- ``SLAWATCH_SECURITY_PROTOCOL`` (``PLAINTEXT``): or ``SSL``, ``SASL_PLAINTEXT``,
  ``SASL_SSL``; ``SLAWATCH_SASL_MECHANISM`` (``PLAIN``, ``SCRAM-SHA-256``,
  ``SCRAM-SHA-512``), ``SLAWATCH_SASL_USERNAME``, ``SLAWATCH_SASL_PASSWORD`` (secret).
- ``SLAWATCH_SSL_CAFILE`` (CA bundle to verify the brokers), ``SLAWATCH_SSL_CERTFILE`` /
  ``SLAWATCH_SSL_KEYFILE`` / ``SLAWATCH_SSL_KEY_PASSWORD`` (secret) for mutual TLS.

- ``SLAWATCH_APP_ID`` (``slawatch``): the Faust application id (consumer group, table and
  changelog topic names).
- ``SLAWATCH_TENANTS_FILE`` (unset): tenant contracts file (YAML/JSON) loaded at start, on top
  of which the ``sla.contracts`` topic layers; ``SLAWATCH_POLICIES_DIR`` (unset: the bundled
  seed policies).
- ``SLAWATCH_CLOCK_START`` / ``SLAWATCH_CLOCK_SPEED`` / ``SLAWATCH_CLOCK_ORIGIN``: the
  runtime's clock. Unset start = the wall clock. Set, the clock reads ``start + (wall −
  origin) × speed`` (origin defaults to the process start): the demo runs at accelerated
  time, the tests at a fixed instant (speed 0). ``SLAWATCH_TICK_INTERVAL`` (0.1 s): how often
  a worker checks its timers.
- ``SLAWATCH_DATA_DIR`` (``.slawatch-data``): the worker's local state (table stores).
- ``SLAWATCH_READ_MODEL`` (true): keep the Redis read model current from this worker.
- ``SLAWATCH_MAX_EVENT_BYTES`` (65536): larger input records are dead letters.
- ``SLAWATCH_METRICS_PORT`` (0: off): serve Prometheus metrics on ``0.0.0.0:PORT/metrics``.
- ``SLAWATCH_LOG_FORMAT`` (``text``): ``json`` makes the worker log one JSON object per line
  (``streams.observability``: ticket payloads only at DEBUG, secrets masked).
- ``SLAWATCH_WEB_ADMIN_TOKEN`` (unset, secret): the ops board's (``slawatch web``) token that
  sees every tenant; ``SLAWATCH_WEB_TENANT_TOKENS`` (unset, secret): a JSON object
  ``{"tenant": "token", …}``, each token seeing only its tenant. No token at all: the board
  binds to loopback only (:mod:`streams.web.auth`). ``SLAWATCH_WEB_HISTORY_HOURS`` (48): how
  far back (wall time) the board reads the signal topics at start for ticket histories.

Connectors (``slawatch ingest`` / ``notify``, docs/connectors.md):

- ``SLAWATCH_CONNECTORS_FILE``: the webhook endpoints of ``ingest`` (sources, tenants,
  mappings); ``SLAWATCH_HOOK_SECRETS`` (JSON ``{"source/tenant": "secret"}``, secret) and/or
  ``SLAWATCH_HOOK_SECRETS_FILE`` (the same as a YAML/JSON file); ``SLAWATCH_MAX_HOOK_BYTES``
  (262144): larger webhook bodies are refused (413); ``SLAWATCH_INGEST_STATE`` (``memory``)
  / ``SLAWATCH_INGEST_STATE_SIZE`` (100000): where each ticket's last known state is kept
  (``redis``: in ``SLAWATCH_REDIS_URL``), and how many tickets the in-memory store keeps.
- ``SLAWATCH_NOTIFY_FILE``: the receivers and routes of ``notify``; ``SLAWATCH_NOTIFY_SECRETS``
  (JSON ``{"receiver": "secret"}``: a PagerDuty routing key, a Slack webhook URL, a bearer
  token) and/or ``SLAWATCH_NOTIFY_SECRETS_FILE``; ``SLAWATCH_NOTIFY_STATE`` (``redis``) keeps
  the firing alerts and the deliveries made across restarts (``memory``: in the process).

Secrets are :class:`pydantic.SecretStr`: ``repr()``/``model_dump()`` show ``**********``;
only the ``*_kwargs()`` helpers below reveal them, to hand them to a client.
"""

from __future__ import annotations

import ssl
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from models.events import MAX_EVENT_BYTES

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

#: Faust's own default ``broker_session_timeout`` (seconds), used for external brokers.
DEFAULT_SESSION_TIMEOUT = 60.0

#: Session timeout (seconds) for the embedded Tansu broker, which answers a group's first
#: JoinGroup only after half the session timeout (docs/runtime-notes.md has the figures).
EMBEDDED_SESSION_TIMEOUT = 6.0

#: The shortest token the ops board accepts (``SLAWATCH_WEB_*_TOKEN*``).
MIN_WEB_TOKEN = 16


class Settings(BaseSettings):
    """Deployment settings of the slawatch runtime and tools (see the module doc)."""

    model_config = SettingsConfigDict(env_prefix="SLAWATCH_", extra="ignore", frozen=True)

    brokers: str = "127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6379/0"
    topic_prefix: str = ""
    partitions: int = Field(4, ge=1)
    replication: int = Field(1, ge=1)
    store: str = "memory://"
    session_timeout: float | None = Field(None, gt=0)
    app_id: str = Field("slawatch", min_length=1)
    tenants_file: Path | None = None
    policies_dir: Path | None = None
    clock_start: datetime | None = None
    clock_speed: float = Field(1.0, ge=0)
    clock_origin: datetime | None = None
    tick_interval: float = Field(0.1, gt=0, le=10)
    data_dir: Path = Path(".slawatch-data")
    read_model: bool = True
    max_event_bytes: int = Field(MAX_EVENT_BYTES, ge=256)
    metrics_port: int = Field(0, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    web_admin_token: SecretStr | None = None
    web_tenant_tokens: dict[str, SecretStr] | None = None
    web_history_hours: float = Field(48.0, ge=0)

    # connectors: slawatch ingest / notify (docs/connectors.md)
    connectors_file: Path | None = None
    hook_secrets: dict[str, SecretStr] | None = None
    hook_secrets_file: Path | None = None
    max_hook_bytes: int = Field(262144, ge=1024)
    ingest_state: Literal["memory", "redis"] = "memory"
    ingest_state_size: int = Field(100_000, ge=1)
    notify_file: Path | None = None
    notify_secrets: dict[str, SecretStr] | None = None
    notify_secrets_file: Path | None = None
    notify_state: Literal["memory", "redis"] = "redis"

    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None

    @field_validator("brokers")
    @classmethod
    def _brokers(cls, value: str) -> str:
        hosts = [h.strip().removeprefix("kafka://") for h in value.replace(";", ",").split(",")]
        hosts = [h for h in hosts if h]
        if not hosts:
            raise ValueError("at least one broker host:port is required")
        return ",".join(hosts)

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if not value.startswith(("memory://", "rocksdb://")):
            raise ValueError("store must be memory:// or rocksdb:// (RocksDB via rocksdict)")
        return value

    @field_validator("clock_start", "clock_origin")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-03-02T08:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _security(self) -> Settings:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_username and self.sasl_password
        ):
            raise ValueError(f"{self.security_protocol} needs sasl_username and sasl_password")
        return self

    @model_validator(mode="after")
    def _web_tokens(self) -> Settings:
        """The board's tokens: long enough to resist guessing, and each naming one reader
        (a token shared by two tenants would show one the other's tickets). The messages
        never quote a token."""
        named = [("web_admin_token", self.web_admin_token)] if self.web_admin_token else []
        for tenant, token in (self.web_tenant_tokens or {}).items():
            if not tenant.strip():
                raise ValueError("web_tenant_tokens: a tenant name is empty")
            named.append((f"web_tenant_tokens[{tenant}]", token))
        seen: dict[str, str] = {}
        for where, secret in named:
            token = secret.get_secret_value()
            if len(token) < MIN_WEB_TOKEN or token != token.strip() or " " in token:
                raise ValueError(
                    f"{where}: a board token needs at least {MIN_WEB_TOKEN} characters and no"
                    " spaces (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
                )
            if token in seen:
                raise ValueError(f"{where}: the same token as {seen[token]}; give each its own")
            seen[token] = where
        return self

    # -- derived values ------------------------------------------------------------------

    @property
    def bootstrap_servers(self) -> list[str]:
        """``["host:port", …]`` for kafka-python / aiokafka ``bootstrap_servers``."""
        return self.brokers.split(",")

    @property
    def broker_urls(self) -> list[str]:
        """``["kafka://host:port", …]`` for Faust's ``broker`` setting."""
        return [f"kafka://{h}" for h in self.bootstrap_servers]

    def topic(self, name: str) -> str:
        """The deployed name of a topic: ``topic_prefix + name``."""
        return f"{self.topic_prefix}{name}"

    def effective_session_timeout(self, embedded: bool = False) -> float:
        """The session timeout to use: the configured one, else 6 s embedded / 60 s."""
        if self.session_timeout is not None:
            return self.session_timeout
        if embedded:
            return EMBEDDED_SESSION_TIMEOUT
        return DEFAULT_SESSION_TIMEOUT

    def ssl_context(self) -> ssl.SSLContext | None:
        """An SSL context for SSL/SASL_SSL (``None`` for plaintext protocols)."""
        if not self.security_protocol.endswith("SSL"):
            return None
        context = ssl.create_default_context(
            cafile=str(self.ssl_cafile) if self.ssl_cafile else None
        )
        if self.ssl_certfile:
            context.load_cert_chain(
                str(self.ssl_certfile),
                str(self.ssl_keyfile) if self.ssl_keyfile else None,
                self.ssl_key_password.get_secret_value() if self.ssl_key_password else None,
            )
        return context

    def kafka_python_kwargs(self) -> dict[str, Any]:
        """Connection keyword arguments for kafka-python clients (admin, producer, consumer)."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.startswith("SASL"):
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_username
            kwargs["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        if self.security_protocol.endswith("SSL"):
            kwargs["ssl_context"] = self.ssl_context()
        return kwargs

    def aiokafka_kwargs(self) -> dict[str, Any]:
        """Connection keyword arguments for aiokafka clients (same names as kafka-python)."""
        return self.kafka_python_kwargs()

    # -- optional settings file (SLAWATCH_CONFIG_FILE) ---------------------------------------

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: keyword arguments > ``SLAWATCH_*`` environment variables > the file
        named by ``SLAWATCH_CONFIG_FILE`` (see :class:`SettingsFileSource`) > defaults."""
        return (
            init_settings,
            env_settings,
            SettingsFileSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )


#: Environment variable naming the optional settings file.
CONFIG_FILE_ENV = "SLAWATCH_CONFIG_FILE"


class SettingsFileError(ValueError):
    """The settings file named by ``SLAWATCH_CONFIG_FILE`` cannot be used (the text says why)."""


class SettingsFileSource(PydanticBaseSettingsSource):
    """Settings from the file named by ``SLAWATCH_CONFIG_FILE`` (unset or empty: none).

    - ``*.yaml`` / ``*.yml`` / ``*.json``: a mapping of setting names, ``partitions: 8`` (the
      variable names, ``SLAWATCH_PARTITIONS: 8``, are accepted too). An unknown key is an
      error, so a typo does not go unnoticed.
    - anything else (``*.env``, ``slawatch.conf``): dotenv lines ``SLAWATCH_PARTITIONS=8``
      (``#`` comments, ``export`` and quotes allowed); keys without the ``SLAWATCH_`` prefix
      are left alone (a shared ``.env``), an unknown ``SLAWATCH_`` key is an error.

    Environment variables win over the file; a secret in the file is masked like any other.
    """

    def __init__(self, settings_cls: type[BaseSettings], path: str | Path | None = None) -> None:
        super().__init__(settings_cls)
        if path is None:
            import os

            path = os.environ.get(CONFIG_FILE_ENV) or None
        self.path = Path(path) if path else None
        self.values = self.read(self.path, settings_cls) if self.path else {}

    @staticmethod
    def read(path: Path, settings_cls: type[BaseSettings]) -> dict[str, Any]:
        """The settings in ``path`` as ``{field name: raw value}``; raises SettingsFileError."""
        fields = settings_cls.model_fields
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsFileError(
                f"{CONFIG_FILE_ENV}: cannot read {str(path)!r}: {exc.strerror or exc}"
            ) from None
        if path.suffix.lower() in (".yaml", ".yml", ".json"):
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise SettingsFileError(
                    f"{CONFIG_FILE_ENV}: {path}: not valid YAML: {exc}"
                ) from None
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise SettingsFileError(
                    f"{CONFIG_FILE_ENV}: {path}: expected a mapping of settings, "
                    f"got {type(data).__name__}"
                )
            strict = True
        else:
            import io

            from dotenv import dotenv_values

            data = {
                k: v
                for k, v in dotenv_values(stream=io.StringIO(text)).items()
                if k.upper().startswith("SLAWATCH_")
            }
            strict = False
        values: dict[str, Any] = {}
        unknown: list[str] = []
        for key, value in data.items():
            name = str(key).lower().removeprefix("slawatch_")
            if name in fields:
                values[name] = value
            elif strict or str(key).upper().startswith("SLAWATCH_"):
                unknown.append(str(key))
        if unknown:
            raise SettingsFileError(
                f"{CONFIG_FILE_ENV}: {path}: unknown setting(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(fields)}"
            )
        return values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)
