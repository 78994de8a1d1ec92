"""The documented request shapes of the on-call services, as checks a recording receiver runs
on every request it gets (written from the services' documentation, not from slawatch's code).

- PagerDuty Events API v2, "Send an alert event":
  https://developer.pagerduty.com/docs/events-API-v2/trigger-events/ and
  https://developer.pagerduty.com/docs/events-API-v2/resolve-events/
- Slack incoming webhooks with Block Kit: https://api.slack.com/messaging/webhooks and
  https://api.slack.com/reference/block-kit/blocks
- CloudEvents 1.0, JSON event format: https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
  and .../formats/json-format.md
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

PD_ACTIONS = ("trigger", "acknowledge", "resolve")
PD_SEVERITIES = ("critical", "error", "warning", "info")
PD_TOP = {
    "routing_key",
    "event_action",
    "dedup_key",
    "payload",
    "images",
    "links",
    "client",
    "client_url",
}
PD_PAYLOAD = {
    "summary",
    "source",
    "severity",
    "timestamp",
    "component",
    "group",
    "class",
    "custom_details",
}


def _rfc3339(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def pagerduty_event(doc: Any) -> list[str]:
    p: list[str] = []
    if not isinstance(doc, dict):
        return ["the body must be a JSON object"]
    p += [f"unknown field {k}" for k in doc if k not in PD_TOP]
    if not isinstance(doc.get("routing_key"), str) or not doc["routing_key"]:
        p.append("routing_key is required")
    action = doc.get("event_action")
    if action not in PD_ACTIONS:
        p.append(f"event_action must be one of {PD_ACTIONS}")
    dedup = doc.get("dedup_key")
    if action in ("acknowledge", "resolve") and not dedup:
        p.append("dedup_key is required to acknowledge or resolve")
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
        p.append("dedup_key must be a string of at most 255 characters")
    if action == "trigger":
        payload = doc.get("payload")
        if not isinstance(payload, dict):
            return [*p, "payload is required to trigger"]
        p += [f"unknown payload field {k}" for k in payload if k not in PD_PAYLOAD]
        summary = payload.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 1024:
            p.append("payload.summary: 1 to 1024 characters")
        if not isinstance(payload.get("source"), str) or not payload["source"]:
            p.append("payload.source is required")
        if payload.get("severity") not in PD_SEVERITIES:
            p.append(f"payload.severity must be one of {PD_SEVERITIES}")
        if "timestamp" in payload and not _rfc3339(payload["timestamp"]):
            p.append("payload.timestamp must be ISO 8601 with an offset")
        if "custom_details" in payload and not isinstance(payload["custom_details"], dict):
            p.append("payload.custom_details must be an object")
    return p


def _text_object(obj: Any, kinds: tuple[str, ...], limit: int, where: str) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"{where}: a text object of type {' or '.join(kinds)}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text or len(text) > limit:
        return [f"{where}.text: 1 to {limit} characters"]
    return []


def slack_message(doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return ["the body must be a JSON object"]
    p: list[str] = []
    blocks = doc.get("blocks")
    if not isinstance(doc.get("text"), str) or not doc["text"]:
        p.append("text (the notification fallback) should be given with blocks")
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return [*p, "blocks: 1 to 50 blocks"]
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"blocks[{i}]"
        if kind == "header":
            p += _text_object(block.get("text"), ("plain_text",), 150, f"{where}.text")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                p.append(f"{where}: a section needs text or fields")
            if "text" in block:
                p += _text_object(block["text"], ("plain_text", "mrkdwn"), 3000, f"{where}.text")
            fields = block.get("fields", [])
            if not isinstance(fields, list) or len(fields) > 10:
                p.append(f"{where}.fields: at most 10")
            for j, f in enumerate(fields or []):
                p += _text_object(f, ("plain_text", "mrkdwn"), 2000, f"{where}.fields[{j}]")
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                p.append(f"{where}.elements: 1 to 10")
            for j, e in enumerate(elements or []):
                p += _text_object(e, ("plain_text", "mrkdwn"), 3000, f"{where}.elements[{j}]")
        elif kind not in ("divider", "actions", "image", "rich_text", "input", "file", "video"):
            p.append(f"{where}: unknown block type {kind!r}")
    return p


_EXTENSION = re.compile(r"^[a-z0-9]{1,20}$")
_CE_CONTEXT = {
    "specversion",
    "id",
    "source",
    "type",
    "datacontenttype",
    "dataschema",
    "subject",
    "time",
    "data",
    "data_base64",
}


def cloudevent(doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return ["a structured-mode event is a JSON object"]
    p: list[str] = []
    if doc.get("specversion") != "1.0":
        p.append("specversion must be 1.0")
    for key in ("id", "source", "type"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            p.append(f"{key} is required (non-empty string)")
    if "time" in doc and not _rfc3339(doc["time"]):
        p.append("time must be RFC 3339")
    if "subject" in doc and (not isinstance(doc["subject"], str) or not doc["subject"]):
        p.append("subject must be a non-empty string")
    if "data" in doc and "data_base64" in doc:
        p.append("data and data_base64 are exclusive")
    for key in doc:
        if key not in _CE_CONTEXT and not _EXTENSION.match(key):
            p.append(f"extension attribute {key!r}: lower-case letters and digits, <= 20")
    return p
