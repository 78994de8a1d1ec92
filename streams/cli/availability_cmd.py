"""``slawatch availability``: one tenant's monthly availability from a file of events, with
the outages counted and the ones excluded, and why (for service managers and disputes)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from streams.cli import app
from streams.cli.params import (
    FIRST_YEAR,
    LAST_YEAR,
    PoliciesDirs,
    ReplacePolicies,
    TenantsFile,
    input_file,
    instant,
)

EXIT_NOTHING_MEASURED = 3


def _month(value: str) -> str:
    """``YYYY-MM`` inside the calendars' years."""
    try:
        y, m = value.strip().split("-")
        year, month = int(y), int(m)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a month: write YYYY-MM, e.g. 2026-03") from None
    if not 1 <= month <= 12:
        raise typer.BadParameter(f"{value!r}: month {month} does not exist; write YYYY-MM")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise typer.BadParameter(
            f"{value!r}: the year {year} is outside the calendars' years {FIRST_YEAR}–{LAST_YEAR}"
        )
    return f"{year:04d}-{month:02d}"


def _dur(seconds: float) -> str:
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h} h {m:02d} m {sec:02d} s" if sec else f"{h} h {m:02d} m"


@app.command("availability")
def availability_cmd(
    events: Annotated[
        Path,
        typer.Argument(
            parser=input_file,
            metavar="EVENTS",
            help="JSON lines (ticket events are skipped)",
            show_default=False,
        ),
    ],
    tenants: TenantsFile,
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant")],
    month: Annotated[
        str, typer.Option("--month", parser=_month, metavar="YYYY-MM", help="calendar month")
    ],
    service: Annotated[str | None, typer.Option("--service", help="only this service")] = None,
    policies: PoliciesDirs = None,
    replace_policies: ReplacePolicies = False,
    until: Annotated[
        datetime | None,
        typer.Option(
            "--until",
            parser=instant,
            metavar="ISO",
            help="as known at this instant (default: the month's end if the file goes past "
            "it, else its last event)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print TENANT's availability for MONTH per service: the figure against the target,
    the downtime budget, every outage with what it counted, and the maintenance with the
    rules it kept or broke. Exit 2 on bad input, 3 if the tenant has nothing measured."""
    import orjson

    from calendars.timeline import us_of
    from models.errors import EventError
    from models.events import TicketEvent, parse_event
    from streams.availability.downtime import month_bounds_us
    from streams.availability.engine import AvailabilityEngine
    from streams.cli.errors import CliError
    from streams.cli.policies import registry as load_registry
    from streams.engine.errors import RejectedEvent

    year, mon = (int(x) for x in month.split("-"))
    registry = load_registry(tenants, policies, replace_policies)
    policy = registry.resolve(tenant).policy
    if not policy.availability:
        raise CliError(
            f"policy {policy.id} of tenant {tenant} has no availability target",
            EXIT_NOTHING_MEASURED,
        )
    _, hi = month_bounds_us(policy.calendar(policy.availability[0].calendar), year, mon)
    mine: list[tuple[int, int, Any]] = []
    later = False
    with events.open("rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                ev = parse_event(line)
            except EventError as exc:
                typer.echo(f"{events}:{lineno}: {exc}", err=True)
                continue
            at = us_of(ev.at)
            later = later or at >= hi
            if not isinstance(ev, TicketEvent) and ev.tenant == tenant and at < hi:
                mine.append((at, lineno, ev))
    mine.sort(key=lambda x: (x[0], x[1]))
    eng = AvailabilityEngine(registry)
    for _, lineno, ev in mine:
        try:
            eng.apply(ev)
        except RejectedEvent as exc:
            typer.echo(f"{events}:{lineno}: {exc.reason}", err=True)
    if until is not None:
        eng.advance(until)
    elif later:
        eng.advance_us(hi)
    st = eng.tenants.get(tenant)
    services = sorted(st.services) if st else []
    if service is not None:
        services = [s for s in services if s == service]
    if not services:
        what = f"service {service!r}" if service else "any service"
        raise CliError(
            f"no monitoring events for {what} of tenant {tenant} in {events}",
            EXIT_NOTHING_MEASURED,
        )
    tz = policy.timezone
    views = [v for s in services for v in eng.month_view(tenant, s, year, mon)]
    if as_json:
        doc = {
            "tenant": tenant,
            "policy": policy.id,
            "policy_version": policy.version,
            "period": f"{year:04d}-{mon:02d}",
            "as_of": _iso(st.now_us, tz),
            "services": [_view_json(v, tz) for v in views],
        }
        sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return
    typer.echo(
        f"{tenant} — policy {policy.id} {policy.version}, {datetime(year, mon, 1):%B %Y} "
        f"(as of {_hm(st.now_us, tz)})"
    )
    for v in views:
        t = v.target
        verdict = "met" if v.met else "MISSED"
        typer.echo(
            f"\n{v.service} [{t.name}: ≥ {t.target_percent:g} % on calendar {t.calendar}]: "
            f"{v.availability_percent:.4f} % ({verdict}); downtime {_dur(v.counted_us / 1e6)} "
            f"of a {_dur(v.budget_us / 1e6)} budget; measured {_dur(v.measured_us / 1e6)}"
        )
        typer.echo("  outages:" if v.outages else "  no outages")
        for o in v.outages:
            end = "going on" if o.end_us is None else _hm(o.end_us, tz)
            typer.echo(
                f"    {_hm(o.start_us, tz)} – {end:<16} cause {o.cause or '—':<20} "
                f"counted {_dur(o.counted_us / 1e6):<14} {o.note}"
            )
        if v.maintenance:
            typer.echo("  maintenance:")
        for m in v.maintenance:
            if m.broken and not m.excluded:
                how = f"counts: {m.explanation}"
            elif m.broken:
                parts = ", ".join(f"{_hm(a, tz)}–{_hm(b, tz)}" for a, b in m.excluded)
                how = f"excluded {parts}; {m.explanation}"
            else:
                how = "excluded"
            typer.echo(f"    {m.maintenance_id} ({m.kind}): {how}")


def _view_json(v: Any, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "service": v.service,
        "target": v.target.name,
        "calendar": v.target.calendar,
        "target_percent": v.target.target_percent,
        "availability_percent": v.availability_percent,
        "met": v.met,
        "downtime_seconds": v.counted_us / 1e6,
        "budget_seconds": v.budget_us / 1e6,
        "measured_seconds": v.measured_us / 1e6,
        "outages": [
            {
                "start": _iso(o.start_us, tz),
                "end": None if o.end_us is None else _iso(o.end_us, tz),
                "cause": o.cause,
                "counted_seconds": o.counted_us / 1e6,
                "note": o.note,
            }
            for o in v.outages
        ],
        "maintenance": [
            {
                "maintenance_id": m.maintenance_id,
                "kind": m.kind,
                "excluded": [[_iso(a, tz), _iso(b, tz)] for a, b in m.excluded],
                "broken": list(m.broken),
                "explanation": m.explanation,
            }
            for m in v.maintenance
        ],
    }


def _local(us: int, tz: ZoneInfo) -> datetime:
    from datetime import UTC

    return datetime.fromtimestamp(us / 1e6, UTC).astimezone(tz)


def _iso(us: int, tz: ZoneInfo) -> str:
    return _local(us, tz).isoformat()


def _hm(us: int, tz: ZoneInfo) -> str:
    return f"{_local(us, tz):%a %d %b %H:%M}"
