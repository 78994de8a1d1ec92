"""Sinks: where the runtime's output lands besides Kafka (the Redis read model)."""

from streams.sinks.redis_model import (
    BREACH_TYPES,
    DEFAULT_BREACHES_KEPT,
    DEFAULT_FINISHED_TTL,
    DEFAULT_PREFIX,
    ReadModel,
    at_risk,
    clock,
    default_prefix,
    recent_breaches,
)

__all__ = [
    "BREACH_TYPES",
    "DEFAULT_BREACHES_KEPT",
    "DEFAULT_FINISHED_TTL",
    "DEFAULT_PREFIX",
    "ReadModel",
    "at_risk",
    "clock",
    "default_prefix",
    "recent_breaches",
]
