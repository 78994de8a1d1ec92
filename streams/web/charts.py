"""The burn chart of a monitored service's month, as inline SVG (no script, no library).

x: the calendar month in the tenant's zone, from its first day to a day after now (at least
a week; at most the month's end); y: downtime counted. Three lines: the downtime
so far (through the figures the runtime reported: :meth:`streams.web.board.Board.services`),
the month's budget (the target is lost above it) and an *even pace* (the budget spread over
the whole month: a service above it is burning faster than the month allows). An outage going on
adds a dashed line to where it would exhaust the budget (``exhausts_at``). The chart has a
text equivalent (``<title>``/``<desc>``, and the same figures in the services table), and
its lines differ by dash pattern as well as colour. Colours come from the stylesheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from streams.web.history import instant

__all__ = ["burn_chart", "duration_words"]

WIDTH, HEIGHT = 360, 140
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 8, 22
#: The shortest stretch of the month a chart shows (see :func:`burn_chart`).
MIN_SPAN = timedelta(days=7)


def duration_words(seconds: float) -> str:
    """``3 h 36 min``, ``12 min``, ``40 s`` (a negative figure gets a minus sign)."""
    sign = "−" if seconds < 0 else ""
    s = round(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    if not parts:
        parts.append(f"{secs} s")
    return sign + " ".join(parts)


def burn_chart(service: Mapping[str, Any], now: datetime, chart_id: str) -> str:
    """The SVG of one service row of ``Board.services`` (see the module doc)."""
    start, end = instant(service["month_start"]), instant(service["month_end"])
    if start is None or end is None:
        return ""
    budget = float(service["budget_seconds"])
    points: Sequence[tuple[datetime, float]] = [
        (at, float(v)) for iso, v in service.get("burn") or () if (at := instant(iso))
    ]
    # the month so far, at least a week: early in a month the whole month would squeeze
    # everything against the left edge
    last = max([now, *(at for at, _ in points)])
    shown_end = min(end, max(start + MIN_SPAN, last + timedelta(days=1)))
    month = (end - start).total_seconds()
    pace_end = budget * (shown_end - start).total_seconds() / month
    top = max([budget * 1.15, *(v * 1.05 for _, v in points), 60.0])
    span = (shown_end - start).total_seconds()
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def x(at: datetime) -> float:
        frac = min(max((at - start).total_seconds() / span, 0.0), 1.0)
        return round(_LEFT + frac * plot_w, 1)

    def y(secs: float) -> float:
        return round(_TOP + plot_h - min(secs / top, 1.0) * plot_h, 1)

    title = f"{service['service']}: downtime in {service['period']}"
    used = service.get("budget_used")
    desc = (
        f"{duration_words(float(service['downtime_seconds']))} of downtime counted against a "
        f"budget of {duration_words(budget)}"
        + (f" ({used:.0%} used)" if used is not None else "")
        + f"; {float(service.get('month_gone') or 0):.0%} of the month has gone."
    )
    parts = [
        f'<svg class="burn" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" width="{WIDTH}" height="{HEIGHT}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line class="axis" x1="{_LEFT}" y1="{y(0)}" x2="{WIDTH - _RIGHT}" y2="{y(0)}"/>',
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{y(0)}"/>',
        f'<line class="budget" x1="{_LEFT}" y1="{y(budget)}" x2="{WIDTH - _RIGHT}" '
        f'y2="{y(budget)}"/>',
        f'<text class="label" x="{_LEFT - 4}" y="{y(budget) + 4}" text-anchor="end">budget</text>',
        f'<text class="label" x="{_LEFT - 4}" y="{y(0) + 4}" text-anchor="end">0</text>',
        f'<line class="pace" x1="{x(start)}" y1="{y(0)}" x2="{x(shown_end)}" y2="{y(pace_end)}"/>',
        f'<text class="label" x="{_LEFT}" y="{HEIGHT - 6}">{start:%d %b}</text>',
        f'<text class="label" x="{WIDTH - _RIGHT}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{shown_end:%d %b}</text>",
    ]
    if start <= now <= shown_end:
        parts.append(f'<line class="now" x1="{x(now)}" y1="{_TOP}" x2="{x(now)}" y2="{y(0)}"/>')
    if points:
        path = " ".join(f"{x(at)},{y(v)}" for at, v in points)
        parts.append(f'<polyline class="downtime" points="{path}"/>')
        exhausts = instant(service.get("exhausts_at"))
        if exhausts is not None and service.get("down_since"):
            at, v = points[-1]
            parts.append(
                f'<line class="projection" x1="{x(at)}" y1="{y(v)}" x2="{x(exhausts)}" '
                f'y2="{y(budget)}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
