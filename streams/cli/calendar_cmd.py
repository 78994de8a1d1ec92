"""``slawatch calendar``: a business calendar's opening periods and a deadline from a start."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from streams.cli import app
from streams.cli.params import (
    BusinessSpan,
    PoliciesDirs,
    ReplacePolicies,
    business_duration,
    input_file,
    instant,
)


@app.command("calendar")
def calendar_cmd(
    spec: Annotated[
        Path | None,
        typer.Option("--spec", parser=input_file, help="a calendar spec file (YAML/JSON)"),
    ] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="a policy id (default: bokumo-ict)")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--calendar", help="calendar name in the policy")
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option(
            "--start",
            parser=instant,
            metavar="ISO",
            help="ISO 8601 instant with offset (default: this hour)",
        ),
    ] = None,
    add: Annotated[
        BusinessSpan,
        typer.Option(
            "--add",
            parser=business_duration,
            metavar="DURATION",
            help="business time to add: 30m, 1h30m, 16h, 2wd (workdays), 3weeks, 1month",
        ),
    ] = "8h",  # type: ignore[assignment]  (typer parses the default too)
    days: Annotated[
        int, typer.Option("--days", min=1, max=366, help="how many days of opening hours to list")
    ] = 7,
    policies: PoliciesDirs = None,
    replace_policies: ReplacePolicies = False,
) -> None:
    """Print a calendar's opening periods from START and the deadline START + ADD."""
    from calendars import BusinessCalendar, CalendarError, CalendarSpecError
    from streams.cli.errors import CliError

    if spec is not None:
        from models.yamlio import read_document

        try:
            cal = BusinessCalendar.from_spec(read_document(spec, str(spec)))
        except CalendarSpecError as exc:
            raise CliError(f"{spec}: {exc}") from None
        label = str(spec)
    else:
        from streams.cli.policies import one

        pol = one(policy or "bokumo-ict", None, policies, replace_policies)
        cal_name = name or next(iter(pol.calendars))
        cal = pol.calendar(cal_name)
        label = f"{pol.id}/{cal_name}"
    begin = start or datetime.now(cal.timezone).replace(minute=0, second=0, microsecond=0)
    # everything is worked out before anything is printed: a mistake is one line, never a
    # half-printed answer
    try:
        deadline, counted = _deadline(cal, begin, add)
        plans = [cal.day(begin.astimezone(cal.timezone).date() + timedelta(days=i))
                 for i in range(days)]  # fmt: skip
    except (CalendarError, OverflowError) as exc:
        raise CliError(f"--add {add.text} from {begin.isoformat()}: {exc}") from None
    lines = [f"calendar {label} ({cal.timezone.key}), workday {cal.workday_hours} h"]
    lines.extend(f"  {day}" for day in plans)
    lines.append(f"start    {begin.astimezone(cal.timezone).isoformat()}")
    lines.append(f"+ {add.text:<6} {deadline.isoformat()}")
    lines.extend(counted)
    typer.echo("\n".join(lines))


def _deadline(cal: Any, begin: datetime, add: BusinessSpan) -> tuple[datetime, list[str]]:
    """``begin + add`` on ``cal`` and the lines that account for it. Weeks and months are
    wall-clock spans from the business-aligned start, as for a policy's targets."""
    if add.unit in ("weeks", "months"):
        origin = cal.next_open(begin)
        n = int(add.amount)
        deadline = cal.shift_wall(origin, **{add.unit: n})
        return deadline, [f"  wall-clock {add.text} from the first opening, {origin.isoformat()}"]
    if add.unit == "workdays":
        deadline = cal.add_workdays(begin, add.amount)
    else:
        per = 60 if add.unit == "m" else 3600
        deadline = cal.add(begin, timedelta(seconds=add.amount * per))
    return deadline, [f"  counted {_segment(seg)}" for seg in cal.explain(begin, deadline)]


def _segment(seg: Any) -> str:
    from models.durations import format_wall

    return (
        f"{seg.start.isoformat()} → {seg.end.isoformat()} "
        f"({format_wall(seg.duration)}, {seg.reason})"
    )
