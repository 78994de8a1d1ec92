"""Dead letters of the connectors, in the shape of the runtime's (``sla.dead-letters``):
``id``, ``reason``, ``raw`` (the original text), ``source`` (where it came from), ``dead_at``,
and ``tenant`` / ``ticket_id`` / ``event_id`` when known.

The id is a hash of the origin and the reason, so the same input dead-lettered twice (a
redelivered webhook, a signal delivered again after a restart) gets the same id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from streams.connectors.kafka import Record


def dead_letter(
    topic: str,
    reason: str,
    raw: bytes | str,
    source: Mapping[str, Any],
    at: datetime,
    *,
    key: str | None = None,
    **ids: str | None,
) -> Record:
    """The record of one dead letter on ``topic`` (the deployed ``sla.dead-letters``).
    ``ids``: ``tenant``, ``ticket_id``, ``event_id`` (``None`` ones are left out)."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    origin = dict(source)
    ident = hashlib.sha256(
        orjson.dumps(
            [origin, reason, hashlib.sha256(text.encode()).hexdigest()], option=orjson.OPT_SORT_KEYS
        )
    ).hexdigest()[:32]
    value: dict[str, Any] = {
        "id": ident,
        "reason": reason,
        "raw": text,
        "source": origin,
        "dead_at": at.isoformat(),
    }
    value.update({k: v for k, v in ids.items() if v is not None})
    return Record(topic, key.encode() if key else None, orjson.dumps(value))


__all__ = ["dead_letter"]
