"""Outgoing signal schema (issue 3)."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from models.ids import signal_id
from models.signals import CORE_KEYS, Signal

BASE = {
    "type": "sla.warning",
    "tenant": "acme",
    "ticket_id": "T-42",
    "clock": "resolution",
    "policy": "bokumo-ict",
    "policy_version": "25.1",
    "priority": "laag",
    "deadline": "2026-03-06T17:00:00+01:00",
    "at": "2026-03-04T13:00:00+01:00",
}


def sig(**kw):
    d = dict(
        BASE,
        event_id=signal_id("acme", "T-42", "resolution", 1, kw.get("type", BASE["type"])),
    )
    d.update(kw)
    return Signal.model_validate(d)


def test_event_id_is_deterministic():
    a = signal_id("acme", "T-42", "resolution", 1, "sla.warning", 0.5)
    assert a == signal_id("acme", "T-42", "resolution", 1, "sla.warning", 0.5)
    assert a != signal_id("acme", "T-42", "resolution", 1, "sla.warning", 0.75)
    assert len(a) == 36


def test_warning_with_threshold_or_soft_tier():
    assert sig(threshold=0.5).threshold == 0.5
    assert sig(tier="soft").tier == "soft"
    with pytest.raises(ValidationError, match="exactly one of threshold or tier"):
        sig()
    with pytest.raises(ValidationError, match="threshold must lie in"):
        sig(threshold=1.0)


def test_escalation_needs_a_level():
    assert sig(type="sla.escalation", level="second_line").level == "second_line"
    with pytest.raises(ValidationError, match="needs a level"):
        sig(type="sla.escalation")


def test_breach_met_missed_and_late_fire():
    s = sig(
        type="sla.breach",
        observed_at="2026-03-06T18:30:00+01:00",
        elapsed_business_seconds=144000.0,
        elapsed_wall_seconds=377400.0,
    )
    assert s.observed_at is not None and s.observed_at > s.at
    assert sig(type="sla.met").type == "sla.met"
    assert sig(type="sla.missed").type == "sla.missed"


def test_naive_instants_rejected():
    with pytest.raises(ValidationError):
        sig(threshold=0.5, at="2026-03-04T13:00:00")


def test_frozen_and_strict():
    s = sig(threshold=0.5)
    with pytest.raises(ValidationError):
        s.tenant = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        sig(threshold=0.5, colour="red")


def test_json_form_keeps_core_keys():
    s = sig(type="sla.escalation", level="third_line", deadline=None)
    d = orjson.loads(s.to_json())
    assert set(CORE_KEYS) <= set(d)
    assert d["deadline"] is None
    assert d["level"] == "third_line"
    assert "threshold" not in d
    assert d["at"] == "2026-03-04T13:00:00+01:00"


def test_availability_and_heartbeat_signals():
    hb = Signal(
        event_id="h",
        type="heartbeat.missed",
        tenant="acme",
        policy="covide",
        policy_version="1.0",
        at="2026-03-02T02:30:00+01:00",
        check="snapshot",
    )
    assert hb.ticket_id is None
    av = Signal(
        event_id="a",
        type="availability.breach",
        tenant="acme",
        policy="covide",
        policy_version="1.0",
        at="2026-03-31T22:00:00+02:00",
        period="2026-03",
        availability_percent=99.1,
        target_percent=99.5,
        service="systems",
    )
    assert av.period == "2026-03"
    with pytest.raises(ValidationError, match="needs check"):
        Signal(
            event_id="h",
            type="heartbeat.missed",
            tenant="acme",
            policy="covide",
            policy_version="1.0",
            at="2026-03-02T02:30:00+01:00",
        )
    with pytest.raises(ValidationError, match="needs ticket_id and clock"):
        Signal(
            event_id="x",
            type="sla.breach",
            tenant="acme",
            policy="covide",
            policy_version="1.0",
            at="2026-03-02T02:30:00+01:00",
        )
