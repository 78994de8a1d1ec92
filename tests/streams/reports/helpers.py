"""Events for report tests, run through the real engine (the five seed policies).

``Tickets`` builds JSON event lines with local Amsterdam instants; :func:`report` replays
them and builds a tenant's report for a month. Expected values live in the tests, worked
out by hand.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from models.contracts import load_policies, tenants_from_data
from models.report import Report
from streams.reports.model import ReportData, build_report
from streams.reports.periods import Period, parse_month
from streams.reports.sources import from_events

AMS = ZoneInfo("Europe/Amsterdam")

TENANTS: dict[str, dict[str, Any]] = {
    "cov": {"policy": "covide", "options": {"subscription": "business"}},
    "one": {"policy": "1do"},
    "bok": {"policy": "bokumo-ict"},
    "fms": {"policy": "smart-fms"},
}


@cache
def registry() -> Any:
    return tenants_from_data({"tenants": TENANTS}, load_policies())


def d(text: str) -> str:
    """A local Amsterdam instant ``YYYY-MM-DD HH:MM`` as ISO 8601 with its offset."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=AMS).isoformat()


class Events:
    """JSON lines of events, each with a fresh id."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.lines: list[bytes] = []
        self._ids = itertools.count(1)

    def add(self, type_: str, at: str, **fields: Any) -> Events:
        doc = {
            "event_id": f"e{next(self._ids)}",
            "type": type_,
            "tenant": self.tenant,
            "at": d(at),
            **fields,
        }
        self.lines.append(orjson.dumps(doc))
        return self

    def ticket(self, ticket: str, created: str, *rest: tuple[str, str], **fields: Any) -> Events:
        """``ticket.created`` at ``created`` with ``fields``, then ``(type, at)`` pairs."""
        self.add("ticket.created", created, ticket_id=ticket, **fields)
        for type_, at in rest:
            self.add(type_, at, ticket_id=ticket)
        return self


def data(events: Events, until: str) -> tuple[ReportData, Any]:
    d_, result = from_events(
        events.lines, registry(), events.tenant, until=datetime.fromisoformat(d(until))
    )
    assert not result.dead_letters, [dl.reason for dl in result.dead_letters]
    return d_, result


def report(events: Events, month: str, until: str) -> Report:
    d_, _ = data(events, until)
    policy = registry().resolve(events.tenant).policy
    return build_report(d_, policy, Period.of_month(parse_month(month), policy.timezone))


def row(rep: Report, clock: str, priority: str | None, tier: str, kind: str = "incident") -> Any:
    hits = [
        r
        for r in rep.rows
        if (r.clock, r.priority, r.tier, r.kind) == (clock, priority, tier, kind)
    ]
    assert len(hits) == 1, [(r.clock, r.priority, r.tier, r.kind) for r in rep.rows]
    return hits[0]
