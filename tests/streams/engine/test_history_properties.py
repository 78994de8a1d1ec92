"""Property (docs: "How the clocks work", R8): a clock that a late change brings in ends
with the same deadline and verdict as the same clock on a ticket that had the final facts
from the start and the same lifecycle history.

Ticket A is created with some facts, then lives through a random lifecycle (status changes,
responded, resolved, reopened) with fact changes (priority, impact/urgency, kind, channel,
attributes: back and forth between its first facts and its final ones) mixed in, the last
one at the end. Ticket B is created with A's final facts and
lives through the same lifecycle events without the fact changes. For every clock of the
final plan whose plan after each of A's events was either absent or already the final one
(a clock judged under another plan keeps that verdict: R5 keeps elapsed time, it does not
re-judge), A and B end with the same clock record (deadline, status, counted time) and,
if the clock is stopped, the same last verdict (type, instant, deadline, id).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import event as event_
from hypothesis import strategies as st

from models.events import TicketEvent, parse_event
from models.plan import TicketFacts
from streams.engine import Engine
from tests.streams.engine.test_engine_properties import (
    ANCHORS,
    STATUSES,
    TENANTS,
    draw_priority,
    later,
    policy_of,
    registry,
)

VERDICTS = ("sla.met", "sla.missed")


def draw_facts(draw: Any, policy: str) -> dict[str, Any]:
    """A complete set of the facts that decide a ticket's clocks under ``policy``."""
    facts = draw_priority(draw, policy)
    if policy == "1do":
        facts["kind"] = draw(st.sampled_from(["incident", "service_request", "change"]))
    elif policy == "covide":
        facts["kind"] = draw(st.sampled_from(["incident", "question"]))
    elif policy == "smart-fms":
        facts["channel"] = draw(st.sampled_from(["portal", "email", "phone"]))
    elif policy == "bokumo-ict":  # incident <-> vulnerability, the cvss brings assessment in
        facts["kind"] = draw(st.sampled_from(["incident", "vulnerability"]))
        facts["attributes"] = {"cvss": draw(st.sampled_from([5.0, 9.0, 9.8]))}
    return facts


def merge(facts: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(facts)
    for k, v in change.items():
        if k == "attributes":
            out["attributes"] = {**facts.get("attributes", {}), **v}
        elif k != "reported_at":
            out[k] = v
    return out


def event(n: int, etype: str, tenant: str, at: datetime, **fields: Any) -> TicketEvent:
    data: dict[str, Any] = {
        "event_id": f"ev-{n}",
        "type": etype,
        "tenant": tenant,
        "ticket_id": "T",
        "at": at.isoformat(),
    }
    data.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()})
    e = parse_event(json.dumps(data))
    assert isinstance(e, TicketEvent)
    return e


class Case:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.a: list[TicketEvent] = []  # with the fact changes
        self.b: list[TicketEvent] = []  # created with the final facts, no changes
        self.facts_at: list[tuple[str, dict[str, Any]]] = []  # (event type, A's facts after)
        self.final: dict[str, Any] = {}  # A's facts after its last change
        self.end = datetime(2000, 1, 1, tzinfo=ANCHORS[0].tzinfo)

    def __repr__(self) -> str:
        a = "\n  ".join(e.model_dump_json(exclude_defaults=True) for e in self.a)
        return f"Case({self.tenant}:\n  {a}\n  end={self.end})"


@st.composite
def cases(draw: Any) -> Case:
    tenant = draw(st.sampled_from(list(TENANTS)))
    policy = policy_of(tenant)
    case = Case(tenant)
    at = later(draw(st.sampled_from(ANCHORS)), draw(st.integers(0, 24 * 60)))
    # the facts toggle between the creation's and the final ones (in which a clock the first
    # do not have comes in, or one they have goes away and comes back)
    first, last = draw_facts(draw, policy), draw_facts(draw, policy)
    created: dict[str, Any] = dict(first)
    if policy == "inlenersbeloning":
        created["reported_at"] = at - timedelta(minutes=draw(st.integers(0, 48 * 60)))
    facts = merge({}, created)
    lifecycle: list[tuple[datetime, str, dict[str, Any]]] = []  # B's events but creation
    n = 1
    case.a.append(event(n, "ticket.created", tenant, at, **created))
    case.facts_at.append(("ticket.created", facts))
    resolved = False
    for _ in range(draw(st.integers(1, 12))):
        at = later(at, draw(st.one_of(st.just(0), st.integers(1, 180), st.integers(180, 3 * 1440))))
        n += 1
        action = draw(st.sampled_from(["facts", "facts", "status", "responded", "stop"]))
        if action == "facts" and policy != "inlenersbeloning":
            change = draw(st.sampled_from([first, last]))
            facts = merge(facts, change)
            case.a.append(event(n, "ticket.updated", tenant, at, **change))
            case.facts_at.append(("ticket.updated", facts))
            continue
        if action == "status":
            etype, fields = "ticket.updated", {"status": draw(st.sampled_from(STATUSES))}
        elif action == "responded":
            etype, fields = "ticket.responded", {}
        else:
            etype, fields = ("ticket.reopened" if resolved else "ticket.resolved"), {}
            resolved = not resolved
        case.a.append(event(n, etype, tenant, at, **fields))
        lifecycle.append((at, etype, fields))
        case.facts_at.append((etype, facts))
    # the late change that brings the final facts
    at = later(at, draw(st.integers(0, 3 * 1440)))
    if policy != "inlenersbeloning":
        change = last
        facts = merge(facts, change)
        case.a.append(event(n + 1, "ticket.updated", tenant, at, **change))
        case.facts_at.append(("ticket.updated", facts))
    case.final = facts
    final = dict(facts)
    if "reported_at" in created:
        final["reported_at"] = created["reported_at"]
    case.b.append(event(1, "ticket.created", tenant, case.a[0].at, **final))
    for a_event, (t, etype, fields) in zip(
        [e for e in case.a[1:] if e.type != "ticket.updated" or e.status], lifecycle, strict=True
    ):
        case.b.append(event(int(a_event.event_id[3:]), etype, tenant, t, **fields))
    case.end = at + timedelta(days=draw(st.sampled_from([0, 1, 10, 40])))
    return case


def run(case: Case, events: list[TicketEvent]) -> tuple[Engine, list[Any]]:
    eng = Engine(registry())
    out = []
    for e in events:
        out.extend(eng.apply(e))  # a valid ticket: nothing is rejected
    out.extend(eng.advance(case.end))
    return eng, out


def plans(tenant: str, facts: dict[str, Any]) -> dict[str, Any]:
    contract = registry().resolve(tenant)
    tf = TicketFacts(
        kind=facts.get("kind") or "incident",
        channel=facts.get("channel"),
        priority=facts.get("priority"),
        impact=facts.get("impact"),
        urgency=facts.get("urgency"),
        attributes=facts.get("attributes") or {},
    )
    return {p.clock: p for p in contract.policy.plan(tf, dict(contract.options or {}))}


def last_verdict(signals: list[Any], clock: str) -> Any:
    mine = [s for s in signals if s.clock == clock and s.type in VERDICTS]
    if not mine:
        return None
    s = mine[-1]
    return (s.type, s.at, s.deadline, s.event_id, s.tier)


def record(eng: Engine, key: str, clock: str) -> dict[str, Any]:
    (rec,) = [r for r in eng.clock_records(key) if r["clock"] == clock]
    keep = ("status", "deadline", "tier", "elapsed_business_seconds", "priority", "cell")
    return {k: rec[k] for k in keep}


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_a_clock_brought_in_late_ends_as_if_the_facts_were_final_from_the_start(case: Case):
    eng_a, out_a = run(case, case.a)
    eng_b, out_b = run(case, case.b)
    key = f"{case.tenant}:T"
    final = {c.name: c for c in eng_b.tickets[key].clocks.values()}
    final_plans = plans(case.tenant, case.final)
    for name in final:
        plan = final_plans[name]
        if any(plans(case.tenant, facts).get(name, plan) != plan for _, facts in case.facts_at):
            continue  # judged under another plan: it keeps that verdict (R5)
        late = any(name not in plans(case.tenant, facts) for _, facts in case.facts_at)
        event_(f"{'brought in late' if late else 'final all along'}, {final[name].stopped=}")
        assert record(eng_a, key, name) == record(eng_b, key, name), name
        if final[name].stopped:
            assert last_verdict(out_a, name) == last_verdict(out_b, name), name
