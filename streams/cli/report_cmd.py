"""``slawatch report``: a tenant's service report for a month or a date range, from the
analytics sink (default) or from an events file run through the engine — the same numbers
both ways (docs/reports.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from streams.cli import app


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def default_sink_dir() -> Path:
    """The sink's directory when none is given: ``$SLAWATCH_DATA_DIR/sink``."""
    from models.settings import Settings

    return Settings().data_dir / "sink"


def load_registry(tenants: Path | None, policies: Path | None) -> Any:
    """The tenant contracts (``--tenants``, else ``SLAWATCH_TENANTS_FILE``) over the policies
    (``--policies``, else ``SLAWATCH_POLICIES_DIR``, else the bundled ones)."""
    from models.contracts import load_policies, load_tenants
    from models.settings import Settings

    settings = Settings()
    tenants = tenants or settings.tenants_file
    if tenants is None:
        _fail("which tenant contracts? give --tenants T.yaml or set SLAWATCH_TENANTS_FILE")
    return load_tenants(tenants, load_policies(policies or settings.policies_dir))


@app.command("report")
def report_cmd(
    events: Annotated[
        Path | None,
        typer.Argument(
            help="an events file (JSON lines) to run through the engine; default: "
            "read the analytics sink"
        ),
    ] = None,
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant")] = "",
    month: Annotated[str | None, typer.Option("--month", help="calendar month, YYYY-MM")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="first date, YYYY-MM-DD (with --to)")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="last date, YYYY-MM-DD, inclusive")] = None,
    tenants: Annotated[
        Path | None,
        typer.Option("--tenants", help="tenant contracts (default SLAWATCH_TENANTS_FILE)"),
    ] = None,
    policies: Annotated[Path | None, typer.Option("--policies", help="policy dir")] = None,
    sink: Annotated[
        str | None,
        typer.Option(
            "--sink", help="the sink's directory or URL (default $SLAWATCH_DATA_DIR/sink)"
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="events file: advance time to this instant")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", help="write the report's tables as CSV files here")
    ] = None,
    html_file: Annotated[
        Path | None, typer.Option("--html", help="write the report as one HTML page")
    ] = None,
) -> None:
    """TENANT's service report over --month (or --from/--to): per clock, kind, priority and
    tier the clocks met, missed and open, % within target against the policy's aggregate,
    the service credit, availability per service, the breaches explained, the priority-1
    incidents. Exit 2 on bad input."""
    from calendars.errors import SlawatchError
    from streams.reports.periods import Period, parse_date, parse_month

    if not tenant:
        _fail("give --tenant")
    if (month is None) == (from_ is None and to is None):
        _fail("give --month YYYY-MM, or --from DATE and --to DATE")
    if month is None and (from_ is None or to is None):
        _fail("--from and --to go together")
    if sum(x is not None and x is not False for x in (as_json or None, csv_dir, html_file)) > 1:
        _fail("choose one of --json, --csv, --html")
    try:
        registry = load_registry(tenants, policies)
        policy = registry.resolve(tenant).policy
        tz = policy.timezone
        if month is not None:
            period = Period.of_month(parse_month(month), tz)
        else:
            assert from_ is not None and to is not None
            period = Period.between(parse_date(from_, "--from"), parse_date(to, "--to"), tz)
        report = build(events, registry, policy, tenant, period, sink, until)
    except SlawatchError as exc:
        _fail(str(exc).splitlines()[0])
        return
    from streams.reports import render

    if as_json:
        sys.stdout.buffer.write(render.as_json(report))
    elif csv_dir is not None:
        for path in render.write_csv(report, csv_dir):
            typer.echo(str(path))
    elif html_file is not None:
        from streams.reports.html import render as html

        html_file.write_text(html(report, tz), encoding="utf-8")
        typer.echo(str(html_file))
    else:
        sys.stdout.write(render.text(report, tz))


def build(
    events: Path | None,
    registry: Any,
    policy: Any,
    tenant: str,
    period: Any,
    sink: str | None,
    until: str | None,
) -> Any:
    """The report from the events file, or from the sink."""
    from streams.reports.model import build_report

    if events is not None:
        from streams.cli.params import instant as parse_instant
        from streams.reports.sources import from_events

        with events.open("rb") as fh:
            lines = fh.readlines()
        data, result = from_events(
            lines,
            registry,
            tenant,
            until=None if until is None else parse_instant(until),
            source=str(events),
        )
        if result.dead_letters:
            typer.echo(
                f"{len(result.dead_letters)} line(s) of {events} are dead letters "
                "(slawatch replay lists them)",
                err=True,
            )
        return build_report(data, policy, period)
    from streams.reports.sources import from_sink
    from streams.sink.query import connect
    from streams.sink.store import open_store

    location = sink or str(default_sink_dir())
    store = open_store(location)
    root = store.local_root()
    if root is not None and not root.exists():
        _fail(
            f"no sink at {location}: run `slawatch sink`, or give --sink DIR|URL "
            "(or an events file)"
        )
    con = connect(store, tenant=tenant)
    return build_report(from_sink(con, tenant), policy, period)
