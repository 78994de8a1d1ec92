"""``slawatch calendar``: a business calendar's opening periods and a deadline from a start."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from streams.cli import app

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|workdays?|d)\s*$")


def _duration(text: str) -> tuple[float, str]:
    m = _DURATION.match(text)
    if not m:
        raise typer.BadParameter(f"{text!r}: use e.g. 30m, 16h, 2workdays")
    unit = m[2].rstrip("s")
    return float(m[1]), "workday" if unit in ("workday", "d") else unit


@app.command("calendar")
def calendar_cmd(
    spec: Annotated[
        Path | None, typer.Option("--spec", help="a calendar spec file (YAML/JSON)")
    ] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="a policy id")] = None,
    name: Annotated[
        str | None, typer.Option("--calendar", help="calendar name in the policy")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="ISO 8601 instant with offset")
    ] = None,
    add: Annotated[
        str, typer.Option("--add", help="business time to add: 30m, 16h, 2workdays")
    ] = "8h",
    days: Annotated[int, typer.Option("--days", help="how many days of opening hours to list")] = 7,
) -> None:
    """Print a calendar's opening periods from START and the deadline START + ADD."""
    import yaml

    from calendars import BusinessCalendar, SlawatchError

    try:
        if spec is not None:
            cal = BusinessCalendar.from_spec(yaml.safe_load(spec.read_text()))
            label = str(spec)
        else:
            from models.contracts import load_policies

            pol = load_policies().policy(policy or "bokumo-ict")
            cal_name = name or next(iter(pol.calendars))
            cal = pol.calendar(cal_name)
            label = f"{pol.id}/{cal_name}"
    except SlawatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if start is None:
        begin = datetime.now(cal.timezone).replace(minute=0, second=0, microsecond=0)
    else:
        try:
            begin = datetime.fromisoformat(start)
        except ValueError:
            typer.echo(f"error: --start {start!r} is not ISO 8601", err=True)
            raise typer.Exit(2) from None
        if begin.tzinfo is None:
            typer.echo(f"error: --start {start!r} needs an offset (e.g. +01:00)", err=True)
            raise typer.Exit(2) from None
    amount, unit = _duration(add)
    typer.echo(f"calendar {label} ({cal.timezone.key}), workday {cal.workday_hours} h")
    day = begin.astimezone(cal.timezone).date()
    for i in range(days):
        typer.echo(f"  {cal.day(day + timedelta(days=i))}")
    if unit == "workday":
        deadline = cal.add_workdays(begin, amount)
    else:
        deadline = cal.add(
            begin, timedelta(minutes=amount) if unit == "m" else timedelta(hours=amount)
        )
    typer.echo(f"start    {begin.astimezone(cal.timezone).isoformat()}")
    typer.echo(f"+ {add:<6} {deadline.isoformat()}")
    for seg in cal.explain(begin, deadline):
        typer.echo(f"  counted {seg}")
