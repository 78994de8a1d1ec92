"""The mapper's rules on small hand-made mappings (streams.connectors.mapper)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from models.connectors import mapping_from_data
from streams.connectors.mapper import Mapper, MappingError, Webhook
from streams.connectors.memory import TicketMemory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SNAPSHOT: dict[str, Any] = {
    "name": "snap",
    "vendor": "Snapshots",
    "auth": {"scheme": "token"},
    "ticket_id": {"path": "t.id"},
    "at": {"path": "t.at"},
    "event_id": {"header": "X-Delivery"},
    "events": [{"then": "changed"}],
    "unknown_ticket": "created",
    "status": {
        "path": "t.state",
        "map": {
            "new": "new",
            "open": "open",
            "wait": "waiting_for_customer",
            "done": "resolved",
            "closed": "closed",
        },
    },
    "priority": {"path": "t.prio", "map": {"P1": "hoog", "P2": "medium"}},
}


def mapper(doc: dict[str, Any] | None = None, tenants: tuple[str, ...] = ("acme",)) -> Mapper:
    return Mapper(mapping_from_data(doc or SNAPSHOT, "test"), "snap", tenants)


def derive(m: Mapper, body: Any, memory: TicketMemory | None = None, **headers: str):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    hdrs = {k.replace("_", "-").lower(): v for k, v in headers.items()}
    parsed = m.parse(Webhook("snap", "acme", raw, hdrs, NOW))
    return parsed, m.derive(parsed, memory)


def ticket(**t: Any) -> dict[str, Any]:
    return {"t": {"id": "T-1", "at": "2026-03-02T09:00:00+01:00", "state": "open", **t}}


def test_a_snapshot_of_an_unknown_ticket_creates_it_and_is_remembered():
    parsed, out = derive(mapper(), ticket(prio="P1"), X_Delivery="d1")
    assert parsed.key == "acme:T-1" and parsed.memory_key == "snap/acme:T-1"
    assert out.events == [
        {
            "event_id": "snap:d1:created",
            "type": "ticket.created",
            "tenant": "acme",
            "ticket_id": "T-1",
            "at": "2026-03-02T09:00:00+01:00",
            "priority": "hoog",
            "status": "open",
        }
    ]
    assert out.memory == TicketMemory("open", False, {"priority": "hoog"})


def test_an_unchanged_snapshot_gives_nothing_and_a_change_gives_updated():
    known = TicketMemory("open", False, {"priority": "hoog"})
    _, same = derive(mapper(), ticket(prio="P1"), known, X_Delivery="d2")
    assert same.events == [] and same.ignored is not None and "nothing" in same.ignored
    _, raised = derive(mapper(), ticket(prio="P2", state="wait"), known, X_Delivery="d3")
    assert [(e["type"], e["priority"], e["status"]) for e in raised.events] == [
        ("ticket.updated", "medium", "waiting_for_customer")
    ]


def test_phases_give_resolved_closed_and_reopened():
    def types(state: str, before: str) -> list[str]:
        _, out = derive(mapper(), ticket(state=state), TicketMemory(before), X_Delivery=state)
        return [e["type"] for e in out.events]

    assert types("done", "open") == ["ticket.resolved"]
    assert types("closed", "resolved") == ["ticket.closed"]
    assert types("open", "resolved") == ["ticket.reopened"]
    assert types("open", "closed") == ["ticket.reopened"]


def test_a_redelivery_gives_the_same_event_ids():
    _, first = derive(mapper(), ticket(), X_Delivery="same")
    _, again = derive(mapper(), ticket(), X_Delivery="same")
    assert [e["event_id"] for e in first.events] == [e["event_id"] for e in again.events]


def test_without_a_dedup_key_the_body_hash_is_the_delivery():
    doc = {**SNAPSHOT, "event_id": None}
    _, one = derive(mapper(doc), ticket())
    _, two = derive(mapper(doc), ticket())
    _, other = derive(mapper(doc), ticket(state="wait"))
    assert one.events[0]["event_id"] == two.events[0]["event_id"]
    assert one.events[0]["event_id"] != other.events[0]["event_id"]


def test_an_unknown_value_is_named_with_its_place_and_the_fix():
    with pytest.raises(MappingError) as err:
        derive(mapper(), ticket(prio="P9"), X_Delivery="x")
    assert str(err.value) == (
        "priority: 'P9' (t.prio) is not in the mapping's priority.map; add it to the mapping "
        "or the tenant's overrides (known: p1, p2)"
    )


def test_default_and_fallback_of_a_table():
    doc = {
        **SNAPSHOT,
        "status": {
            "path": "t.state",
            "map": {"open": "open"},
            "fallback": {"path": "t.category", "map": {"done": "resolved"}},
        },
        "priority": {"path": "t.prio", "map": {"P1": "hoog"}, "default": "medium"},
    }
    _, out = derive(mapper(doc), ticket(state="Custom", category="done", prio="P7"), X_Delivery="f")
    assert [(e["type"], e["status"], e["priority"]) for e in out.events] == [
        ("ticket.created", "resolved", "medium"),
        ("ticket.resolved", "resolved", "medium"),
    ]


def test_naive_timestamps_need_a_zone():
    with pytest.raises(MappingError, match=r"has no UTC offset .*\(docs/contracts.md R1\)"):
        derive(mapper(), ticket(at="2026-03-02 09:00:00"), X_Delivery="n")
    local = {"path": "t.at", "format": "%Y-%m-%d %H:%M:%S", "zone": "Europe/Amsterdam"}
    doc = {**SNAPSHOT, "at": local}
    _, out = derive(mapper(doc), ticket(at="2026-03-02 09:00:00"), X_Delivery="n")
    assert out.events[0]["at"] == "2026-03-02T09:00:00+01:00"
    with pytest.raises(MappingError, match="is not a iso timestamp"):
        derive(mapper(), ticket(at="yesterday"), X_Delivery="n")


def test_bodies_that_are_not_objects_or_lack_the_ticket():
    with pytest.raises(MappingError, match="the body is not JSON"):
        derive(mapper(), b"<xml/>")
    with pytest.raises(MappingError, match="must be a JSON object, got list"):
        derive(mapper(), [1])
    with pytest.raises(MappingError, match=r"ticket_id: nothing at t\.id"):
        derive(mapper(), {"t": {"at": "2026-03-02T09:00:00+01:00"}})


def test_an_object_where_text_is_expected():
    with pytest.raises(MappingError, match=r"priority \(t\.prio\): expected a text value"):
        derive(mapper(), ticket(prio={"name": "P1"}), X_Delivery="o")


def test_rules_in_order_and_no_match():
    doc = {
        **SNAPSHOT,
        "events": [
            {"when": [{"header": "X-Event", "equals": "comment"}], "then": "ignore"},
            {"when": [{"path": "t.kind", "one_of": ["create", "new"]}], "then": "ticket.created"},
        ],
    }
    _, ignored = derive(mapper(doc), ticket(), X_Delivery="r", X_Event="comment")
    assert ignored.events == [] and ignored.ignored == "rule 1 of mapping snap ignores this webhook"
    _, created = derive(mapper(doc), ticket(kind="new"), X_Delivery="r")
    assert [e["type"] for e in created.events] == ["ticket.created"]
    with pytest.raises(MappingError, match="no rule of mapping snap's events matches"):
        derive(mapper(doc), ticket(kind="edit"), X_Delivery="r")


def test_the_tenant_from_the_payload_must_be_served_by_the_endpoint():
    doc = {**SNAPSHOT, "tenant": {"path": "org", "map": {"Acme BV": "acme", "Globex": "globex"}}}
    body = {**ticket(), "org": "Globex"}
    parsed, out = derive(mapper(doc, ("msp", "acme", "globex")), body, X_Delivery="t")
    assert parsed.tenant == "globex" and out.events[0]["tenant"] == "globex"
    with pytest.raises(MappingError, match="is not served by the endpoint snap/acme"):
        derive(mapper(doc, ("acme",)), body, X_Delivery="t")


def test_a_mapped_value_the_event_schema_refuses_is_a_mapping_error():
    doc = {**SNAPSHOT, "channel": {"path": "t.via"}}
    with pytest.raises(MappingError, match=r"the mapped event is not valid: .*'channel'"):
        derive(mapper(doc), ticket(via="carrier pigeon"), X_Delivery="c")


def test_a_change_list_without_a_status_item_keeps_the_status():
    doc = {
        **SNAPSHOT,
        "unknown_ticket": "updated",
        "events": [
            {
                "then": "changed",
                "before": {
                    "changes": {"path": "log", "match": {"field": "status"}, "value": "from"}
                },
            }
        ],
    }
    body = {**ticket(state="done"), "log": [{"field": "priority", "from": "P2"}]}
    _, out = derive(mapper(doc), body, X_Delivery="cl")
    assert [e["type"] for e in out.events] == ["ticket.updated"]  # status stayed "done"
    body["log"].append({"field": "status", "from": "open"})
    _, out = derive(mapper(doc), body, X_Delivery="cl")
    assert [e["type"] for e in out.events] == ["ticket.resolved"]


def test_responded_once_per_ticket():
    doc = {**SNAPSHOT, "responded": {"when": [{"path": "t.first_reply", "present": True}]}}
    _, first = derive(mapper(doc), ticket(first_reply="x"), TicketMemory("open"), X_Delivery="1")
    assert [e["type"] for e in first.events] == ["ticket.responded"]
    assert first.memory is not None and first.memory.responded
    again = ticket(first_reply="x", prio="P1")
    _, second = derive(mapper(doc), again, first.memory, X_Delivery="2")
    assert [e["type"] for e in second.events] == ["ticket.updated"]


def test_only_mapped_fields_are_sent():
    # no kind in the mapping: the event must not carry the schema default (incident), which
    # would turn a service request back into an incident on every update
    _, out = derive(mapper(), ticket(), X_Delivery="k")
    assert "kind" not in out.events[0] and "channel" not in out.events[0]
