"""``slawatch notify``: SLA signals to on-call — Alertmanager, PagerDuty, Slack, webhooks.

:mod:`.alerts` (what a signal means to on-call), :mod:`.receivers` (the request each receiver
type gets), :mod:`.dispatch` (routing, firing and resolving incidents), :mod:`.delivery`
(retries, backoff, one queue per receiver), :mod:`.state` (firing incidents and deliveries
made, across restarts), :mod:`.service` (the consumer, offsets committed after delivery).
:func:`load` checks the configuration, :func:`serve` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from aiohttp import web

from models.errors import PolicyLoadError
from models.notify import SECRET_REQUIRED, NotifyFile, notify_from_data
from models.settings import Settings
from models.yamlio import read_document
from streams.connectors.catalog import ConnectorSetupError, read_secret_file
from streams.connectors.notify.service import NotifyService
from streams.connectors.notify.state import MemoryNotifyState, NotifyState, RedisNotifyState

log = logging.getLogger("slawatch.notify")


def load(
    settings: Settings, path: Path, secrets_file: Path | None = None
) -> tuple[NotifyFile, dict[str, str]]:
    """The notify file and its receivers' secrets; raises :class:`ConnectorSetupError` naming
    every problem (an invalid file, a receiver without its required secret)."""
    try:
        config = notify_from_data(read_document(path), str(path))
    except PolicyLoadError as exc:
        raise ConnectorSetupError(exc.messages) from None
    found = read_secret_file(
        settings.notify_secrets or {}, secrets_file or settings.notify_secrets_file, "notify"
    )
    missing = [
        f"receivers.{r.name}: a {r.type} receiver needs its secret (the "
        + ("routing key" if r.type == "pagerduty" else "incoming webhook URL")
        + f'): add "{r.name}" to SLAWATCH_NOTIFY_SECRETS or the SLAWATCH_NOTIFY_SECRETS_FILE'
        for r in config.receivers
        if r.type in SECRET_REQUIRED and not found.get(r.name)
    ]
    if missing:
        raise ConnectorSetupError(missing)
    return config, {k: v.get_secret_value() for k, v in found.items()}


def notify_state(settings: Settings) -> NotifyState:
    if settings.notify_state == "redis":
        return RedisNotifyState(settings.redis_url, settings.topic_prefix)
    return MemoryNotifyState()


def serve(
    settings: Settings,
    config: NotifyFile,
    secrets: dict[str, str],
    host: str,
    port: int,
    *,
    from_beginning: bool = False,
) -> None:
    """Run until SIGINT/SIGTERM; the workers get a few seconds to finish what is queued."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        service = NotifyService(
            settings, config, secrets, notify_state(settings), from_beginning=from_beginning
        )
        runner = web.AppRunner(service.app())
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        receivers = ", ".join(f"{r.name} ({r.type})" for r in config.receivers)
        print(
            f"notify: group {service.group}; receivers {receivers}; health on "
            f"http://{host}:{port}/healthz",
            flush=True,
        )
        try:
            await service.run(stop)
        finally:
            await runner.cleanup()

    asyncio.run(main())


__all__ = ["load", "notify_state", "serve"]
