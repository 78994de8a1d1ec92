"""The board's live sections as HTML fragments.

A page (:mod:`streams.web.pages`) is a layout around these sections, and the event stream
(:mod:`streams.web.hub`) pushes the same functions' output when a section changes, each
fragment replacing the element with its ``id``. They render the dicts of
:class:`streams.web.board.Board` — what ``/api/…`` returns — and nothing else.

Accessibility: every table has a caption and column headers (``scope="col"``); states and
rungs are words, colour only repeats them (``class="state-overdue"`` …); instants are
``<time datetime>`` in the tenant's zone; a countdown is a ``<span data-deadline>`` the page's
script updates against the runtime's clock (its text without script is the server's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from html import escape
from typing import Any
from urllib.parse import quote

from models.durations import format_left
from streams.web.board import rung_words
from streams.web.charts import burn_chart, duration_words
from streams.web.history import instant

__all__ = [
    "breaches_table",
    "clocks_table",
    "explanations",
    "services_section",
    "signals_table",
    "summary_list",
    "tenants_table",
    "ticket_clocks",
    "verdicts_table",
]


def h(value: Any) -> str:
    """Text as HTML (``None`` as an em dash)."""
    return "—" if value is None or value == "" else escape(str(value))


def when(value: Any, zone: tzinfo, fmt: str = "%a %d %b %H:%M") -> str:
    at = instant(value)
    if at is None:
        return "—"
    return f'<time datetime="{escape(at.isoformat())}">{at.astimezone(zone).strftime(fmt)}</time>'


def tenant_url(tenant: str) -> str:
    return f"/tenants/{quote(tenant, safe='')}"


def ticket_url(tenant: str, ticket_id: str) -> str:
    return f"{tenant_url(tenant)}/tickets/{quote(ticket_id, safe='')}"


def badge(word: str) -> str:
    cls = word.replace(" ", "-")
    return f'<span class="badge state-{escape(cls)}">{escape(word)}</span>'


def _table(table_id: str, caption: str, head: Iterable[str], rows: list[str], empty: str) -> str:
    cols = "".join(f'<th scope="col">{escape(c)}</th>' for c in head)
    body = "".join(rows) if rows else f'<tr><td colspan="{len(list(head))}">{empty}</td></tr>'
    return (
        f'<table id="{table_id}"><caption>{caption}</caption><thead><tr>{cols}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


# -- the overview -------------------------------------------------------------------------

_TENANT_HEAD = (
    "tenant",
    "open clocks",
    "overdue",
    "due within 1 h",
    "breached today",
    "availability",
)


def tenants_table(summaries: list[Mapping[str, Any]]) -> str:
    """All tenants at a glance (the overview's one section)."""
    rows = []
    for s in summaries:
        avail = s["availability"]
        if avail == "none":
            avail_cell = "no monitored services"
        elif avail == "ok":
            avail_cell = f"{badge('ok')} {s['services']} service(s) within target"
        else:
            detail = []
            if s["services_breached"]:
                detail.append(f"{s['services_breached']} breached")
            if s["services_down"]:
                detail.append(f"{s['services_down']} down")
            avail_cell = f"{badge(avail)} {', '.join(detail)} of {s['services']}"
        overdue = s["overdue"]
        rows.append(
            f'<tr class="{"attention" if overdue or s["breached_today"] else ""}">'
            f'<th scope="row"><a href="{tenant_url(s["tenant"])}">{h(s["tenant"])}</a></th>'
            f'<td class="num">{s["open_clocks"]}</td>'
            f'<td class="num">{overdue}{" " + badge("overdue") if overdue else ""}</td>'
            f'<td class="num">{s["due_within_1h"]}</td>'
            f'<td class="num">{s["breached_today"]}</td>'
            f"<td>{avail_cell}</td></tr>"
        )
    return _table("tenants", "Tenants", _TENANT_HEAD, rows, "No tenant has written anything yet.")


# -- one tenant -----------------------------------------------------------------------------


def summary_list(s: Mapping[str, Any]) -> str:
    """The tenant page's headline figures."""
    items = (
        ("open clocks", s["open_clocks"]),
        ("overdue", s["overdue"]),
        ("due within 1 h", s["due_within_1h"]),
        ("breached today", s["breached_today"]),
        ("services down", s["services_down"]),
        ("services breached", s["services_breached"]),
    )
    body = "".join(f"<div><dt>{escape(k)}</dt><dd>{v}</dd></div>" for k, v in items)
    return f'<dl id="summary" class="figures">{body}</dl>'


_CLOCK_HEAD = (
    "ticket",
    "clock",
    "priority",
    "state",
    "deadline",
    "left",
    "rung reached",
    "escalation",
)


def _left_cell(row: Mapping[str, Any]) -> str:
    left = row.get("seconds_left")
    if left is None:
        return "<td>—</td>"
    text = escape(format_left(left))
    if row.get("status") == "running":  # a paused clock's deadline does not come closer
        deadline = h(row["deadline"])
        return f'<td class="num"><span class="left" data-deadline="{deadline}">{text}</span></td>'
    return f'<td class="num"><span class="left">{text}</span></td>'


def _priority(row: Mapping[str, Any]) -> str:
    prio = h(row.get("priority"))
    return f'{prio} <span class="cell">({h(row["cell"])})</span>' if row.get("cell") else prio


def clocks_table(tenant: str, rows: list[Mapping[str, Any]], zone: tzinfo) -> str:
    """What breaches next: open clocks by deadline, with a live countdown."""
    out = []
    for r in rows:
        out.append(
            f'<tr class="state-{escape(str(r["state"]).replace(" ", "-"))}">'
            f'<th scope="row"><a href="{ticket_url(tenant, str(r["ticket_id"]))}">'
            f"{h(r['ticket_id'])}</a></th>"
            f"<td>{h(r['clock'])}</td><td>{_priority(r)}</td>"
            f'<td data-state="{h(r["state"])}">{badge(str(r["state"]))}</td>'
            f"<td>{when(r['deadline'], zone)}</td>{_left_cell(r)}"
            f"<td>{h(r['rung'])}</td><td>{h(r['level'])}</td></tr>"
        )
    caption = "What breaches next: open clocks, earliest deadline first"
    return _table("clocks", caption, _CLOCK_HEAD, out, "No open clock has a deadline.")


_SIGNAL_WORDS = {
    "sla.breach": "breach",
    "sla.missed": "missed",
    "sla.met": "met",
    "sla.warning": "warning",
    "sla.escalation": "escalation",
    "availability.breach": "availability breach",
    "availability.warning": "availability warning",
    "availability.report": "availability report",
    "heartbeat.missed": "heartbeat missed",
    "heartbeat.recovered": "heartbeat recovered",
}


def signal_words(sig: Mapping[str, Any]) -> str:
    """A signal's type in words, with its detail (``warning 75 %``, ``escalation third
    line``, ``warning (soft target)``)."""
    kind = str(sig.get("type"))
    words = _SIGNAL_WORDS.get(kind, kind)
    if sig.get("threshold") is not None:
        words += f" {float(sig['threshold']):.0%}".replace("%", " %")
    elif sig.get("level"):
        words += f" {str(sig['level']).replace('_', ' ')}"
    elif sig.get("tier") == "soft":
        words += " (soft target)"
    return words


def _subject(tenant: str, sig: Mapping[str, Any]) -> str:
    if sig.get("ticket_id"):
        return f'<a href="{ticket_url(tenant, str(sig["ticket_id"]))}">{h(sig["ticket_id"])}</a>'
    return h(sig.get("service") or sig.get("check"))


def breaches_table(tenant: str, signals: list[Mapping[str, Any]], zone: tzinfo) -> str:
    """The newest breaches."""
    rows = [
        f"<tr><td>{when(s.get('at'), zone)}</td><td>{badge(signal_words(s))}</td>"
        f"<td>{_subject(tenant, s)}</td><td>{h(s.get('clock') or s.get('target'))}</td>"
        f"<td>{h(s.get('priority'))}</td></tr>"
        for s in signals
    ]
    head = ("at", "what", "ticket or service", "clock or target", "priority")
    return _table("breaches", "Recent breaches, newest first", head, rows, "No breach recorded.")


def verdicts_table(tenant: str, signals: list[Mapping[str, Any]], zone: tzinfo) -> str:
    """The newest verdicts (met / missed) the board has seen."""
    rows = [
        f"<tr><td>{when(s.get('at'), zone)}</td><td>{badge(signal_words(s))}</td>"
        f"<td>{_subject(tenant, s)}</td><td>{h(s.get('clock'))}</td>"
        f"<td>{h(s.get('priority'))}</td></tr>"
        for s in signals
    ]
    head = ("at", "verdict", "ticket", "clock", "priority")
    return _table("verdicts", "Recent verdicts, newest first", head, rows, "No verdict seen yet.")


def services_section(tenant: str, services: list[Mapping[str, Any]], now: datetime) -> str:
    """Each monitored service's month: figures and a burn chart."""
    if not services:
        return '<div id="services"><p>No monitored services recorded.</p></div>'
    rows, charts = [], []
    for i, s in enumerate(services):
        name = f"{s['service']} ({s['target']})"
        left = float(s["budget_left_seconds"])
        left_text = duration_words(left) if left >= 0 else f"over by {duration_words(-left)}"
        outage = ""
        if s.get("down_since"):
            outage = f"down since {when(s['down_since'], _zone(s))}"
            if s.get("exhausts_at"):
                outage += f"; target lost at {when(s['exhausts_at'], _zone(s))} if it goes on"
        rows.append(
            f'<tr class="state-{escape(str(s["state"]))}"><th scope="row">{h(name)}</th>'
            f"<td>{h(s['period'])}</td><td>{badge(str(s['state']))} {outage}</td>"
            f'<td class="num">{float(s["availability_percent"]):.3f} %</td>'
            f'<td class="num">{float(s["target_percent"]):g} %</td>'
            f'<td class="num">{duration_words(float(s["downtime_seconds"]))}</td>'
            f'<td class="num">{left_text}</td></tr>'
        )
        charts.append(
            f"<figure>{burn_chart(s, now, f'burn-{i}')}"
            f"<figcaption>{h(name)}: downtime (solid) against the budget (dashed) and an even "
            "pace (dotted) through the month</figcaption></figure>"
        )
    head = ("service", "month", "state", "availability", "target", "downtime", "budget left")
    table = _table("services-table", "Monitored services, month to date", head, rows, "")
    return f'<div id="services">{table}<div class="charts">{"".join(charts)}</div></div>'


def _zone(service: Mapping[str, Any]) -> tzinfo:
    start = instant(service.get("month_start"))
    return start.tzinfo if start is not None and start.tzinfo is not None else UTC


# -- one ticket -----------------------------------------------------------------------------


def ticket_clocks(ticket: Mapping[str, Any], zone: tzinfo) -> str:
    """A ticket's clocks, open or finished."""
    rows = []
    for r in ticket["clocks"]:
        rows.append(
            f'<tr class="state-{escape(str(r["state"]).replace(" ", "-"))}">'
            f'<th scope="row">{h(r["clock"])}</th><td>{_priority(r)}</td>'
            f"<td>{badge(str(r['state']))}</td><td>{when(r['deadline'], zone)}</td>"
            f"{_left_cell(r)}<td>{h(r['rung'])}</td><td>{h(r['level'])}</td>"
            f"<td>{h(', '.join(rung_words(k) for k in r['fired']) or None)}</td></tr>"
        )
    head = ("clock", "priority", "state", "deadline", "left", "rung reached", "escalation", "rungs")
    return _table("ticket-clocks", "Clocks", head, rows, "No clock of this ticket is stored.")


def explanations(ticket: Mapping[str, Any], zone: tzinfo) -> str:
    """Why each deadline is what it is (:mod:`streams.web.explain`)."""
    parts = []
    for e in ticket["explanations"]:
        parts.append(_explanation(e, zone))
    return f'<div id="explain">{"".join(parts)}</div>'


def _explanation(e: Mapping[str, Any], zone: tzinfo) -> str:
    fmt = "%a %d %b %Y %H:%M"
    facts = [
        ("policy", f"{h(e['policy'])} v{h(e['policy_version'])}"),
        ("priority", h(e["priority"]) + (f" (cell {h(e['cell'])})" if e.get("cell") else "")),
        ("target", h(e.get("target")) + (f" ({h(e['tier'])})" if e.get("tier") else "")),
        ("calendar", h(e.get("calendar"))),
        ("started", when(e.get("started_at"), zone, fmt)),
        ("counts from", when(e.get("counts_from"), zone, fmt)),
        ("pauses on", h(", ".join(e.get("pause_statuses") or ()) or None)),
    ]
    for stop, resume in e.get("stops") or ():
        facts.append(
            (
                "stopped",
                when(stop, zone, fmt) + (f", resumed {when(resume, zone, fmt)}" if resume else ""),
            )
        )
    facts.append(("deadline", when(e.get("deadline"), zone, fmt)))
    dl = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    out = [f'<section class="explain"><h3>Clock {h(e["clock"])}</h3><dl class="facts">{dl}</dl>']
    if e.get("periods"):
        rows = [
            f"<tr><td>{when(p['start'], zone, fmt)}</td><td>{when(p['end'], zone, fmt)}</td>"
            f'<td class="num">{duration_words(p["seconds"])}</td><td>{h(p["reason"])}</td></tr>'
            for p in e["periods"]
        ]
        before = float(e.get("counted_before_seconds") or 0)
        lead = (
            f"<p>Counted before {when(e.get('since'), zone, fmt)}: {duration_words(before)}.</p>"
            if before
            else ""
        )
        total = float(e.get("counted_total_seconds") or 0)
        out.append(lead)
        out.append(
            _table(
                f"periods-{escape(str(e['clock']))}",
                "Open periods counted towards the deadline",
                ("from", "to", "counted", "why open"),
                rows,
                "",
            )
        )
        if e.get("verified"):
            check = (
                f"{duration_words(total)} counted = the target {h(e.get('target'))}: "
                "verified against the policy."
            )
        elif e.get("adds_up"):
            check = f"{duration_words(total)} counted in all."
        else:
            check = f"{duration_words(total)} counted in all (not verified against the policy)."
        out.append(f'<p class="check">{check}</p>')
    if e.get("closed_days"):
        items = "".join(f"<li>{h(d)}</li>" for d in e["closed_days"])
        out.append(f"<p>Days with other hours on the way:</p><ul>{items}</ul>")
    for note in e.get("notes") or ():
        out.append(f'<p class="note">{h(note)}</p>')
    out.append("</section>")
    return "".join(out)


def signals_table(ticket: Mapping[str, Any], zone: tzinfo) -> str:
    """A ticket's signals, oldest first."""
    fmt = "%a %d %b %H:%M"
    rows = []
    for s in ticket["signals"]:
        late = ""
        if s.get("observed_at") and s.get("observed_at") != s.get("at"):
            late = f" (seen {when(s['observed_at'], zone, fmt)})"
        rows.append(
            f"<tr><td>{when(s.get('at'), zone, fmt)}{late}</td><td>{badge(signal_words(s))}</td>"
            f"<td>{h(s.get('clock'))}</td><td>{h(s.get('priority'))}</td>"
            f"<td>{when(s.get('deadline'), zone, fmt)}</td>"
            f"<td><code>{h(s.get('event_id'))}</code></td></tr>"
        )
    head = ("at", "signal", "clock", "priority", "deadline", "id")
    return _table(
        "signals", "Signal history, oldest first", head, rows, "No signal seen for this ticket."
    )
