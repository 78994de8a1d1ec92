"""Real processes for the connector tests: ``slawatch ingest``, Alertmanager."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.embedded import free_port
from tests.build_check import package_root
from tests.streams.connectors.helpers import wait_http
from tests.streams.workers import Worker

SLAWATCH = str(package_root())
#: Debian's package names the binary prometheus-alertmanager; upstream's is alertmanager
ALERTMANAGER_BINARIES = ("prometheus-alertmanager", "alertmanager")


def slawatch_env(**settings: str) -> dict[str, str]:
    """The environment of a slawatch subprocess: the slawatch under test, no inherited
    ``SLAWATCH_*`` settings but those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    for keep in ("SLAWATCH_TANSU_BIN", "SLAWATCH_REDIS_SERVER_BIN"):
        if keep in os.environ:
            env[keep] = os.environ[keep]
    env["PYTHONPATH"] = os.pathsep.join(p for p in (SLAWATCH, os.environ.get("PYTHONPATH")) if p)
    env.update(settings)
    return env


@dataclass
class IngestProcess:
    """A running ``slawatch ingest``."""

    worker: Worker
    port: int
    prefix: str
    bootstrap: str
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hook(self, source: str, tenant: str) -> str:
        return f"{self.url}/hooks/{source}/{tenant}"


def start_ingest(
    tmp: Path,
    bootstrap: str,
    connectors: dict[str, Any],
    secrets: dict[str, str],
    *,
    prefix: str | None = None,
    extra: tuple[str, ...] = (),
    **settings: str,
) -> IngestProcess:
    prefix = prefix or f"in{uuid.uuid4().hex[:6]}."
    config = tmp / "connectors.yaml"
    config.write_text(yaml.safe_dump(connectors))
    secret_file = tmp / "hook-secrets.yaml"
    secret_file.write_text(yaml.safe_dump(secrets))
    port = free_port()
    env = slawatch_env(
        SLAWATCH_BROKERS=bootstrap,
        SLAWATCH_TOPIC_PREFIX=prefix,
        SLAWATCH_CONNECTORS_FILE=str(config),
        SLAWATCH_HOOK_SECRETS_FILE=str(secret_file),
        **settings,
    )
    argv = [sys.executable, "-m", "streams", "ingest", "--port", str(port), *extra]
    worker = Worker(argv, env, tmp / f"ingest-{port}.log").start()
    proc = IngestProcess(worker, port, prefix, bootstrap, env)
    try:
        wait_http(f"{proc.url}/metrics", timeout=60)
    except AssertionError:
        worker.kill()
        raise AssertionError(f"ingest did not start:\n{worker.tail()}") from None
    return proc


# -- Alertmanager ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertmanagerService:
    url: str


def alertmanager_binary() -> str:
    """The Alertmanager executable (fails the test, with the fix, when it is missing)."""
    found = os.environ.get("SLAWATCH_ALERTMANAGER_BIN") or next(
        (p for p in map(shutil.which, ALERTMANAGER_BINARIES) if p), None
    )
    if not found:
        pytest.fail(
            "Alertmanager is not installed: `apt-get install prometheus-alertmanager` (Debian; "
            ".ci/run does it) or set SLAWATCH_ALERTMANAGER_BIN"
        )
    return found
