"""The board's pages: a layout around the live sections of :mod:`streams.web.fragments`.

No template engine and no inline script or style: the page's data for its script (the
runtime's clock, the event stream's URL, the tenant's zone) are ``data-`` attributes of
``<body>``, so the Content-Security-Policy (:mod:`streams.web.app`) can forbid everything
but the board's own ``/static`` files.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import quote

from streams.web import fragments as f
from streams.web.auth import OPEN, Access

__all__ = ["error_page", "login_page", "overview_page", "tenant_page", "ticket_page"]


def _layout(
    title: str,
    main: str,
    *,
    now: Mapping[str, Any] | None = None,
    access: Access | None = None,
    stream: str | None = None,
    zone: str = "UTC",
    crumbs: tuple[tuple[str, str], ...] = (),
) -> str:
    data = [f'data-zone="{escape(zone)}"']
    if stream:
        data.append(f'data-stream="{escape(stream)}"')
    if now is not None:
        for key in ("start_ms", "origin_ms", "speed", "server_ms"):
            value = now.get(key)
            data.append(f'data-clock-{key.replace("_", "-")}="{"" if value is None else value}"')
    trail = "".join(f'<li><a href="{escape(u)}">{escape(text)}</a></li>' for text, u in crumbs)
    nav = f'<nav aria-label="Breadcrumb"><ol class="crumbs">{trail}</ol></nav>' if crumbs else ""
    clock = ""
    if now is not None:
        at = escape(str(now["now"]))
        clock = (
            f'<p class="clock">Now: <time id="now" datetime="{at}">{at}</time> '
            f'<span class="source" id="clock-source">({escape(str(now["source"]))})</span></p>'
        )
    live = '<p class="live"><span id="live" role="status">connecting…</span></p>' if stream else ""
    who = ""
    if access is not None and access is OPEN:
        who = f'<p class="who">{escape(access.who)}</p>'
    elif access is not None:
        who = (
            f'<p class="who">Signed in as {escape(access.who)}. <a href="/logout">Sign out</a></p>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title)} · slawatch board</title>"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/board.css">'
        '<script src="/static/board.js" defer></script></head>'
        f"<body {' '.join(data)}>"
        '<a class="skip" href="#main">Skip to content</a>'
        '<header><p class="brand"><a href="/">slawatch board</a></p>'
        f"{nav}{clock}{live}{who}</header>"
        f'<main id="main" tabindex="-1"><h1>{escape(title)}</h1>{main}</main>'
        '<div id="announce" class="visually-hidden" aria-live="polite"></div>'
        "</body></html>"
    )


def overview_page(sections: Mapping[str, str], now: Mapping[str, Any], access: Access) -> str:
    """All tenants at a glance."""
    main = (
        '<p class="lead">Open clocks, what is overdue or due within the hour, and today\'s '
        "breaches per tenant; a tenant's page lists its clocks with a live countdown.</p>"
        + sections["tenants"]
    )
    return _layout("All tenants", main, now=now, access=access, stream="/api/events")


def tenant_page(
    tenant: str, zone: str, sections: Mapping[str, str], now: Mapping[str, Any], access: Access
) -> str:
    """One tenant: clocks by deadline, recent breaches and verdicts, services."""
    main = (
        f'<p class="lead">Times in {escape(zone)}.</p>'
        + sections["summary"]
        + '<section aria-labelledby="h-clocks"><h2 id="h-clocks">What breaches next</h2>'
        + sections["clocks"]
        + '</section><div class="columns"><section aria-labelledby="h-breaches">'
        + '<h2 id="h-breaches">Recent breaches</h2>'
        + sections["breaches"]
        + '</section><section aria-labelledby="h-verdicts">'
        + '<h2 id="h-verdicts">Recent verdicts</h2>'
        + sections["verdicts"]
        + '</section></div><section aria-labelledby="h-services">'
        + '<h2 id="h-services">Services this month</h2>'
        + sections["services"]
        + "</section>"
    )
    crumbs = (("All tenants", "/"), (tenant, f.tenant_url(tenant)))
    stream = f"/api/events?tenant={quote(tenant, safe='')}"
    return _layout(
        f"Tenant {tenant}", main, now=now, access=access, stream=stream, zone=zone, crumbs=crumbs
    )


def ticket_page(
    tenant: str,
    ticket_id: str,
    zone: str,
    sections: Mapping[str, str],
    now: Mapping[str, Any],
    access: Access,
) -> str:
    """One ticket: its clocks, why each deadline, its signals."""
    main = (
        '<section aria-labelledby="h-tclocks"><h2 id="h-tclocks">Clocks</h2>'
        + sections["ticket-clocks"]
        + '</section><section aria-labelledby="h-explain">'
        + '<h2 id="h-explain">Why these deadlines</h2>'
        + sections["explain"]
        + '</section><section aria-labelledby="h-signals"><h2 id="h-signals">Signals</h2>'
        + sections["signals"]
        + "</section>"
    )
    crumbs = (
        ("All tenants", "/"),
        (tenant, f.tenant_url(tenant)),
        (ticket_id, f.ticket_url(tenant, ticket_id)),
    )
    stream = f"/api/events?tenant={quote(tenant, safe='')}&ticket={quote(ticket_id, safe='')}"
    return _layout(
        f"Ticket {ticket_id}", main, now=now, access=access, stream=stream, zone=zone, crumbs=crumbs
    )


def login_page(message: str | None = None, next_url: str = "/") -> str:
    """The token form (a browser keeps the token in an HttpOnly cookie)."""
    problem = f'<p class="problem" role="alert">{escape(message)}</p>' if message else ""
    main = (
        f'{problem}<form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<p><label for="token">Board token</label><br>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        'required size="40" autofocus></p><p><button type="submit">Sign in</button></p></form>'
        "<p>An operator's token shows its tenant; the admin token shows every tenant.</p>"
    )
    return _layout("Sign in", main)


def error_page(status: int, message: str) -> str:
    main = f'<p class="problem" role="alert">{escape(message)}</p><p><a href="/">Home</a></p>'
    return _layout(f"{status}", main)
