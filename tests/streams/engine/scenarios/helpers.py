"""Helpers of the clock engine's acceptance scenarios with the five REAL seed policies
(policies/*.yaml): tenants on every seed contract, events decoded exactly as the processor
decodes them, and compact views of the signals for hand-worked expectations.

Each expected instant is worked out by hand from docs/contracts.md in the comment above it, never
computed by the code under test. Local time is Europe/Amsterdam; ``d(...)`` builds a local
instant. Calendars (docs/contracts.md):

- Bokumo ``office`` Mon–Fri 09:00–17:00 (8 h workday), NL public holidays closed incl. Good
  Friday; ``always`` 24x7.
- 1do ``supportcenter`` Mon–Fri 08:00–17:00 (9 h workday), holidays closed except Good Friday
  08:00–16:00; ``calamity`` workdays 07:00–23:00.
- Inlenersbeloning registration: 24 h on 24x7 from ``reported_at``.
- Covide ``incidents`` Mon–Fri 08:00–17:00 (9 h workday); weeks/months are wall-clock.
- Smart FMS ``service_window`` Mon–Thu 09:00–12:30 + 13:00–17:00, Fri 09:00–12:00.

Warnings at 50 % / 75 % of the hard target (of the soft target when there is no hard one)
are the slawatch default in every seed policy but Inlenersbeloning (none).

Dates used: 2026-03-02 is a Monday (CET, UTC+1); 2026-03-29 and 2026-10-25 are DST
weekends; Good Friday 2026-04-03, Easter Monday 2026-04-06, King's Day Monday 2026-04-27;
Liberation Day Monday 2025-05-05 is a public holiday (every fifth year), 2026-05-05 is not.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from models.contracts import load_policies, tenants_from_data
from models.events import TicketEvent, parse_event
from models.signals import Signal as SignalModel
from streams.engine import Engine
from streams.engine.signal import Signal

AMS = ZoneInfo("Europe/Amsterdam")

TENANTS: dict[str, dict[str, Any]] = {
    "bok": {"policy": "bokumo-ict"},
    "bok247": {"policy": "bokumo-ict", "options": {"critical_after_hours": True}},
    "one": {"policy": "1do"},
    "onecal": {"policy": "1do", "options": {"calamity_service": True}},
    "inl": {"policy": "inlenersbeloning"},
    "cov-premium": {"policy": "covide", "options": {"subscription": "premium"}},
    "cov-business": {"policy": "covide", "options": {"subscription": "business"}},
    "cov-basic": {"policy": "covide", "options": {"subscription": "basic"}},
    "fms": {"policy": "smart-fms"},
}


@cache
def registry():
    return tenants_from_data({"tenants": TENANTS}, load_policies())


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


_ids = itertools.count(1)


def ev(etype: str, tenant: str, ticket: str, at: datetime, **fields: Any) -> TicketEvent:
    """A ticket event decoded exactly as the processor decodes one from JSON."""
    data: dict[str, Any] = {
        "event_id": fields.pop("event_id", f"{tenant}-{ticket}-{next(_ids)}"),
        "type": etype,
        "tenant": tenant,
        "ticket_id": ticket,
        "at": at.isoformat(),
    }
    for k, v in fields.items():
        data[k] = v.isoformat() if isinstance(v, datetime) else v
    event = parse_event(json.dumps(data))
    assert isinstance(event, TicketEvent)
    return event


def run(events: list[TicketEvent], until: datetime | None = None) -> list[Signal]:
    eng = Engine(registry())
    out: list[Signal] = []
    for e in events:
        out.extend(eng.apply(e))
    if until is not None:
        out.extend(eng.advance(until))
    for s in out:  # every signal is publishable
        SignalModel.model_validate(s.to_dict())
    return out


def tag(s: Signal) -> Any:
    return s.threshold if s.threshold is not None else (s.tier or s.level)


def brief(signals: list[Signal], clock: str | None = None) -> list[tuple]:
    """(type, clock, at, threshold|tier|level) in local time."""
    return [
        (s.type, s.clock, s.at.astimezone(AMS), tag(s))
        for s in signals
        if clock is None or s.clock == clock
    ]


def seen(signals: list[Signal], clock: str | None = None) -> list[tuple]:
    """(type, at, observed_at, threshold|tier|level): for signals revealed late."""
    return [
        (s.type, s.at.astimezone(AMS), s.observed_at.astimezone(AMS), tag(s))
        for s in signals
        if clock is None or s.clock == clock
    ]


W, B, E, MET, MISSED = "sla.warning", "sla.breach", "sla.escalation", "sla.met", "sla.missed"
