"""The report as one self-contained HTML page a service manager can send to a customer.

No external assets and no script: the styles are inline, the charts are inline SVG drawn
here (a 12-month trend per row of the aggregate table against its aggregate line,
availability per month against the target, breaches per week), and a print style sheet
lays it out on A4 (the browser's "print to PDF" gives the PDF). Every number comes from the
:class:`~models.report.Report`, as in the JSON and the CSV.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from html import escape
from zoneinfo import ZoneInfo

from models.report import Month, Report
from streams.reports.render import duration, local, percent, verdict

W, H = 360, 170  # chart viewBox
PAD_L, PAD_R, PAD_T, PAD_B = 38, 10, 14, 28

CSS = """
:root { --ink: #1d2733; --muted: #5b6775; --line: #d5dbe2; --ok: #1d7a46; --bad: #b42318;
        --accent: #2459a8; --soft: #f3f5f8; }
* { box-sizing: border-box; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 24px auto; max-width: 1080px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px;
     border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 13px; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 170px; }
.card .big { font-size: 24px; font-weight: 700; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figcaption { font-size: 12px; color: var(--muted); }
svg.chart { width: 100%; height: auto; display: block; }
svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
.explain { color: var(--muted); font-size: 12px; }
footer { margin-top: 32px; color: var(--muted); font-size: 11px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5px; }
  h2 { break-after: avoid; }
  figure, tr, .card { break-inside: avoid; }
  .grid { grid-template-columns: repeat(2, 1fr); }
  a { color: inherit; text-decoration: none; }
}
"""


def _months(report: Report) -> list[Month]:
    return report.months


def _y(v: float, lo: float, hi: float) -> float:
    span = hi - lo or 1.0
    return PAD_T + (H - PAD_T - PAD_B) * (1 - (v - lo) / span)


def _x(i: int, n: int) -> float:
    inner = W - PAD_L - PAD_R
    return PAD_L + (inner * (i + 0.5) / n)


def _axes(labels: list[str], lo: float, hi: float, unit: str) -> list[str]:
    out = [
        f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#d5dbe2"/>'
    ]
    for v in (lo, (lo + hi) / 2, hi):
        y = _y(v, lo, hi)
        out.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#eef1f4"/>'
            f'<text x="{PAD_L - 4}" y="{y + 3:.1f}" text-anchor="end">{v:g}{unit}</text>'
        )
    step = max(1, -(-(len(labels) - 1) // 5))  # at most 6 labels, the last one included
    for i, lab in enumerate(labels):
        if (len(labels) - 1 - i) % step == 0:
            out.append(
                f'<text x="{_x(i, len(labels)):.1f}" y="{H - PAD_B + 14}" '
                f'text-anchor="middle">{escape(lab)}</text>'
            )
    return out


def _svg(kind: str, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart {kind}" data-chart="{kind}" viewBox="0 0 {W} {H}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def trend_chart(
    title: str, labels: list[str], values: list[float | None], target: float | None
) -> str:
    """% within target per month (a line, a dot per month with clocks) and the aggregate's
    line (dashed)."""
    present = [v for v in values if v is not None]
    lo = min([*present, target if target is not None else 100.0, 100.0])
    lo = max(0.0, min(lo, 80.0) - (lo % 10 if lo < 80 else 0))
    lo = 0.0 if lo < 50 else lo
    hi = 100.0
    body = _axes([lab[2:] for lab in labels], lo, hi, "%")
    if target is not None:
        y = _y(target, lo, hi)
        body.append(
            f'<line class="target" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" '
            'stroke="#b42318" stroke-dasharray="4 3"/>'
        )
    pts = [(_x(i, len(values)), _y(v, lo, hi), v) for i, v in enumerate(values) if v is not None]
    if len(pts) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)
        body.append(
            f'<polyline class="series" points="{path}" fill="none" stroke="#2459a8" '
            'stroke-width="2"/>'
        )
    for x, y, v in pts:
        colour = "#b42318" if target is not None and v < target else "#2459a8"
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{v:.1f} %</title></circle>"
        )
    return _svg("trend", title, body)


def bar_chart(
    kind: str,
    title: str,
    labels: list[str],
    values: list[float | None],
    target: float | None = None,
    unit: str = "",
    lo: float = 0.0,
    hi: float | None = None,
) -> str:
    present = [v for v in values if v is not None]
    top = hi if hi is not None else max([*present, 1.0])
    if target is not None:
        top = max(top, target)
    body = _axes(labels, lo, top, unit)
    n = len(values)
    bw = (W - PAD_L - PAD_R) / max(n, 1) * 0.6
    for i, v in enumerate(values):
        if v is None:
            continue
        y = _y(max(v, lo), lo, top)
        ok = target is None or v >= target
        body.append(
            f'<rect class="bar" x="{_x(i, n) - bw / 2:.1f}" y="{y:.1f}" width="{bw:.1f}" '
            f'height="{max(H - PAD_B - y, 0.5):.1f}" fill="{"#2459a8" if ok else "#b42318"}">'
            f"<title>{escape(labels[i])}: {v:g}{unit}</title></rect>"
        )
    if target is not None:
        y = _y(target, lo, top)
        body.append(
            f'<line class="target" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" '
            'stroke="#b42318" stroke-dasharray="4 3"/>'
        )
    return _svg(kind, title, body)


def _weeks(report: Report, tz: ZoneInfo) -> tuple[list[str], list[float | None]]:
    """Breaches per ISO week of the period (weeks that overlap it)."""
    first: date = report.period.from_
    last: date = report.period.to
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    count = Counter()
    for b in report.breaches:
        d = b.breached_at.astimezone(tz).date()
        count[d - timedelta(days=d.weekday())] += 1
    labels = [f"W{w.isocalendar()[1]:02d}" for w in weeks]
    return labels, [float(count.get(w, 0)) for w in weeks]


def _cls(value: bool | None) -> str:
    return "" if value is None else ("ok" if value else "bad")


def render(report: Report, tz: ZoneInfo) -> str:
    """The page (UTF-8 text)."""
    r = report
    e = escape
    months = _months(r)
    labels = [m.month for m in months]
    parts: list[str] = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Service report {e(r.tenant)} {r.period.from_} – {r.period.to}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Service report — {e(r.tenant)}</h1>",
        f'<p class="sub">Policy {e(r.policy)} {e(r.policy_version)} · period {r.period.from_} – '
        f"{r.period.to} (time zone {e(str(tz))})"
        + (f" · data as of {e(local(r.as_of, tz))}" if r.as_of else "")
        + "</p>",
        '<div class="cards">',
    ]
    if r.compliant is not None:
        parts.append(
            f'<div class="card"><div>Compliant</div><div class="big {_cls(r.compliant)}">'
            f"{'yes' if r.compliant else 'no'}</div></div>"
        )
    if r.service_credit_percent is not None:
        parts.append(
            '<div class="card" id="credit"><div>Service credit</div>'
            f'<div class="big {"bad" if r.service_credit_percent else ""}">'
            f"{r.service_credit_percent:g} %</div>"
            f"<div>{r.consecutive_noncompliant_months} consecutive noncompliant month(s)</div>"
            "</div>"
        )
    parts.append(
        f'<div class="card"><div>Breaches</div><div class="big">{len(r.breaches)}</div></div>'
    )
    if r.availability:
        worst = min(r.availability, key=lambda a: a.availability_percent)
        parts.append(
            f'<div class="card"><div>Lowest availability</div>'
            f'<div class="big {_cls(worst.met)}">{worst.availability_percent:.3f} %</div>'
            f"<div>{e(worst.service)}, target {worst.target_percent:g} %</div></div>"
        )
    parts.append("</div>")

    # -- the table ----------------------------------------------------------------------------
    parts.append("<h2>Targets</h2>")
    if r.rows:
        parts.append(
            '<table id="rows"><thead><tr><th>Clock</th><th>Kind</th><th>Priority</th>'
            '<th>Tier</th><th>Target</th><th class="num">Count</th><th class="num">Met</th>'
            '<th class="num">Missed</th><th class="num">Open</th><th class="num">Within</th>'
            '<th class="num">Aggregate</th><th>Compliant</th><th class="num">Median</th>'
            '<th class="num">p90</th></tr></thead><tbody>'
        )
        for x in r.rows:
            parts.append(
                f"<tr><td>{e(x.clock)}</td><td>{e(x.kind or '—')}</td>"
                f"<td>{e(x.priority or 'all')}</td><td>{e(x.tier)}</td>"
                f"<td>{e(x.target or '—')}</td><td class=num>{x.count}</td>"
                f"<td class=num>{x.met}</td><td class=num>{x.missed}</td>"
                f"<td class=num>{x.open}</td><td class=num>{percent(x.percent_within)}</td>"
                f"<td class=num>{percent(x.aggregate_target_percent)}</td>"
                f'<td class="{_cls(x.compliant)}">{verdict(x.compliant)}</td>'
                f"<td class=num>{duration(x.median_business_seconds)}</td>"
                f"<td class=num>{duration(x.p90_business_seconds)}</td></tr>"
            )
        parts.append("</tbody></table>")
        parts.append(
            '<p class="explain">Each clock counts once per tier, in the month its outcome was '
            "fixed (its stop, or its deadline passing); median and p90 are counted business "
            "time, pauses excluded.</p>"
        )
    else:
        parts.append("<p>No clocks in this period.</p>")

    # -- trend --------------------------------------------------------------------------------
    keys: dict[tuple[str, str | None, str | None, str], float | None] = {}
    for m in months:
        for x in m.rows:
            keys.setdefault((x.clock, x.kind, x.priority, x.tier), x.aggregate_target_percent)
    if any(t is not None for t in keys.values()):  # the aggregate rows only, when there are
        keys = {k: t for k, t in keys.items() if t is not None}
    if keys:
        parts.append(f"<h2>12-month trend</h2><p class=sub>{labels[0]} – {labels[-1]}</p>")
        parts.append('<div class="grid">')
        for key, target in keys.items():
            clock, kind, prio, tier = key
            values: list[float | None] = []
            for m in months:
                hit = next(
                    (x for x in m.rows if (x.clock, x.kind, x.priority, x.tier) == key), None
                )
                values.append(None if hit is None else hit.percent_within)
            title = f"{clock} · {kind or '—'} · {prio or 'all priorities'} · {tier}"
            caption = e(title) + (f" — aggregate {target:g} %" if target is not None else "")
            row_id = "/".join(x or "all" for x in key)
            parts.append(
                f'<figure data-row="{e(row_id)}">'
                f"{trend_chart(title + ': % within target', labels, values, target)}"
                f"<figcaption>{caption}</figcaption></figure>"
            )
        parts.append("</div>")
    if any(m.service_credit_percent for m in months):
        parts.append('<div class="grid"><figure>')
        parts.append(
            bar_chart(
                "credit",
                "service credit per month",
                [lab[2:] for lab in labels],
                [m.service_credit_percent for m in months],
                unit="%",
                hi=50.0,
            )
        )
        parts.append("<figcaption>Service credit per month (% of the invoice)</figcaption>")
        parts.append("</figure></div>")

    # -- availability ------------------------------------------------------------------------
    services = sorted({(a.service, a.target or "") for m in months for a in m.availability})
    if services:
        parts.append("<h2>Availability</h2>")
        if r.availability:
            parts.append(
                '<table id="availability"><thead><tr><th>Month</th><th>Service</th>'
                '<th class="num">Availability</th><th class="num">Target</th><th>Met</th>'
                '<th class="num">Downtime</th><th class="num">Budget</th></tr></thead><tbody>'
            )
            for a in r.availability:
                parts.append(
                    f"<tr><td>{a.month}</td><td>{e(a.service)}</td>"
                    f"<td class=num>{a.availability_percent:.4f} %</td>"
                    f"<td class=num>{a.target_percent:g} %</td>"
                    f'<td class="{_cls(a.met)}">{verdict(a.met)}</td>'
                    f"<td class=num>{duration(a.downtime_seconds)}</td>"
                    f"<td class=num>{duration(a.budget_seconds)}</td></tr>"
                )
            parts.append("</tbody></table>")
        parts.append('<div class="grid">')
        for service, target_name in services:
            vals: list[float | None] = []
            tgt = None
            for m in months:
                hit = next(
                    (
                        a
                        for a in m.availability
                        if (a.service, a.target or "") == (service, target_name)
                    ),
                    None,
                )
                vals.append(None if hit is None else hit.availability_percent)
                tgt = hit.target_percent if hit is not None else tgt
            lo = min([v for v in vals if v is not None] + [tgt or 100.0]) - 0.5
            lo = max(0.0, round(lo, 1))
            parts.append(
                "<figure>"
                + bar_chart(
                    "availability",
                    f"{service}: availability per month",
                    [lab[2:] for lab in labels],
                    vals,
                    target=tgt,
                    unit="%",
                    lo=lo,
                    hi=100.0,
                )
                + f"<figcaption>{e(service)} — availability per month against "
                f"{tgt:g} %</figcaption></figure>"
            )
        parts.append("</div>")
    if r.heartbeats:
        parts.append(
            "<p>Heartbeats missed: "
            + ", ".join(f"{e(h.check)} {h.missed}×" for h in r.heartbeats)
            + "</p>"
        )

    # -- breaches ----------------------------------------------------------------------------
    parts.append(f"<h2>Breaches ({len(r.breaches)})</h2>")
    wl, wv = _weeks(r, tz)
    parts.append(
        '<div class="grid"><figure>'
        + bar_chart("breaches", "breaches per week", wl, wv)
        + "<figcaption>Breaches per week</figcaption></figure></div>"
    )
    if r.breaches:
        parts.append(
            '<table id="breaches"><thead><tr><th>Ticket</th><th>Clock</th><th>Priority</th>'
            "<th>Deadline</th><th>Stopped</th><th>Why this deadline</th></tr></thead><tbody>"
        )
        for b in r.breaches:
            parts.append(
                f"<tr><td>{e(b.ticket_id)}</td><td>{e(b.clock)}</td>"
                f"<td>{e(b.priority or '—')}</td><td>{e(local(b.deadline, tz))}</td>"
                f"<td>{e(local(b.stopped_at, tz))}</td>"
                f'<td class="explain">{e(b.explanation)}</td></tr>'
            )
        parts.append("</tbody></table>")

    # -- priority 1 --------------------------------------------------------------------------
    if r.priority_one_levels:
        parts.append(
            f"<h2>Priority-1 incidents ({len(r.priority_one)})</h2>"
            f"<p class=sub>levels {e(', '.join(r.priority_one_levels))}</p>"
        )
        if r.priority_one:
            parts.append(
                '<table id="priority-one"><thead><tr><th>Ticket</th><th>Priority</th>'
                "<th>Started</th><th>Clocks</th></tr></thead><tbody>"
            )
            for p in r.priority_one:
                clocks = "; ".join(
                    f"{c.clock}/{c.tier}: {c.outcome}" + (f" {local(c.at, tz)}" if c.at else "")
                    for c in p.clocks
                )
                parts.append(
                    f"<tr><td>{e(p.ticket_id)}</td><td>{e(p.priority)}</td>"
                    f"<td>{e(local(p.started_at, tz))}</td><td>{e(clocks)}</td></tr>"
                )
            parts.append("</tbody></table>")
    parts.append(
        "<footer>Generated by slawatch from the signals and clock states it published. "
        "A clock counts in the calendar month (policy time zone) in which its outcome was "
        "fixed; a month without clocks of a priority is not noncompliant.</footer>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)
