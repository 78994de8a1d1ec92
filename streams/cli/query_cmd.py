"""``slawatch query "SQL"``: SQL over the analytics sink with DuckDB (embedded)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from streams.cli import app


@app.command("query")
def query_cmd(
    sql: Annotated[
        str,
        typer.Argument(
            help="SQL over the views signals, verdicts, "
            "clock_states, dead_letters (docs/reports.md)"
        ),
    ],
    sink: Annotated[
        str | None,
        typer.Option(
            "--sink", help="the sink's directory or URL (default $SLAWATCH_DATA_DIR/sink)"
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
) -> None:
    """Run SQL over the sink's Parquet files (duplicates from a sink restart removed in the
    views; `signals_raw` etc. are the files as written). Exit 2 on an SQL error."""
    import orjson

    from calendars.errors import SlawatchError
    from streams.cli.report_cmd import default_sink_dir
    from streams.sink.query import connect

    if fmt not in ("table", "csv", "json"):
        typer.echo(f"error: --format {fmt!r}: choose table, csv or json", err=True)
        raise typer.Exit(2)
    try:
        con = connect(sink or default_sink_dir())
    except SlawatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    import duckdb

    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        typer.echo(f"error: {first}", err=True)
        raise typer.Exit(2) from None
    names = [d[0] for d in cur.description or ()]
    rows = cur.fetchall()
    if fmt == "json":
        for r in rows:
            sys.stdout.buffer.write(
                orjson.dumps(dict(zip(names, r, strict=True)), default=str) + b"\n"
            )
        return
    if fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(names)
        w.writerows(rows)
        return
    cells = [[("NULL" if v is None else str(v)) for v in r] for r in rows]
    widths = [min(60, max([len(n)] + [len(c[i]) for c in cells])) for i, n in enumerate(names)]
    line = "  ".join(f"{{:<{w}.{w}}}" for w in widths)
    typer.echo(line.format(*names))
    typer.echo(line.format(*("-" * w for w in widths)))
    for c in cells:
        typer.echo(line.format(*c))
    typer.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
