"""The slawatch topics and their administration (kafka-python).

Base names are fixed; a deployment prefixes them with ``Settings.topic_prefix``
(``prod.`` → ``prod.sla.breaches``). Partitions and replication come from the settings.
Faust creates its own internal topics (table changelogs, repartition topics) itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from models.settings import Settings

__all__ = [
    "ALL_TOPICS",
    "BREACHES",
    "CLOCK_STATES",
    "CONTRACTS",
    "DEAD_LETTERS",
    "ESCALATIONS",
    "INPUT_TOPICS",
    "MONITORING_EVENTS",
    "REPORTS",
    "SIGNAL_ROUTES",
    "SIGNAL_TOPICS",
    "TICKET_EVENTS",
    "VERDICTS",
    "WARNINGS",
    "TopicSpec",
    "TopicStatus",
    "ensure_topics",
    "partition_count",
    "resolve_topic",
    "topic_name",
]

log = logging.getLogger(__name__)

TICKET_EVENTS = "sla.ticket-events"
MONITORING_EVENTS = "sla.monitoring-events"
CONTRACTS = "sla.contracts"
WARNINGS = "sla.warnings"
ESCALATIONS = "sla.escalations"
BREACHES = "sla.breaches"
VERDICTS = "sla.verdicts"
CLOCK_STATES = "sla.clock-states"
DEAD_LETTERS = "sla.dead-letters"
REPORTS = "sla.reports"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A slawatch topic: base name, whether it is log-compacted, and what it carries."""

    name: str
    compacted: bool
    doc: str

    @property
    def configs(self) -> dict[str, str]:
        return {"cleanup.policy": "compact" if self.compacted else "delete"}


ALL_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(TICKET_EVENTS, False, "in: ticket lifecycle events, keyed tenant:ticket_id"),
    TopicSpec(MONITORING_EVENTS, False, "in: monitoring/maintenance/heartbeat, tenant:service"),
    TopicSpec(CONTRACTS, True, "in: tenant contracts and custom policies (latest per key)"),
    TopicSpec(WARNINGS, False, "out: SLA warnings"),
    TopicSpec(ESCALATIONS, False, "out: escalations"),
    TopicSpec(BREACHES, False, "out: SLA breaches"),
    TopicSpec(VERDICTS, False, "out: verdicts when a clock stops, monthly reports, recoveries"),
    TopicSpec(CLOCK_STATES, True, "out: full state of each ticket clock (latest per key)"),
    TopicSpec(DEAD_LETTERS, False, "out: undecodable/invalid input with reason and origin"),
    TopicSpec(REPORTS, False, "out: monthly sla.compliance per tenant (and revisions)"),
)
INPUT_TOPICS = (TICKET_EVENTS, MONITORING_EVENTS, CONTRACTS)
SIGNAL_TOPICS = (WARNINGS, ESCALATIONS, BREACHES)

#: Which output topic each signal type goes to. Ops teams read warnings, escalations and
#: breaches; the verdicts (``sla.met``/``sla.missed`` when a clock stops, the monthly
#: availability report, a heartbeat's recovery) are for service managers and reports, so that
#: a breach does not reach the on-call channel twice (breach at the deadline, missed at stop).
SIGNAL_ROUTES: dict[str, str] = {
    "sla.warning": WARNINGS,
    "availability.warning": WARNINGS,
    "heartbeat.missed": WARNINGS,
    "sla.escalation": ESCALATIONS,
    "sla.breach": BREACHES,
    "availability.breach": BREACHES,
    "sla.met": VERDICTS,
    "sla.missed": VERDICTS,
    "availability.report": VERDICTS,
    "heartbeat.recovered": VERDICTS,
    "sla.compliance": REPORTS,
}
_BY_NAME = {spec.name: spec for spec in ALL_TOPICS}


def topic_name(base: str, settings: Settings | None = None) -> str:
    """Deployed name of a base topic name (``settings.topic_prefix + base``)."""
    return (settings or Settings()).topic(base)


def resolve_topic(name: str, settings: Settings | None = None) -> str:
    """Deployed name for a user-given topic: ``breaches`` / ``sla.breaches`` → prefixed name
    of that slawatch topic; anything else is taken literally."""
    if name in _BY_NAME:
        return topic_name(name, settings)
    if f"sla.{name}" in _BY_NAME:
        return topic_name(f"sla.{name}", settings)
    return name


TopicStatus = Literal["created", "exists"]


def ensure_topics(
    bootstrap: str | Iterable[str] | None = None,
    settings: Settings | None = None,
    *,
    topics: Iterable[TopicSpec] = ALL_TOPICS,
    timeout: float = 30.0,
) -> dict[str, TopicStatus]:
    """Create the slawatch topics that do not exist yet; idempotent.

    ``bootstrap`` overrides ``settings.brokers`` (security settings still apply). Returns
    ``{deployed name: "created" | "exists"}``. An existing topic is left as it is; if it has
    fewer partitions than configured, a warning is logged (growing a keyed topic would move
    keys between partitions, so that stays an operator decision).
    """
    settings = settings or Settings()
    kwargs = settings.kafka_python_kwargs()
    if bootstrap is not None:
        kwargs["bootstrap_servers"] = [bootstrap] if isinstance(bootstrap, str) else list(bootstrap)
    specs = {settings.topic(spec.name): spec for spec in topics}
    admin = KafkaAdminClient(
        client_id="slawatch-admin", request_timeout_ms=int(timeout * 1000), **kwargs
    )
    try:
        existing = set(admin.list_topics())
        result: dict[str, TopicStatus] = {n: "exists" for n in specs if n in existing}
        missing = [
            NewTopic(
                name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication,
                topic_configs=spec.configs,
            )
            for name, spec in specs.items()
            if name not in existing
        ]
        for new in missing:  # one by one: a concurrent creator only fails its own topic
            try:
                admin.create_topics([new], timeout_ms=int(timeout * 1000))
                result[new.name] = "created"
            except TopicAlreadyExistsError:
                result[new.name] = "exists"
        _warn_on_partition_mismatch(
            admin, [n for n, s in result.items() if s == "exists"], settings.partitions
        )
        return {name: result[name] for name in specs}
    finally:
        admin.close()


def _warn_on_partition_mismatch(admin: KafkaAdminClient, names: list[str], wanted: int) -> None:
    if not names:
        return
    for desc in admin.describe_topics(names):
        have = len(desc.get("partitions") or ())
        if have < wanted:
            log.warning(
                "topic %s has %d partitions, settings ask for %d (left unchanged)",
                desc.get("name"),
                have,
                wanted,
            )


def partition_count(base: str, settings: Settings | None = None, timeout: float = 30.0) -> int:
    """The number of partitions of the deployed topic ``base`` (0 if it does not exist)."""
    settings = settings or Settings()
    admin = KafkaAdminClient(
        client_id="slawatch-admin",
        request_timeout_ms=int(timeout * 1000),
        **settings.kafka_python_kwargs(),
    )
    try:
        for desc in admin.describe_topics([settings.topic(base)]):
            return len(desc.get("partitions") or ())
        return 0
    finally:
        admin.close()
