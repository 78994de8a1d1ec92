"""Clock engine unit tests on a tiny hand-written policy (tests/streams/simple_policy.py).

Every expected instant is worked out by hand in a comment (office = Mon–Fri 09:00–17:00,
Europe/Amsterdam; 2026-03-02 is a Monday, CET = UTC+1).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.engine import Engine, RejectedEvent, signal_id
from tests.streams.simple_policy import Ev, SimpleRegistry

AMS = ZoneInfo("Europe/Amsterdam")


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


def brief(signals):
    return [
        (s.type, s.clock, s.at.astimezone(AMS), s.threshold or s.tier or s.level) for s in signals
    ]


def run(events, until=None, options=None):
    eng = Engine(SimpleRegistry(options))
    out = []
    for ev in events:
        out.extend(eng.apply(ev))
    if until is not None:
        out.extend(eng.advance(until))
    return eng, out


def test_warnings_escalations_breach_fire_once_each_at_their_instants():
    # P1 created Mon 09:00: response 1 h → 10:00 (50 % 09:30, 75 % 09:45);
    # resolution 4 h → 13:00 (50 % 11:00, 75 % 12:00 with escalation lead, breach+manager 13:00)
    _, out = run(
        [Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="P1")], until=d(2026, 3, 9, 9)
    )
    assert brief(out) == [
        ("sla.warning", "response", d(2026, 3, 2, 9, 30), 0.5),
        ("sla.warning", "response", d(2026, 3, 2, 9, 45), 0.75),
        ("sla.breach", "response", d(2026, 3, 2, 10), None),
        ("sla.warning", "resolution", d(2026, 3, 2, 11), 0.5),
        ("sla.warning", "resolution", d(2026, 3, 2, 12), 0.75),
        ("sla.escalation", "resolution", d(2026, 3, 2, 12), "lead"),
        ("sla.breach", "resolution", d(2026, 3, 2, 13), None),
        ("sla.escalation", "resolution", d(2026, 3, 2, 13), "manager"),
    ]
    assert len({s.event_id for s in out}) == len(out)


def test_start_outside_hours_counts_from_next_opening_and_deadline_on_closing_time():
    # P2 created Sat 7 Mar 11:00 → counts from Mon 9 Mar 09:00; response 4 h → Mon 13:00;
    # resolution 2 workdays = 16 h → Tue 10 Mar 17:00 (exactly the closing time, R2)
    _, out = run(
        [Ev("e1", "ticket.created", "T1", d(2026, 3, 7, 11), priority="p2")], until=d(2026, 3, 20)
    )
    breaches = [(s.clock, s.at.astimezone(AMS)) for s in out if s.type == "sla.breach"]
    assert breaches == [("response", d(2026, 3, 9, 13)), ("resolution", d(2026, 3, 10, 17))]


def test_pause_moves_the_deadline_by_the_paused_business_time():
    # P1 Mon 09:00; waiting_for_customer 12:00 → Tue 09:00 (3 h counted, 1 h left);
    # resumes Tue 09:00 → resolution breach Tue 10:00
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p1"),
        Ev("e2", "ticket.responded", "T1", d(2026, 3, 2, 9, 10)),
        Ev("e3", "ticket.updated", "T1", d(2026, 3, 2, 12), status="waiting_for_customer"),
        Ev("e4", "ticket.updated", "T1", d(2026, 3, 3, 8), status="in_progress"),
    ]
    _, out = run(events, until=d(2026, 3, 4))
    res = [s for s in out if s.clock == "resolution" and s.type == "sla.breach"]
    assert [s.at.astimezone(AMS) for s in res] == [d(2026, 3, 3, 10)]
    assert res[0].elapsed_business_seconds == 4 * 3600
    met = [s for s in out if s.type == "sla.met"]
    assert [(s.clock, s.at.astimezone(AMS)) for s in met] == [("response", d(2026, 3, 2, 9, 10))]


def test_priority_raised_past_deadline_fires_at_the_change_with_both_instants():
    # P2 Mon 09:00; P2's 50 % response rung (2 h) is due at 11:00 and fires first (timers
    # before the event at the same instant). At 11:00 raised to P1: response target 1 h was
    # reached at 10:00 → 75 % (09:45) and the breach (10:00) fire at once, observed_at = 11:00
    # (the change); the 50 % rung already fired and never fires twice (R7).
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p2"),
        Ev("e2", "ticket.updated", "T1", d(2026, 3, 2, 11), priority="p1"),
    ]
    _, out = run(events)
    resp = [s for s in out if s.clock == "response"]
    assert [(s.type, s.at.astimezone(AMS), s.observed_at.astimezone(AMS)) for s in resp] == [
        ("sla.warning", d(2026, 3, 2, 11), d(2026, 3, 2, 11)),
        ("sla.warning", d(2026, 3, 2, 9, 45), d(2026, 3, 2, 11)),
        ("sla.breach", d(2026, 3, 2, 10), d(2026, 3, 2, 11)),
    ]
    assert resp[0].priority == "p2" and resp[-1].priority == "p1"
    assert resp[-1].deadline.astimezone(AMS) == d(2026, 3, 2, 10)


def test_priority_lowered_keeps_elapsed_time_and_moves_the_deadline_out():
    # P1 Mon 09:00, paused 09:30–10:30 (30 min counted), lowered to P2 at 10:30:
    # response 4 h → 3 h 30 left from 10:30 → 14:00
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p1"),
        Ev("e2", "ticket.updated", "T1", d(2026, 3, 2, 9, 20), status="waiting_for_customer"),
        Ev("e3", "ticket.updated", "T1", d(2026, 3, 2, 10, 30), status="open", priority="p2"),
    ]
    _, out = run(events, until=d(2026, 3, 2, 16))
    resp = [(s.type, s.at.astimezone(AMS)) for s in out if s.clock == "response"]
    # 20 min counted before the pause: warnings of P1 (09:30) never reached; P2 50 % = 2 h →
    # 1 h 40 after 10:30 = 12:10; 75 % = 3 h → 13:10; breach 4 h → 14:10
    assert resp == [
        ("sla.warning", d(2026, 3, 2, 12, 10)),
        ("sla.warning", d(2026, 3, 2, 13, 10)),
        ("sla.breach", d(2026, 3, 2, 14, 10)),
    ]


def test_resolve_then_reopen_resumes_without_counting_resolved_time():
    # P1 Mon 09:00, resolved 10:00 (1 h counted, met), reopened Tue 09:00 → 3 h left → 12:00
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p1"),
        Ev("e2", "ticket.responded", "T1", d(2026, 3, 2, 9, 5)),
        Ev("e3", "ticket.resolved", "T1", d(2026, 3, 2, 10)),
        Ev("e4", "ticket.reopened", "T1", d(2026, 3, 3, 9)),
        Ev("e5", "ticket.resolved", "T1", d(2026, 3, 3, 13)),
    ]
    _, out = run(events)
    res = [(s.type, s.at.astimezone(AMS)) for s in out if s.clock == "resolution"]
    # after reopening: 50 % (2 h) at Tue 10:00, 75 % (3 h) + lead at 11:00, breach + manager
    # at 12:00; resolved 13:00 → missed (the second verdict of this clock)
    assert res == [
        ("sla.met", d(2026, 3, 2, 10)),
        ("sla.warning", d(2026, 3, 3, 10)),
        ("sla.warning", d(2026, 3, 3, 11)),
        ("sla.escalation", d(2026, 3, 3, 11)),
        ("sla.breach", d(2026, 3, 3, 12)),
        ("sla.escalation", d(2026, 3, 3, 12)),
        ("sla.missed", d(2026, 3, 3, 13)),
    ]
    verdicts = [s for s in out if s.type in ("sla.met", "sla.missed")]
    assert len({s.event_id for s in verdicts}) == len(verdicts)


def test_cancel_stops_without_verdict_and_later_events_are_rejected():
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p2"),
        Ev("e2", "ticket.cancelled", "T1", d(2026, 3, 2, 9, 30)),
    ]
    eng, out = run(events, until=d(2026, 3, 10))
    assert out == []
    with pytest.raises(RejectedEvent, match="already cancelled"):
        eng.apply(Ev("e3", "ticket.updated", "T1", d(2026, 3, 10, 1), priority="p1"))


def test_bad_input_is_rejected_with_a_reason_and_state_unchanged():
    eng = Engine(SimpleRegistry())
    with pytest.raises(RejectedEvent, match="unknown tenant"):
        eng.apply(Ev("x", "ticket.created", "T1", d(2026, 3, 2, 9), tenant="nobody"))
    with pytest.raises(RejectedEvent, match=r"no ticket\.created"):
        eng.apply(Ev("y", "ticket.responded", "T9", d(2026, 3, 2, 9)))
    eng.apply(Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p1"))
    before = json.dumps(eng.ticket_state("acme:T1"), sort_keys=True)
    with pytest.raises(RejectedEvent, match="unknown priority 'p7'"):
        eng.apply(Ev("e2", "ticket.updated", "T1", d(2026, 3, 2, 9, 1), priority="p7"))
    assert json.dumps(eng.ticket_state("acme:T1"), sort_keys=True) == before


def test_rejection_keeps_the_timer_signals_it_advanced_past():
    eng = Engine(SimpleRegistry())
    eng.apply(Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p1"))
    with pytest.raises(RejectedEvent) as info:
        eng.apply(Ev("z", "ticket.responded", "T404", d(2026, 3, 2, 10)))
    # response 50 %, 75 %, breach (10:00) and resolution 50 % is 11:00 (not yet)
    assert [s.type for s in info.value.signals] == ["sla.warning", "sla.warning", "sla.breach"]


def test_duplicates_are_ignored():
    ev = Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p1")
    upd = Ev("e2", "ticket.updated", "T1", d(2026, 3, 2, 9, 5), status="waiting_for_customer")
    eng, _ = run([ev, upd])
    assert eng.apply(upd) == []
    assert eng.stats.duplicates == 1


def test_registration_breach_fires_at_creation_when_reported_more_than_24h_earlier():
    # reported Mon 08:00, created Tue 10:00 (26 h later, 24x7): breach due Tue 08:00,
    # fired at creation (observed Tue 10:00), then the clock stops: missed
    ev = Ev(
        "e1",
        "ticket.created",
        "T1",
        d(2026, 3, 3, 10),
        priority="p1",
        reported_at=d(2026, 3, 2, 8),
        attributes={"registered_late_check": True},
    )
    _, out = run([ev])
    reg = [
        (s.type, s.at.astimezone(AMS), s.observed_at.astimezone(AMS))
        for s in out
        if s.clock == "registration"
    ]
    assert reg == [
        ("sla.breach", d(2026, 3, 3, 8), d(2026, 3, 3, 10)),
        ("sla.missed", d(2026, 3, 3, 10), d(2026, 3, 3, 10)),
    ]


def test_weeks_target_is_wall_clock_from_aligned_start_extended_by_pauses():
    # P3 resolution 1 week from the aligned start: created Sun 8 Mar 20:00 → aligned Mon 9 Mar
    # 09:00 → due Mon 16 Mar 09:00; paused 2 h of wall time (Tue 10:00–12:00) → 11:00
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 8, 20), priority="p3"),
        Ev("e2", "ticket.responded", "T1", d(2026, 3, 9, 9, 1)),
        Ev("e3", "ticket.updated", "T1", d(2026, 3, 10, 10), status="waiting_for_customer"),
        Ev("e4", "ticket.updated", "T1", d(2026, 3, 10, 12), status="open"),
    ]
    _, out = run(events, until=d(2026, 3, 30))
    breach = [s.at.astimezone(AMS) for s in out if s.type == "sla.breach"]
    assert breach == [d(2026, 3, 16, 11)]


def test_dst_weekend_on_a_24x7_clock_counts_real_time():
    # option 'always': P1 runs 24x7. Created Sat 28 Mar 2026 22:00 CET; 4 h real time later is
    # 03:00 CEST Sun 29 Mar (clocks jump 02:00 → 03:00): 22:00 CET = 21:00Z, +4 h = 01:00Z
    _, out = run(
        [Ev("e1", "ticket.created", "T1", d(2026, 3, 28, 22), priority="p1")],
        until=d(2026, 3, 30),
        options={"always": True},
    )
    breach = [s.at for s in out if s.type == "sla.breach" and s.clock == "resolution"]
    assert [b.astimezone(AMS) for b in breach] == [d(2026, 3, 29, 3)]


def test_signal_ids_are_deterministic_and_state_round_trips_through_json():
    events = [
        Ev("e1", "ticket.created", "T1", d(2026, 3, 2, 9), priority="p2"),
        Ev("e2", "ticket.updated", "T1", d(2026, 3, 2, 10), status="waiting_for_customer"),
    ]
    eng1, out1 = run(events)
    snap = json.loads(json.dumps(eng1.snapshot()))
    eng2 = Engine.restore(SimpleRegistry(), snap)
    assert json.dumps(eng2.snapshot(), sort_keys=True) == json.dumps(snap, sort_keys=True)
    tail = [Ev("e3", "ticket.updated", "T1", d(2026, 3, 3, 9), status="open")]
    a = [s.to_dict() for ev in tail for s in eng1.apply(ev)] + [
        s.to_dict() for s in eng1.advance(d(2026, 3, 20))
    ]
    b = [s.to_dict() for ev in tail for s in eng2.apply(ev)] + [
        s.to_dict() for s in eng2.advance(d(2026, 3, 20))
    ]
    assert a == b and a
    assert out1 == [] or all(s.event_id for s in out1)
    assert signal_id("acme", "T1", "response", "breach") == signal_id(
        "acme", "T1", "response", "breach"
    )


def test_advance_visits_only_due_clocks():
    eng = Engine(SimpleRegistry())
    for i in range(2000):
        eng.apply(
            Ev(
                f"e{i}",
                "ticket.created",
                f"T{i}",
                d(2026, 3, 2, 9) + timedelta(seconds=i),
                priority="p2",
            )
        )
    heap_before = len(eng.timers)
    assert eng.advance(d(2026, 3, 2, 9, 30)) == []  # nothing due: nothing popped
    assert len(eng.timers) == heap_before


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1), st.text(), st.text(min_size=1), st.text(min_size=1))
def test_signal_id_is_the_uuid5_of_its_name(tenant, ticket_id, clock, key):
    import uuid

    from models.ids import SIGNAL_NAMESPACE

    name = f"{tenant}\x1f{ticket_id}\x1f{clock}\x1f{key}"
    try:
        name.encode()
    except UnicodeEncodeError:  # lone surrogates: not an id anyone can send
        return
    assert signal_id(tenant, ticket_id, clock, key) == str(uuid.uuid5(SIGNAL_NAMESPACE, name))
