"""``slawatch map``: try a connector mapping on payload files, without Kafka or an ITSM.

Prints the canonical events each payload gives as JSON lines, in order, carrying the
tickets' last known state from one file to the next exactly as ``ingest`` would (so a
snapshot tool's sequence of webhooks can be replayed). A payload that cannot be mapped prints
``cannot map PAYLOAD: <reason>`` on stderr and exits 2; one that gives no event prints
``no event from PAYLOAD: <reason>`` on stderr. Signatures are not checked here (``ingest``
does).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from streams.cli import app

if TYPE_CHECKING:
    from streams.connectors.mapper import Mapper

EXIT_CANNOT_MAP = 2


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_CANNOT_MAP)


def _headers(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{pair!r}: write a header as Name:value")
        out[name.strip().lower()] = value.strip()
    return out


@app.command("map")
def map_cmd(
    payloads: Annotated[list[str], typer.Argument(help="webhook bodies (JSON files, - = stdin)")],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="a source of the connectors file, or a shipped mapping (jira-sm, zendesk, …)",
        ),
    ],
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant of the endpoint")],
    header: Annotated[
        list[str] | None, typer.Option("--header", "-H", help="a request header, Name:value")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="a mapping file (instead of --source's)")
    ] = None,
    connectors: Annotated[
        Path | None,
        typer.Option("--connectors", help="connectors file (default: $SLAWATCH_CONNECTORS_FILE)"),
    ] = None,
    received: Annotated[
        str | None,
        typer.Option("--received", help="receive time for mappings that use it (default: now)"),
    ] = None,
) -> None:
    """Print the canonical ticket events of each PAYLOAD as JSON lines (the reason, exit 2,
    when one cannot be mapped)."""
    import asyncio

    import orjson

    from streams.connectors.mapper import MappingError, Webhook
    from streams.connectors.memory import LruMemory

    headers = _headers(header or [])
    mapper = _mapper(source, tenant, mapping, connectors)
    if received is not None:
        try:
            when = datetime.fromisoformat(received)
        except ValueError:
            raise typer.BadParameter(f"--received {received!r} is not ISO 8601") from None
        if when.tzinfo is None:
            raise typer.BadParameter("--received needs a UTC offset (docs/contracts.md R1)")
    else:
        when = datetime.now(UTC)
    memory = LruMemory()

    async def run() -> None:
        for name in payloads:
            body = _read(name)
            hook = Webhook(source, tenant, body, headers, when)
            try:
                parsed = mapper.parse(hook)
                outcome = mapper.derive(parsed, await memory.get(parsed.memory_key))
            except MappingError as exc:
                _fail(f"cannot map {name}: {exc}")
            if not outcome.events:
                typer.echo(f"no event from {name}: {outcome.ignored}", err=True)
            for event in outcome.events:
                sys.stdout.write(orjson.dumps(event).decode() + "\n")
            if outcome.memory is not None:
                await memory.put(parsed.memory_key, outcome.memory)

    asyncio.run(run())


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        _fail(f"cannot read {name}: {exc.strerror or exc}")


def _mapper(source: str, tenant: str, mapping: Path | None, connectors: Path | None) -> Mapper:
    """The mapper of ``--mapping``, else of the connectors file's endpoint, else the shipped
    mapping named ``source``."""
    from models.errors import PolicyLoadError
    from models.settings import Settings
    from streams.connectors.catalog import load_mapping, shipped_mappings
    from streams.connectors.mapper import Mapper

    try:
        if mapping is not None:
            return Mapper(load_mapping(mapping), source, (tenant,))
        path = connectors or Settings().connectors_file
        if path is not None:
            from models.connectors import connectors_from_data
            from models.yamlio import read_document

            config = connectors_from_data(read_document(path), str(path))
            spec = config.sources.get(source)
            if spec is not None:
                ep = spec.tenants.get(tenant)
                if ep is None:
                    _fail(f"source {source} of {path} has no tenant {tenant}")
                base = load_mapping(spec.mapping, Path(path).resolve().parent)
                m = base.with_overrides(ep.overrides if ep else {}, f"{path}: {source}/{tenant}")
                served = (tenant, *(ep.serves if ep else ()))
                return Mapper(m, source, served)
        if source not in shipped_mappings():
            _fail(
                f"no source {source!r}: give --mapping FILE, a connectors file with it, or one "
                f"of the shipped mappings: {', '.join(shipped_mappings())}"
            )
        return Mapper(load_mapping(source), source, (tenant,))
    except PolicyLoadError as exc:
        _fail("\n".join(exc.messages))
