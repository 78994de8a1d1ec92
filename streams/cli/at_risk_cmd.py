"""``slawatch at-risk`` and ``slawatch breaches``: read the Redis read model.

``at-risk`` lists a tenant's open clocks whose deadline falls within a window from now
(overdue ones included), earliest deadline first; ``breaches`` the most recent breaches.
Both read what the runtime's read-model sink wrote (``streams.sinks.redis_model``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any

import orjson
import typer

from streams.cli import app
from streams.cli.params import instant, redis_url, wall_duration

__all__ = ["format_left", "parse_duration"]

#: ``--within``: a span of wall-clock time in the one duration grammar (``30m``, ``2h``,
#: ``1h30m``, ``1week``; ``1d`` is refused as ambiguous, see :mod:`models.durations`)
parse_duration = wall_duration


def format_left(seconds: float) -> str:
    """Signed, compact time left: ``25m``, ``2h05m``, ``1d03h``, ``-45s``, ``-1h00m``."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        body = f"{days}d{hours:02d}h"
    elif hours:
        body = f"{hours}h{minutes:02d}m"
    elif minutes:
        body = f"{minutes}m"
    else:
        body = f"{secs}s"
    return sign + body


def _parse_now(value: datetime | None, settings: Any) -> datetime:
    if value is None:
        from streams.clock import SimClock

        return SimClock.from_settings(settings).now()
    return value


class _Zones:
    """Display zone per record: ``--tz NAME``, or (``policy``) the zone of the record's
    policy's first calendar, UTC when the policy is not known locally."""

    def __init__(self, choice: str) -> None:
        self.fixed: tzinfo | None = None
        self.cache: dict[str, tzinfo] = {}
        self.policies: Any = None
        if choice.lower() == "policy":
            return
        if choice.upper() == "UTC":
            self.fixed = UTC
            return
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            self.fixed = ZoneInfo(choice)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"{choice!r} is not a time zone; write policy, UTC or e.g. Europe/Amsterdam"
            raise typer.BadParameter(msg) from None

    def of(self, record: dict[str, Any]) -> tzinfo:
        if self.fixed is not None:
            return self.fixed
        policy = str(record.get("policy") or "")
        if policy not in self.cache:
            self.cache[policy] = self._lookup(policy)
        return self.cache[policy]

    def _lookup(self, policy: str) -> tzinfo:
        try:
            if self.policies is None:
                from models.contracts import load_policies
                from models.settings import Settings

                self.policies = load_policies(Settings().policies_dir)
            pol = self.policies.policy(policy)
            return pol.calendar(next(iter(pol.calendars))).timezone
        except Exception:  # unknown policy (custom, from sla.contracts), bad dir: show UTC
            return UTC


def _client(url: str) -> Any:
    import redis

    from streams.cli.errors import CliError

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        shown = _masked(url)
        raise CliError(f"Redis at {shown} is unreachable ({exc}); check --redis-url") from None
    except redis.exceptions.AuthenticationError as exc:
        raise CliError(f"Redis at {_masked(url)} refused the login ({exc})") from None
    return client


def _masked(url: str) -> str:
    from streams.cli.config_cmd import mask_url

    return mask_url(url)


def _defaults(url: str | None, prefix: str | None) -> tuple[Any, str, str]:
    from streams.cli.config_cmd import load_settings
    from streams.cli.errors import CliError
    from streams.cli.params import redis_url_problem
    from streams.sinks.redis_model import default_prefix

    settings = load_settings()
    if url is None:
        url = settings.redis_url
        problem = redis_url_problem(url)
        if problem:
            raise CliError(f"SLAWATCH_REDIS_URL: {problem}")
    return settings, url, prefix or default_prefix(settings)


def _when(value: Any, zone: tzinfo) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(str(value)).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


RedisUrl = Annotated[
    str | None,
    typer.Option("--redis-url", parser=redis_url, help="Redis URL (default $SLAWATCH_REDIS_URL)"),
]
Prefix = Annotated[
    str | None,
    typer.Option("--prefix", help="key prefix (default $SLAWATCH_TOPIC_PREFIX + 'slawatch:')"),
]
AsJson = Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")]


def _zone_choice(text: str) -> str:
    """``policy``, ``UTC`` or an IANA zone name."""
    _Zones(text)  # raises BadParameter for an unknown zone
    return text


Zone = Annotated[
    str,
    typer.Option(
        "--tz",
        parser=_zone_choice,
        help="display zone: 'policy' (the policy calendar's zone), UTC, or IANA",
    ),
]


@app.command("at-risk")
def at_risk_cmd(
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant")],
    within: Annotated[
        timedelta | None,
        typer.Option(
            "--within",
            parser=wall_duration,
            metavar="DURATION",
            help="window from now: 30m, 2h, 1h30m, 1week (default: all open clocks)",
        ),
    ] = None,
    now: Annotated[
        datetime | None,
        typer.Option(
            "--now",
            parser=instant,
            metavar="ISO",
            help="ISO instant with offset (default: the runtime's clock)",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="at most N clocks")] = None,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    as_json: AsJson = False,
    tz: Zone = "policy",
) -> None:
    """Open clocks of a tenant whose deadline is within a window from now, earliest first
    (overdue ones included, with a negative time left)."""
    from models.durations import format_wall
    from streams.sinks.redis_model import ReadModel

    settings, url, key_prefix = _defaults(redis_url, prefix)
    at = _parse_now(now, settings)
    zones = _Zones(tz)
    records = ReadModel(key_prefix).at_risk(_client(url), tenant, at, within, limit)
    rows = []
    for rec in records:
        deadline = datetime.fromisoformat(rec["deadline"])
        rows.append((rec, (deadline - at).total_seconds()))
    if as_json:
        for rec, left in rows:
            out = {k: v for k, v in rec.items() if k != "state"}
            out["seconds_left"] = left
            typer.echo(orjson.dumps(out).decode())
        return
    from rich.console import Console
    from rich.table import Table

    span = f"within {format_wall(within)}" if within else "all open clocks"
    table = Table(title=f"{tenant}: at risk {span} of {at.isoformat()}", title_justify="left")
    for col in ("ticket", "clock", "priority", "status", "deadline"):
        table.add_column(col, no_wrap=col == "deadline")
    table.add_column("left", justify="right")
    for rec, left in rows:
        style = "red" if left < 0 else "yellow" if left < 3600 else None
        table.add_row(
            str(rec.get("ticket_id")),
            str(rec.get("clock")),
            str(rec.get("priority") or "—"),
            str(rec.get("status")),
            _when(rec.get("deadline"), zones.of(rec)),
            format_left(left),
            style=style,
        )
    console = Console()
    if rows:
        console.print(table)
    else:
        console.print(f"{tenant}: no open clocks due {span}.")


@app.command("breaches")
def breaches_cmd(
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="how many, newest first")] = 20,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    as_json: AsJson = False,
    tz: Zone = "policy",
) -> None:
    """The most recent breaches of a tenant (sla.breach, sla.missed, availability.breach),
    newest first."""
    from streams.sinks.redis_model import ReadModel

    _, url, key_prefix = _defaults(redis_url, prefix)
    zones = _Zones(tz)
    signals = ReadModel(key_prefix).recent_breaches(_client(url), tenant, limit)
    if as_json:
        for sig in signals:
            typer.echo(orjson.dumps(sig).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{tenant}: recent breaches", title_justify="left")
    for col in ("at", "type", "ticket", "clock", "priority", "deadline"):
        table.add_column(col, no_wrap=col in ("at", "deadline"))
    for sig in signals:
        zone = zones.of(sig)
        table.add_row(
            _when(sig.get("at"), zone),
            str(sig.get("type")),
            str(sig.get("ticket_id") or sig.get("service") or "—"),
            str(sig.get("clock") or "—"),
            str(sig.get("priority") or "—"),
            _when(sig.get("deadline"), zone),
        )
    console = Console()
    if signals:
        console.print(table)
    else:
        console.print(f"{tenant}: no breaches recorded.")


@app.command("services")
def services_cmd(
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant")],
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    as_json: AsJson = False,
    tz: Zone = "policy",
) -> None:
    """Each monitored service of a tenant this month, as the runtime last computed it: the
    availability against the target, downtime and budget, an outage going on and when it
    would miss the target (the Redis read model; for a month's outages and the maintenance
    rules, see ``slawatch availability``)."""
    from streams.sinks.redis_model import ReadModel

    _, url, key_prefix = _defaults(redis_url, prefix)
    zones = _Zones(tz)
    records = ReadModel(key_prefix).availability(_client(url), tenant)
    if as_json:
        for rec in records:
            typer.echo(orjson.dumps(rec).decode())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{tenant}: availability this month", title_justify="left")
    for col in ("service", "month", "availability", "target", "downtime", "budget", "down since",
                "misses target at", "as of"):  # fmt: skip
        table.add_column(col, no_wrap=True)
    for rec in records:
        zone = zones.of(rec)
        pct = f"{rec['availability_percent']:.4f} %" + (" BREACHED" if rec.get("breached") else "")
        table.add_row(
            str(rec["service"]),
            str(rec["period"]),
            pct,
            f"{rec['target_percent']:g} %",
            format_left(float(rec["downtime_seconds"])),
            format_left(float(rec["budget_seconds"])),
            _when(rec.get("down_since"), zone),
            _when(rec.get("exhausts_at"), zone),
            _when(rec.get("updated_at"), zone),
        )
    console = Console()
    if records:
        console.print(table)
    else:
        console.print(f"{tenant}: no monitored services recorded.")
