"""What the command line's flags accept, checked once per kind of value.

Each parser below is attached to its flags with typer's ``parser=`` (see the ``Annotated``
aliases at the end), so click names the flag in the message: a bad value never reaches a
command. They raise :class:`typer.BadParameter` with what is wrong *and* what to write;
:class:`streams.cli.errors.SlawatchGroup` prints it as one line and exits 2.

Standard library and typer only at import: ``slawatch --help`` loads this module, so the
heavier parsers (durations, Redis URLs) import what they need when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

#: the years the business calendars cover (``calendars.timeline``: 1900–2199)
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: how much of a file is looked at to tell text from binary
_SNIFF = 8192
#: the zone of the example offsets in hints (the seed policies' zone)
_HINT_ZONE = "Europe/Amsterdam"


def _bad(message: str) -> typer.BadParameter:
    return typer.BadParameter(message)


# -- instants -------------------------------------------------------------------------------------


def instant(text: str) -> datetime:
    """An aware ISO 8601 instant inside the calendars' years. A value without an offset gets
    a hint that is itself valid: the same wall time with Amsterdam's offset on that date."""
    value = text.strip()
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(
            f"{text!r} is not an ISO 8601 instant; write e.g. 2026-03-02T09:00:00+01:00"
        ) from None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise _bad(f"{text!r} has no UTC offset; write e.g. {_with_offset(dt)}")
    if not FIRST_YEAR <= dt.year <= LAST_YEAR:
        raise _bad(
            f"{text!r}: the year {dt.year} is outside the calendars' years {FIRST_YEAR}–{LAST_YEAR}"
        )
    return dt


def _with_offset(naive: datetime) -> str:
    """``naive`` with the offset Amsterdam has then (or +01:00 outside the zone's range)."""
    from zoneinfo import ZoneInfo

    try:
        offset = naive.replace(tzinfo=ZoneInfo(_HINT_ZONE)).utcoffset() or timedelta(0)
    except (OverflowError, ValueError):
        offset = timedelta(hours=1)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{naive.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# -- durations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessSpan:
    """A business duration as a command was given it: amount, unit and the text."""

    amount: float
    unit: str  # m | h | workdays | weeks | months
    text: str


def business_duration(text: str) -> BusinessSpan:
    """A duration of business time (``--add``): ``30m``, ``1h30m``, ``2wd``, ``3weeks``,
    ``1month`` — the policy files' grammar (:mod:`models.durations`)."""
    from models.durations import DurationError, parse_duration

    try:
        amount, unit = parse_duration(text)
    except DurationError as exc:
        raise _bad(str(exc)) from None
    return BusinessSpan(amount, unit, text.strip())


def wall_duration(text: str) -> timedelta:
    """A span of wall-clock time (``--within``, ``--for``): ``30m``, ``2h``, ``1h30m``,
    ``90s``, ``1week`` (:func:`models.durations.parse_wall`)."""
    from models.durations import DurationError, parse_wall

    try:
        return parse_wall(text)
    except DurationError as exc:
        raise _bad(str(exc)) from None


# -- files ----------------------------------------------------------------------------------------


def input_file(text: str) -> Path:
    """A text file to read: it exists, is a file (not a directory), can be read, and does
    not look binary (a NUL byte in its first 8 KiB)."""
    path = Path(text)
    if not path.exists():
        raise _bad(f"'{text}': no such file; check the path")
    if path.is_dir():
        raise _bad(f"'{text}' is a directory; give a file")
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
    except OSError as exc:
        raise _bad(f"'{text}': cannot read it ({exc.strerror or exc})") from None
    if b"\0" in head:
        raise _bad(f"'{text}' is a binary file; give a text file (JSON lines or YAML)")
    return path


def output_file(text: str) -> Path:
    """A file to write: not a directory, in a directory that exists and is writable."""
    import os

    path = Path(text)
    if path.is_dir():
        raise _bad(f"'{text}' is a directory; give a file name")
    parent = path.parent
    if not parent.exists():
        raise _bad(f"'{text}': directory '{parent}' does not exist; create it first")
    if not parent.is_dir():
        raise _bad(f"'{text}': '{parent}' is not a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise _bad(f"'{text}': not writable here; choose another place")
    return path


def directory(text: str) -> Path:
    """An existing directory (of policy files)."""
    path = Path(text)
    if not path.exists():
        raise _bad(f"'{text}': no such directory; check the path")
    if not path.is_dir():
        raise _bad(f"'{text}' is a file; give the directory that holds the policy files")
    return path


# -- other values ---------------------------------------------------------------------------------


def redis_url(text: str) -> str:
    """A Redis URL redis-py can connect with: ``redis://[:PASSWORD@]HOST[:PORT][/DB]``,
    ``rediss://…`` (TLS) or ``unix:///path/to/redis.sock``."""
    problem = redis_url_problem(text)
    if problem:
        raise _bad(problem)
    return text


def redis_url_problem(text: str) -> str | None:
    """Why ``text`` is not a usable Redis URL (``None`` if it is)."""
    from urllib.parse import urlsplit

    hint = "write redis://HOST:6379/0 (rediss:// for TLS, unix:///path/redis.sock)"
    try:
        url = urlsplit(text.strip())
        port = url.port  # raises ValueError on a port that is not a number
    except ValueError as exc:
        return f"{text!r} is not a valid Redis URL ({exc}); {hint}"
    if url.scheme not in ("redis", "rediss", "unix"):
        return f"{text!r} is not a Redis URL; {hint}"
    if url.scheme == "unix":
        return None if url.path else f"{text!r} names no socket path; {hint}"
    if not url.hostname:
        return f"{text!r} names no host; {hint}"
    if port is not None and not 0 < port < 65536:
        return f"{text!r}: port {port} is out of range; {hint}"
    db = url.path.strip("/")
    if db and not db.isdigit():
        return f"{text!r}: the database after the host is a number (/0); {hint}"
    return None


def ticket_key(text: str) -> str:
    """``TENANT:TICKET`` (``--explain``)."""
    tenant, sep, ticket = text.partition(":")
    if not sep or not tenant.strip() or not ticket.strip():
        raise _bad(f"{text!r} is not TENANT:TICKET; write e.g. acme:INC-1")
    return f"{tenant.strip()}:{ticket.strip()}"


# -- the flags ------------------------------------------------------------------------------------

TenantsFile = Annotated[
    Path,
    typer.Option(
        "--tenants",
        parser=input_file,
        metavar="FILE",
        help="tenant contracts (YAML/JSON)",
        show_default=False,
    ),
]
PoliciesDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--policies",
        parser=directory,
        metavar="DIR",
        help="a directory of your own policy files, added to the bundled ones "
        "($SLAWATCH_POLICIES_DIR replaces those); repeatable",
        show_default=False,
    ),
]
ReplacePolicies = Annotated[
    bool,
    typer.Option(
        "--replace-policies",
        help="use only the --policies directories, not the bundled policies",
    ),
]
