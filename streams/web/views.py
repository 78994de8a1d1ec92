"""What each page shows, as named sections: the page renders them all inside its layout,
and the event stream re-renders and pushes those that changed (:mod:`streams.web.hub`).

A :class:`View` is what a page looks at: the overview (for the tenants an access may read),
one tenant, or one ticket. :func:`sections` is the only place that decides which board
figures go into which section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from streams.web import fragments as f
from streams.web.board import Board, Now

__all__ = ["View", "sections"]


@dataclass(frozen=True, slots=True)
class View:
    kind: Literal["overview", "tenant", "ticket"]
    tenant: str | None = None
    ticket: str | None = None
    #: the overview's tenants (``None``: every tenant; an access's, see ``Access.tenants``)
    tenants: frozenset[str] | None = None

    def concerns(self, tenant: str) -> bool:
        """Whether a record of ``tenant`` may change this view."""
        if self.kind == "overview":
            return self.tenants is None or tenant in self.tenants
        return self.tenant == tenant


def sections(board: Board, view: View, now: Now) -> dict[str, str] | None:
    """The view's sections by element id (``None``: the ticket is unknown)."""
    at = now.at
    if view.kind == "overview":
        names = board.tenants()
        if view.tenants is not None:
            names = [t for t in names if t in view.tenants]
        return {"tenants": f.tenants_table([board.summary(t, at) for t in names])}
    tenant = str(view.tenant)
    zone = board.zone(tenant)
    if view.kind == "tenant":
        return {
            "summary": f.summary_list(board.summary(tenant, at)),
            "clocks": f.clocks_table(tenant, board.clocks(tenant, at), zone),
            "breaches": f.breaches_table(tenant, board.breaches(tenant), zone),
            "verdicts": f.verdicts_table(tenant, board.verdicts(tenant), zone),
            "services": f.services_section(tenant, board.services(tenant, at), at),
        }
    ticket = board.ticket(tenant, str(view.ticket), at)
    if ticket is None:
        return None
    return {
        "ticket-clocks": f.ticket_clocks(ticket, zone),
        "explain": f.explanations(ticket, zone),
        "signals": f.signals_table(ticket, zone),
    }
