"""Incoming event schemas and ``parse_event`` (issue 3; docs/contracts.md R1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        None,
        "company_wide",
        "hoog",
    )
    assert e.reported_at == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    assert e.facts() == TicketFacts(
        kind="vulnerability",
        channel="portal",
        impact="company_wide",
        urgency="hoog",
        attributes={"cvss": 9.8},
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"priority": "kritiek", "impact": "company_wide", "urgency": "hoog"},
            "ticket.created (event e-1): 'priority' and 'impact' both given: send either a "
            "priority level or impact with urgency, not both",
        ),
        (
            {"priority": "kritiek", "urgency": "hoog"},
            "ticket.created (event e-1): 'priority' and 'urgency' both given: send either a "
            "priority level or impact with urgency, not both",
        ),
        (
            {"reported_at": "2026-03-02T08:00:01Z"},  # one second after 'at' (09:00+01:00)
            "ticket.created (event e-1): 'reported_at' 2026-03-02T08:00:01+00:00 is after 'at' "
            "2026-03-02T09:00:00+01:00: a ticket is reported before (or when) it is "
            "registered; check the ITSM mapping",
        ),
    ],
)
def test_inconsistent_ticket_events_are_rejected_with_the_reason(fields, reason):
    # the same reason from JSON text (the strict fast path) and from a mapping (the lax one)
    for raw in (orjson.dumps(ev(**fields)), ev(**fields)):
        with pytest.raises(EventError) as exc:
            parse_event(raw)
        assert str(exc.value) == reason


def test_reported_when_registered_is_fine():
    e = parse_event(ev(reported_at="2026-03-02T09:00:00+01:00"))  # = 'at' (08:00Z)
    assert e.reported_at == e.at


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
        "send ISO 8601 with an offset, e.g. 2026-03-02T09:00:00+01:00 (see README, 'How the "
        "clocks work')"
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


# == JSON text: a strict pass first, the lax path for the rest ==================================
# parse_event validates JSON text in one strict pydantic pass and only falls back to the lax
# path (orjson, the type dispatch, the timestamp checks) when that fails. A mapping always
# takes the lax path, so decoding the same event from text and from a dict must agree:
# the same event (fields and which were set) or the same one-line reason.
_TIMES = (
    st.sampled_from(
        [
            "2026-03-02T09:00:00+01:00",
            "2026-03-29T02:30:00+02:00",
            "2026-10-25T02:30:00Z",
            "2026-03-02T09:00:00.5+01:00",
            "2026-03-02 09:00:00+01:00",
            "2026-03-02T09:00:00",  # naive
            "2026-02-30T09:00:00+01:00",
            "yesterday",
            "",
        ]
    )
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.none()
)
_WORDS = (
    st.sampled_from(
        ["hoog", "Hoog", " laag ", "1", "kritisch", "", "waiting_for_customer", "ÄRGER"]
    )
    | st.integers(0, 5)
    | st.none()
    | st.booleans()
)
_IDS = st.sampled_from(["e-1", "T-42", "acme", "", " x "]) | st.integers(-3, 10**6) | st.none()
_TYPES = (
    st.sampled_from(
        [
            "ticket.created",
            "ticket.updated",
            "ticket.resolved",
            "ticket.reopened",
            "monitor.down",
            "monitor.up",
            "maintenance.announced",
            "maintenance.cancelled",
            "heartbeat",
            "ticket.deleted",
            "TICKET.CREATED",
        ]
    )
    | st.integers(0, 3)
    | st.none()
)
_FIELDS = {
    "event_id": _IDS,
    "type": _TYPES,
    "tenant": _IDS,
    "ticket_id": _IDS,
    "at": _TIMES,
    "reported_at": _TIMES,
    "start": _TIMES,
    "end": _TIMES,
    "kind": st.sampled_from(["incident", "Incident", "question ", "vulnerability", "bug"])
    | st.none(),
    "channel": st.sampled_from(["email", "PHONE", "portal", "fax"]) | st.none(),
    "priority": _WORDS,
    "impact": _WORDS,
    "urgency": _WORDS,
    "status": _WORDS,
    "attributes": st.dictionaries(
        st.sampled_from(["cvss", "assignee"]), st.integers(-(2**63), 2**63 - 1) | st.text()
    )
    | st.lists(st.integers(0, 9), max_size=2)
    | st.none(),
    "service": _IDS,
    "cause": _WORDS,
    "check": _WORDS,
    "maintenance_id": _IDS,
    "unknown_key": st.just(1),
}


@st.composite
def event_dicts(draw):
    keys = draw(st.sets(st.sampled_from(sorted(_FIELDS)), max_size=9))
    data = {"event_id": "e-1", "type": "ticket.created", "tenant": "acme", "at": BASE["at"]}
    if draw(st.booleans()):
        data["ticket_id"] = "T-42"
    for key in sorted(keys):
        data[key] = draw(_FIELDS[key])
    for key in [k for k in data if data[k] is None and draw(st.booleans())]:
        del data[key]  # absent as well as null
    return data


def _outcome(raw):
    try:
        e = parse_event(raw)
    except EventError as exc:
        return ("rejected", str(exc))
    return (type(e).__name__, e.model_dump(), e.model_fields_set)


@settings(max_examples=400, deadline=None)
@given(event_dicts())
def test_json_text_and_a_mapping_decode_alike(data):
    text = orjson.dumps(data)
    from_mapping = _outcome(data)
    assert _outcome(text) == from_mapping
    assert _outcome(text.decode()) == from_mapping


def test_the_strict_pass_keeps_the_lax_rules():
    # accepted by the lax path only: coerced there, as before
    e = parse_event(orjson.dumps(ev(event_id=7, ticket_id=42, priority=" Hoog ", kind="Question")))
    assert (e.event_id, e.ticket_id, e.priority, e.kind) == ("7", "42", "hoog", "question")
    # refused by both: a numeric timestamp, with the lax path's reason
    with pytest.raises(EventError, match="'at' must be an ISO 8601 string"):
        parse_event(orjson.dumps(ev(at=1772438400)))
