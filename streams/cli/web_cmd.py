"""``slawatch web``: serve the ops board (:mod:`streams.web`).

Reads the Redis read model (``SLAWATCH_REDIS_URL``) and the output topics
(``SLAWATCH_BROKERS``) with the same settings as a worker; the tokens are
``SLAWATCH_WEB_ADMIN_TOKEN`` / ``SLAWATCH_WEB_TENANT_TOKENS``. Without a token the board
listens on loopback only (a non-loopback ``--bind`` is refused, exit 2).
:func:`start_board` runs it as a child process for ``slawatch demo``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from streams.cli import app

__all__ = ["board_url", "start_board"]


def board_url(bind: str, port: int) -> str:
    """The URL to print for a board listening on ``bind:port`` (all interfaces: loopback)."""
    host = "127.0.0.1" if bind in ("0.0.0.0", "", "::") else bind
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


@app.command("web")
def web_cmd(
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free one)")] = 8080,
    bind: Annotated[
        str, typer.Option(help="address to listen on (beyond loopback only with tokens)")
    ] = "127.0.0.1",
    redis_url: Annotated[
        str | None, typer.Option("--redis-url", help="Redis URL (default $SLAWATCH_REDIS_URL)")
    ] = None,
    prefix: Annotated[
        str | None,
        typer.Option("--prefix", help="key prefix (default $SLAWATCH_TOPIC_PREFIX + 'slawatch:')"),
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live/--no-live", help="push live updates read from the output topics"),
    ] = True,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l", help="warn|info|debug")] = "info",
) -> None:
    """Serve the ops board: every tenant at a glance, each tenant's clocks counting down to
    their deadlines, tickets with their deadline explained; live, from the stream."""
    from streams.cli.config_cmd import load_settings_or_exit
    from streams.web.auth import BindRefused, Tokens, check_bind

    settings = load_settings_or_exit(**({"redis_url": redis_url} if redis_url else {}))
    logging.basicConfig(
        level=getattr(logging, loglevel.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        warning = check_bind(bind, Tokens.from_settings(settings))
    except BindRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if warning:
        typer.echo(warning, err=True)
    from streams.web.app import create_app

    board = create_app(settings, prefix=prefix, feed=live)
    try:
        import asyncio  # (the command group's --help loads no asyncio)

        asyncio.run(_serve(board, bind, port))
    except OSError as exc:  # the port is taken, the address is not this machine's
        typer.echo(f"error: cannot listen on {bind}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None


async def _serve(board: Any, bind: str, port: int) -> None:
    from aiohttp import web

    runner = web.AppRunner(board, access_log=None)
    await runner.setup()
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, bind, port, shutdown_timeout=2.0)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        typer.echo(f"slawatch board on {board_url(bind, bound)}")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await runner.cleanup()


def start_board(
    env: Mapping[str, str], port: int, log: Path, *, timeout: float = 30.0
) -> subprocess.Popen[bytes]:
    """``slawatch web`` as a child process (loopback, ``port``), returned once its
    ``/healthz`` answers; ``RuntimeError`` with the log's tail if it does not."""
    from streams.embedded import _pdeathsig_preexec

    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "web", "--port", str(port), "--bind", "127.0.0.1"],
            env=dict(env),
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_pdeathsig_preexec(),
        )
    url = f"{board_url('127.0.0.1', port)}healthz"
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if proc.poll() is not None:
            break
        try:
            import urllib.request

            with urllib.request.urlopen(url, timeout=1):
                return proc
        except OSError:  # not listening yet (a 503 is an HTTPError: an OSError too)
            time.sleep(0.2)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
    raise RuntimeError("the board did not start:\n" + "\n".join(tail))
