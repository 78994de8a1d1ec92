"""Prometheus metrics of ``slawatch ingest`` (its own registry, served on ``/metrics``).

=============================================  ==========  ==================================
metric                                         type        labels / meaning
=============================================  ==========  ==================================
``slawatch_hooks_total``                       counter     ``source``, ``tenant``,
                                                           ``outcome`` (:data:`OUTCOMES`)
``slawatch_hook_events_total``                 counter     ``source``, ``tenant``, ``type``:
                                                           canonical events produced
``slawatch_hook_seconds``                      histogram   ``source``: receipt to answer
=============================================  ==========  ==================================

Source and tenant labels are those of the configured endpoints (a request for any other is
counted as ``unknown``/``unknown``), so a scan of random URLs cannot grow the series.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from models.events import TICKET_EVENT_TYPES

#: what became of a request
OUTCOMES = {
    "accepted": "events produced (acks=all) before the 2xx",
    "ignored": "authenticated, nothing slawatch tracks (a comment, no change)",
    "dead_letter": "authenticated but not mappable: on sla.dead-letters with the reason",
    "unauthorized": "missing or wrong signature/token (401)",
    "too_large": "body over SLAWATCH_MAX_HOOK_BYTES (413)",
    "unavailable": "Kafka (or the ticket memory) did not confirm in time (503: the ITSM retries)",
    "not_found": "no such endpoint (404)",
}
UNKNOWN = "unknown"
SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class IngestMetrics:
    """Counters per endpoint; ``render()`` is the text exposition."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.hooks = Counter(
            "hooks",
            "Webhook requests by endpoint and outcome.",
            ["source", "tenant", "outcome"],
            namespace="slawatch",
            registry=self.registry,
        )
        self.events = Counter(
            "hook_events",
            "Canonical ticket events produced from webhooks.",
            ["source", "tenant", "type"],
            namespace="slawatch",
            registry=self.registry,
        )
        self.seconds = Histogram(
            "hook_seconds",
            "Seconds from receiving a webhook to answering it (Kafka acks=all included).",
            ["source"],
            namespace="slawatch",
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )

    def declare(self, source: str, tenant: str) -> None:
        """Create an endpoint's series at zero (``rate()`` needs them from the start)."""
        for outcome in OUTCOMES:
            self.hooks.labels(source=source, tenant=tenant, outcome=outcome)
        for etype in TICKET_EVENT_TYPES:
            self.events.labels(source=source, tenant=tenant, type=etype)

    def request(self, source: str, tenant: str, outcome: str, seconds: float) -> None:
        self.hooks.labels(source=source, tenant=tenant, outcome=outcome).inc()
        self.seconds.labels(source=source).observe(seconds)

    def produced(self, source: str, tenant: str, etype: str) -> None:
        self.events.labels(source=source, tenant=tenant, type=etype).inc()

    def value(self, name: str, labels: dict[str, str]) -> float | None:
        return self.registry.get_sample_value(name, labels)

    def render(self) -> bytes:
        return generate_latest(self.registry)


__all__ = ["OUTCOMES", "UNKNOWN", "IngestMetrics"]
