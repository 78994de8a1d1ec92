"""``slawatch at-risk``, ``breaches`` and ``services``: read the Redis read model.

``at-risk`` lists a tenant's open clocks whose deadline falls within a window from now
(overdue ones included), earliest deadline first; ``breaches`` the most recent breaches;
``services`` each monitored service's month. All read what the runtime's read-model sink
wrote (``streams.sinks.redis_model``).

"Now" is the runtime's: the clock the workers store with the read model (the demo's
simulated clock as much as the wall clock), unless ``--now`` says otherwise; only when no
worker has stored one yet, this command's own ``SLAWATCH_CLOCK_*`` settings. The tables
say which clock they used, and fit an 80-column terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from streams.cli import app
from streams.cli.params import instant, redis_url, wall_duration

if TYPE_CHECKING:
    from models.settings import Settings
    from streams.sinks.redis_model import ReadModel

__all__ = ["parse_duration"]

#: ``--within``: a span of wall-clock time in the one duration grammar (``30m``, ``2h``,
#: ``1h30m``, ``1week``; ``1d`` is refused as ambiguous, see :mod:`models.durations`)
parse_duration = wall_duration


@dataclass(frozen=True, slots=True)
class _Now:
    """The instant the command measures against, and which clock gave it (for the caption)."""

    at: datetime
    source: str


def _now(given: datetime | None, client: Any, model: ReadModel, settings: Settings) -> _Now:
    """``--now`` (``given``), else the runtime's clock stored with the read model, else this
    command's own ``SLAWATCH_CLOCK_*`` (no worker has written yet)."""
    from streams.clock import SimClock
    from streams.sinks.redis_model import ReadModelError

    if given is not None:
        return _Now(given, "as given with --now")
    try:
        stored = model.runtime_clock(client)
    except ReadModelError as exc:
        typer.echo(f"error: {exc}; give the instant with --now", err=True)
        raise typer.Exit(2) from None
    if stored is not None:
        if stored.simulated:
            pace = f"running ×{stored.speed:g}" if stored.speed else "frozen"
            return _Now(stored.now(), f"the runtime's simulated clock, {pace}")
        return _Now(stored.now(), "the wall clock, as the runtime's")
    own = SimClock.from_settings(settings)
    late = "no worker has stored its clock in Redis yet"
    if own.simulated:
        return _Now(own.now(), f"this command's SLAWATCH_CLOCK_* settings ({late})")
    return _Now(own.now(), f"the wall clock ({late})")


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

    def common(self, records: list[dict[str, Any]]) -> tzinfo | None:
        """The one zone of all ``records`` (``--tz``, or their policies'), if they share it."""
        if self.fixed is not None:
            return self.fixed
        zones = {self.of(r) for r in records}
        return zones.pop() if len(zones) == 1 else None

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


def _when(value: Any, zone: tzinfo, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(str(value)).astimezone(zone).strftime(fmt)


def _moment(at: datetime, zone: tzinfo | None) -> str:
    """An instant in a title: ``Mon 02 Mar 2026 10:15 CET``."""
    return at.astimezone(zone or UTC).strftime("%a %d %b %Y %H:%M %Z")


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


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
    from models.durations import format_left, format_wall
    from streams.sinks.redis_model import ReadModel

    settings, url, key_prefix = _defaults(redis_url, prefix)
    zones = _Zones(tz)
    model, client = ReadModel(key_prefix), _client(url)
    clock = _now(now, client, model, settings)
    at = clock.at
    records = model.at_risk(client, tenant, at, within, limit)
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
    when = _moment(at, zones.common(records) if records else zones.fixed)
    span = f"due within {format_wall(within)} of" if within else "at"
    what = f"open clocks {span} {when}"
    if not rows:
        _print(f"{tenant}: no {what}.", None, f"now: {clock.source}")
        return
    table = _table()
    for col in ("ticket", "clock", "priority", "status"):
        table.add_column(col, overflow="fold")
    table.add_column("deadline", no_wrap=True)
    table.add_column("left", justify="right", no_wrap=True)
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
    _print(f"{tenant}: {what}, earliest deadline first", table, f"now: {clock.source}")


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
    if not signals:
        _console().print(f"{tenant}: no breaches recorded.")
        return
    common = zones.common(signals)
    years = {
        datetime.fromisoformat(str(v)).astimezone(zones.of(sig)).year
        for sig in signals
        for v in (sig.get("at"), sig.get("deadline"))
        if v
    }
    if common is not None and len(years) == 1:  # short cells: the year and zone in the title
        fmt, in_zone = "%d %b %H:%M", f" ({years.pop()}; times {_zone_name(common)})"
    elif common is not None:
        fmt, in_zone = "%Y-%m-%d %H:%M", f" (times {_zone_name(common)})"
    else:
        fmt, in_zone = "%Y-%m-%d %H:%M %Z", ""
    table = _table()
    table.add_column("at", no_wrap=True)
    for col in ("type", "ticket", "clock", "priority"):
        table.add_column(col, overflow="fold")
    table.add_column("deadline", no_wrap=True)
    for sig in signals:
        zone = zones.of(sig)
        kind = str(sig.get("type"))
        subject = str(sig.get("ticket_id") or sig.get("service") or "—")
        target = sig.get("target") if sig.get("target") != subject else None
        table.add_row(
            _when(sig.get("at"), zone, fmt),
            _BREACH_LABELS.get(kind, kind),
            subject,
            str(sig.get("clock") or target or "—"),
            str(sig.get("priority") or "—"),
            _when(sig.get("deadline"), zone, fmt),
        )
    _print(f"{tenant}: the latest breaches, newest first{in_zone}", table)


#: ``breaches``: the signal types in a word (``--json`` has the types themselves)
_BREACH_LABELS = {
    "sla.breach": "breach",
    "sla.missed": "missed",
    "availability.breach": "availability",
}


@app.command("services")
def services_cmd(
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant")],
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    as_json: AsJson = False,
    tz: Zone = "policy",
) -> None:
    """Each monitored service of a tenant, its month so far as the runtime last computed it:
    the availability against the target, downtime and budget, an outage going on and when it
    would miss the target (the Redis read model; for a month's outages and the maintenance
    rules, see ``slawatch availability``)."""
    from streams.sinks.redis_model import ReadModel

    settings, url, key_prefix = _defaults(redis_url, prefix)
    zones = _Zones(tz)
    model, client = ReadModel(key_prefix), _client(url)
    records = model.availability(client, tenant)
    if as_json:
        for rec in records:
            typer.echo(orjson.dumps(rec).decode())
        return
    if not records:
        _console().print(f"{tenant}: no monitored services recorded.")
        return
    _services(tenant, records, zones, _now(None, client, model, settings))


def _table() -> Any:
    """The commands' table style: a rule under the header, no frame, two spaces between
    columns (80 columns go a long way)."""
    from rich import box
    from rich.table import Table

    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)


def _print(title: str, table: Any | None, *notes: Any) -> None:
    """A title line, the table, dim notes: lines of their own, so they wrap at the terminal's
    width, not the table's."""
    from rich.text import Text

    console = _console()
    console.print(Text(title))
    if table is not None:
        console.print(table)
    for note in notes:
        console.print(note if isinstance(note, Text) else Text(note, style="dim"))


def _services(tenant: str, records: list[dict[str, Any]], zones: _Zones, clock: _Now) -> None:
    """One row per (service, target); an outage going on is a line under the table (a cell
    for it would not fit 80 columns)."""
    from rich.text import Text

    from models.durations import format_left

    common = zones.common(records)
    fmt = "%d %b %H:%M" if common is not None else "%d %b %H:%M %Z"
    in_zone = f"; times {_zone_name(common)}" if common is not None else ""
    table = _table()
    table.add_column("service", overflow="fold")
    table.add_column("month", no_wrap=True)
    for col in ("availability", "target", "downtime", "budget"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("updated", overflow="fold")
    names = [str(rec["service"]) for rec in records]
    outages: list[Text] = []
    for rec in records:
        zone = zones.of(rec)
        service = str(rec["service"])
        if names.count(service) > 1:  # several targets measure it: name each
            service = f"{service} ({rec['target']})"
        figure = Text(f"{rec['availability_percent']:.4f} %")
        if rec.get("breached"):
            figure.append("\nBREACHED", style="bold red")
        table.add_row(
            service,
            str(rec["period"]),
            figure,
            f"{rec['target_percent']:g} %",
            format_left(float(rec["downtime_seconds"])),
            format_left(float(rec["budget_seconds"])),
            _when(rec.get("updated_at"), zone, fmt),
        )
        if rec.get("down_since"):
            outages.append(_outage(service, rec, zone, fmt, clock.at))
    _print(
        f"{tenant}: availability per service at {_moment(clock.at, common)}",
        table,
        *outages,
        f"now: {clock.source}{in_zone}; updated: when the runtime computed the row",
    )


def _outage(service: str, rec: dict[str, Any], zone: tzinfo, fmt: str, now: datetime) -> Any:
    """``SERVICE is down since …`` and when, if it goes on, the month's target is missed."""
    from rich.text import Text

    text = Text(f"{service} is down since {_when(rec['down_since'], zone, fmt)}", style="yellow")
    exhausts = rec.get("exhausts_at")
    if exhausts:
        if datetime.fromisoformat(exhausts) <= now:
            text.append(f"; the {rec['period']} target was missed at ")
        else:
            text.append(f"; if it goes on, the {rec['period']} target is missed at ")
        text.append(_when(exhausts, zone, fmt))
    return text
