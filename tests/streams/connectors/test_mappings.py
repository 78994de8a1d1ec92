"""The shipped mappings on their vendors' documented payloads: each fixture sequence (a ticket's
life as the tool reports it) gives the canonical events written out here by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from streams.connectors.catalog import load_mapping
from streams.connectors.mapper import Mapper, Webhook
from streams.connectors.memory import LruMemory
from tests.streams.connectors.helpers import fixture

RECEIVED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def run(mapping: str, vendor: str, names: list[str], tenant: str = "acme") -> list[Any]:
    """Each payload's events (or the reason it gave none), the memory carried along."""
    mapper = Mapper(load_mapping(mapping), vendor, (tenant,))
    memory = LruMemory()
    out: list[Any] = []

    async def go() -> None:
        for name in names:
            fx = fixture(vendor, name)
            hook = Webhook(
                vendor,
                tenant,
                fx.body,
                {k.lower(): v for k, v in fx.headers.items()},
                RECEIVED,
            )
            parsed = mapper.parse(hook)
            outcome = mapper.derive(parsed, await memory.get(parsed.memory_key))
            out.append(outcome.events or outcome.ignored)
            if outcome.memory is not None:
                await memory.put(parsed.memory_key, outcome.memory)

    asyncio.run(go())
    return out


def test_jira_service_management():
    names = ["issue_created", "priority_changed", "comment_created", "issue_resolved"]
    created, priority, comment, resolved = run("jira-sm", "jira", names)
    assert created == [
        {
            "event_id": "jira:8c5a2d1e-17a4-4e0b-9a77-3f7c1b2e0001:created",
            "type": "ticket.created",
            "tenant": "acme",
            "ticket_id": "SUP-17",
            "at": "2026-03-02T09:00:00+01:00",  # issue.fields.created
            "priority": "high",
            "kind": "incident",
            "status": "open",
            "attributes": {"native_id": "10002", "jira_due_date": "2026-03-03"},
        }
    ]
    # moved to In Progress with the priority raise: responded, carrying the new priority
    assert priority == [
        {
            "event_id": "jira:8c5a2d1e-17a4-4e0b-9a77-3f7c1b2e0002:responded",
            "type": "ticket.responded",
            "tenant": "acme",
            "ticket_id": "SUP-17",
            "at": "2026-03-02T09:30:00+00:00",
            "priority": "highest",
            "kind": "incident",
            "status": "in_progress",
            "attributes": {"native_id": "10002"},
        }
    ]
    assert comment == "rule 4 of mapping jira-sm ignores this webhook"
    assert resolved == [
        {
            "event_id": "jira:8c5a2d1e-17a4-4e0b-9a77-3f7c1b2e0003:resolved",
            "type": "ticket.resolved",
            "tenant": "acme",
            "ticket_id": "SUP-17",
            "at": "2026-03-02T10:15:00+00:00",
            "priority": "high",
            "kind": "incident",
            "status": "resolved",
            "attributes": {"native_id": "10002"},
        }
    ]


def test_zendesk():
    created, reply, priority, solved = run(
        "zendesk",
        "zendesk",
        ["ticket_created", "comment_added", "priority_changed", "status_solved"],
    )
    common = {"tenant": "acme", "ticket_id": "5158", "kind": "incident", "channel": "portal"}
    assert created == [
        {
            "event_id": "zendesk:cbe4028c-7239-495d-b020-f22348516046:created",
            "type": "ticket.created",
            "at": "2026-03-02T08:00:00+00:00",
            "priority": "high",
            "status": "new",
            **common,
        }
    ]
    assert reply == [
        {
            "event_id": "zendesk:d2b3a9f0-6a1e-4b8e-8d0f-1c2b3a4d5e60:responded",
            "type": "ticket.responded",
            "at": "2026-03-02T08:20:00+00:00",
            "priority": "high",
            "status": "open",
            **common,
        }
    ]
    assert priority == [
        {
            "event_id": "zendesk:0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c21:updated",
            "type": "ticket.updated",
            "at": "2026-03-02T09:30:00+00:00",
            "priority": "urgent",
            "status": "open",
            **common,
        }
    ]
    assert solved == [
        {
            "event_id": "zendesk:f1e2d3c4-b5a6-4789-8a7b-6c5d4e3f2a10:resolved",
            "type": "ticket.resolved",
            "at": "2026-03-02T10:15:00+00:00",
            "priority": "high",
            "status": "resolved",
            **common,
        }
    ]


def test_zammad_snapshots_compared_with_the_last_known_state():
    created, first_response, closed = run(
        "zammad", "zammad", ["created", "first_response", "closed"]
    )
    common = {
        "tenant": "acme",
        "ticket_id": "10081",
        "priority": "high",
        "channel": "phone",
        "attributes": {"native_id": "81"},
    }
    assert created == [
        {
            "event_id": "zammad:0d8bcc5f-3f3c-4a2a-9b5e-0b8f6c7a1e01:created",
            "type": "ticket.created",
            "at": "2026-03-02T08:00:00+00:00",
            "status": "new",
            **common,
        }
    ]
    assert first_response == [
        {
            "event_id": "zammad:0d8bcc5f-3f3c-4a2a-9b5e-0b8f6c7a1e02:responded",
            "type": "ticket.responded",
            "at": "2026-03-02T08:40:00+00:00",
            "status": "open",
            **common,
        }
    ]
    assert closed == [
        {
            "event_id": "zammad:0d8bcc5f-3f3c-4a2a-9b5e-0b8f6c7a1e03:closed",
            "type": "ticket.closed",
            "at": "2026-03-02T10:15:00+00:00",
            "status": "closed",
            **common,
        }
    ]


def test_zammad_a_closed_snapshot_of_an_unseen_ticket_creates_responds_and_closes_it():
    (events,) = run("zammad", "zammad", ["closed"])
    assert [(e["type"], e["at"]) for e in events] == [
        ("ticket.created", "2026-03-02T08:00:00+00:00"),  # ticket.created_at
        ("ticket.responded", "2026-03-02T10:15:00+00:00"),
        ("ticket.closed", "2026-03-02T10:15:00+00:00"),
    ]


def test_servicenow_state_and_hold_reason():
    insert, hold, resolved = run(
        "servicenow", "servicenow", ["insert", "awaiting_caller", "resolved"]
    )
    common = {
        "tenant": "acme",
        "ticket_id": "INC0010042",
        "priority": "high",
        "channel": "portal",
        "attributes": {
            "native_id": "9d385017c611228701d22104cc95c371",
            "servicenow_made_sla": "true",
            # an event carries a priority or impact with urgency (priority_from: priority)
            "vendor_impact": "high",
            "vendor_urgency": "medium",
        },
    }
    sys_id = "9d385017c611228701d22104cc95c371"
    assert insert == [
        {
            "event_id": f"servicenow:{sys_id}:0:created",
            "type": "ticket.created",
            "at": "2026-03-02T08:00:00+00:00",
            "status": "new",
            **common,
        }
    ]
    # On Hold / Awaiting Caller pauses (waiting_for_customer) and counts as a response
    assert hold == [
        {
            "event_id": f"servicenow:{sys_id}:3:responded",
            "type": "ticket.responded",
            "at": "2026-03-02T09:30:00+00:00",
            "status": "waiting_for_customer",
            **common,
        }
    ]
    assert resolved == [
        {
            "event_id": f"servicenow:{sys_id}:5:resolved",
            "type": "ticket.resolved",
            "at": "2026-03-02T10:15:00+00:00",
            "status": "resolved",
            **common,
        }
    ]


def test_topdesk():
    created, responded = run("topdesk", "topdesk", ["created", "responded"])
    assert [(e["type"], e["at"], e["status"], e["priority"]) for e in created] == [
        ("ticket.created", "2026-03-02T09:00:00+01:00", "new", "P2")
    ]
    assert created[0]["channel"] == "phone" and created[0]["kind"] == "incident"
    assert "impact" not in created[0]  # empty in the payload: not sent
    assert [(e["type"], e["at"], e["status"]) for e in responded] == [
        ("ticket.responded", "2026-03-02T09:25:00+01:00", "in_progress")
    ]
    assert responded[0]["event_id"] == (
        "topdesk:a1b2c3d4-0000-4000-8000-00000000000a:2026-03-02T09:25:00.000+0100:responded"
    )


def test_glpi():
    new, solved = run("glpi", "glpi", ["new", "solved"])
    facts = [(e["type"], e["at"], e["status"]) for e in new]
    assert facts == [("ticket.created", "2026-03-02T09:00:00+01:00", "new")]
    assert new[0]["priority"] == "high"
    attrs = new[0]["attributes"]
    assert (attrs["vendor_impact"], attrs["vendor_urgency"]) == ("medium", "high")
    assert new[0]["event_id"] == "glpi:4711:new:2026-03-02T09:00:00+01:00:created"
    assert [(e["type"], e["at"], e["status"]) for e in solved] == [
        ("ticket.resolved", "2026-03-02T11:15:00+01:00", "resolved")
    ]


def test_freshservice_uses_the_receive_time():
    created, resolved = run("freshservice", "freshservice", ["created", "resolved"])
    assert [(e["type"], e["at"], e["status"], e["channel"]) for e in created] == [
        ("ticket.created", "2026-03-02T12:00:00+00:00", "open", "portal")
    ]
    assert [e["type"] for e in resolved] == ["ticket.resolved"]


def test_a_matrix_tenant_takes_impact_and_urgency_instead_of_the_priority():
    """ServiceNow sends priority, impact and urgency; an event carries one or the other
    (``priority_from``): a tenant on a matrix policy overrides it to ``impact_urgency``."""
    mapping = load_mapping("servicenow").model_copy(update={"priority_from": "impact_urgency"})
    mapper = Mapper(mapping, "servicenow", ("acme",))
    fx = fixture("servicenow", "insert")
    hook = Webhook(
        "servicenow", "acme", fx.body, {k.lower(): v for k, v in fx.headers.items()}, RECEIVED
    )
    (event,) = mapper.derive(mapper.parse(hook), None).events
    assert (event["impact"], event["urgency"]) == ("high", "medium")
    assert "priority" not in event and event["attributes"]["vendor_priority"] == "high"
