"""Observability of slawatch: Prometheus metrics (:mod:`.metrics`) and structured JSON logs
that keep ticket payloads to DEBUG and never write secrets (:mod:`.logs`)."""

from streams.observability.logs import (
    MASK,
    PAYLOAD_FIELDS,
    JsonFormatter,
    TextFormatter,
    configure_logging,
    safe_extras,
)
from streams.observability.metrics import (
    LATENCY_BUCKETS,
    NAMESPACE,
    OTHER,
    REASON_KINDS,
    Metrics,
    count_open_clocks,
    start_http_server,
)

__all__ = [
    "LATENCY_BUCKETS",
    "MASK",
    "NAMESPACE",
    "OTHER",
    "PAYLOAD_FIELDS",
    "REASON_KINDS",
    "JsonFormatter",
    "Metrics",
    "TextFormatter",
    "configure_logging",
    "count_open_clocks",
    "safe_extras",
    "start_http_server",
]
