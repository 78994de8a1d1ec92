"""A SIGKILL of ``slawatch ingest`` while webhooks arrive loses no acknowledged webhook: every
webhook answered 2xx before the kill is in Kafka; the ones that got no answer are retried by
the ITSM (here: sent again to a restarted ingest) and land with the same event ids."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from pathlib import Path

import pytest

from models.settings import Settings
from streams.cli.broker_cmd import tail_records
from tests.streams.connectors import helpers as H
from tests.streams.connectors.processes import start_ingest

pytestmark = [pytest.mark.integration]

SECRET = "jira-secret"
CONNECTORS = {"sources": {"jira": {"mapping": "jira-sm", "tenants": {"acme": {}}}}}
SENDERS = 4
KILL_AFTER = 60  # acknowledged webhooks


def webhook(n: int) -> tuple[bytes, dict[str, str]]:
    fx = H.fixture("jira", "issue_created")
    issue = {**fx.doc["issue"], "key": f"KILL-{n}", "id": str(50000 + n)}
    body = json.dumps({**fx.doc, "issue": issue}).encode()
    headers = {"X-Atlassian-Webhook-Identifier": f"kill-{n}", **H.sign_jira(SECRET, body)}
    return body, headers


def test_no_acknowledged_webhook_is_lost(kafka, tmp_path: Path):
    proc = start_ingest(tmp_path, kafka.bootstrap, CONNECTORS, {"jira/acme": SECRET})
    acked: dict[int, str] = {}
    unanswered: list[int] = []
    lock = threading.Lock()
    counter = iter(range(10_000))
    stop = threading.Event()

    def send() -> None:
        while not stop.is_set():
            with lock:
                n = next(counter)
            body, headers = webhook(n)
            try:
                status, answer = H.post(proc.hook("jira", "acme"), body, headers, timeout=10)
            except OSError:  # killed mid-request: no answer, the ITSM retries
                with lock:
                    unanswered.append(n)
                continue
            with lock:
                if status == 200:
                    acked[n] = answer["events"][0]
                else:
                    unanswered.append(n)

    threads = [threading.Thread(target=send, daemon=True) for _ in range(SENDERS)]
    for t in threads:
        t.start()
    H.wait_for(lambda: len(acked) >= KILL_AFTER, 60, f"{KILL_AFTER} acknowledged webhooks")
    proc.worker.kill(signal.SIGKILL)
    H.wait_for(lambda: len(unanswered) >= SENDERS, 30, "the senders to see the kill")
    stop.set()
    for t in threads:
        t.join(15)
    killed_at = len(acked)

    settings = Settings(brokers=kafka.bootstrap, topic_prefix=proc.prefix)

    def ids() -> Counter[str]:
        found = tail_records(
            [settings.topic("sla.ticket-events")],
            kafka.bootstrap,
            settings,
            from_beginning=True,
            idle_timeout=1.5,
        )
        return Counter(r["value"]["event_id"] for r in found)

    in_kafka = ids()
    lost = [eid for eid in acked.values() if eid not in in_kafka]
    assert not lost, f"{len(lost)} acknowledged webhooks are not in Kafka: {lost[:5]}"
    assert killed_at >= KILL_AFTER and unanswered

    # the ITSM retries what got no answer: a restarted ingest takes it, same ids
    again = start_ingest(
        tmp_path, kafka.bootstrap, CONNECTORS, {"jira/acme": SECRET}, prefix=proc.prefix
    )
    try:
        for n in unanswered:
            body, headers = webhook(n)
            status, answer = H.post(again.hook("jira", "acme"), body, headers)
            assert status == 200, answer
            assert answer["events"] == [f"jira:kill-{n}:created"]
    finally:
        again.worker.stop()
    in_kafka = ids()
    expected = {f"jira:kill-{n}:created" for n in [*acked, *unanswered]}
    assert expected <= set(in_kafka)
    assert all(in_kafka[acked[n]] == 1 for n in acked)  # acknowledged ones were never resent
