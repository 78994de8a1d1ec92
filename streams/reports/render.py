"""A report as text (the terminal), CSV files (a spreadsheet) and JSON (:class:`Report`).

The HTML page is :mod:`streams.reports.html`. All renderers read the :class:`Report` only,
so every format shows the same numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from models.report import Report, Row


def as_json(report: Report) -> bytes:
    """The ``--json`` document (``slawatch schema report``)."""
    return report.model_dump_json(by_alias=True, indent=2).encode() + b"\n"


def duration(seconds: float | None) -> str:
    """``1d 2h05m``, ``3h05m``, ``45m``, ``—``."""
    if seconds is None:
        return "—"
    total = round(seconds / 60)
    d, rest = divmod(total, 24 * 60)
    h, m = divmod(rest, 60)
    if d:
        return f"{d}d {h}h{m:02d}m"
    return f"{h}h{m:02d}m" if h else f"{m}m"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def verdict(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "NO")


def local(value: datetime | None, tz: ZoneInfo) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%a %d %b %Y %H:%M")


def text(report: Report, tz: ZoneInfo) -> str:
    """The report for a terminal: the table, the credit, availability, breaches, P1."""
    r = report
    out = [
        f"{r.tenant} — policy {r.policy} {r.policy_version}, {r.period.from_} … {r.period.to}"
        + (f" (as of {local(r.as_of, tz)})" if r.as_of else ""),
        "",
    ]
    head = (
        "clock",
        "kind",
        "priority",
        "tier",
        "target",
        "count",
        "met",
        "missed",
        "open",
        "within",
        "aggregate",
        "compliant",
        "median",
        "p90",
    )
    rows = [
        (
            x.clock,
            x.kind or "—",
            x.priority or "all",
            x.tier,
            x.target or "—",
            str(x.count),
            str(x.met),
            str(x.missed),
            str(x.open),
            percent(x.percent_within),
            percent(x.aggregate_target_percent),
            verdict(x.compliant),
            duration(x.median_business_seconds),
            duration(x.p90_business_seconds),
        )
        for x in r.rows
    ]
    out.extend(_table(head, rows) if rows else ["no clocks in this period"])
    out.append("")
    if r.compliant is not None:
        out.append(f"compliant: {verdict(r.compliant)}")
    if r.consecutive_noncompliant_months is not None:
        out.append(
            f"consecutive noncompliant months: {r.consecutive_noncompliant_months}; "
            f"service credit: {r.service_credit_percent:g} %"
        )
    if r.availability:
        out.append("")
        out.extend(
            _table(
                ("month", "service", "availability", "target", "met", "downtime", "budget"),
                [
                    (
                        a.month,
                        a.service,
                        f"{a.availability_percent:.4f} %",
                        f"{a.target_percent:g} %",
                        verdict(a.met),
                        duration(a.downtime_seconds),
                        duration(a.budget_seconds),
                    )
                    for a in r.availability
                ],
            )
        )
    if r.heartbeats:
        out.append(
            "heartbeats missed: " + ", ".join(f"{h.check} {h.missed}×" for h in r.heartbeats)
        )
    out.append("")
    out.append(f"breaches: {len(r.breaches)}")
    for b in r.breaches:
        out.append(f"  {local(b.breached_at, tz)}  {b.ticket_id} {b.clock} ({b.priority or '—'})")
        out.append(f"    {b.explanation}")
    if r.priority_one_levels:
        out.append("")
        out.append(
            f"priority-1 incidents ({', '.join(r.priority_one_levels)}): {len(r.priority_one)}"
        )
        for p in r.priority_one:
            clocks = "; ".join(
                f"{c.clock}/{c.tier} {c.outcome}" + (f" {local(c.at, tz)}" if c.at else "")
                for c in p.clocks
            )
            out.append(f"  {p.ticket_id} {p.priority} started {local(p.started_at, tz)}: {clocks}")
    return "\n".join(out) + "\n"


def _table(head: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in rows
    ]


CSV_FILES = ("rows.csv", "availability.csv", "breaches.csv", "priority_one.csv", "months.csv")


def write_csv(report: Report, directory: Path) -> list[Path]:
    """One CSV per table of the report in ``directory`` (created): :data:`CSV_FILES`."""
    directory.mkdir(parents=True, exist_ok=True)
    r = report
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "rows.csv": (
            list(Row.model_fields),
            [list(x.model_dump().values()) for x in r.rows],
        ),
        "availability.csv": (
            [
                "month",
                "service",
                "target",
                "availability_percent",
                "target_percent",
                "met",
                "downtime_seconds",
                "budget_seconds",
                "revision",
            ],
            [
                [
                    a.month,
                    a.service,
                    a.target,
                    a.availability_percent,
                    a.target_percent,
                    a.met,
                    a.downtime_seconds,
                    a.budget_seconds,
                    a.revision,
                ]
                for a in r.availability
            ],
        ),
        "breaches.csv": (
            [
                "ticket_id",
                "clock",
                "kind",
                "priority",
                "cell",
                "started_at",
                "deadline",
                "breached_at",
                "stopped_at",
                "target",
                "calendar",
                "counted_seconds",
                "paused_seconds",
                "explanation",
            ],
            [
                [
                    b.ticket_id,
                    b.clock,
                    b.kind,
                    b.priority,
                    b.cell,
                    _iso(b.started_at),
                    _iso(b.deadline),
                    _iso(b.breached_at),
                    _iso(b.stopped_at),
                    b.target,
                    b.calendar,
                    b.counted_seconds,
                    b.paused_seconds,
                    b.explanation,
                ]
                for b in r.breaches
            ],
        ),
        "priority_one.csv": (
            [
                "ticket_id",
                "priority",
                "cell",
                "started_at",
                "clock",
                "tier",
                "outcome",
                "at",
                "business_seconds",
            ],
            [
                [
                    p.ticket_id,
                    p.priority,
                    p.cell,
                    _iso(p.started_at),
                    c.clock,
                    c.tier,
                    c.outcome,
                    _iso(c.at),
                    c.business_seconds,
                ]
                for p in r.priority_one
                for c in p.clocks
            ],
        ),
        "months.csv": (
            [
                "month",
                "compliant",
                "consecutive_noncompliant_months",
                "service_credit_percent",
                "breaches",
                "clock",
                "kind",
                "priority",
                "tier",
                "count",
                "percent_within",
                "aggregate_target_percent",
                "row_compliant",
            ],
            _month_lines(r),
        ),
    }
    written = []
    for name, (head, rows) in tables.items():
        path = directory / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows(["" if v is None else v for v in row] for row in rows)
        written.append(path)
    return written


def _month_lines(r: Report) -> list[list[Any]]:
    out: list[list[Any]] = []
    for m in r.months:
        base = [
            m.month,
            m.compliant,
            m.consecutive_noncompliant_months,
            m.service_credit_percent,
            m.breaches,
        ]
        if not m.rows:
            out.append(base + [None] * 8)
        for x in m.rows:
            out.append(
                [
                    *base,
                    x.clock,
                    x.kind,
                    x.priority,
                    x.tier,
                    x.count,
                    x.percent_within,
                    x.aggregate_target_percent,
                    x.compliant,
                ]
            )
    return out


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
