"""What the board has seen on the stream and Redis does not keep.

The read model keeps breaches, availability figures and clock records — the present. A
ticket's *history* (every warning, escalation, breach and verdict it had), the recent
verdicts of a tenant, and the course of a service's downtime through the month (its burn
chart) are read from the output topics instead, by the board's own consumer
(:mod:`streams.web.feed`), and kept here, in memory and bounded:

- :class:`SignalHistory`: per tenant the newest ``per_tenant`` signals, de-duplicated by
  ``event_id`` (delivery is at least once);
- :class:`AvailabilityTrail`: per (tenant, service, target, month) the downtime figures as
  the runtime reported them, at most ``per_series`` points (older points are thinned);
- :class:`RecentClocks`: the clock records of the last seconds, laid over what Redis
  returns while the workers may not have written them yet.

At start the feed reads the signal topics back ``SLAWATCH_WEB_HISTORY_HOURS`` (wall time),
so a restarted board has its histories again; the availability records of
``sla.clock-states`` are compacted (one per service), so a burn chart's course before the
board started comes from the availability signals (each carries the downtime at its
instant) and the month's current figure.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "AvailabilityTrail",
    "RecentClocks",
    "SignalHistory",
    "instant",
    "merge_clocks",
]

#: Signal order at the same instant: the rungs of a clock in the order they fire.
_TYPE_ORDER = {
    "sla.warning": 0,
    "sla.escalation": 2,
    "sla.breach": 1,
    "sla.met": 3,
    "sla.missed": 3,
}


_NEVER = datetime.min.replace(tzinfo=UTC)


def instant(value: Any) -> datetime | None:
    """An ISO instant with an offset (``None`` for anything else: the board never guesses a
    zone)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else None


class SignalHistory:
    """The newest signals per tenant, de-duplicated by ``event_id``."""

    def __init__(self, per_tenant: int = 20_000) -> None:
        if per_tenant < 1:
            raise ValueError("per_tenant must be at least 1")
        self.per_tenant = per_tenant
        self._by_tenant: dict[str, OrderedDict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()  # the feed adds in the event loop, pages read in threads

    def add(self, signal: Mapping[str, Any]) -> bool:
        """Keep ``signal``; False if it is a repeat or lacks ``tenant``, ``event_id`` or an
        ``at`` with an offset (the feed logs those)."""
        tenant, event_id = signal.get("tenant"), signal.get("event_id")
        if not isinstance(tenant, str) or not isinstance(event_id, str) or not event_id:
            return False
        if instant(signal.get("at")) is None:
            return False
        with self._lock:
            kept = self._by_tenant.setdefault(tenant, OrderedDict())
            if event_id in kept:
                return False
            kept[event_id] = dict(signal)
            while len(kept) > self.per_tenant:
                kept.popitem(last=False)
        return True

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._by_tenant.values())

    def _all(self, tenant: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._by_tenant.get(tenant, {}).values())

    def ticket(self, tenant: str, ticket_id: str) -> list[dict[str, Any]]:
        """A ticket's signals in the order they happened (``at``, then the rung order)."""
        found = [s for s in self._all(tenant) if s.get("ticket_id") == ticket_id]
        return sorted(found, key=_chronological)

    def recent(self, tenant: str, types: Iterable[str], limit: int = 20) -> list[dict[str, Any]]:
        """The newest ``limit`` signals of ``types``, newest ``at`` first."""
        wanted = frozenset(types)
        found = [s for s in self._all(tenant) if s.get("type") in wanted]
        found.sort(key=_chronological, reverse=True)
        return found[:limit]

    def service(self, tenant: str, service: str, target: str, period: str) -> list[dict[str, Any]]:
        """The availability signals of one service's target in one month, oldest first."""
        found = [
            s
            for s in self._all(tenant)
            if str(s.get("type", "")).startswith("availability.")
            and s.get("service") == service
            and s.get("target") == target
            and s.get("period") == period
        ]
        return sorted(found, key=_chronological)


def _chronological(signal: Mapping[str, Any]) -> tuple[datetime, int, str]:
    at = instant(signal.get("at")) or _NEVER  # (SignalHistory.add keeps only instants)
    return at, _TYPE_ORDER.get(str(signal.get("type")), 9), str(signal.get("event_id"))


class AvailabilityTrail:
    """Downtime figures over a month per (tenant, service, target, period): the points of
    a burn chart the runtime reported while the board was watching."""

    def __init__(self, per_series: int = 2_000) -> None:
        if per_series < 4:
            raise ValueError("per_series must be at least 4")
        self.per_series = per_series
        self._series: dict[tuple[str, str, str, str], dict[datetime, float]] = {}
        self._lock = threading.Lock()

    def add(self, record: Mapping[str, Any]) -> bool:
        """Keep the figure of an availability record (``kind: "availability"``) or signal;
        False if it lacks what a point needs."""
        try:
            key = (
                str(record["tenant"]),
                str(record["service"]),
                str(record["target"]),
                str(record["period"]),
            )
            downtime = float(record["downtime_seconds"])
        except (KeyError, TypeError, ValueError):
            return False
        at = instant(record.get("updated_at") or record.get("at"))
        if at is None:
            return False
        with self._lock:
            points = self._series.setdefault(key, {})
            points[at] = downtime
            if len(points) > self.per_series:
                self._thin(points)
        return True

    @staticmethod
    def _thin(points: dict[datetime, float]) -> None:
        """Drop every second point of the older half (the recent course stays exact)."""
        ordered = sorted(points)
        for at in ordered[: len(ordered) // 2 : 2]:
            del points[at]

    def points(
        self, tenant: str, service: str, target: str, period: str
    ) -> list[tuple[datetime, float]]:
        """``(instant, downtime seconds)`` in time order."""
        with self._lock:
            return sorted(self._series.get((tenant, service, target, period), {}).items())


class RecentClocks:
    """The clock records of the last ``keep`` seconds (wall) of the stream, the newest per
    clock: the board reaches a record on the stream at about the time the workers' read-model
    sink writes it to Redis, possibly first, so a section drawn from Redis right after a
    record arrives lays these over what Redis returned (:func:`merge_clocks`)."""

    def __init__(self, keep: float = 10.0, wall: Callable[[], float] = time.monotonic) -> None:
        self.keep = keep
        self._wall = wall
        self._by_tenant: dict[str, dict[tuple[str, str], tuple[float, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def add(self, record: Mapping[str, Any]) -> bool:
        try:
            tenant, key = str(record["tenant"]), (str(record["ticket_id"]), str(record["clock"]))
        except KeyError:
            return False
        at = instant(record.get("updated_at"))
        if at is None:
            return False
        with self._lock:
            kept = self._by_tenant.setdefault(tenant, {})
            old = kept.get(key)
            if old is not None and _newer(old[1], record):
                return False
            kept[key] = (self._wall(), dict(record))
        return True

    def records(self, tenant: str, ticket_id: str | None = None) -> list[dict[str, Any]]:
        """The tenant's recent records (of one ticket, if given); older ones are dropped."""
        with self._lock:
            kept = self._by_tenant.get(tenant)
            if not kept:
                return []
            horizon = self._wall() - self.keep
            for key in [k for k, (seen, _) in kept.items() if seen < horizon]:
                del kept[key]
            return [r for (ticket, _), (_, r) in kept.items() if ticket_id in (None, ticket)]


def _newer(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether record ``a`` is strictly newer than ``b`` (by ``updated_at``, as Redis
    decides: equal instants, the later arrival wins)."""
    ta, tb = instant(a.get("updated_at")), instant(b.get("updated_at"))
    return ta is not None and tb is not None and ta > tb


def merge_clocks(
    stored: Iterable[Mapping[str, Any]], recent: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Clock records from Redis with the stream's recent ones laid over them (the newer by
    ``updated_at`` wins), in the order of ``stored`` then the new ones."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in stored:
        merged[(str(rec.get("ticket_id")), str(rec.get("clock")))] = dict(rec)
    for rec in recent:
        key = (str(rec.get("ticket_id")), str(rec.get("clock")))
        old = merged.get(key)
        if old is None or not _newer(old, rec):
            merged[key] = dict(rec)
    return list(merged.values())
