"""The requests of each receiver type (streams.connectors.notify.receivers), checked against
the services' documented shapes (tests/streams/connectors/shapes.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from models.notify import Receiver
from streams.connectors.notify import alerts as A
from streams.connectors.notify import receivers as R
from tests.streams.connectors import shapes
from tests.streams.connectors.signals import heartbeat, sla

NOW = datetime(2026, 3, 2, 16, 5, tzinfo=UTC)
PD = Receiver(name="pd", type="pagerduty")
AM = Receiver(name="am", type="alertmanager", url="http://am:9093/")
HOOK = Receiver(name="hook", type="webhook", url="https://example.org/sla")


def test_incidents_are_per_clock_check_or_month():
    assert A.incident_key(sla("sla.breach")) == "acme:INC-1:resolution"
    assert A.incident_key(sla("sla.missed")) == "acme:INC-1:resolution"
    assert A.incident_key(heartbeat("heartbeat.missed")) == "hooli:backup"


def test_alertmanager_alert_labels_annotations_and_times():
    breach = sla("sla.breach")
    escalation = sla("sla.escalation", level="second_line")
    warning = sla("sla.warning", threshold=0.75)
    request = R.alertmanager(AM, [breach, escalation, warning], R.firing_until(NOW, 60))
    assert request.url == "http://am:9093/api/v2/alerts"
    assert request.headers == {"Content-Type": "application/json"}
    b, e, w = request.json()
    assert b["labels"] == {
        "alertname": "SLABreach",
        "tenant": "acme",
        "ticket": "INC-1",
        "clock": "resolution",
        "priority": "hoog",
        "level": "breach",
        "severity": "critical",
    }
    assert (e["labels"]["alertname"], e["labels"]["level"], e["labels"]["severity"]) == (
        "SLAEscalation",
        "second_line",
        "error",
    )
    assert (w["labels"]["alertname"], w["labels"]["level"]) == ("SLAWarning", "warning:75%")
    assert b["startsAt"] == "2026-03-02T16:00:00+00:00"
    assert b["endsAt"] == "2026-03-02T16:09:00+00:00"  # now + 4 x 60 s
    assert b["annotations"]["summary"] == (
        "SLA breach: acme/INC-1 resolution (priority hoog), deadline 2026-03-02T16:00:00Z"
    )
    assert "policy bokumo-ict version 2025.1, priority hoog" in b["annotations"]["description"]
    assert "counted 8h00m of business time" in b["annotations"]["description"]
    assert b["annotations"]["signal_id"] == breach["event_id"]


def test_a_resolved_alert_never_ends_before_it_starts():
    late = sla("sla.breach", at="2026-03-02T18:00:00+00:00")
    (alert,) = R.alertmanager(AM, [late], NOW).json()
    assert alert["endsAt"] == alert["startsAt"] == "2026-03-02T18:00:00+00:00"


def test_pagerduty_trigger_and_resolve():
    breach = sla("sla.breach")
    trigger = R.pagerduty_trigger(PD, breach, "R" * 32, "https://dash.example.org")
    doc = trigger.json()
    assert shapes.pagerduty_event(doc) == []
    assert trigger.url == "https://events.pagerduty.com/v2/enqueue"
    assert doc["dedup_key"] == "acme:INC-1:resolution"
    assert doc["payload"]["severity"] == "critical"
    assert doc["payload"]["source"] == "slawatch/acme"
    assert doc["payload"]["custom_details"]["event_id"] == breach["event_id"]
    assert doc["client_url"] == "https://dash.example.org"
    escalation = R.pagerduty_trigger(PD, sla("sla.escalation"), "R" * 32).json()
    assert escalation["payload"]["severity"] == "error"
    assert escalation["dedup_key"] == doc["dedup_key"]  # one incident per clock
    resolve = R.pagerduty_resolve(PD, "acme:INC-1:resolution", "R" * 32).json()
    assert shapes.pagerduty_event(resolve) == []
    assert resolve == {
        "routing_key": "R" * 32,
        "event_action": "resolve",
        "dedup_key": "acme:INC-1:resolution",
    }


def test_pagerduty_limits_are_kept():
    long = sla("sla.breach", ticket="T" * 300)
    doc = R.pagerduty_trigger(PD, long, "k").json()
    assert len(doc["dedup_key"]) == 255 and len(doc["payload"]["summary"]) <= 1024
    assert shapes.pagerduty_event(doc) == []


def test_slack_block_kit():
    for sig in (sla("sla.breach"), sla("sla.warning"), heartbeat("heartbeat.missed")):
        message = R.slack("https://hooks.slack.com/services/T/B/X", sig).json()
        assert shapes.slack_message(message) == [], sig["type"]
        assert message["text"] == A.summary(sig)
    breach = R.slack("https://x", sla("sla.breach", ticket="T" * 200)).json()
    assert len(breach["blocks"][0]["text"]["text"]) == 150
    fields = {
        f["text"] for f in R.slack("https://x", sla("sla.breach")).json()["blocks"][1]["fields"]
    }
    assert "*Priority*\nhoog" in fields and "*Ticket*\nINC-1" in fields


def test_webhook_cloudevents():
    breach = sla("sla.breach")
    request = R.webhook(HOOK, breach, token="t0k")
    assert request.headers == {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "Authorization": "Bearer t0k",
    }
    event = request.json()
    assert shapes.cloudevent(event) == []
    assert event["id"] == breach["event_id"]
    assert event["type"] == "io.slawatch.sla.breach"
    assert event["source"] == "/slawatch/acme"
    assert event["subject"] == "INC-1/resolution"
    assert event["data"] == breach
    assert shapes.cloudevent(R.cloudevent(heartbeat("heartbeat.missed"))) == []


def test_the_shape_checks_catch_mistakes():
    assert shapes.pagerduty_event({"event_action": "trigger", "payload": {}}) != []
    assert shapes.slack_message({"blocks": [{"type": "header", "text": {"type": "mrkdwn"}}]})
    assert shapes.cloudevent({"specversion": "0.3", "id": "1", "source": "s", "type": "t"})
