"""From "I use Jira SM" to "my on-call gets paged", with every part real: a signed Jira webhook
into ``slawatch ingest``, the embedded broker, a ``slawatch worker`` keeping the clocks,
``slawatch notify`` paging a real Alertmanager and a CloudEvents webhook; then the resolving
webhook from Jira resolves the alert.

The worker's clock is pinned a month after the ticket was created, so its deadlines have
passed and the breach fires at once (docs/connectors.md walks through the same setup)."""

from __future__ import annotations

import json
import signal
import sys
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from models.settings import Settings
from streams.connectors.demo import demo_connectors
from streams.embedded import EMBEDDED_SESSION_TIMEOUT, free_port
from streams.topics import ensure_topics
from tests.streams.connectors import helpers as H
from tests.streams.connectors import shapes
from tests.streams.connectors.processes import slawatch_env, start_ingest
from tests.streams.workers import Worker

pytestmark = [pytest.mark.integration]

SECRET = "jira-umbrella-secret"
CONNECTORS = demo_connectors()  # the Jira endpoint of examples/connectors/connectors.yaml


def test_a_jira_ticket_pages_alertmanager_and_a_webhook_and_its_resolution_resolves(
    kafka, alertmanager, tmp_path: Path
):
    prefix = f"e2e{uuid.uuid4().hex[:6]}."
    settings = Settings(brokers=kafka.bootstrap, topic_prefix=prefix, partitions=4)
    ensure_topics(settings=settings)
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(
        yaml.safe_dump(
            {"tenants": {"umbrella": {"policy": "covide", "options": {"subscription": "business"}}}}
        )
    )
    hook = H.Recorder(validate=shapes.cloudevent).start()
    notify_file = tmp_path / "notify.yaml"
    notify_file.write_text(
        yaml.safe_dump(
            {
                "receivers": [
                    {"name": "oncall", "type": "alertmanager", "url": alertmanager.url},
                    {"name": "audit", "type": "webhook", "url": f"{hook.url}/sla"},
                ],
                "routes": [{"match": {"types": ["sla.breach"]}, "receivers": ["oncall", "audit"]}],
            }
        )
    )
    common = {
        "SLAWATCH_BROKERS": kafka.bootstrap,
        "SLAWATCH_TOPIC_PREFIX": prefix,
        "SLAWATCH_APP_ID": f"slawatch-{prefix}",
        "SLAWATCH_PARTITIONS": "4",
        "SLAWATCH_SESSION_TIMEOUT": str(EMBEDDED_SESSION_TIMEOUT),
    }
    processes: list[Worker] = []
    ingest = None
    try:
        port = free_port()
        notify = Worker(
            [sys.executable, "-m", "streams", "notify", "--port", str(port)],
            slawatch_env(
                **common, SLAWATCH_NOTIFY_FILE=str(notify_file), SLAWATCH_NOTIFY_STATE="memory"
            ),
            tmp_path / "notify.log",
        ).start()
        processes.append(notify)
        H.wait_http(f"http://127.0.0.1:{port}/healthz", timeout=90)
        worker = Worker(
            [sys.executable, "-m", "streams", "worker", "-l", "info"],
            slawatch_env(
                **common,
                SLAWATCH_TENANTS_FILE=str(tenants),
                SLAWATCH_DATA_DIR=str(tmp_path / "data"),
                SLAWATCH_READ_MODEL="false",
                SLAWATCH_CLOCK_START="2026-04-01T00:00:00+02:00",
                SLAWATCH_CLOCK_SPEED="0",
            ),
            tmp_path / "worker.log",
        ).start()
        processes.append(worker)
        ingest = start_ingest(
            tmp_path,
            kafka.bootstrap,
            CONNECTORS,
            {"jira/umbrella": SECRET},
            prefix=prefix,
            SLAWATCH_APP_ID=common["SLAWATCH_APP_ID"],
        )

        fx = H.fixture("jira", "issue_created")
        status, answer = H.post(
            ingest.hook("jira", "umbrella"), fx.body, {**fx.headers, **H.sign_jira(SECRET, fx.body)}
        )
        assert status == 200, answer

        def alerts() -> list[dict]:
            query = urllib.parse.urlencode({"filter": 'ticket="SUP-17"'})
            with urllib.request.urlopen(f"{alertmanager.url}/api/v2/alerts?{query}") as r:
                return json.loads(r.read())

        def breaches() -> list[dict]:
            return [e for e in hook.bodies() if e["type"] == "io.slawatch.sla.breach"]

        try:
            found = H.wait_for(alerts, 120, "the breach in Alertmanager")
        except AssertionError:
            logs = f"worker:\n{worker.tail()}\nnotify:\n{notify.tail()}"
            raise AssertionError(f"no alert; {logs}") from None
        labels = {a["labels"]["clock"]: a["labels"] for a in found}
        assert labels["resolution"] == {
            "alertname": "SLABreach",
            "tenant": "umbrella",
            "ticket": "SUP-17",
            "clock": "resolution",
            "priority": "hoog",
            "level": "breach",
            "severity": "critical",
        }
        H.wait_for(breaches, 30, "the CloudEvent of the breach")
        assert {e["data"]["ticket_id"] for e in breaches()} == {"SUP-17"}
        assert hook.invalid == []

        resolved = H.fixture("jira", "issue_resolved")
        headers = {**resolved.headers, **H.sign_jira(SECRET, resolved.body)}
        status, answer = H.post(ingest.hook("jira", "umbrella"), resolved.body, headers)
        assert status == 200 and answer["events"][0].endswith(":resolved"), answer
        H.wait_for(lambda: not alerts(), 120, "the alerts resolved by the verdicts")
    finally:
        if ingest is not None:
            ingest.worker.stop()
        for p in processes:
            p.stop(signal.SIGTERM)
        hook.stop()
