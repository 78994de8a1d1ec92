"""``slawatch notify`` on the embedded broker with a real Alertmanager, Redis, and local
PagerDuty / Slack / webhook receivers that check every request against the documented shape.

Signals are produced to the signal topics as the runtime publishes them; notify must page
(Alertmanager alert with its labels, PagerDuty trigger, Slack message, CloudEvent), keep the
Alertmanager alert alive by re-sending it, resolve it on the verdict, dead-letter what a
receiver never accepts without holding up the others, and after a SIGKILL re-read what it had
not committed without paging anyone twice.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from models.settings import Settings
from streams.cli.broker_cmd import tail_records
from streams.embedded import EMBEDDED_SESSION_TIMEOUT, free_port
from streams.topics import SIGNAL_ROUTES, ensure_topics
from tests.streams.connectors import shapes
from tests.streams.connectors.helpers import HANG, Recorder, wait_for, wait_http
from tests.streams.connectors.processes import slawatch_env
from tests.streams.connectors.signals import sla
from tests.streams.workers import Worker

pytestmark = [pytest.mark.integration]


class Deployment:
    def __init__(self, kafka: Any, redis_url: str, am_url: str, tmp: Path) -> None:
        self.tmp = tmp
        self.prefix = f"nt{uuid.uuid4().hex[:6]}."
        self.settings = Settings(brokers=kafka.bootstrap, topic_prefix=self.prefix)
        ensure_topics(settings=self.settings)
        self.pd = Recorder(validate=shapes.pagerduty_event).start()
        self.chat = Recorder(validate=shapes.slack_message).start()
        self.hook = Recorder(validate=shapes.cloudevent).start()
        self.flaky = Recorder(default=503).start()
        self.hang = Recorder(default=HANG).start()
        self.am_url = am_url
        config = {
            "receivers": [
                {"name": "am", "type": "alertmanager", "url": am_url},
                {"name": "pd", "type": "pagerduty", "url": f"{self.pd.url}/v2/enqueue"},
                {"name": "chat", "type": "slack"},
                {"name": "hook", "type": "webhook", "url": f"{self.hook.url}/sla"},
                {"name": "flaky", "type": "webhook", "url": f"{self.flaky.url}/sla"},
                {"name": "hang", "type": "webhook", "url": f"{self.hang.url}/sla"},
            ],
            "routes": [
                {"match": {"tenants": ["globex"]}, "receivers": ["pd", "hook", "hang"]},
                {
                    "match": {"types": ["sla.breach", "sla.escalation"]},
                    "receivers": ["am", "pd"],
                    "continue": True,
                },
                {"match": {"types": ["sla.breach", "sla.missed"]}, "receivers": ["hook", "flaky"]},
                {"match": {"types": ["sla.warning"]}, "receivers": ["chat"]},
            ],
            "delivery": {"attempts": 2, "backoff": 0.1, "max_backoff": 0.2, "timeout": 30},
            "resend": 2,
        }
        (tmp / "notify.yaml").write_text(yaml.safe_dump(config))
        self.env = slawatch_env(
            SLAWATCH_BROKERS=kafka.bootstrap,
            SLAWATCH_TOPIC_PREFIX=self.prefix,
            SLAWATCH_APP_ID=f"app{self.prefix}",
            SLAWATCH_SESSION_TIMEOUT=str(EMBEDDED_SESSION_TIMEOUT),
            SLAWATCH_REDIS_URL=redis_url,
            SLAWATCH_NOTIFY_STATE="redis",
            SLAWATCH_NOTIFY_FILE=str(tmp / "notify.yaml"),
            SLAWATCH_NOTIFY_SECRETS=json.dumps({"pd": "R" * 32, "chat": f"{self.chat.url}/x"}),
        )
        self.workers: list[Worker] = []

    def start(self) -> Worker:
        port = free_port()
        argv = [sys.executable, "-m", "streams", "notify", "--port", str(port)]
        w = Worker(argv, self.env, self.tmp / f"notify{len(self.workers)}.log").start()
        self.workers.append(w)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=90)
        except AssertionError:
            raise AssertionError(f"notify not ready:\n{w.tail()}") from None
        self.metrics_url = f"http://127.0.0.1:{port}/metrics"
        return w

    def send(self, *signals: dict[str, Any]) -> None:
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=self.settings.bootstrap_servers, acks="all")
        for sig in signals:
            topic = self.settings.topic(SIGNAL_ROUTES[sig["type"]])
            key = f"{sig['tenant']}:{sig['ticket_id']}".encode()
            producer.send(topic, key=key, value=orjson.dumps(sig))
        producer.flush()
        producer.close()

    def am_alerts(self, **labels: str) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode(
            [("filter", f'{k}="{v}"') for k, v in labels.items()], safe=""
        )
        with urllib.request.urlopen(f"{self.am_url}/api/v2/alerts?{query}") as r:
            return json.loads(r.read())

    def dead_letters(self) -> list[dict[str, Any]]:
        found = tail_records(
            [self.settings.topic("sla.dead-letters")],
            self.settings.bootstrap_servers[0],
            self.settings,
            from_beginning=True,
            idle_timeout=1.0,
        )
        return [r["value"] for r in found]

    def close(self) -> None:
        for w in self.workers:
            w.stop(signal.SIGKILL)
        for rec in (self.pd, self.chat, self.hook, self.flaky, self.hang):
            rec.stop()


@pytest.fixture
def dep(kafka, redis_server, alertmanager, tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(kafka, redis_server.url, alertmanager.url, tmp_path)
    try:
        yield d
    finally:
        d.close()


def _pd(rec: Recorder, action: str, key: str) -> list[dict[str, Any]]:
    return [b for b in rec.bodies() if b["event_action"] == action and b["dedup_key"] == key]


def test_breach_pages_every_receiver_and_the_verdict_resolves_it(dep: Deployment):
    notify = dep.start()
    warning = sla("sla.warning", ticket="INC-1", at="2026-03-02T12:00:00+00:00")
    breach = sla("sla.breach", ticket="INC-1")
    dep.send(warning, breach)

    alerts = wait_for(lambda: dep.am_alerts(ticket="INC-1"), 30, "the alert in Alertmanager")
    (alert,) = alerts
    assert alert["labels"] == {
        "alertname": "SLABreach",
        "tenant": "acme",
        "ticket": "INC-1",
        "clock": "resolution",
        "priority": "hoog",
        "level": "breach",
        "severity": "critical",
    }
    assert alert["status"]["state"] == "active"
    assert alert["annotations"]["summary"].startswith("SLA breach: acme/INC-1 resolution")
    assert alert["startsAt"].startswith("2026-03-02T16:00:00")
    first_end = alert["endsAt"]

    key = "acme:INC-1:resolution"
    wait_for(lambda: _pd(dep.pd, "trigger", key), 30, "the PagerDuty trigger")
    (trigger,) = _pd(dep.pd, "trigger", key)
    assert trigger["payload"]["severity"] == "critical" and trigger["routing_key"] == "R" * 32
    wait_for(lambda: dep.chat.requests and dep.hook.requests, 30, "Slack and the webhook")
    assert dep.chat.bodies()[0]["text"].startswith("SLA warning: acme/INC-1 resolution at 50%")
    (event,) = dep.hook.bodies()
    assert (event["id"], event["type"]) == (breach["event_id"], "io.slawatch.sla.breach")
    assert dep.hook.requests[0].headers["Content-Type"].startswith("application/cloudevents+json")

    # the flaky receiver never accepts: dead-lettered after 2 attempts, the others unaffected
    dead = wait_for(
        lambda: [d for d in dep.dead_letters() if d["source"].get("receiver") == "flaky"],
        30,
        "the flaky receiver's dead letter",
    )
    assert dead[0]["event_id"] == breach["event_id"]
    assert dead[0]["reason"] == (
        "receiver flaky: undeliverable after 2 attempts: HTTP 503: unavailable"
    )
    assert len(dep.flaky.requests) == 2

    # firing: re-sent, its endsAt moves on (Alertmanager's clients re-send while active)
    wait_for(lambda: dep.am_alerts(ticket="INC-1")[0]["endsAt"] > first_end, 15, "a re-send")

    dep.send(sla("sla.missed", ticket="INC-1", at="2026-03-02T16:45:00+00:00"))
    wait_for(lambda: not dep.am_alerts(ticket="INC-1"), 30, "the alert resolved")
    wait_for(lambda: _pd(dep.pd, "resolve", key), 30, "the PagerDuty resolve")
    wait_for(lambda: len(dep.hook.requests) == 2, 30, "the verdict at the webhook")
    assert dep.hook.bodies()[1]["type"] == "io.slawatch.sla.missed"
    assert dep.pd.invalid == dep.chat.invalid == dep.hook.invalid == []
    assert len(_pd(dep.pd, "trigger", key)) == 1
    assert notify.proc is not None and notify.proc.poll() is None


def test_after_a_sigkill_the_uncommitted_signal_is_read_again_but_nobody_is_paged_twice(
    dep: Deployment,
):
    first = dep.start()
    breach = sla("sla.breach", ticket="GX-1", tenant="globex")
    dep.send(breach)
    key = "globex:GX-1:resolution"
    wait_for(lambda: _pd(dep.pd, "trigger", key) and dep.hook.requests, 30, "the pages")
    wait_for(lambda: dep.hang.requests, 30, "the hanging receiver to be called")
    # the hanging receiver holds the record's offset uncommitted
    time.sleep(1.5)  # commit rounds pass: nothing may be committed past the breach
    first.kill(signal.SIGKILL)

    dep.start()
    wait_for(lambda: len(dep.hang.requests) >= 2, 60, "the breach read again after the restart")
    time.sleep(1.0)
    assert len(_pd(dep.pd, "trigger", key)) == 1, "PagerDuty was paged twice"
    assert len(dep.hook.requests) == 1, "the webhook got the signal twice"
    metrics = urllib.request.urlopen(dep.metrics_url).read().decode()
    line = 'slawatch_notify_deliveries_total{outcome="duplicate",receiver="pd"}'
    assert float(next(x.split()[-1] for x in metrics.splitlines() if x.startswith(line))) >= 1
