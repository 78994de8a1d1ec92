"""``slawatch sink``: the analytics sink (Parquet, partitioned by tenant and month)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from streams.cli import app


@app.command("sink")
def sink_cmd(
    location: Annotated[
        str | None,
        typer.Option(
            "--sink",
            help="directory or filesystem URL (s3://…) of the datasets "
            "(default $SLAWATCH_DATA_DIR/sink)",
        ),
    ] = None,
    flush_seconds: Annotated[
        float, typer.Option("--flush-seconds", help="write and commit at least this often")
    ] = 5.0,
    flush_records: Annotated[
        int, typer.Option("--flush-records", help="… or once this many records are buffered")
    ] = 50_000,
    reports: Annotated[
        bool,
        typer.Option(
            "--reports/--no-reports",
            help="send the monthly sla.compliance reports (one sink per deployment)",
        ),
    ] = True,
    report_grace: Annotated[
        float,
        typer.Option(
            "--report-grace", help="seconds (runtime clock) after a month's end before its report"
        ),
    ] = 600.0,
    compact_seconds: Annotated[
        float,
        typer.Option("--compact-seconds", help="merge partitions of many small files this often"),
    ] = 300.0,
    compact_now: Annotated[
        bool, typer.Option("--compact", help="merge the small files once, then exit (no Kafka)")
    ] = False,
    health_file: Annotated[
        str | None,
        typer.Option("--health-file", help="touch this file every few seconds while running"),
    ] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="debug|info|warning")] = "info",
) -> None:
    """Write every signal, clock state and dead letter to Parquet datasets (its own consumer
    group; offsets committed only once the files are durable), and send the monthly
    sla.compliance reports. Runs until SIGTERM/Ctrl-C. Query with `slawatch query`."""
    from calendars.errors import SlawatchError
    from models.settings import Settings
    from streams.cli.report_cmd import default_sink_dir
    from streams.sink.consumer import SinkLoop, SinkOptions, group_id
    from streams.sink.store import open_store
    from streams.topics import ensure_topics

    logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(message)s")
    if flush_seconds <= 0 or flush_records < 1:
        typer.echo("error: --flush-seconds and --flush-records must be positive", err=True)
        raise typer.Exit(2)
    settings = Settings()
    try:
        store = open_store(location or default_sink_dir())
        if health_file is not None:  # its directory (the sink's, by default) must exist
            root = store.local_root()
            if root is not None:
                root.mkdir(parents=True, exist_ok=True)
        registry = None
        if reports:
            from streams.runtime.contracts import LiveRegistry

            registry = LiveRegistry(settings.policies_dir, settings.tenants_file)
    except SlawatchError as exc:
        typer.echo(f"error: {str(exc).splitlines()[0]}", err=True)
        raise typer.Exit(2) from None
    if compact_now:
        from streams.sink.compact import MIN_FILES, compact

        stats = compact(store, min_files=MIN_FILES)
        typer.echo(
            f"compacted {stats.partitions} partition(s): {stats.files_in} files → "
            f"{stats.files_out}, {stats.rows} rows"
        )
        return
    ensure_topics(settings=settings)
    options = SinkOptions(
        flush_seconds=flush_seconds,
        flush_records=flush_records,
        reports=reports,
        report_grace_seconds=report_grace,
        health_file=health_file,
        compact_seconds=compact_seconds,
    )
    loop = SinkLoop(settings, store, options, registry=registry)
    logging.getLogger("slawatch.sink").info(
        "sink: group %s → %s%s",
        group_id(settings),
        store.url,
        " (monthly reports on)" if loop.reporter is not None else "",
    )
    loop.run(ready=lambda: logging.getLogger("slawatch.sink").info("sink: running"))
    stats = loop.writer.stats.as_dict()
    logging.getLogger("slawatch.sink").info("sink: stopped: %s", stats)
