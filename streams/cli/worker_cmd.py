"""``slawatch worker``: one Faust worker of the live runtime (settings from SLAWATCH_*)."""

from __future__ import annotations

import gc
import sys
from typing import Annotated

import typer

from streams.cli import app


@app.command("worker", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def worker_cmd(
    ctx: typer.Context,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="crit|error|warn|info")] = (
        "warn"
    ),
    web_port: Annotated[
        int | None, typer.Option(help="serve Faust's web/health endpoint on this port")
    ] = None,
    web_bind: Annotated[str, typer.Option(help="address of the web endpoint")] = "127.0.0.1",
) -> None:
    """Run a worker: consume the input topics, keep the clocks, fire the signals.

    Creates the slawatch topics if they are missing. Extra arguments go to ``faust worker``.
    With ``--web-port``, ``GET /health`` says whether the worker has tenants to work for.
    """
    from streams.cli.config_cmd import load_settings
    from streams.runtime.app import create_app
    from streams.runtime.health import register_health
    from streams.topics import TICKET_EVENTS, ensure_topics, partition_count

    settings = load_settings()
    ensure_topics(settings=settings)
    # well-keyed input is processed in place only if its topic is co-partitioned with ours
    in_place = partition_count(TICKET_EVENTS, settings) == settings.partitions
    faust_app = create_app(settings, in_place=in_place, loglevel=loglevel)
    register_health(faust_app.slawatch)  # no tenants: an ERROR line, /health 503, a gauge
    metrics = faust_app.slawatch.metrics
    if metrics is not None:
        metrics.serve(settings.metrics_port)
    # Policies, calendars and Faust's own objects live for the whole process: keep them out
    # of the cyclic collector's scans, and collect young objects less often (the engine
    # allocates many short-lived, acyclic ones per event).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    argv = [sys.argv[0], "worker", "-l", loglevel]
    if web_port is None:
        argv.append("--without-web")
    else:
        argv += ["--web-port", str(web_port), "--web-bind", web_bind]
    argv += list(ctx.args)
    sys.argv = argv
    faust_app.main()
