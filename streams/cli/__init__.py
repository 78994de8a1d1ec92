"""The ``slawatch`` command line.

Each command group lives in its own module and registers itself here, so that adding a
command touches one line of this file. Registration is cheap: a command module imports only
typer and the standard library at the top, and what its command needs (pydantic, the
policies, Faust, Kafka, Redis) inside the command, so ``slawatch --help`` and a quick
``slawatch deadline`` do not pay for the runtime (``bench/bench_startup.py``; a test checks
that ``--help`` imports none of Faust, Kafka, Redis or pydantic-settings).

Mistakes end as one line on stderr and exit 2, in one place: :mod:`streams.cli.errors`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import typer

from streams.cli.errors import SlawatchGroup

app = typer.Typer(
    name="slawatch",
    help="Stream-processing SLA breach detector.",
    cls=SlawatchGroup,
    # plain help text: typer's rich help imports rich's markdown renderer (~90 ms)
    rich_markup_mode=None,
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
    "ingest_cmd",
    "map_cmd",
    "notify_cmd",
    "policy_cmd",
    "query_cmd",
    "replay_cmd",
    "report_cmd",
    "sink_cmd",
    "web_cmd",
    "worker_cmd",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"streams.cli.{name}")
    _resolve_annotations(app)


def _resolve_annotations(group: typer.Typer) -> None:
    """Evaluate the commands' parameter annotations once. The command modules use
    ``from __future__ import annotations`` (strings), and typer evaluates each string
    again every time it reads a parameter while it builds the click commands, on every
    run: 23 ms for all commands, 9 ms with the annotations resolved here first."""
    import typing

    for command in group.registered_commands:
        func = command.callback
        if func is not None and any(isinstance(a, str) for a in func.__annotations__.values()):
            func.__annotations__ = typing.get_type_hints(func, include_extras=True)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _resolve_annotations(sub.typer_instance)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``slawatch`` entry point (``argv`` defaults to the process's arguments)."""
    import warnings

    from streams.cli.errors import warning_line

    warnings.formatwarning = warning_line
    _register()
    app(args=None if argv is None else list(argv), prog_name="slawatch")
