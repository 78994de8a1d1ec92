"""Session-wide fixtures: the embedded Kafka broker and Redis (real processes).

Both start lazily, the first time an (``integration``-marked) test asks for them, and stop
at the end of the session. Set ``SLAWATCH_TEST_BROKERS`` / ``SLAWATCH_TEST_REDIS_URL`` to
run the same tests against services you started yourself instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests import build_check


def pytest_report_header(config: pytest.Config) -> str:
    return build_check.describe()


def pytest_sessionstart(session: pytest.Session) -> None:
    if build_check.running_sources():
        return
    stale = build_check.stale_files()
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        pytest.exit(
            f"the installed slawatch differs from the source tree ({shown}): run `make build`"
            " (or `.venv/bin/python -m pytest` to test the sources)",
            returncode=2,
        )


@dataclass(frozen=True)
class KafkaService:
    """What a test needs to reach the broker."""

    bootstrap: str  # "127.0.0.1:port"
    embedded: bool  # True: the Tansu broker started by this session

    @property
    def url(self) -> str:
        """Faust broker URL."""
        return f"kafka://{self.bootstrap}"


@dataclass(frozen=True)
class RedisService:
    url: str  # "redis://127.0.0.1:port/0"
    host: str
    port: int


@pytest.fixture(scope="session")
def kafka() -> Iterator[KafkaService]:
    """A running Kafka-compatible broker for the whole session."""
    external = os.environ.get("SLAWATCH_TEST_BROKERS")
    if external:
        yield KafkaService(external, embedded=False)
        return
    from streams.embedded import EmbeddedKafka

    broker = EmbeddedKafka().start()
    try:
        yield KafkaService(broker.bootstrap, embedded=True)
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, for the whole session (:mod:`tests.browser`)."""
    from tests.browser import launch

    try:
        with launch() as b:
            yield b
    except RuntimeError as exc:  # no browser installed
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisService]:
    """A running Redis for the whole session (flush it yourself if a test needs it empty)."""
    external = os.environ.get("SLAWATCH_TEST_REDIS_URL")
    if external:
        from urllib.parse import urlparse

        parsed = urlparse(external)
        yield RedisService(external, parsed.hostname or "127.0.0.1", parsed.port or 6379)
        return
    from streams.embedded import EmbeddedRedis

    server = EmbeddedRedis().start()
    try:
        assert server.port is not None
        yield RedisService(server.url, server.host, server.port)
    finally:
        server.stop()
