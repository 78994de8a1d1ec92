"""Tenant isolation in the runtime's core: an event touches only its own tenant's ticket, and
a ticket event cannot choose or change a policy or contract."""

from __future__ import annotations

from pathlib import Path

import orjson

from models.contracts import load_policies, load_tenants
from streams.runtime.partition import PartitionRunner

REPO = Path(__file__).resolve().parents[3]
REG = load_tenants(REPO / "examples" / "tenants.yaml", load_policies())


def _created(tenant: str, ticket: str, **extra) -> bytes:
    return orjson.dumps(
        {
            "event_id": f"{tenant}-{ticket}-c",
            "type": "ticket.created",
            "tenant": tenant,
            "ticket_id": ticket,
            "at": "2026-03-02T10:00:00+01:00",
            **extra,
        }
    )


def test_same_ticket_id_in_two_tenants_are_two_tickets() -> None:
    r = PartitionRunner(0, REG)
    a = r.handle(b"acme:T-1", _created("acme", "T-1", impact="single_user", urgency="laag"), 0, "")
    b = r.handle(b"hooli:T-1", _created("hooli", "T-1", priority="D", channel="portal"), 1, "")
    assert set(a.writes) == {"acme:T-1"} and set(b.writes) == {"hooli:T-1"}
    assert r.engine.tickets["acme:T-1"].policy == "bokumo-ict"
    assert r.engine.tickets["hooli:T-1"].policy == "smart-fms"
    # closing one tenant's ticket leaves the other's alone
    close = orjson.dumps(
        {
            "event_id": "h-close",
            "type": "ticket.cancelled",
            "tenant": "hooli",
            "ticket_id": "T-1",
            "at": "2026-03-02T11:00:00+01:00",
        }
    )
    res = r.handle(b"hooli:T-1", close, 2, "")
    assert set(res.writes) == {"hooli:T-1"}
    assert r.engine.tickets["acme:T-1"].phase == "open"


def test_an_event_cannot_bring_its_own_policy() -> None:
    r = PartitionRunner(0, REG)
    raw = _created("acme", "T-2", priority="kritiek", policy="smart-fms")
    res = r.handle(b"acme:T-2", raw, 0, "in@0:0")
    (dl,) = res.dead_letters
    assert "unknown field 'policy'" in dl.reason
    assert res.writes == {} and "acme:T-2" not in r.engine.tickets
