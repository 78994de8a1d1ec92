"""The ``slawatch`` command line.

Each command group lives in its own module and registers itself here, so that adding a
command touches one line of this file.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="slawatch",
    help="Stream-processing SLA breach detector.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # One import per command module; each module adds its commands to ``app``.
    from streams.cli import calendar_cmd  # noqa: F401
    from streams.cli import replay_cmd  # noqa: F401
    from streams.cli import demo_cmd  # noqa: F401
    from streams.cli import broker_cmd  # noqa: F401
    from streams.cli import policy_cmd  # noqa: F401


def main() -> None:
    _register()
    app()
