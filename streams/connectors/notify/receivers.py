"""The requests each receiver type gets, built from signals (pure: no I/O).

- **Alertmanager** (API v2, ``POST {url}/api/v2/alerts``): one alert per signal, identified by
  its labels ``alertname`` (``SLABreach``, ``SLAEscalation``, ``SLAWarning``, …), ``tenant``,
  ``ticket``, ``clock``, ``priority``, ``level`` (the rung) and ``severity``; annotations
  ``summary``, ``description`` (how the deadline came about), ``deadline``, ``signal_id``;
  ``startsAt`` = when the signal was due. A firing alert carries ``endsAt`` = now + 4 ×
  the re-send interval and is re-sent every interval (Prometheus' rule), so an alert whose
  resolution was lost still ends; the verdict sends it again with ``endsAt`` = the verdict.
- **PagerDuty** (Events API v2): ``trigger`` with ``dedup_key`` = ``tenant:ticket:clock``,
  severity from the rung, the signal as ``custom_details``; ``resolve`` on the verdict.
- **Slack** (incoming webhook): a Block Kit message with a plain-text fallback.
- **webhook**: the signal as a CloudEvents 1.0 event in structured JSON mode
  (``application/cloudevents+json``; ``id`` = the signal id, ``type`` =
  ``io.slawatch.<signal type>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from models.notify import DEFAULT_URLS, Receiver
from streams.connectors.notify import alerts as A

#: PagerDuty's limits: summary 1024 characters, dedup_key 255
PD_SUMMARY_MAX = 1024
PD_DEDUP_MAX = 255
#: Slack Block Kit: header text 150 characters, a section field 2000
SLACK_HEADER_MAX = 150
CLOUDEVENTS_TYPE_PREFIX = "io.slawatch."


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP POST to make."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return orjson.loads(self.body)


def _post(url: str, doc: Any, content_type: str = "application/json", token: str = "") -> Request:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Request(url, orjson.dumps(doc), headers)


# == Alertmanager =================================================================================


def am_labels(sig: dict[str, Any]) -> dict[str, str]:
    """The labels that identify a signal's alert (absent values left out)."""
    kind = sig["type"]
    labels = {
        "alertname": A.ALERT_NAMES[kind],
        "tenant": sig.get("tenant"),
        "severity": A.SEVERITY[kind],
    }
    if kind.startswith("sla."):
        labels.update(
            ticket=sig.get("ticket_id"),
            clock=sig.get("clock"),
            priority=sig.get("priority"),
            level=A.rung(sig),
        )
    elif kind.startswith("availability."):
        labels.update(
            service=sig.get("service"),
            target=sig.get("target"),
            period=sig.get("period"),
            level=A.rung(sig),
        )
    else:
        labels.update(check=sig.get("check"), service=sig.get("service"))
    return {k: str(v) for k, v in labels.items() if v not in (None, "")}


def am_alert(sig: dict[str, Any], ends_at: datetime, link: str | None = None) -> dict[str, Any]:
    """One postable alert of API v2."""
    starts = A.instant(sig.get("at")) or ends_at
    annotations = {
        "summary": A.summary(sig),
        "description": A.explanation(sig),
        "signal_id": str(sig.get("event_id")),
    }
    if sig.get("deadline"):
        annotations["deadline"] = str(sig["deadline"])
    alert: dict[str, Any] = {
        "labels": am_labels(sig),
        "annotations": annotations,
        "startsAt": starts.isoformat(),
        "endsAt": max(ends_at, starts).isoformat(),
    }
    if link:
        alert["generatorURL"] = link
    return alert


def alertmanager(
    receiver: Receiver,
    signals: list[dict[str, Any]],
    ends_at: datetime,
    *,
    token: str = "",
    link: str | None = None,
) -> Request:
    """``POST /api/v2/alerts`` with one alert per signal, all ending at ``ends_at``."""
    base = (receiver.url or "").rstrip("/")
    body = [am_alert(s, ends_at, link) for s in signals]
    return _post(f"{base}/api/v2/alerts", body, token=token)


def firing_until(now: datetime, resend_s: float) -> datetime:
    """``endsAt`` of a firing alert: four re-send intervals ahead."""
    return now + timedelta(seconds=4 * resend_s)


# == PagerDuty ====================================================================================


def pagerduty_trigger(
    receiver: Receiver, sig: dict[str, Any], routing_key: str, link: str | None = None
) -> Request:
    kind = sig["type"]
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": A.incident_key(sig)[:PD_DEDUP_MAX],
        "payload": {
            "summary": A.summary(sig)[:PD_SUMMARY_MAX],
            "source": f"slawatch/{sig.get('tenant')}",
            "severity": A.SEVERITY[kind],
            "timestamp": sig.get("at"),
            "component": sig.get("clock") or sig.get("service") or sig.get("check"),
            "group": sig.get("tenant"),
            "class": kind,
            "custom_details": {**sig, "explanation": A.explanation(sig)},
        },
        "client": "slawatch",
    }
    if link:
        event["client_url"] = link
    return _post(receiver.url or DEFAULT_URLS["pagerduty"], event)


def pagerduty_resolve(receiver: Receiver, key: str, routing_key: str) -> Request:
    event = {"routing_key": routing_key, "event_action": "resolve", "dedup_key": key[:PD_DEDUP_MAX]}
    return _post(receiver.url or DEFAULT_URLS["pagerduty"], event)


# == Slack ========================================================================================

_EMOJI = {"critical": ":red_circle:", "error": ":large_orange_circle:", "warning": ":warning:"}


def slack(url: str, sig: dict[str, Any]) -> Request:
    """A Block Kit message: header, the summary with the key facts as fields, context."""
    kind = sig["type"]
    severity = A.SEVERITY.get(kind, "info")
    text = A.summary(sig)
    header = f"{_EMOJI.get(severity, ':white_check_mark:')} {text}"[:SLACK_HEADER_MAX]
    facts = [
        ("Tenant", sig.get("tenant")),
        ("Ticket", sig.get("ticket_id")),
        ("Clock", sig.get("clock")),
        ("Priority", sig.get("priority")),
        ("Level", sig.get("level")),
        ("Deadline", sig.get("deadline")),
        ("Service", sig.get("service")),
        ("Check", sig.get("check")),
    ]
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in facts if v][:10]
    section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if fields:
        section["fields"] = fields
    message = {
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
            section,
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": A.explanation(sig)[:2000]},
                    {"type": "mrkdwn", "text": f"signal `{sig.get('event_id')}`"},
                ],
            },
        ],
    }
    return _post(url, message)


# == CloudEvents webhook ===========================================================================


def cloudevent(sig: dict[str, Any]) -> dict[str, Any]:
    """The signal as a CloudEvents 1.0 event (structured JSON mode)."""
    kind = str(sig["type"])
    subject = "/".join(
        str(p)
        for p in (
            sig.get("ticket_id") or sig.get("service") or sig.get("check"),
            sig.get("clock") or sig.get("target"),
        )
        if p
    )
    return {
        "specversion": "1.0",
        "id": str(sig["event_id"]),
        "source": f"/slawatch/{sig['tenant']}",
        "type": CLOUDEVENTS_TYPE_PREFIX + kind,
        "subject": subject or str(sig["tenant"]),
        "time": sig.get("at"),
        "datacontenttype": "application/json",
        "data": sig,
    }


def webhook(receiver: Receiver, sig: dict[str, Any], token: str = "") -> Request:
    return _post(
        receiver.url or "",
        cloudevent(sig),
        content_type="application/cloudevents+json; charset=utf-8",
        token=token,
    )


__all__ = [
    "Request",
    "alertmanager",
    "am_alert",
    "am_labels",
    "cloudevent",
    "firing_until",
    "pagerduty_resolve",
    "pagerduty_trigger",
    "slack",
    "webhook",
]
