"""How the command line reports a mistake: one line on stderr, an exit code, no traceback.

Every command lets its errors propagate; :class:`SlawatchGroup` (the ``slawatch`` group's
click class) turns them into ``error: <what>; <what to do>`` once, at the entry point:

- a usage error (a bad or missing flag, an unknown command; raised by click or by a
  parameter parser of :mod:`streams.cli.params`): its message with the flag it names, and
  where the help is — exit 2;
- a :class:`~calendars.errors.SlawatchError` (a policy, contract, calendar or input problem;
  the library's messages already name the file or value): exit 2, or the exit code of a
  :class:`CliError`;
- an ``OSError`` about a file (permission denied, disk full while writing): exit 2;
- Ctrl-C: ``aborted``, exit 130.

Anything else is a bug and keeps its traceback. The same class serves ``slawatch`` and
click's test runner (``CliRunner`` invokes ``main`` too), so tests see what a user sees.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from calendars.errors import SlawatchError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

# click's exception classes, found through typer's public BadParameter (typer vendors click
# in some versions and depends on it in others)
_MRO = {c.__name__: c for c in typer.BadParameter.__mro__}
_ClickException: type[Exception] = _MRO["ClickException"]
_UsageError: type[Exception] = _MRO["UsageError"]


class CliError(SlawatchError):
    """A mistake in what the command was given: ``str()`` is the line to print (it names the
    flag or file and says what to do); ``exit_code`` 2 unless a command documents another
    (e.g. 3: the asked clock does not apply to that ticket)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line. A message of several lines (one per problem of a
    policy file) keeps its first and says how many more there are."""
    lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
    if not lines:
        return type(exc).__name__
    if len(lines) == 1:
        return lines[0]
    more = len(lines) - 1
    return f"{lines[0]} (+{more} more problem{'s' if more > 1 else ''}: slawatch policy check)"


def _usage_line(exc: Any) -> str:
    message = str(exc.format_message()).strip().replace("\n", " ")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return f"{message.rstrip('.')}; see '{ctx.command_path} --help'"
    return message


def _os_line(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {what}"
    return what


def warning_line(message: Warning | str, category: type[Warning], *args: Any, **kw: Any) -> str:
    """``warnings.formatwarning`` of the ``slawatch`` process: a warning (a deprecated
    setting, a stale compiled build) is one line too, without the source line."""
    return f"warning: {message}\n"


class SlawatchGroup(TyperGroup):
    """The ``slawatch`` group: click's own error display replaced by one line (see the
    module doc)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _UsageError as exc:
            code = _fail(_usage_line(exc), EXIT_BAD_INPUT)
        except _ClickException as exc:
            code = _fail(one_line(exc), int(getattr(exc, "exit_code", 1)))
        except SlawatchError as exc:
            code = _fail(one_line(exc), getattr(exc, "exit_code", EXIT_BAD_INPUT))
        except (typer.Abort, KeyboardInterrupt):
            code = _fail("aborted", EXIT_INTERRUPTED)
        except BrokenPipeError:  # `slawatch replay … | head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            code = 1
        except OSError as exc:
            code = _fail(_os_line(exc), EXIT_BAD_INPUT)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _fail(line: str, code: int) -> int:
    typer.echo(f"error: {line}", err=True)
    return code
