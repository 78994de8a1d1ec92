"""The figures of the board's pages, from the Redis read model and the stream's history.

Every page section and every ``/api/…`` endpoint is one method of :class:`Board` returning
plain JSON-ready dicts: the HTML fragments (:mod:`streams.web.fragments`) render exactly
what the API returns. Reads go to Redis through the read model's readers
(:class:`streams.sinks.redis_model.ReadModel`) on a synchronous client (the web app calls
them in a thread); "now" is the runtime's clock as the workers store it there, so the board
counts down on the demo's simulated clock as the workers do.

Words the board shows beside colour (so colour is never the only signal):

- a clock's *state*: ``overdue`` (deadline reached), ``at risk`` (due within the hour),
  ``on track``, ``paused`` (the deadline moves while the ticket waits);
- a clock's *rung*: the last rung it reached — ``warning 50 %``, ``soft target``,
  ``breach``, ``escalation second line``; its *level*: the last escalation level reached;
- a service's *state*: ``breached`` (the month's target is lost), ``down`` (an outage goes
  on), ``ok``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from streams.clock import SimClock
from streams.sinks.redis_model import BREACH_TYPES, ReadModel, ReadModelError
from streams.web.explain import Contracts, PolicyLike, explain_record
from streams.web.history import (
    AvailabilityTrail,
    RecentClocks,
    SignalHistory,
    instant,
    merge_clocks,
)

log = logging.getLogger("slawatch.web")

__all__ = [
    "AT_RISK",
    "Board",
    "Known",
    "Now",
    "clock_row",
    "level_of",
    "rung_of",
    "rung_words",
]

#: "At risk": due within this long of now (the overview's column, the clock state).
AT_RISK = timedelta(hours=1)
#: Signal types of a tenant's "recent verdicts".
VERDICT_TYPES = ("sla.met", "sla.missed")
#: A ticket page looks for the ticket's breaches among this many of the tenant's newest in
#: Redis when the board's own history has none (they happened before its window).
_BREACHES_SEARCHED = 200
_OPEN_STATUSES = ("running", "paused")


class Known:
    """The policies and tenant contracts the board knows (``SLAWATCH_POLICIES_DIR``,
    ``SLAWATCH_TENANTS_FILE``): for the deadline explanations, the tenants' time zones and
    the clock names a ticket may have. Custom policies published only on ``sla.contracts``
    are not known: their tickets are shown, their deadlines not explained."""

    def __init__(self, policies: Any, registry: Any = None) -> None:
        self.policies = policies
        self.registry = registry
        self.clock_names: frozenset[str] = frozenset(
            name for p in policies.values() for name in p.clock_names
        )

    @classmethod
    def from_settings(cls, settings: Any) -> Known:
        from calendars.errors import SlawatchError
        from models.contracts import load_policies, load_tenants

        policies = load_policies(settings.policies_dir)
        registry = None
        if settings.tenants_file is not None:
            try:
                registry = load_tenants(settings.tenants_file, policies)
            except (SlawatchError, OSError) as exc:
                log.warning("board: tenants file %s not used: %s", settings.tenants_file, exc)
        return cls(policies, registry)

    def policy(self, policy_id: str, version: str) -> PolicyLike | None:
        from calendars.errors import SlawatchError

        try:
            if self.registry is not None:
                return self.registry.policy_version(policy_id, version)  # type: ignore[no-any-return]
            return self.policies.policy(policy_id, version)  # type: ignore[no-any-return]
        except (SlawatchError, KeyError):
            return None

    def options(self, tenant: str) -> Mapping[str, Any]:
        from calendars.errors import SlawatchError

        if self.registry is None:
            return {}
        try:
            return self.registry.resolve(tenant).options  # type: ignore[no-any-return]
        except SlawatchError:
            return {}

    def zone(self, tenant: str, policy_id: str | None = None) -> tzinfo:
        """The tenant's zone (its contract's policy), else the zone of ``policy_id``, else
        UTC."""
        from calendars.errors import SlawatchError

        try:
            if self.registry is not None and tenant in self.registry:
                return ZoneInfo(str(self.registry.resolve(tenant).policy.timezone))
            if policy_id:
                return ZoneInfo(str(self.policies.policy(policy_id).timezone))
        except (SlawatchError, KeyError, ValueError):
            pass
        return UTC


class Now:
    """The runtime's clock at one instant, and how to reproduce it in the page."""

    def __init__(self, clock: SimClock, source: str, wall: Callable[[], float] = time.time):
        self.clock = clock
        self.source = source
        self.wall_ms = int(wall() * 1000)
        self.at = clock.now()

    def to_dict(self) -> dict[str, Any]:
        """``start_ms``/``origin_ms``/``speed`` (``start_ms`` null: the wall clock) and the
        server's wall time: the page computes the runtime's now from them, correcting its
        own clock's offset from the server's."""
        c = self.clock
        return {
            "now": self.at.isoformat(),
            "source": self.source,
            "simulated": c.simulated,
            "start_ms": None if c.start_us is None else c.start_us // 1000,
            "origin_ms": c.origin_us // 1000,
            "speed": c.speed,
            "server_ms": self.wall_ms,
        }


def rung_of(fired: Iterable[str]) -> str | None:
    """The last rung a clock reached, in words (``fired`` is in firing order)."""
    last = None
    for key in fired:
        last = key
    return None if last is None else rung_words(last)


def rung_words(key: str) -> str:
    """A rung key of the engine (``warning:0.5``, ``escalation:second_line``) in words."""
    if key == "breach":
        return "breach"
    if key == "warning:soft":
        return "soft target"
    kind, _, detail = key.partition(":")
    if kind == "warning":
        try:
            return f"warning {float(detail):.0%}".replace("%", " %")
        except ValueError:
            return f"warning {detail}"
    if kind == "escalation":
        return f"escalation {detail.replace('_', ' ')}"
    return key


def level_of(fired: Iterable[str]) -> str | None:
    """The last escalation level a clock reached (``second line``), or ``None``."""
    level = None
    for key in fired:
        if key.startswith("escalation:"):
            level = key.partition(":")[2].replace("_", " ")
    return level


def clock_state(record: Mapping[str, Any], now: datetime) -> tuple[str, float | None]:
    """A clock's state in a word (see the module doc) and the seconds left to its
    deadline (negative: overdue; ``None``: no deadline)."""
    deadline = instant(record.get("deadline"))
    status = str(record.get("status"))
    left = None if deadline is None else (deadline - now).total_seconds()
    if status not in _OPEN_STATUSES or record.get("phase") not in (None, "open"):
        return status, left
    if status == "paused":
        return "paused", left
    if left is None:
        return "no deadline", None
    if left <= 0:  # the breach fires at the deadline instant
        return "overdue", left
    return ("at risk" if left <= AT_RISK.total_seconds() else "on track"), left


def clock_row(record: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """One clock as the board lists it (the record without the engine's ``state``)."""
    state, left = clock_state(record, now)
    fired = [str(f) for f in record.get("fired") or ()]
    return {
        "tenant": record.get("tenant"),
        "ticket_id": record.get("ticket_id"),
        "clock": record.get("clock"),
        "policy": record.get("policy"),
        "priority": record.get("priority"),
        "cell": record.get("cell"),
        "status": record.get("status"),
        "phase": record.get("phase"),
        "tier": record.get("tier"),
        "deadline": record.get("deadline"),
        "seconds_left": left,
        "state": state,
        "rung": rung_of(fired),
        "level": level_of(fired),
        "breached": bool(record.get("breached")),
        "fired": fired,
        "updated_at": record.get("updated_at"),
    }


def _due_sort_key(row: Mapping[str, Any]) -> tuple[datetime, str, str]:
    at = instant(row.get("deadline")) or datetime.max.replace(tzinfo=UTC)
    return at, str(row.get("ticket_id")), str(row.get("clock"))


def _open_with_deadline(record: Mapping[str, Any]) -> bool:
    return (
        record.get("phase") == "open"
        and record.get("status") in _OPEN_STATUSES
        and bool(record.get("deadline"))
    )


class Board:
    """The board's reads (see the module doc). ``client``: a synchronous ``redis.Redis``."""

    def __init__(
        self,
        client: Any,
        model: ReadModel,
        known: Known,
        *,
        history: SignalHistory | None = None,
        trail: AvailabilityTrail | None = None,
        recent: RecentClocks | None = None,
        fallback_clock: SimClock | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.known = known
        self.history = history or SignalHistory()
        self.trail = trail or AvailabilityTrail()
        self.recent = recent or RecentClocks()
        self.fallback_clock = fallback_clock or SimClock()

    # -- the clock and the tenants --------------------------------------------------------

    def now(self) -> Now:
        """The runtime's clock as the workers store it with the read model; before any
        worker has written, this process's ``SLAWATCH_CLOCK_*`` (or the wall clock)."""
        try:
            stored = self.model.runtime_clock(self.client)
        except ReadModelError as exc:
            log.warning("board: %s; using this process's clock", exc)
            stored = None
        if stored is None:
            return Now(self.fallback_clock, "this board's clock (no worker has stored one yet)")
        if stored.simulated:
            pace = f"running ×{stored.speed:g}" if stored.speed else "frozen"
            return Now(stored, f"the runtime's simulated clock, {pace}")
        return Now(stored, "the wall clock, as the runtime's")

    def tenants(self) -> list[str]:
        """The tenants in the read model and in the tenants file."""
        names = set(self.model.tenants(self.client))
        if self.known.registry is not None:
            names.update(self.known.registry.tenants)
        return sorted(names)

    def zone(self, tenant: str) -> tzinfo:
        return self.known.zone(tenant)

    # -- one tenant -----------------------------------------------------------------------

    def summary(self, tenant: str, now: datetime) -> dict[str, Any]:
        """The overview's row: open clocks, overdue, due within the hour, breaches today
        (in the tenant's zone; ``sla.breach`` and ``availability.breach``: a missed verdict
        repeats a breach), and the monitored services' state."""
        zone = self.zone(tenant)
        today = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), zone)
        m, c = self.model, self.client
        breaches = [
            s
            for s in m.breaches_between(c, tenant, today, now)
            if s.get("type") in ("sla.breach", "availability.breach")
        ]
        services = self.services(tenant, now)
        states = [s["state"] for s in services]
        if "breached" in states:
            availability = "breached"
        elif "down" in states:
            availability = "down"
        else:
            availability = "ok" if services else "none"
        return {
            "tenant": tenant,
            "zone": _zone_name(zone),
            "open_clocks": int(c.zcard(m.due_key(tenant))),
            "overdue": m.count_due(c, tenant, None, now),
            "due_within_1h": m.count_due(c, tenant, now, now + AT_RISK),
            "breached_today": len(breaches),
            "services": len(services),
            "services_down": states.count("down"),
            "services_breached": states.count("breached"),
            "availability": availability,
        }

    def clocks(
        self, tenant: str, now: datetime, within: timedelta | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Open clocks with a deadline, earliest first (overdue included), ``within`` of now
        if given; the stream's last records laid over Redis's."""
        stored = self.model.at_risk(self.client, tenant, now, within, limit)
        merged = merge_clocks(stored, self.recent.records(tenant))
        upper = None if within is None else now + within
        rows = [
            clock_row(r, now)
            for r in merged
            if _open_with_deadline(r)
            and (upper is None or (instant(r.get("deadline")) or upper) <= upper)
        ]
        rows.sort(key=_due_sort_key)
        return rows[:limit]

    def breaches(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]:
        """The newest breaches (``sla.breach``, ``sla.missed``, ``availability.breach``):
        Redis's, and those the board has just seen on the stream (Redis may not have them
        yet), once each."""
        merged: dict[str, dict[str, Any]] = {}
        for sig in self.model.recent_breaches(self.client, tenant, limit):
            merged[str(sig.get("event_id"))] = sig
        for sig in self.history.recent(tenant, BREACH_TYPES, limit):
            merged.setdefault(str(sig.get("event_id")), sig)
        never = datetime.min.replace(tzinfo=UTC)
        ordered = sorted(merged.values(), key=lambda s: instant(s.get("at")) or never)
        return ordered[::-1][:limit]

    def verdicts(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]:
        """The newest verdicts (``sla.met``, ``sla.missed``) the board has seen on the
        stream (within ``SLAWATCH_WEB_HISTORY_HOURS`` of its start)."""
        return self.history.recent(tenant, VERDICT_TYPES, limit)

    def services(self, tenant: str, now: datetime) -> list[dict[str, Any]]:
        """Each monitored service's month so far: the read model's record with its state,
        the budget left, the share of the month gone, and the burn chart's points."""
        out = []
        for rec in self.model.availability(self.client, tenant):
            try:
                out.append(self._service(tenant, rec, now))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("board: availability record %r not shown: %s", rec.get("key"), exc)
        return out

    def _service(self, tenant: str, rec: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        zone = self.known.zone(tenant, rec.get("policy"))
        year, month = (int(x) for x in str(rec["period"]).split("-"))
        start = datetime(year, month, 1, tzinfo=zone)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        budget, downtime = float(rec["budget_seconds"]), float(rec["downtime_seconds"])
        if rec.get("breached"):
            state = "breached"
        elif rec.get("down_since"):
            state = "down"
        else:
            state = "ok"
        span = (end - start).total_seconds()
        gone = min(max((now - start).total_seconds() / span, 0.0), 1.0)
        return {
            **{k: v for k, v in rec.items() if k != "kind"},
            "state": state,
            "budget_left_seconds": budget - downtime,
            "budget_used": downtime / budget if budget > 0 else None,
            "month_gone": gone,
            "month_start": start.isoformat(),
            "month_end": end.isoformat(),
            "burn": [[at.isoformat(), secs] for at, secs in self._burn(tenant, rec, start)],
        }

    def _burn(
        self, tenant: str, rec: Mapping[str, Any], start: datetime
    ) -> list[tuple[datetime, float]]:
        """The downtime's course through the month: 0 at its start, each figure the runtime
        reported while the board watched, each availability signal's figure at its instant,
        and the current record."""
        service, target, period = str(rec["service"]), str(rec["target"]), str(rec["period"])
        points: dict[datetime, float] = {start: 0.0}
        for sig in self.history.service(tenant, service, target, period):
            at = instant(sig.get("at"))
            if at is not None and sig.get("downtime_seconds") is not None:
                points[at] = float(sig["downtime_seconds"])
        for at, secs in self.trail.points(tenant, service, target, period):
            points[at] = secs
        updated = instant(rec.get("updated_at"))
        if updated is not None:
            points[updated] = float(rec["downtime_seconds"])
        return sorted(points.items())

    # -- one ticket -----------------------------------------------------------------------

    def ticket(self, tenant: str, ticket_id: str, now: datetime) -> dict[str, Any] | None:
        """A ticket's clocks (open or finished, as long as Redis keeps them), the account
        of each deadline, and its signals (``None``: the board knows nothing of it)."""
        signals = self.history.ticket(tenant, ticket_id)
        if not any(s.get("type") in ("sla.breach", "sla.missed") for s in signals):
            # a breach older than the board's history window: Redis keeps the newest ones
            for sig in self.model.recent_breaches(self.client, tenant, _BREACHES_SEARCHED):
                if sig.get("ticket_id") == ticket_id:
                    signals.append(sig)
        signals.sort(key=lambda s: (instant(s.get("at")) or now, str(s.get("type"))))
        names = self.known.clock_names | {str(s.get("clock")) for s in signals if s.get("clock")}
        stored = self.model.ticket_clocks(self.client, tenant, ticket_id, names)
        records = merge_clocks(stored, self.recent.records(tenant, ticket_id))
        if not records and not signals:
            return None
        records.sort(key=lambda r: str(r.get("clock")))
        contracts: Contracts = self.known
        return {
            "tenant": tenant,
            "ticket_id": ticket_id,
            "zone": _zone_name(self.zone(tenant)),
            "clocks": [clock_row(r, now) for r in records],
            "explanations": [explain_record(r, contracts).to_dict() for r in records],
            "signals": signals,
        }


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)
