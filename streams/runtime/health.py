"""A worker's health: can it do its job with the configuration it was given?

The misconfiguration that otherwise looks like a working worker is a registry without
tenants (no tenants file, nothing on the contracts topic): the worker joins its group, reads
every event and dead-letters each one as "unknown tenant". So once the contracts are loaded,
and whenever the contracts topic changes the registry, :class:`Health` says it three ways:

* an ERROR log line naming the setting and the topic to fix (a worker logs at WARNING by
  default, so an INFO line would go unseen);
* ``GET /health`` on the worker's web port (``slawatch worker --web-port N``): 503 with
  ``{"status": "no tenants", "detail": <the same text>}``; 503 ``starting`` until the
  contracts are read; 200 ``{"status": "ok", "tenants": N}`` otherwise. Faust's own ``/``
  stays the liveness check (``{"status": "OK"}`` once the tables are recovered);
* the gauge ``slawatch_tenants`` (0), when metrics are on.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from streams import topics as T
from streams.runtime.contracts import LiveRegistry

log = logging.getLogger("slawatch.runtime")

__all__ = ["Health", "no_tenants_problem", "register_health"]


class TenantsGauge(Protocol):
    """What :class:`Health` needs of ``streams.observability.Metrics``."""

    def set_tenants(self, n: int) -> None: ...


def no_tenants_problem(registry: LiveRegistry, contracts_topic: str) -> str | None:
    """``None`` while the registry has a tenant; otherwise one line saying what happens and
    where the contracts were looked for, and what to do."""
    if registry.tenants:
        return None
    file = registry.tenants_file
    if file is None:
        where = "SLAWATCH_TENANTS_FILE is not set"
    elif registry.file_tenants:
        where = f"the {len(registry.file_tenants)} tenant(s) of {file} were left out"
    else:
        where = f"SLAWATCH_TENANTS_FILE ({file}) has no tenants"
    records = registry.tenant_records
    if records:
        topic = f"all {len(records)} tenant records of {contracts_topic} were left out"
    else:
        topic = f"{contracts_topic} has no tenant:<name> records"
    left_out = " (their problems are logged above)" if registry.errors else ""
    return (
        f"no tenants: {where} and {topic}{left_out}, so every ticket and monitoring event "
        "will be a dead letter ('unknown tenant'). Point SLAWATCH_TENANTS_FILE at a tenants "
        f"file (e.g. examples/tenants.yaml) or publish tenant:<name> records on "
        f"{contracts_topic} (README: 'Tenant contracts', 'Live runtime')."
    )


class Health:
    """The tenants part of a worker's health (see the module doc)."""

    def __init__(
        self,
        registry: LiveRegistry,
        contracts_topic: str,
        metrics: TenantsGauge | None = None,
    ) -> None:
        self.registry = registry
        self.contracts_topic = contracts_topic
        self.metrics = metrics
        #: the contracts topic has been read (or found missing): the registry is as it starts
        self.loaded = False
        self.problem: str | None = None
        registry.on_change(self._on_change)

    def contracts_loaded(self) -> None:
        """The worker has read the contracts: check the registry and say what is wrong."""
        self.loaded = True
        self._check(start=True)

    def _on_change(self, registry: LiveRegistry) -> None:
        if self.loaded:
            self._check(start=False)

    def _check(self, start: bool) -> None:
        n = len(self.registry.tenants)
        if self.metrics is not None:
            self.metrics.set_tenants(n)
        problem = no_tenants_problem(self.registry, self.contracts_topic)
        if problem is not None and (start or self.problem is None):
            log.error(problem)
        elif problem is None and self.problem is not None:
            log.warning("tenants: %d now have a contract; their events are applied again", n)
        self.problem = problem

    def status(self) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON body of ``GET /health``."""
        if not self.loaded:
            return 503, {"status": "starting", "detail": "reading the contracts topic"}
        if self.problem is not None:
            return 503, {"status": "no tenants", "tenants": 0, "detail": self.problem}
        return 200, {"status": "ok", "tenants": len(self.registry.tenants)}


def register_health(rt: Any) -> Health:
    """Attach :class:`Health` to the worker of ``rt`` (``streams.runtime.context.Runtime``, after
    ``create_app``): checked once the contracts are loaded, served on ``/health``."""
    app = rt.app
    health = Health(rt.registry, rt.settings.topic(T.CONTRACTS), rt.metrics)
    ready = rt.contracts_ready  # set by the agents once the contracts topic is read

    @app.task
    async def slawatch_health() -> None:
        await ready.wait()
        health.contracts_loaded()

    @app.page("/health")
    async def health_page(view: Any, request: Any) -> Any:
        code, body = health.status()
        return view.json(body, status=code)

    return health
