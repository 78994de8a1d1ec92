"""Routing, firing and resolving (streams.connectors.notify.dispatch) and the offsets notify
may commit (OffsetTracker)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from models.notify import notify_from_data
from streams.connectors.notify.dispatch import Dispatcher
from streams.connectors.notify.service import OffsetTracker
from streams.connectors.notify.state import MemoryNotifyState
from tests.streams.connectors.signals import heartbeat, sla

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CONFIG = notify_from_data(
    {
        "receivers": [
            {"name": "am", "type": "alertmanager", "url": "http://am:9093"},
            {"name": "pd", "type": "pagerduty", "url": "http://pd/v2/enqueue"},
            {"name": "chat", "type": "slack"},
            {"name": "hook", "type": "webhook", "url": "http://hook/sla"},
        ],
        "routes": [
            {
                "match": {"types": ["sla.breach", "sla.escalation"]},
                "receivers": ["am", "pd"],
                "continue": True,
            },
            {"match": {"types": ["sla.breach", "sla.missed"]}, "receivers": ["hook"]},
            {"match": {"types": ["sla.warning", "heartbeat.missed"]}, "receivers": ["chat"]},
        ],
        "resend": 30,
    },
    "notify.yaml",
)
SECRETS = {"pd": "K" * 32, "chat": "http://slack/hook"}
ORIGIN = {"topic": "sla.breaches", "partition": 0, "offset": 7}


def dispatcher() -> Dispatcher:
    return Dispatcher(CONFIG, SECRETS, MemoryNotifyState(), clock=lambda: NOW)


def go(coro: Any) -> Any:
    return asyncio.run(coro)


def summary(jobs: list[Any]) -> list[tuple[str, str]]:
    return [(j.receiver, j.action) for j in jobs]


def test_a_breach_fires_at_the_routes_receivers_and_its_verdict_resolves_them():
    d = dispatcher()
    breach = sla("sla.breach")

    async def scenario() -> tuple[list[Any], list[Any], Any]:
        fired = await d.signal(breach, ORIGIN)
        firing = await d.state.get_firing("acme:INC-1:resolution")
        resolved = await d.signal(sla("sla.missed", at="2026-03-02T16:30:00+00:00"), ORIGIN)
        return fired, resolved, firing

    fired, resolved, firing = go(scenario())
    assert summary(fired) == [("am", "fire"), ("pd", "fire"), ("hook", "notify")]
    assert set(firing["receivers"]) == {"am", "pd"}
    assert summary(resolved) == [("am", "resolve"), ("pd", "resolve"), ("hook", "notify")]
    am, pd, _ = resolved
    (alert,) = am.request.json()
    assert alert["labels"]["alertname"] == "SLABreach"
    assert alert["endsAt"] == "2026-03-02T16:30:00+00:00"  # the verdict
    assert pd.request.json()["event_action"] == "resolve"
    assert go(d.state.all_firing()) == {}


def test_an_escalation_joins_the_incident_and_both_alerts_resolve():
    d = dispatcher()

    async def scenario() -> list[Any]:
        await d.signal(sla("sla.breach"), ORIGIN)
        await d.signal(sla("sla.escalation", at="2026-03-02T16:20:00+00:00"), ORIGIN)
        return await d.signal(sla("sla.met", at="2026-03-02T16:40:00+00:00"), ORIGIN)

    resolved = go(scenario())
    am = next(j for j in resolved if j.receiver == "am")
    assert [a["labels"]["alertname"] for a in am.request.json()] == ["SLABreach", "SLAEscalation"]
    assert sum(1 for j in resolved if j.receiver == "pd") == 1  # one incident, one resolve


def test_a_cancelled_ticket_resolves_through_its_clock_state():
    d = dispatcher()

    async def scenario() -> tuple[list[Any], list[Any]]:
        await d.signal(sla("sla.breach"), ORIGIN)
        running = {
            "key": "acme:INC-1:resolution",
            "status": "running",
            "phase": "open",
            "updated_at": "2026-03-02T16:10:00+00:00",
        }
        stopped = {
            **running,
            "status": "stopped",
            "phase": "cancelled",
            "updated_at": "2026-03-02T16:50:00+00:00",
        }
        return await d.clock_state(running, ORIGIN), await d.clock_state(stopped, ORIGIN)

    running, stopped = go(scenario())
    assert running == []
    assert summary(stopped) == [("am", "resolve"), ("pd", "resolve")]
    assert stopped[0].request.json()[0]["endsAt"] == "2026-03-02T16:50:00+00:00"


def test_a_breach_read_after_its_verdict_pages_nobody():
    d = dispatcher()

    async def scenario() -> list[Any]:
        await d.signal(sla("sla.missed", at="2026-03-02T16:30:00+00:00"), ORIGIN)
        return await d.signal(sla("sla.breach"), ORIGIN)  # due 16:00, read late

    jobs = go(scenario())
    assert summary(jobs) == [("am", "fire"), ("hook", "notify")]  # no PagerDuty trigger
    (alert,) = jobs[0].request.json()
    assert alert["endsAt"] == "2026-03-02T16:30:00+00:00"  # sent already resolved
    assert go(d.state.all_firing()) == {}


def test_a_reopened_clock_that_breaches_again_fires_again():
    d = dispatcher()

    async def scenario() -> list[Any]:
        await d.signal(sla("sla.breach"), ORIGIN)
        await d.signal(sla("sla.met", at="2026-03-02T16:30:00+00:00"), ORIGIN)
        return await d.signal(sla("sla.breach", at="2026-03-03T10:00:00+00:00"), ORIGIN)

    assert summary(go(scenario())) == [("am", "fire"), ("pd", "fire"), ("hook", "notify")]


def test_stateless_receivers_get_messages_and_resends_only_go_to_alertmanager():
    d = dispatcher()

    async def scenario() -> tuple[list[Any], list[Any], list[Any]]:
        warn = await d.signal(sla("sla.warning"), ORIGIN)
        hb = await d.signal(heartbeat("heartbeat.missed"), ORIGIN)
        await d.signal(sla("sla.breach", ticket="INC-2"), ORIGIN)
        await d.signal(sla("sla.breach", ticket="INC-3"), ORIGIN)
        return warn, hb, await d.resends()

    warn, hb, resends = go(scenario())
    assert summary(warn) == [("chat", "notify")]
    assert warn[0].request.url == "http://slack/hook"  # the secret is the URL
    assert summary(hb) == [("chat", "notify")]
    assert summary(resends) == [("am", "resend")]
    alerts = resends[0].request.json()
    assert sorted(a["labels"]["ticket"] for a in alerts) == ["INC-2", "INC-3"]
    assert {a["endsAt"] for a in alerts} == {"2026-03-02T17:02:00+00:00"}  # now + 4 x 30 s


def test_unrouted_signals_and_verdicts_of_nothing_firing_give_no_job():
    d = dispatcher()
    assert go(d.signal(sla("sla.met"), ORIGIN)) == []
    assert go(d.signal(sla("sla.escalation", tenant="globex"), ORIGIN)) != []
    other = sla("sla.warning")
    other["type"] = "availability.report"
    assert go(d.signal({**other, "tenant": "x"}, ORIGIN)) == []


def test_offsets_commit_only_past_finished_records():
    t = OffsetTracker()
    tp = ("sla.breaches", 0)
    t.add(tp, 10, 2)  # two jobs
    t.add(tp, 11, 0)  # nothing to deliver
    t.add(tp, 12, 1)
    assert t.committable() == {tp: 10}
    t.done(tp, 12)
    assert t.committable() == {tp: 10}  # 10 still open
    t.done(tp, 10)
    assert t.committable() == {tp: 10}
    t.done(tp, 10)
    assert t.committable() == {tp: 13}
    t.mark({tp: 13})
    assert t.committable() == {}
    t.forget([tp])
    assert t.committable() == {}
