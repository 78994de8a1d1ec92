"""``slawatch config show [--json]``: the effective configuration, secrets masked.

The settings are read exactly as a worker reads them (:class:`models.settings.Settings`:
keyword arguments > ``SLAWATCH_*`` environment variables > the file named by
``SLAWATCH_CONFIG_FILE`` > defaults). Secrets (:class:`pydantic.SecretStr` fields, any field
whose name says password/secret/token, and the password inside a URL such as
``redis://:pw@redis:6379/0``) are printed as ``**********``.

Invalid settings print one line per problem, named by its variable, and exit 2::

    error: invalid settings
      SLAWATCH_PARTITIONS: must be ≥ 1 (got 0)

:func:`load_settings` and :func:`settings_error_lines` are for any command that wants the
same messages at start (``slawatch worker``).
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from streams.cli import app
from streams.cli.errors import CliError

if TYPE_CHECKING:  # (imported where used: ``--help`` does not load pydantic-settings)
    from pydantic import ValidationError

    from models.settings import Settings

MASK = "**********"
ENV_PREFIX = "SLAWATCH_"

_SECRET_NAME = re.compile(r"password|secret|token|credential", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@/\s]+)(?P<at>@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|pw|token)=)(?P<pw>[^&\s]+)", re.I)

config_app = typer.Typer(
    help="The effective configuration (SLAWATCH_* variables, SLAWATCH_CONFIG_FILE).",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")


class ConfigError(CliError):
    """Settings that cannot be used; ``lines`` name each problem by its variable (any
    command prints them as one line, ``config show`` one per line)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("invalid settings: " + "; ".join(lines))
        self.lines = lines


# -- helpers ----------------------------------------------------------------------------------


def env_name(field: str) -> str:
    """``partitions`` → ``SLAWATCH_PARTITIONS``."""
    return f"{ENV_PREFIX}{field.upper()}"


def is_secret_field(name: str) -> bool:
    from models.settings import Settings

    field = Settings.model_fields.get(name)
    annotation = repr(field.annotation) if field is not None else ""
    return "SecretStr" in annotation or bool(_SECRET_NAME.search(name))


def mask_url(text: str) -> str:
    """The password of ``scheme://user:password@host`` and of ``?password=…`` masked."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    return _QUERY_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def masked_value(name: str, value: Any) -> Any:
    """A JSON-able value of setting ``name``, secrets masked (``None`` stays ``None``)."""
    from pydantic import SecretStr

    if value is None:
        return None
    if isinstance(value, SecretStr) or is_secret_field(name):
        return MASK
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str):
        return mask_url(value)
    return value


def effective(settings: Settings) -> dict[str, Any]:
    """``{field name: value}`` of every setting, secrets masked (usable as a YAML/JSON
    settings file once the masked secrets are filled in)."""
    return {
        name: masked_value(name, getattr(settings, name)) for name in type(settings).model_fields
    }


def _env_has(name: str) -> bool:
    wanted = env_name(name)
    return any(k.upper() == wanted for k in os.environ)


def _file_values() -> dict[str, Any]:
    from models.settings import CONFIG_FILE_ENV, Settings, SettingsFileError, SettingsFileSource

    path = os.environ.get(CONFIG_FILE_ENV)
    if not path:
        return {}
    try:
        return SettingsFileSource.read(Path(path), Settings)
    except SettingsFileError:
        return {}


def sources(settings: Settings) -> dict[str, str]:
    """Where each setting came from: ``env``, ``file`` or ``default``."""
    in_file = _file_values()
    out = {}
    for name in type(settings).model_fields:
        if _env_has(name):
            out[name] = "env"
        elif name in in_file:
            out[name] = "file"
        else:
            out[name] = "default"
    return out


# -- validation messages ----------------------------------------------------------------------


def _expectation(err: dict[str, Any]) -> str:
    etype = err.get("type", "")
    ctx = err.get("ctx") or {}
    if etype == "greater_than_equal":
        return f"must be ≥ {ctx.get('ge')}"
    if etype == "greater_than":
        return f"must be > {ctx.get('gt')}"
    if etype == "less_than_equal":
        return f"must be ≤ {ctx.get('le')}"
    if etype == "less_than":
        return f"must be < {ctx.get('lt')}"
    if etype in ("too_short", "string_too_short"):
        return "must not be empty"
    if etype == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if etype in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if etype in ("float_parsing", "float_type"):
        return "must be a number"
    if etype in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if etype.startswith(("datetime", "timezone")):
        return "must be an ISO 8601 instant with an offset, e.g. 2026-03-02T08:00:00+01:00"
    if etype == "missing":
        return "is required"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _with_env_names(text: str) -> str:
    from models.settings import Settings

    names = sorted(Settings.model_fields, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    return pattern.sub(lambda m: env_name(m.group(1)), text)


def settings_error_lines(exc: ValidationError) -> list[str]:
    """One line per problem: ``SLAWATCH_PARTITIONS: must be ≥ 1 (got 0)``; a secret's value
    is never shown; a value from the settings file says so."""
    from models.settings import CONFIG_FILE_ENV

    in_file = _file_values()
    lines = []
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ()
        what = _expectation(dict(err))
        if not loc:
            lines.append(f"settings: {_with_env_names(what)}")
            continue
        name = str(loc[0])
        details = []
        if "input" in err and err.get("type") != "missing" and not is_secret_field(name):
            details.append(f"got {mask_url(str(err['input']))!r}")
            if not _env_has(name) and name in in_file:
                details.append(f"from {os.environ.get(CONFIG_FILE_ENV)}")
        suffix = f" ({', '.join(details)})" if details else ""
        lines.append(f"{env_name(name)}: {what}{suffix}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """``Settings(**overrides)``, or :class:`ConfigError` with one line per problem."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from models.settings import Settings, SettingsFileError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(settings_error_lines(exc)) from None
    except (SettingsFileError, SettingsError) as exc:
        raise ConfigError([str(exc)]) from None


def load_settings_or_exit(**overrides: Any) -> Settings:
    """:func:`load_settings` for a command: invalid settings print the problems on stderr
    and exit 2."""
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        typer.echo("error: invalid settings", err=True)
        for line in exc.lines:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(2) from None


# -- the command ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return '""'
    return str(value)


@config_app.command("show")
def show_cmd(
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON object {setting: value}")
    ] = False,
) -> None:
    """Print the effective configuration with secrets masked (exit 2 if it is invalid)."""
    from models.settings import CONFIG_FILE_ENV

    settings = load_settings_or_exit()
    values = effective(settings)
    if as_json:
        typer.echo(json.dumps(values, indent=2, ensure_ascii=False))
        return
    origin = sources(settings)
    config_file = os.environ.get(CONFIG_FILE_ENV)
    if config_file:
        typer.echo(f"# {CONFIG_FILE_ENV}={config_file}")
    width = max(len(env_name(n)) for n in values)
    for name, value in values.items():
        typer.echo(f"{env_name(name):<{width}}  {_text(value)}  [{origin[name]}]")
