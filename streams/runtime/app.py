"""The Faust application: ``create_app(settings)`` builds the app, its topics and tables, and
registers the input loop and the tasks (``streams.runtime.agents``).

Flow (names without the deployment's topic prefix)::

    sla.ticket-events ──route──▶ <app>.ticket-events.by-ticket ──apply──▶ sla.warnings
      (any key or none)           (keyed tenant:ticket_id, + timer ticks)    sla.escalations
                                          │                                   sla.breaches
                                          └─ table "tickets" (changelog)      sla.verdicts
                                                                              sla.clock-states
    sla.monitoring-events ──route──▶ (same keyed topic, MON_PREFIX + tenant)
    sla.contracts ──(every worker reads all of it)──▶ LiveRegistry            sla.dead-letters
    sla.clock-states, sla.breaches ──read-model──▶ Redis

* **route** re-keys: whatever key a producer used, the event goes on to the keyed topic under
  ``tenant:ticket_id``, so one ticket is always handled by one partition (and one worker);
  an event already keyed so, on the partition that key hashes to, is applied where it is.
  Records that are not JSON objects with a tenant and a ticket id are dead letters here.
* **apply** runs one :class:`~streams.runtime.partition.PartitionRunner` per owned
  partition; the table ``tickets`` holds each ticket's state and the offset that produced it.
  Route and apply are one loop over batches of records (:mod:`streams.runtime.batch`), below
  Faust's per-event stream layer; Faust assigns the partitions and recovers the table.
* **timers**: every ``tick_interval`` each worker looks at the next due instant of each of
  its partitions (a heap peek) and, when one has passed and nothing is waiting upstream for
  that partition (:mod:`streams.runtime.backlog`: the keyed partition, every input partition
  a router may re-key from, other workers' included), sends a tick record *into that
  partition* of the keyed topic. The tick is applied in order with the partition's events,
  so a timer and an event of one ticket never race.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from models.settings import Settings
from streams import topics as T
from streams.clock import SimClock
from streams.runtime import agents
from streams.runtime.backlog import Backlog
from streams.runtime.connection import faust_kwargs
from streams.runtime.context import RAW, Runtime
from streams.runtime.contracts import LiveRegistry

log = logging.getLogger("slawatch.runtime")

#: Largest producer batch (per topic partition): a batch of the input loop's outputs goes out
#: in a few of these rather than in many of Faust's default 16 KiB.
PRODUCER_BATCH_BYTES = 256 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    fixes: bool = True,
    in_place: bool = False,
    loglevel: str = "warn",
) -> faust.App:
    """Build the slawatch Faust app for ``settings`` (default: from the environment).

    ``in_place``: the ticket-event topic has ``settings.partitions`` partitions (the worker
    command checks), so well-keyed records are processed without the re-keying hop."""
    from streams.runtime.faust_compat import install_faust_fixes

    settings = settings or Settings()
    if fixes:
        install_faust_fixes()  # refuses library versions it was not written for
    session = settings.effective_session_timeout()
    app = faust.App(
        settings.app_id,
        **faust_kwargs(settings),
        broker_session_timeout=session,
        broker_heartbeat_interval=session / 3,
        broker_commit_interval=1.0,
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        web_enabled=False,
        producer_linger_ms=5,
        # the input loop hands the producer whole batches (streams.runtime.produce)
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        **_logging(settings, loglevel),
    )
    topics = {
        name: app.topic(settings.topic(name), **RAW)
        for name in (spec.name for spec in T.ALL_TOPICS)
    }
    keyed = app.topic(
        settings.topic(f"{settings.app_id}.ticket-events.by-ticket"),
        partitions=settings.partitions,
        internal=True,
        **RAW,
    )
    tickets = app.Table(
        "tickets",
        key_type=bytes,
        value_type=bytes,
        partitions=settings.partitions,
    )
    rt = Runtime(
        settings=settings,
        app=app,
        clock=SimClock.from_settings(settings),
        registry=LiveRegistry(settings.policies_dir, settings.tenants_file),
        topics=topics,
        keyed=keyed,
        tickets=tickets,
        backlog=Backlog(
            inputs=(settings.topic(T.TICKET_EVENTS), settings.topic(T.MONITORING_EVENTS)),
            keyed=keyed.get_topic_name(),
        ),
        in_place=in_place,
    )
    if settings.metrics_port:
        from streams.observability import Metrics

        rt.metrics = Metrics()
    app.slawatch = rt  # type: ignore[attr-defined]
    agents.register(rt)
    return app


_LEVELS = {"crit": "CRITICAL", "error": "ERROR", "warn": "WARNING", "info": "INFO"}


def _logging(settings: Settings, loglevel: str) -> dict[str, Any]:
    """Faust's ``logging_config`` for ``SLAWATCH_LOG_FORMAT=json``: the root logger writes JSON
    lines to stderr (``streams.observability.JsonFormatter``) instead of Faust's coloured text."""
    if settings.log_format != "json":
        return {}
    level = _LEVELS.get(loglevel.lower(), loglevel.upper())
    return {
        "logging_config": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "streams.observability.JsonFormatter"}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": level, "handlers": ["stderr"]},
        }
    }
