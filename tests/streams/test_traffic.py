"""The demo's traffic generator (``streams.traffic``): valid, ordered, deterministic."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from models.contracts import load_policies, load_tenants
from models.errors import EventError
from models.events import parse_event
from streams.replay import replay
from streams.traffic import EXAMPLE_TENANTS, Message, Traffic

START = datetime.fromisoformat("2026-03-02T08:00:00+01:00")  # a Monday
EXAMPLES = "examples/tenants.yaml"


def _run(seed: int = 1, hours: float = 10, step_s: int = 37, **kw) -> list[Message]:
    traffic = Traffic(START, seed=seed, **kw)
    out: list[Message] = []
    t, end = START, START + timedelta(hours=hours)
    while t < end:
        out += traffic.poll(t)
        t += timedelta(seconds=step_s)
    return out + traffic.poll(end)


def test_good_events_are_valid_and_every_tenant_is_covered() -> None:
    msgs = _run()
    good = [m for m in msgs if m.bad is None]
    assert len(good) > 300
    for m in good:
        ev = parse_event(m.value)
        assert m.key == f"{ev.tenant}:{ev.ticket_id}".encode()
    assert {m.tenant for m in good} == set(EXAMPLE_TENANTS)
    types = {m.type for m in good}
    assert {"ticket.created", "ticket.responded", "ticket.resolved", "ticket.closed"} <= types
    statuses = {m.event.get("status") for m in good if m.event}
    assert {"waiting_for_customer", "customer_unreachable", "in_progress"} <= statuses


def test_the_engine_accepts_every_good_event_and_rejects_every_bad_one() -> None:
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    msgs = _run(hours=24)
    registry = load_tenants(repo / EXAMPLES, load_policies())
    res = replay([m.value.decode() for m in msgs], registry, until=START + timedelta(days=2))
    bad = [m for m in msgs if m.bad]
    assert bad, "a day of traffic carries a few bad events"
    assert len(res.dead_letters) == len(bad)
    kinds = {s.type for s in res.signals}
    assert {"sla.warning", "sla.breach", "sla.met"} <= kinds
    for m in bad:  # these two fail validation already; the others fail in the engine
        if m.bad in ("not-json", "naive-at"):
            with pytest.raises(EventError):
                parse_event(m.value)


def test_a_tickets_events_never_go_back_in_time_and_are_stamped_with_the_poll_instant() -> None:
    traffic = Traffic(START, seed=3)
    per_ticket: dict[bytes, list[datetime]] = defaultdict(list)
    t = START
    while t <= START + timedelta(hours=12):
        for m in traffic.poll(t):
            ev = m.event
            if m.bad or ev is None:
                continue
            at = datetime.fromisoformat(ev["at"])
            assert t - timedelta(seconds=1) < at <= t
            per_ticket[m.key].append(at)
        t += timedelta(seconds=53)
    assert len(per_ticket) > 50
    for stamps in per_ticket.values():
        assert stamps == sorted(stamps)
    # a ticket is created before anything else happens to it
    traffic = Traffic(START, seed=3)
    first: dict[bytes, str] = {}
    for m in traffic.poll(START + timedelta(hours=12)):
        if m.bad is None:
            first.setdefault(m.key, m.type)
    assert set(first.values()) == {"ticket.created"}


def test_same_seed_same_traffic_other_seed_other_traffic() -> None:
    a = [m.value for m in _run(seed=5)]
    b = [m.value for m in _run(seed=5)]
    assert a == b
    c = [m.value for m in _run(seed=6)]
    assert a != c

    # the plan does not depend on how often it is polled (only the `at` stamps do)
    def plan(step_s: int) -> list[tuple]:
        return [
            (
                m.key,
                m.type,
                {k: v for k, v in (m.event or {}).items() if k not in ("at", "reported_at")},
            )
            for m in _run(seed=5, step_s=step_s)
        ]

    coarse, fine = plan(600), plan(37)
    assert sorted(coarse, key=repr) == sorted(fine, key=repr)


def test_rate_and_office_hours() -> None:
    busy = Traffic(START, seed=2, rate=60)
    busy.poll(START + timedelta(hours=8))  # Monday 08:00–16:00
    night = Traffic(START - timedelta(hours=8), seed=2, rate=60)
    night.poll(START)  # Monday 00:00–08:00
    assert 300 < busy.tickets < 660
    assert night.tickets < busy.tickets / 4
    with pytest.raises(ValueError):
        Traffic(START, rate=0)
    with pytest.raises(ValueError):
        Traffic(datetime(2026, 3, 2, 8))
