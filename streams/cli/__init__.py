"""The ``slawatch`` command line.

Each command group lives in its own module and registers itself here, so that adding a
command touches one line of this file.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="slawatch",
    help="Stream-processing SLA breach detector.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# One module per command group; each adds its commands to ``app`` when imported.
COMMAND_MODULES = (
    "at_risk_cmd",
    "availability_cmd",
    "broker_cmd",
    "calendar_cmd",
    "config_cmd",
    "demo_cmd",
    "policy_cmd",
    "replay_cmd",
    "web_cmd",
    "worker_cmd",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"streams.cli.{name}")


def main() -> None:
    _register()
    app()
