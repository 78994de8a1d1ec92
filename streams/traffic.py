"""Realistic ticket traffic at simulated time, for ``slawatch demo``.

:class:`Traffic` plans ticket lifecycles for tenants of the five seed policies (by default the
tenants of ``examples/tenants.yaml``) and hands out the events as simulated time passes::

    traffic = Traffic(start, seed=1, rate=40)   # 40 new tickets per simulated hour
    for msg in traffic.poll(sim_now):           # every event planned at or before sim_now
        producer.send(topic, key=msg.key, value=msg.value)

Every event's ``at`` is the ``now`` it is polled with (the simulated clock at send time), so
event time moves forward with the worker's clock and a ticket's events never go back in time.
The plan (which tickets, when, which events in which order) depends only on ``seed``,
``start``, ``rate`` and the tenants, not on how often :meth:`Traffic.poll` is called; the
``at`` stamps depend on the poll instants.

A ticket's life: ``ticket.created`` (kind, channel, a priority or an impact × urgency cell
valid for its policy; Inlenersbeloning tickets carry ``reported_at``), often an ``assigned``
update, ``ticket.responded`` after a delay drawn around the response target (about a third
late, a few never), sometimes a priority change (triage), a pause (``waiting_for_customer``,
``customer_unreachable`` for Inlenersbeloning) and its end, ``ticket.resolved``, sometimes
``ticket.reopened`` and resolved again, mostly ``ticket.closed``; a few are cancelled.
Arrivals follow office hours (full rate on weekdays 08:00–18:00 local time, less in the
evening, little at night and at weekends). About one ticket in ``bad_every`` comes with a bad
message (not JSON, unknown tenant, naive timestamp, unknown priority, an update for a ticket
that was never created), which the runtime turns into a dead letter.

Monitoring (:meth:`Traffic.poll_monitoring`, for ``sla.monitoring-events``): outages of the
services of the tenants whose policy measures availability (``monitor.down`` then
``monitor.up``, now and then with a cause the contract excludes), and the heartbeats their
policies expect (daily backups, Covide's half-hourly snapshots; one in twenty skipped). It is
planned from its own random stream, so the ticket plan does not depend on it.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

__all__ = ["EXAMPLE_TENANTS", "Message", "Traffic"]

AMS = ZoneInfo("Europe/Amsterdam")
US = 1_000_000
MIN = 60 * US
HOUR = 60 * MIN

#: tenant → policy of ``examples/tenants.yaml`` (one tenant per seed policy).
EXAMPLE_TENANTS: dict[str, str] = {
    "acme": "bokumo-ict",
    "globex": "1do",
    "initech": "inlenersbeloning",
    "umbrella": "covide",
    "hooli": "smart-fms",
}

# Matrix cells → level, and the nominal response / resolution targets in minutes that the
# delays are drawn around (the real deadlines, in business time, come from the engine).
BOKUMO_CELLS = {
    ("company_wide", "hoog"): "kritiek",
    ("company_wide", "medium"): "hoog",
    ("company_wide", "laag"): "medium",
    ("multiple_users", "hoog"): "hoog",
    ("multiple_users", "medium"): "medium",
    ("multiple_users", "laag"): "laag",
    ("single_user", "hoog"): "medium",
    ("single_user", "medium"): "laag",
    ("single_user", "laag"): "laag",
}
ONEDO_CELLS = {
    ("1", "A"): "kritisch",
    ("2", "A"): "ernstig",
    ("3", "A"): "standaard",
    ("1", "B"): "ernstig",
    ("2", "B"): "standaard",
    ("3", "B"): "laag",
    ("1", "C"): "standaard",
    ("2", "C"): "laag",
    ("3", "C"): "laag",
}
RESPONSE_MIN: dict[str, dict[str, float]] = {
    "bokumo-ict": {"kritiek": 30, "hoog": 60, "medium": 180, "laag": 300},
    "1do": {"kritisch": 30, "ernstig": 60, "standaard": 240, "laag": 240},
    "covide": {"urgent": 240, "hoog": 240, "medium": 480, "laag": 480, "": 480},
    "smart-fms": {"a": 120, "b": 240, "c": 480, "d": 960},
    "inlenersbeloning": {"": 60},
}
RESOLUTION_MIN: dict[str, dict[str, float]] = {
    "bokumo-ict": {"kritiek": 120, "hoog": 480, "medium": 960, "laag": 1440},
    "1do": {"kritisch": 240, "ernstig": 480, "standaard": 960, "laag": 1440},
    "covide": {"urgent": 300, "hoog": 540, "medium": 1440, "laag": 2880, "": 1440},
    "smart-fms": {"a": 240, "b": 480, "c": 960, "d": 1440},
    "inlenersbeloning": {"": 480},
}
# weights lean towards the urgent end, so that a demo of a few simulated hours shows signals
BOKUMO_WEIGHTS = {
    ("company_wide", "hoog"): 3,
    ("company_wide", "medium"): 2,
    ("company_wide", "laag"): 1,
    ("multiple_users", "hoog"): 3,
    ("multiple_users", "medium"): 3,
    ("multiple_users", "laag"): 2,
    ("single_user", "hoog"): 2,
    ("single_user", "medium"): 3,
    ("single_user", "laag"): 3,
}
ONEDO_WEIGHTS = {
    cell: (3 if lvl in ("kritisch", "ernstig") else 2) for cell, lvl in ONEDO_CELLS.items()
}
LEVELS = {
    "bokumo-ict": ["kritiek", "hoog", "medium", "laag"],
    "1do": ["kritisch", "ernstig", "standaard", "laag"],
    "covide": ["urgent", "hoog", "medium", "laag"],
    "smart-fms": ["a", "b", "c", "d"],
}
LEVEL_WEIGHTS = {
    "covide": [3, 3, 3, 2],
    "smart-fms": [3, 3, 3, 1],
}
ID_FORMAT = {
    "bokumo-ict": "INC-{n}",
    "1do": "{n}",
    "covide": "C-{n}",
    "smart-fms": "SFMS-{n:05d}",
    "inlenersbeloning": "IB-{n}",
}
ID_BASE = {
    "bokumo-ict": 4100,
    "1do": 771000,
    "covide": 2600,
    "smart-fms": 310,
    "inlenersbeloning": 90,
}
BAD_KINDS = ("not-json", "unknown-tenant", "naive-at", "unknown-priority", "never-created")

#: monitored services, outage causes (excluded ones included) and heartbeat checks (interval
#: in minutes) per policy that measures availability
MONITORING: dict[str, dict[str, Any]] = {
    "bokumo-ict": {"services": ["portal"], "causes": [None, None, "force_majeure"], "checks": {}},
    "inlenersbeloning": {"services": ["app"], "causes": [None], "checks": {"backup": 24 * 60}},
    "covide": {
        "services": ["crm"],
        "causes": [None, None, "third_party_network"],
        "checks": {"backup": 24 * 60, "snapshot": 30},
    },
    "smart-fms": {"services": ["webservice"], "causes": [None, None, "ddos"], "checks": {}},
}


@dataclass(frozen=True, slots=True)
class Message:
    """One record to send to ``sla.ticket-events``: key ``tenant:ticket_id`` (None for a line
    that has none), the value bytes, and ``bad`` naming the flaw of a deliberately bad one."""

    key: bytes | None
    value: bytes
    tenant: str | None
    ticket_id: str | None
    type: str | None
    bad: str | None = None

    @property
    def event(self) -> dict[str, Any] | None:
        """The event as a dict (None when the value is not a JSON object)."""
        try:
            data = orjson.loads(self.value)
        except orjson.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None


@dataclass(order=True, slots=True)
class _Planned:
    due_us: int
    seq: int
    tenant: str = field(compare=False)
    ticket_id: str = field(compare=False)
    type: str = field(compare=False)
    fields: dict[str, Any] = field(compare=False)
    bad: str | None = field(default=None, compare=False)


class Traffic:
    """Deterministic plan of ticket events, handed out as simulated time passes."""

    def __init__(
        self,
        start: datetime,
        *,
        seed: int = 0,
        rate: float = 40.0,
        tenants: Mapping[str, str] | None = None,
        bad_every: int = 25,
        outages_per_day: float = 2.0,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start needs a UTC offset")
        if rate <= 0:
            raise ValueError("rate must be positive (tickets per simulated hour)")
        self.rng = random.Random(seed)  # the plan
        self._ids = random.Random(f"{seed}/event-ids")  # ids, drawn in send order
        self.rate = rate
        self.tenants = dict(tenants or EXAMPLE_TENANTS)
        unknown = set(self.tenants.values()) - set(RESPONSE_MIN)
        if unknown:
            raise ValueError(f"no traffic profile for policies {sorted(unknown)}")
        self.bad_every = bad_every
        self._names = sorted(self.tenants)
        self._next_arrival = _us(start)
        self._heap: list[_Planned] = []
        self._seq = 0
        self._counter: dict[str, int] = {}
        self._last_at: int | None = None
        self.tickets = 0
        self.sent = 0
        self.bad_sent = 0
        self._arrive_next()
        # monitoring: its own random stream and plan (see the module doc)
        self._mon_rng = random.Random(f"{seed}/monitoring")
        self._mon_ids = random.Random(f"{seed}/monitoring-ids")
        self._mon_heap: list[tuple[int, int, str, dict[str, Any]]] = []
        self._mon_seq = 0
        self.outages_per_day = outages_per_day
        self.monitoring_sent = 0
        t0 = _us(start)
        for tenant in self._names:
            mon = MONITORING.get(self.tenants[tenant])
            if mon is None:
                continue
            for service in mon["services"]:
                self._plan_outage(tenant, service, mon["causes"], t0)
            for check, every in mon["checks"].items():
                first = t0 + int(self._mon_rng.uniform(0, min(every, 60)) * MIN)
                self._mon_push(
                    first, tenant, {"type": "heartbeat", "check": check, "_every": every}
                )

    # -- public ----------------------------------------------------------------------------

    def poll(self, now: datetime) -> list[Message]:
        """Every message planned at or before ``now``, stamped ``at = now`` (seconds)."""
        now_us = _us(now)
        if self._last_at is not None and now_us < self._last_at:
            now_us = self._last_at  # never back in time
        self._last_at = now_us
        while self._next_arrival <= now_us:
            self._new_ticket(self._next_arrival)
            self._arrive_next()
        out: list[Message] = []
        stamp = _iso(now_us)
        while self._heap and self._heap[0].due_us <= now_us:
            p = heapq.heappop(self._heap)
            out.append(self._message(p, stamp))
        self.sent += len(out)
        self.bad_sent += sum(1 for m in out if m.bad)
        return out

    def poll_monitoring(self, now: datetime) -> list[Message]:
        """Every monitoring message planned at or before ``now`` (stamped with its planned
        instant: monitors know when a service went down), keyed ``tenant`` (one key per
        tenant keeps the order of its monitoring events)."""
        now_us = _us(now)
        out: list[Message] = []
        heap = self._mon_heap
        while heap and heap[0][0] <= now_us:
            due, _, tenant, fields = heapq.heappop(heap)
            fields = dict(fields)
            every = fields.pop("_every", None)
            causes = fields.pop("_causes", None)
            if every is not None:  # the next report, whether or not this one is skipped
                nxt = {**fields, "_every": every}
                # a job runs a little ahead of its interval (so a report is not seen late
                # at the demo's accelerated time), now and then it does not run at all
                early = int(self._mon_rng.uniform(1, min(5, every / 4)) * MIN)
                self._mon_push(due + every * MIN - early, tenant, nxt)
                if self._mon_rng.random() < 0.05:
                    continue
            elif causes is not None:  # an outage begins: plan its end and the next one
                length = max(MIN, int(self._mon_rng.expovariate(1 / (45 * MIN))))
                up = {"type": "monitor.up", "service": fields["service"]}
                self._mon_push(due + length, tenant, up)
                self._plan_outage(tenant, fields["service"], causes, due + length)
            eid = str(uuid.UUID(int=self._mon_ids.getrandbits(128), version=4))
            event = {"event_id": eid, "tenant": tenant, "at": _iso(due), **fields}
            out.append(Message(tenant.encode(), orjson.dumps(event), tenant, None, event["type"]))
        self.monitoring_sent += len(out)
        return out

    def _plan_outage(self, tenant: str, service: str, causes: list[Any], after: int) -> None:
        rng = self._mon_rng
        start = after + max(MIN, int(rng.expovariate(self.outages_per_day / (24 * HOUR))))
        down: dict[str, Any] = {"type": "monitor.down", "service": service, "_causes": causes}
        cause = rng.choice(causes)
        if cause:
            down["cause"] = cause
        self._mon_push(start, tenant, down)

    def _mon_push(self, due: int, tenant: str, fields: dict[str, Any]) -> None:
        self._mon_seq += 1
        heapq.heappush(self._mon_heap, (due, self._mon_seq, tenant, fields))

    def next_due(self) -> datetime:
        """The simulated instant of the next planned message."""
        nxt = min([self._next_arrival, *(p.due_us for p in self._heap[:1])])
        return datetime.fromtimestamp(nxt / US, tz=UTC)

    # -- arrivals --------------------------------------------------------------------------

    def _arrive_next(self) -> None:
        """Next creation instant: a Poisson process at ``rate`` per hour, thinned by the
        hour of the (local) day."""
        t = self._next_arrival
        per_us = self.rate / HOUR
        while True:
            t += max(1, int(self.rng.expovariate(per_us)))
            if self.rng.random() < _busy(t):
                self._next_arrival = t
                return

    def _new_ticket(self, t: int) -> None:
        rng = self.rng
        tenant = self._names[rng.randrange(len(self._names))]
        policy = self.tenants[tenant]
        n = self._counter.get(tenant, 0) + 1
        self._counter[tenant] = n
        ticket_id = ID_FORMAT[policy].format(n=ID_BASE[policy] + n)
        self.tickets += 1
        for offset_us, etype, fields in _lifecycle(rng, policy):
            self._plan(t + offset_us, tenant, ticket_id, etype, fields)
        if self.bad_every and rng.random() < 1 / self.bad_every:
            kind = BAD_KINDS[rng.randrange(len(BAD_KINDS))]
            self._plan(t + int(rng.uniform(1, 20) * MIN), tenant, ticket_id, "", {}, kind)

    def _plan(
        self,
        due: int,
        tenant: str,
        ticket_id: str,
        etype: str,
        fields: dict[str, Any],
        bad: str | None = None,
    ) -> None:
        self._seq += 1
        heapq.heappush(self._heap, _Planned(due, self._seq, tenant, ticket_id, etype, fields, bad))

    # -- messages --------------------------------------------------------------------------

    def _message(self, p: _Planned, stamp: str) -> Message:
        if p.bad:
            return self._bad(p, stamp)
        event: dict[str, Any] = {
            "event_id": self._event_id(),
            "type": p.type,
            "tenant": p.tenant,
            "ticket_id": p.ticket_id,
            "at": stamp,
        }
        fields = dict(p.fields)
        if "reported_before_min" in fields:  # relative to the actual creation instant
            before = fields.pop("reported_before_min")
            at = datetime.fromisoformat(stamp) - timedelta(minutes=before)
            fields["reported_at"] = at.replace(microsecond=0).isoformat()
        event.update(fields)
        return Message(
            f"{p.tenant}:{p.ticket_id}".encode(),
            orjson.dumps(event),
            p.tenant,
            p.ticket_id,
            p.type,
        )

    def _event_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _bad(self, p: _Planned, stamp: str) -> Message:
        base: dict[str, Any] = {
            "event_id": self._event_id(),
            "type": "ticket.updated",
            "tenant": p.tenant,
            "ticket_id": p.ticket_id,
            "at": stamp,
        }
        tenant, ticket = p.tenant, p.ticket_id
        if p.bad == "not-json":
            value = f'{{"type": "ticket.updated", "tenant": "{tenant}", oops'.encode()
            return Message(None, value, tenant, None, None, p.bad)
        if p.bad == "unknown-tenant":
            tenant = "wayne-enterprises"
            base.update(type="ticket.created", tenant=tenant, priority="hoog")
        elif p.bad == "naive-at":
            base["at"] = stamp[:19]  # the offset dropped
            base["status"] = "in_progress"
        elif p.bad == "unknown-priority" and self.tenants[p.tenant] in LEVELS:
            ticket = f"{ticket}-P"
            base.update(type="ticket.created", ticket_id=ticket, kind="incident")
            base["priority"] = "P0-blocker"
        else:  # never-created
            ticket = f"{ticket}-X"
            base.update(ticket_id=ticket, status="in_progress")
        return Message(
            f"{tenant}:{ticket}".encode(), orjson.dumps(base), tenant, ticket, base["type"], p.bad
        )


# == one ticket's life =============================================================================


def _lifecycle(rng: random.Random, policy: str) -> list[tuple[int, str, dict[str, Any]]]:
    """``(offset µs from creation, type, fields)`` in order, offsets non-decreasing."""
    created, level = _created_fields(rng, policy)
    facts = {k: created[k] for k in ("priority", "impact", "urgency") if k in created}
    resp = RESPONSE_MIN[policy].get(level, RESPONSE_MIN[policy].get("", 240))
    reso = RESOLUTION_MIN[policy].get(level, RESOLUTION_MIN[policy].get("", 960))
    pause = "customer_unreachable" if policy == "inlenersbeloning" else "waiting_for_customer"
    events: list[tuple[int, str, dict[str, Any]]] = [(0, "ticket.created", created)]
    t_cur = 0

    def at(delay_min: float) -> int:
        nonlocal t_cur
        t_cur += max(1, int(delay_min * MIN))
        return t_cur

    if rng.random() < 0.8:
        events.append((at(rng.uniform(1, 10)), "ticket.updated", {"status": "assigned"}))
    if rng.random() < 0.04:  # withdrawn or a duplicate report
        events.append((at(rng.uniform(5, 60)), "ticket.cancelled", {"status": "cancelled"}))
        return events
    r = rng.random()
    if r < 0.08:  # forgotten: no response at all (the timer has to fire the breach)
        return events
    # about a third late: the delay is log-uniform between 10 % and ~2× the target
    response_delay = resp * 0.1 * 20 ** rng.random()
    t_resp = max(t_cur, int(response_delay * MIN))
    t_cur = t_resp
    events.append((t_resp, "ticket.responded", {"status": "in_progress"}))
    if facts and rng.random() < 0.25:  # triage changes the priority
        change = _priority_change(rng, policy, facts)
        facts.update(change)
        events.append((at(rng.uniform(2, 30)), "ticket.updated", change))
    if rng.random() < 0.3:
        events.append((at(rng.uniform(5, 60)), "ticket.updated", {"status": pause}))
        events.append((at(rng.uniform(15, 180)), "ticket.updated", {"status": "in_progress"}))
    if rng.random() < 0.06:  # cancelled after work started
        events.append((at(rng.uniform(10, 120)), "ticket.cancelled", {"status": "cancelled"}))
        return events
    events.append((at(reso * 0.1 * 15 ** rng.random()), "ticket.resolved", {"status": "resolved"}))
    if rng.random() < 0.08:
        events.append((at(rng.uniform(20, 240)), "ticket.reopened", {"status": "in_progress"}))
        events.append((at(rng.uniform(20, 240)), "ticket.resolved", {"status": "resolved"}))
    if rng.random() < 0.85:
        events.append((at(rng.uniform(30, 480)), "ticket.closed", {"status": "closed"}))
    return events


def _created_fields(rng: random.Random, policy: str) -> tuple[dict[str, Any], str]:
    """Fields of ``ticket.created`` and the resolved level ('' when the policy has none)."""
    f: dict[str, Any] = {"status": "new"}
    level = ""
    if policy == "bokumo-ict":
        f["kind"] = "incident" if rng.random() < 0.9 else "service_request"
        f["channel"] = rng.choice(["portal", "email", "phone"])
        if rng.random() < 0.8:
            cells = list(BOKUMO_WEIGHTS)
            impact, urgency = rng.choices(cells, weights=list(BOKUMO_WEIGHTS.values()))[0]
            f.update(impact=impact, urgency=urgency)
            level = BOKUMO_CELLS[(impact, urgency)]
        else:
            level = rng.choices(LEVELS[policy], weights=[2, 3, 3, 3])[0]
            f["priority"] = level
    elif policy == "1do":
        f["kind"] = "incident" if rng.random() < 0.9 else "service_request"
        f["channel"] = rng.choice(["phone", "email", "portal"])
        if f["kind"] == "incident":
            cells = list(ONEDO_WEIGHTS)
            impact, urgency = rng.choices(cells, weights=list(ONEDO_WEIGHTS.values()))[0]
            f.update(impact=impact, urgency=urgency)
            level = ONEDO_CELLS[(impact, urgency)]
    elif policy == "covide":
        f["kind"] = "question" if rng.random() < 0.15 else "incident"
        f["channel"] = rng.choice(["email", "portal"])
        if f["kind"] == "incident":
            level = rng.choices(LEVELS[policy], weights=LEVEL_WEIGHTS[policy])[0]
            f["priority"] = level
    elif policy == "smart-fms":
        f["kind"] = "incident"
        f["channel"] = "portal" if rng.random() < 0.8 else "email"
        level = rng.choices(LEVELS[policy], weights=LEVEL_WEIGHTS[policy])[0]
        f["priority"] = level.upper()
    else:  # inlenersbeloning: reported by mail or phone, registered later (24 h target)
        f["kind"] = rng.choice(["incident", "question", "service_request"])
        f["channel"] = rng.choice(["email", "phone"])
        # mostly registered the same day; about one in ten after more than 24 h
        f["reported_before_min"] = (
            int(10 * 120 ** rng.random())
            if rng.random() < 0.9
            else rng.randint(24 * 60 + 5, 40 * 60)
        )
    return f, level


def _priority_change(rng: random.Random, policy: str, facts: dict[str, Any]) -> dict[str, Any]:
    if "impact" in facts:
        cells = BOKUMO_CELLS if policy == "bokumo-ict" else ONEDO_CELLS
        options = [c for c in cells if c != (facts["impact"], facts["urgency"])]
        impact, urgency = options[rng.randrange(len(options))]
        if impact != facts["impact"] and urgency != facts["urgency"]:
            return {"impact": impact, "urgency": urgency}
        return {"impact": impact} if impact != facts["impact"] else {"urgency": urgency}
    levels = LEVELS[policy]
    current = str(facts["priority"]).lower()
    i = levels.index(current)
    j = i - 1 if i > 0 and (i == len(levels) - 1 or rng.random() < 0.6) else i + 1
    new = levels[j]
    return {"priority": new.upper() if policy == "smart-fms" else new}


# == time ==========================================================================================


def _busy(t_us: int) -> float:
    """Share of the full arrival rate at local instant ``t_us``."""
    local = datetime.fromtimestamp(t_us / US, tz=AMS)
    hour = local.hour + local.minute / 60
    if local.weekday() >= 5:
        return 0.08
    if 8 <= hour < 18:
        return 1.0
    if 7 <= hour < 8 or 18 <= hour < 22:
        return 0.3
    return 0.05


def _us(t: datetime) -> int:
    if t.tzinfo is None:
        raise ValueError(f"{t!r} has no UTC offset")
    delta = t - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400 * US + delta.seconds * US + delta.microseconds


def _iso(t_us: int) -> str:
    """Local ISO 8601 with offset, seconds precision (floor)."""
    return datetime.fromtimestamp(math.floor(t_us / US), tz=AMS).isoformat()
