"""``slawatch notify``: SLA signals to on-call (Alertmanager, PagerDuty, Slack, webhooks), see
:mod:`streams.connectors.notify` and docs/connectors.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from streams.cli import app


@app.command("notify")
def notify_cmd(
    port: Annotated[int, typer.Option(help="port of /healthz and /metrics")] = 8089,
    bind: Annotated[str, typer.Option(help="address of /healthz and /metrics")] = "127.0.0.1",
    config: Annotated[
        Path | None, typer.Option(help="notify file (default: $SLAWATCH_NOTIFY_FILE)")
    ] = None,
    secrets: Annotated[
        Path | None,
        typer.Option(help="receiver secrets file (default: $SLAWATCH_NOTIFY_SECRETS_FILE)"),
    ] = None,
    from_beginning: Annotated[
        bool,
        typer.Option(
            "--from-beginning",
            help="a new consumer group starts at the oldest signals (default: the newest)",
        ),
    ] = False,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="debug|info|warning")] = (
        "info"
    ),
) -> None:
    """Consume the signal topics and deliver them to the receivers of the routes; resolve
    Alertmanager and PagerDuty alerts on the clock's verdict. Exit 2 on a configuration
    problem."""
    from models.settings import Settings
    from streams.connectors.catalog import ConnectorSetupError
    from streams.connectors.notify import load, serve
    from streams.observability import configure_logging

    settings = Settings()
    path = config or settings.notify_file
    if path is None:
        typer.echo(
            "error: no notify file: set SLAWATCH_NOTIFY_FILE or --config (docs/connectors.md)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        notify_config, receiver_secrets = load(settings, path, secrets)
    except ConnectorSetupError as exc:
        typer.echo("error: notify cannot start:", err=True)
        for line in exc.lines:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(2) from None
    configure_logging(loglevel, json=settings.log_format == "json")
    serve(settings, notify_config, receiver_secrets, bind, port, from_beginning=from_beginning)
