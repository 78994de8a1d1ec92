"""``slawatch ingest``: the webhook receiver (ITSM → ``sla.ticket-events``), see
:mod:`streams.connectors.ingest` and docs/connectors.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streams.cli import app

if TYPE_CHECKING:
    from models.settings import Settings


@app.command("ingest")
def ingest_cmd(
    port: Annotated[int, typer.Option(help="port to listen on")] = 8088,
    bind: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    connectors: Annotated[
        Path | None,
        typer.Option(help="connectors file (default: $SLAWATCH_CONNECTORS_FILE)"),
    ] = None,
    secrets: Annotated[
        Path | None,
        typer.Option(help="hook secrets file (default: $SLAWATCH_HOOK_SECRETS_FILE)"),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="seconds Kafka has to confirm a webhook before the answer is 503")
    ] = 10.0,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="debug|info|warning")] = (
        "info"
    ),
) -> None:
    """Receive ITSM webhooks on POST /hooks/{source}/{tenant}, map them to ticket events and
    produce them to Kafka (acks=all) before answering. Exit 2 on a configuration problem."""
    from models.settings import Settings
    from streams.connectors.catalog import ConnectorSetupError, load_endpoints, read_secrets
    from streams.connectors.ingest import serve
    from streams.observability import configure_logging

    settings = Settings()
    path = connectors or settings.connectors_file
    if path is None:
        typer.echo(
            "error: no connectors file: set SLAWATCH_CONNECTORS_FILE or --connectors "
            "(docs/connectors.md)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        endpoints = load_endpoints(path, read_secrets(settings, secrets))
    except ConnectorSetupError as exc:
        typer.echo("error: the connectors cannot be served:", err=True)
        for line in exc.lines:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(2) from None
    configure_logging(loglevel, json=settings.log_format == "json")
    import threading

    # beside the server, which answers 503 until Kafka is there: never delays the start
    threading.Thread(target=_ensure_topics, args=(settings,), daemon=True).start()
    serve(settings, endpoints, bind, port, timeout)


def _ensure_topics(settings: Settings) -> None:
    """Create the topics when Kafka is reachable (ingest serves meanwhile and answers 503
    until Kafka confirms)."""
    import logging

    from streams.topics import ensure_topics

    try:
        ensure_topics(settings=settings, timeout=10)
    except Exception as exc:  # Kafka down at start: served as 503s, not a crash
        logging.getLogger("slawatch.ingest").warning("topics not checked: %s", exc)
