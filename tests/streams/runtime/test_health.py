"""A worker without tenants says so (streams.runtime.health): an ERROR line naming what to
set, ``/health`` 503, ``slawatch_tenants`` 0 — and recovers when a contract arrives."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from models.settings import Settings
from streams.embedded import EMBEDDED_SESSION_TIMEOUT, free_port
from streams.observability import Metrics
from streams.runtime.contracts import LiveRegistry
from streams.runtime.health import Health, no_tenants_problem
from streams.topics import ensure_topics
from tests.build_check import package_root
from tests.streams.workers import Worker

REPO = Path(__file__).resolve().parents[3]
TOPIC = "prod.sla.contracts"


def test_no_tenants_file_and_an_empty_topic() -> None:
    problem = no_tenants_problem(LiveRegistry(None, None), TOPIC)
    assert problem == (
        "no tenants: SLAWATCH_TENANTS_FILE is not set and prod.sla.contracts has no "
        "tenant:<name> records, so every ticket and monitoring event will be a dead letter "
        "('unknown tenant'). Point SLAWATCH_TENANTS_FILE at a tenants file (e.g. "
        "examples/tenants.yaml) or publish tenant:<name> records on prod.sla.contracts "
        "(README: 'Tenant contracts', 'Live runtime')."
    )


def test_a_tenants_file_without_tenants(tmp_path: Path) -> None:
    empty = tmp_path / "tenants.yaml"
    empty.write_text("tenants: {}\n")
    problem = no_tenants_problem(LiveRegistry(None, empty), TOPIC)
    assert problem is not None
    assert problem.startswith(f"no tenants: SLAWATCH_TENANTS_FILE ({empty}) has no tenants and ")


def test_topic_records_that_were_all_left_out() -> None:
    registry = LiveRegistry(None, None)
    registry.update({"tenant:zeta": b'{"policy": "no-such-policy"}'})
    problem = no_tenants_problem(registry, TOPIC)
    assert problem is not None
    assert "all 1 tenant records of prod.sla.contracts were left out" in problem
    assert "(their problems are logged above)" in problem


def test_a_tenant_from_the_file_or_the_topic_is_enough() -> None:
    assert no_tenants_problem(LiveRegistry(None, REPO / "examples/tenants.yaml"), TOPIC) is None
    registry = LiveRegistry(None, None)
    registry.update({"tenant:zeta": b'{"policy": "1do"}'})
    assert no_tenants_problem(registry, TOPIC) is None


def test_health_follows_the_registry(caplog: pytest.LogCaptureFixture) -> None:
    registry = LiveRegistry(None, None)
    metrics = Metrics()
    health = Health(registry, TOPIC, metrics)
    assert health.status()[0] == 503 and health.status()[1]["status"] == "starting"
    with caplog.at_level(logging.INFO, logger="slawatch.runtime"):
        health.contracts_loaded()
        code, body = health.status()
        assert (code, body["status"], body["tenants"]) == (503, "no tenants", 0)
        assert body["detail"].startswith("no tenants: SLAWATCH_TENANTS_FILE is not set")
        assert metrics.value("slawatch_tenants") == 0
        registry.update({"tenant:zeta": b'{"policy": "1do"}'})  # a contract arrives
        assert health.status() == (200, {"status": "ok", "tenants": 1})
        assert metrics.value("slawatch_tenants") == 1
        registry.update({})  # and is removed again (tombstone)
        assert health.status()[0] == 503
    levels = [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records]
    assert levels == [("ERROR", "no tenants"), ("WARNING", "tenants"), ("ERROR", "no tenants")]


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=3) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.integration
def test_a_worker_without_tenants_says_so(kafka, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    settings = Settings(
        brokers=kafka.bootstrap, topic_prefix=f"hc{tag}.", partitions=2, app_id=f"hc{tag}"
    )
    ensure_topics(settings=settings)
    web, metrics_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    env.update(
        PYTHONPATH=str(package_root()),  # the slawatch the tests run
        SLAWATCH_BROKERS=kafka.bootstrap,
        SLAWATCH_TOPIC_PREFIX=f"hc{tag}.",
        SLAWATCH_APP_ID=f"hc{tag}",
        SLAWATCH_PARTITIONS="2",
        SLAWATCH_SESSION_TIMEOUT=str(EMBEDDED_SESSION_TIMEOUT),
        SLAWATCH_READ_MODEL="false",
        SLAWATCH_METRICS_PORT=str(metrics_port),
        SLAWATCH_DATA_DIR=str(tmp_path / "data"),
    )
    # the default log level (warn): the line must not be an INFO nobody sees
    argv = [sys.executable, "-m", "streams", "worker", "--web-port", str(web)]
    worker = Worker(argv, env, tmp_path / "worker.log").start()
    try:
        deadline = time.monotonic() + 60
        code, body = 0, {}
        while time.monotonic() < deadline:
            try:
                code, body = _get(f"http://127.0.0.1:{web}/health")
            except OSError:  # web server not up yet
                code, body = 0, {}
            if body.get("status") == "no tenants":
                break
            time.sleep(0.5)
        assert (code, body.get("status")) == (503, "no tenants"), worker.tail()
        topic = f"hc{tag}.sla.contracts"
        assert f"{topic} has no tenant:<name> records" in body["detail"]
        assert "[ERROR] no tenants: SLAWATCH_TENANTS_FILE is not set" in worker.tail(), (
            worker.tail()
        )
        scrape = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics").read().decode()
        assert "slawatch_tenants 0.0" in scrape.splitlines()

        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)
        producer.send(topic, key=b"tenant:zeta", value=b'{"policy": "1do"}')
        producer.flush()
        producer.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _get(f"http://127.0.0.1:{web}/health")[0] != 200:
            time.sleep(0.5)
        assert _get(f"http://127.0.0.1:{web}/health") == (200, {"status": "ok", "tenants": 1})
        scrape = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics").read().decode()
        assert "slawatch_tenants 1.0" in scrape.splitlines()
    finally:
        worker.stop()
