"""Incoming event schemas and ``parse_event`` (issue 3; CONTRACTS R1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from models.errors import EventError
from models.events import (
    HeartbeatEvent,
    MaintenanceEvent,
    MonitorEvent,
    TicketEvent,
    parse_event,
)
from models.plan import TicketFacts

BASE = {
    "event_id": "e-1",
    "type": "ticket.created",
    "tenant": "acme",
    "ticket_id": "T-42",
    "at": "2026-03-02T09:00:00+01:00",
}


def ev(**changes):
    d = dict(BASE)
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def test_minimal_ticket_event_from_bytes_str_and_dict():
    for raw in (orjson.dumps(BASE), orjson.dumps(BASE).decode(), BASE):
        e = parse_event(raw)
        assert isinstance(e, TicketEvent)
        assert e.at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        assert e.kind == "incident"  # default
        assert e.attributes == {}


def test_full_ticket_event_and_facts():
    e = parse_event(
        ev(
            kind="Vulnerability",
            channel="PORTAL",
            priority="Kritiek",
            impact="Company_Wide",
            urgency="HOOG",
            status="waiting_for_customer",
            reported_at="2026-03-01T22:00:00Z",
            attributes={"cvss": 9.8},
        )
    )
    assert (e.kind, e.channel, e.priority, e.impact, e.urgency) == (
        "vulnerability",
        "portal",
        "kritiek",
        "company_wide",
        "hoog",
    )
    assert e.reported_at == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    assert e.facts() == TicketFacts(
        kind="vulnerability",
        channel="portal",
        priority="kritiek",
        impact="company_wide",
        urgency="hoog",
        attributes={"cvss": 9.8},
    )


@pytest.mark.parametrize(
    "etype",
    [
        "ticket.created",
        "ticket.updated",
        "ticket.responded",
        "ticket.resolved",
        "ticket.reopened",
        "ticket.closed",
        "ticket.cancelled",
    ],
)
def test_every_ticket_type(etype):
    assert parse_event(ev(type=etype)).type == etype


def test_numeric_ids_and_impacts_are_text():
    e = parse_event(ev(ticket_id=4711, event_id=1, impact=1, urgency="A"))
    assert (e.ticket_id, e.event_id, e.impact, e.urgency) == ("4711", "1", "1", "a")


def test_offsets_are_kept_as_instants():
    e = parse_event(ev(at="2026-07-01T12:00:00+02:00"))
    assert e.at.utcoffset() == timedelta(hours=2)


def test_naive_timestamp_is_rejected_with_a_clear_reason():
    with pytest.raises(EventError) as exc:
        parse_event(ev(at="2026-03-02T09:00:00"))
    assert str(exc.value) == (
        "ticket.created (event e-1): 'at' timestamp '2026-03-02T09:00:00' has no UTC offset; "
        "send ISO 8601 with an offset, e.g. 2026-03-02T09:00:00+01:00 (CONTRACTS R1)"
    )
    with pytest.raises(EventError, match=r"'reported_at' timestamp .* has no UTC offset"):
        parse_event(ev(reported_at="2026-03-01 10:00"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "malformed JSON: "),
        (b"[1, 2]", "an event must be a JSON object, got an array"),
        (b'"x"', "an event must be a JSON object, got str"),
        (
            orjson.dumps(ev(type=None)),
            "missing field 'type' (event e-1); expected one of ticket.created, ",
        ),
        (
            orjson.dumps(ev(type="ticket.deleted")),
            "unknown event type 'ticket.deleted' (event e-1); expected one of ticket.created",
        ),
        (orjson.dumps(ev(tenant=None)), "ticket.created (event e-1): missing field 'tenant'"),
        (orjson.dumps(ev(ticket_id=None)), "ticket.created (event e-1): missing field 'ticket_id'"),
        (
            orjson.dumps(ev(foo=1)),
            "ticket.created (event e-1): unknown field 'foo' (free-form "
            "data belongs in 'attributes')",
        ),
        (
            orjson.dumps(ev(at="yesterday")),
            "ticket.created (event e-1): 'at' is not an ISO 8601 instant: 'yesterday'",
        ),
        (
            orjson.dumps(ev(kind="bug")),
            "ticket.created (event e-1): 'kind' has unknown value "
            "'bug'; expected 'incident', 'service_request', 'change', "
            "'question' or 'vulnerability'",
        ),
        (
            orjson.dumps(ev(channel="fax")),
            "ticket.created (event e-1): 'channel' has unknown value 'fax'",
        ),
        (
            orjson.dumps(ev(at=1772438400)),
            "ticket.created (event e-1): 'at' must be an ISO 8601 string with an offset",
        ),
        (orjson.dumps(ev(tenant="")), "ticket.created (event e-1): 'tenant' must not be empty"),
    ],
)
def test_bad_events_have_one_line_reasons(raw, message):
    with pytest.raises(EventError) as exc:
        parse_event(raw)
    text = str(exc.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_monitoring_events():
    down = parse_event(
        {
            "event_id": "m1",
            "type": "monitor.down",
            "tenant": "acme",
            "at": "2026-03-02T03:00:00+01:00",
            "service": "portal",
            "cause": "DDoS",
        }
    )
    assert isinstance(down, MonitorEvent) and down.cause == "ddos"
    up = parse_event(
        {
            "event_id": "m2",
            "type": "monitor.up",
            "tenant": "acme",
            "at": "2026-03-02T03:10:00+01:00",
            "service": "portal",
        }
    )
    assert isinstance(up, MonitorEvent) and up.cause is None
    hb = parse_event(
        {
            "event_id": "h1",
            "type": "heartbeat",
            "tenant": "acme",
            "at": "2026-03-02T02:05:00+01:00",
            "check": "Backup",
        }
    )
    assert isinstance(hb, HeartbeatEvent) and hb.check == "backup"


def test_maintenance_events():
    m = parse_event(
        {
            "event_id": "x1",
            "type": "maintenance.announced",
            "tenant": "acme",
            "at": "2026-03-02T10:00:00+01:00",
            "maintenance_id": "mw-7",
            "start": "2026-03-06T16:00:00+01:00",
            "end": "2026-03-09T07:00:00+01:00",
            "kind": "major",
        }
    )
    assert isinstance(m, MaintenanceEvent) and m.kind == "major"
    c = parse_event(
        {
            "event_id": "x2",
            "type": "maintenance.cancelled",
            "tenant": "acme",
            "at": "2026-03-03T10:00:00+01:00",
            "maintenance_id": "mw-7",
        }
    )
    assert c.type == "maintenance.cancelled"
    with pytest.raises(EventError, match=r"maintenance\.announced needs start, end, kind"):
        parse_event(
            {
                "event_id": "x3",
                "type": "maintenance.announced",
                "tenant": "acme",
                "at": "2026-03-02T10:00:00+01:00",
                "maintenance_id": "mw-8",
            }
        )
    with pytest.raises(EventError, match="end must be after its start"):
        parse_event(
            {
                "event_id": "x4",
                "type": "maintenance.announced",
                "tenant": "acme",
                "at": "2026-03-02T10:00:00+01:00",
                "maintenance_id": "mw-9",
                "start": "2026-03-06T16:00:00+01:00",
                "end": "2026-03-06T15:00:00+01:00",
                "kind": "minor",
            }
        )


def test_monitoring_events_reject_ticket_fields():
    with pytest.raises(EventError, match="unknown field 'ticket_id'"):
        parse_event(
            {
                "event_id": "m1",
                "type": "heartbeat",
                "tenant": "acme",
                "at": "2026-03-02T02:05:00+01:00",
                "check": "backup",
                "ticket_id": "1",
            }
        )


def test_events_are_frozen():
    e = parse_event(BASE)
    with pytest.raises(Exception):  # noqa: B017 - pydantic frozen instance error
        e.tenant = "other"  # type: ignore[misc]


def test_fast_path_throughput():
    # The engine must do >= 50k events/s overall; parsing alone should stay well below
    # 20 µs per event (generous bound for slow CI machines).
    import time

    raw = orjson.dumps(ev(type="ticket.updated", priority="hoog", status="open"))
    n = 5000
    t0 = time.perf_counter()
    for _ in range(n):
        parse_event(raw)
    per_event = (time.perf_counter() - t0) / n
    assert per_event < 60e-6
