"""``slawatch ingest`` on the embedded broker: a real process receiving the vendors' webhooks.

A webhook answered 2xx is in Kafka at that moment (acks=all before the answer): each test
reads the topic right after the answer. Unsigned or wrongly signed webhooks are 401 and leave
nothing; unmappable ones are 202 and dead letters with their raw body and the reason.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.settings import Settings
from streams.cli.broker_cmd import tail_records
from streams.embedded import free_port
from tests.streams.connectors import helpers as H
from tests.streams.connectors.processes import IngestProcess, start_ingest

pytestmark = [pytest.mark.integration]

SECRETS = {
    "jira/acme": "jira-acme-secret",
    "zendesk/acme": "zendesk-acme-secret",
    "zammad/acme": "zammad-acme-secret",
}
CONNECTORS = {
    "sources": {
        "jira": {"mapping": "jira-sm", "tenants": {"acme": {}}},
        "zendesk": {"mapping": "zendesk", "tenants": {"acme": {}}},
        "zammad": {"mapping": "zammad", "tenants": {"acme": {}}},
    }
}


@pytest.fixture(scope="module")
def ingest(kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IngestProcess]:
    tmp = tmp_path_factory.mktemp("ingest")
    proc = start_ingest(tmp, kafka.bootstrap, CONNECTORS, SECRETS, SLAWATCH_MAX_HOOK_BYTES="4096")
    try:
        yield proc
    finally:
        proc.worker.stop()


def records(proc: IngestProcess, topic: str, key: str | None = None) -> list[dict[str, Any]]:
    settings = Settings(brokers=proc.bootstrap, topic_prefix=proc.prefix)
    found = tail_records(
        [settings.topic(topic)], proc.bootstrap, settings, from_beginning=True, idle_timeout=1.0
    )
    return [r for r in found if key is None or r["key"] == key]


def test_jira_signed_is_in_kafka_when_answered_unsigned_and_wrong_are_refused(ingest):
    issue = {**H.fixture("jira", "issue_created").doc["issue"], "key": "JSM-1"}
    fx = H.fixture("jira", "issue_created", issue=issue)
    url = ingest.hook("jira", "acme")
    status, answer = H.post(url, fx.body, {**fx.headers, "X-Hub-Signature": "sha256=" + "0" * 64})
    assert (status, answer["status"]) == (401, "unauthorized")
    assert "does not match" in answer["reason"]
    status, answer = H.post(url, fx.body, fx.headers)
    assert status == 401 and "missing X-Hub-Signature" in answer["reason"]
    signed = {**fx.headers, **H.sign_jira(SECRETS["jira/acme"], fx.body)}
    status, answer = H.post(url, fx.body, signed)
    assert status == 200, answer
    assert answer == {
        "status": "accepted",
        "events": ["jira:8c5a2d1e-17a4-4e0b-9a77-3f7c1b2e0001:created"],
    }
    got = records(ingest, "sla.ticket-events", "acme:JSM-1")
    assert [r["value"]["event_id"] for r in got] == answer["events"]  # once: the 401s left none
    assert got[0]["value"]["type"] == "ticket.created"
    # the same secret for another tenant's endpoint is not configured
    status, _ = H.post(ingest.hook("jira", "globex"), fx.body, signed)
    assert status == 404


def test_zendesk_signature_with_its_timestamp(ingest):
    detail = {
        "id": "ZD-7",
        "status": "NEW",
        "priority": "HIGH",
        "created_at": "2026-03-02T08:00:00Z",
    }
    fx = H.fixture("zendesk", "ticket_created", detail=detail)
    url = ingest.hook("zendesk", "acme")
    ts = "2026-03-02T08:00:01Z"
    signed = {**fx.headers, **H.sign_zendesk(SECRETS["zendesk/acme"], fx.body, ts)}
    wrong_ts = {**signed, "X-Zendesk-Webhook-Signature-Timestamp": "2026-03-02T08:00:02Z"}
    assert H.post(url, fx.body, wrong_ts)[0] == 401
    assert H.post(url, fx.body, fx.headers)[0] == 401
    status, answer = H.post(url, fx.body, signed)
    assert status == 200, answer
    got = records(ingest, "sla.ticket-events", "acme:ZD-7")
    assert [(r["value"]["type"], r["value"]["priority"]) for r in got] == [
        ("ticket.created", "high")
    ]


def test_zammad_snapshots_use_the_last_known_state(ingest):
    url = ingest.hook("zammad", "acme")
    sent = []
    for name in ("created", "first_response", "first_response", "closed"):
        fx = H.fixture("zammad", name)
        body = json.dumps({**fx.doc, "ticket": {**fx.doc["ticket"], "number": "Z-42"}}).encode()
        headers = {**fx.headers, **H.sign_zammad(SECRETS["zammad/acme"], body)}
        status, answer = H.post(url, body, headers)
        assert status == 200, answer
        sent.append(answer)
    assert sent[2] == {
        "status": "ignored",
        "reason": "nothing slawatch tracks changed (status, priority, …)",
    }
    got = records(ingest, "sla.ticket-events", "acme:Z-42")
    assert [r["value"]["type"] for r in got] == [
        "ticket.created",
        "ticket.responded",
        "ticket.closed",
    ]
    # wrongly signed: refused, and the state did not move
    fx = H.fixture("zammad", "created")
    assert H.post(url, fx.body, {**fx.headers, "X-Hub-Signature": "sha1=00"})[0] == 401


def test_an_unmappable_webhook_is_accepted_and_dead_lettered_with_its_body(ingest):
    issue = {"key": "JSM-9", "fields": {"priority": {"name": "Blocker"}}}
    doc = {"webhookEvent": "jira:issue_created", "timestamp": 1772438400000, "issue": issue}
    body = json.dumps(doc).encode()
    status, answer = H.post(
        ingest.hook("jira", "acme"), body, H.sign_jira(SECRETS["jira/acme"], body)
    )
    assert status == 202 and answer["status"] == "dead_letter"
    assert (
        "'Blocker' (issue.fields.priority.name) is not in the mapping's priority.map"
        in (answer["reason"])
    )
    letters = [r["value"] for r in records(ingest, "sla.dead-letters")]
    dead = [d for d in letters if d["id"] == answer["id"]]
    assert len(dead) == 1
    assert dead[0]["raw"] == body.decode() and dead[0]["reason"].startswith("webhook jira/acme: ")
    assert (dead[0]["tenant"], dead[0]["ticket_id"]) == ("acme", "JSM-9")
    assert not records(ingest, "sla.ticket-events", "acme:JSM-9")


def test_size_limit_unknown_endpoint_and_metrics(ingest):
    big = b'{"pad": "' + b"x" * 5000 + b'"}'
    signed = H.sign_jira(SECRETS["jira/acme"], big)
    status, answer = H.post(ingest.hook("jira", "acme"), big, signed)
    assert status == 413 and "SLAWATCH_MAX_HOOK_BYTES" in answer["reason"]
    assert H.post(f"{ingest.url}/hooks/servicenow/acme", b"{}", {})[0] == 404
    text = urllib.request.urlopen(f"{ingest.url}/metrics").read().decode()

    def count(outcome: str, source: str = "jira", tenant: str = "acme") -> float:
        line = f'slawatch_hooks_total{{outcome="{outcome}",source="{source}",tenant="{tenant}"}}'
        return float(next(x.split()[-1] for x in text.splitlines() if x.startswith(line)))

    assert count("too_large") >= 1
    assert count("not_found", "unknown", "unknown") >= 1
    assert 'slawatch_hook_events_total{source="jira",tenant="acme",type="ticket.created"}' in text


def test_kafka_unavailable_is_503_so_the_itsm_retries(tmp_path: Path):
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    proc = start_ingest(tmp_path, dead, CONNECTORS, SECRETS, extra=("--timeout", "2"))
    try:
        fx = H.fixture("jira", "issue_created")
        signed = {**fx.headers, **H.sign_jira(SECRETS["jira/acme"], fx.body)}
        started = time.monotonic()
        status, answer = H.post(proc.hook("jira", "acme"), fx.body, signed)
        assert status == 503 and answer["status"] == "unavailable", answer
        assert time.monotonic() - started < 15
        health = urllib.request.Request(f"{proc.url}/healthz")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(health)
        assert err.value.code == 503
    finally:
        proc.worker.stop()


def test_ingest_refuses_to_start_without_a_secret(tmp_path: Path, kafka):
    import subprocess
    import sys

    from tests.streams.connectors.processes import slawatch_env

    config = tmp_path / "c.json"
    config.write_text(json.dumps(CONNECTORS))
    res = subprocess.run(
        [sys.executable, "-m", "streams", "ingest", "--port", "0"],
        env=slawatch_env(
            SLAWATCH_BROKERS=kafka.bootstrap,
            SLAWATCH_CONNECTORS_FILE=str(config),
            SLAWATCH_HOOK_SECRETS='{"jira/acme": "x"}',
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert "sources.zendesk.tenants.acme: no secret for zendesk/acme" in res.stderr
    assert "Traceback" not in res.stderr
