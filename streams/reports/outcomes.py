"""Each tier of each clock has one outcome, fixed at one instant (docs/contracts.md R9).

The inputs are what slawatch publishes — the signals and the latest ``sla.clock-states``
record of each clock — read the same way from an events file run through the engine and from
the analytics sink (:mod:`streams.reports.sources`). A *tier* is a target of the clock's plan:
``hard`` (the breach target), ``soft`` (Covide's 90 % figure, 1do's best-effort day) or
``same_day`` (Smart FMS's escalation at the day's closing time).

The outcome of a tier, and the instant that fixes it (the month it counts in):

- **missed** at the instant its deadline passed: the tier's miss signal (``sla.breach``; the
  soft ``sla.warning``; the same-day ``sla.escalation``), or a ``sla.missed`` of that tier
  given at a stop exactly at the deadline. A passed deadline is final, whatever follows
  (a reopened ticket resolved in time the second time does not un-miss it).
- **met** at the clock's last stop (its last ``sla.met``/``sla.missed``) if the deadline never
  passed and the clock is stopped now. A clock that was met, then reopened, is open again:
  its stop that counts is the one that ends it (R6: the time after the reopen counts towards
  the same target), so a reopen can move a met clock out of a month already reported (a
  revised report, R9).
- **none** (open) otherwise, while the clock runs or is paused. A clock that ends without
  an outcome (a cancelled ticket, a clock the ticket's plan dropped) is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calendars.timeline import us_of

#: the signal types a clock's outcomes come from
CLOCK_SIGNAL_TYPES = frozenset(
    {"sla.breach", "sla.warning", "sla.escalation", "sla.met", "sla.missed"}
)
VERDICT_TYPES = frozenset({"sla.met", "sla.missed"})
TIERS = ("hard", "soft", "same_day")


def us_or_none(value: str | datetime | None) -> int | None:
    """Epoch µs of an ISO 8601 instant (or an aware datetime), ``None`` for ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return us_of(value)


@dataclass(frozen=True, slots=True)
class SignalRow:
    """The fields of a published signal that a report reads (instants in epoch µs)."""

    event_id: str
    type: str
    ticket_id: str | None
    clock: str | None
    priority: str | None
    cell: str | None
    tier: str | None
    at_us: int
    deadline_us: int | None
    elapsed_business_seconds: float | None
    policy_version: str
    service: str | None = None
    target: str | None = None
    period: str | None = None
    check: str | None = None
    availability_percent: float | None = None
    target_percent: float | None = None
    downtime_seconds: float | None = None
    budget_seconds: float | None = None
    met: bool | None = None
    revision: int | None = None

    @classmethod
    def from_signal(cls, d: Mapping[str, Any]) -> SignalRow:
        """From a signal's JSON form (``Signal.to_dict()``, a line of ``slawatch replay``)."""
        at = us_or_none(d["at"])
        assert at is not None  # every signal has one (models.signals.CORE_KEYS)
        return cls(
            event_id=d["event_id"],
            type=d["type"],
            ticket_id=d.get("ticket_id"),
            clock=d.get("clock"),
            priority=d.get("priority"),
            cell=d.get("cell"),
            tier=d.get("tier"),
            at_us=at,
            deadline_us=us_or_none(d.get("deadline")),
            elapsed_business_seconds=d.get("elapsed_business_seconds"),
            policy_version=d.get("policy_version") or "",
            service=d.get("service"),
            target=d.get("target"),
            period=d.get("period"),
            check=d.get("check"),
            availability_percent=d.get("availability_percent"),
            target_percent=d.get("target_percent"),
            downtime_seconds=d.get("downtime_seconds"),
            budget_seconds=d.get("budget_seconds"),
            met=d.get("met"),
            revision=d.get("revision"),
        )


@dataclass(frozen=True, slots=True)
class ClockRow:
    """The fields of a clock's latest ``sla.clock-states`` record that a report reads.

    ``complete``: the record has the report keys (:mod:`streams.reports.records`); one
    written before them says nothing of the clock's tiers, which are then read from its
    signals."""

    ticket_id: str
    clock: str
    ticket_kind: str | None
    status: str
    phase: str
    priority: str | None
    cell: str | None
    tier: str | None
    started_us: int | None
    updated_us: int | None
    policy_version: str
    hard_target: str | None
    hard_calendar: str | None
    soft_target: str | None
    soft_calendar: str | None
    pause_statuses: tuple[str, ...]
    status_log: tuple[tuple[int, str | None], ...]
    stops: tuple[tuple[int, int | None], ...]
    complete: bool

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> ClockRow:
        """From a ``sla.clock-states`` value (a ticket clock's, not ``kind: availability``)."""
        state = d.get("state") or {}
        return cls(
            ticket_id=d["ticket_id"],
            clock=d["clock"],
            ticket_kind=d.get("ticket_kind"),
            status=d.get("status") or "running",
            phase=d.get("phase") or "open",
            priority=d.get("priority"),
            cell=d.get("cell"),
            tier=d.get("tier"),
            started_us=us_or_none(d.get("started_at")),
            updated_us=us_or_none(d.get("updated_at")),
            policy_version=d.get("policy_version") or "",
            hard_target=d.get("hard_target"),
            hard_calendar=d.get("hard_calendar"),
            soft_target=d.get("soft_target"),
            soft_calendar=d.get("soft_calendar"),
            pause_statuses=tuple(d.get("pause_statuses") or ()),
            status_log=tuple(
                (us_or_none(at) or 0, status) for at, status in d.get("status_log") or ()
            ),
            stops=tuple((int(a), None if b is None else int(b)) for a, b in state.get("stops", ())),
            complete="ticket_kind" in d,
        )


@dataclass(frozen=True, slots=True)
class TierOutcome:
    """One tier of one clock: its outcome (``None``: none yet) and the instant that fixed it.

    ``priority``/``cell``: as the signal that fixed the outcome carried them (the record's
    while open). ``business_seconds``: the clock's counted time at its last stop (pauses
    excluded), ``None`` while it runs. ``ended_us``: when a clock without an outcome ended
    without one (cancelled, dropped by the plan): from then on it is not open."""

    ticket_id: str
    clock: str
    kind: str | None
    tier: str
    outcome: str | None
    at_us: int | None
    priority: str | None
    cell: str | None
    started_us: int | None
    ended_us: int | None
    business_seconds: float | None
    stopped_us: int | None
    target: str | None
    signal: SignalRow | None
    record: ClockRow | None

    def open_at(self, instant: int) -> bool:
        """Whether the tier was open (started, no outcome yet, not ended) at ``instant``."""
        if self.started_us is None or self.started_us >= instant:
            return False
        if self.at_us is not None and self.at_us < instant:
            return False
        return self.ended_us is None or self.ended_us >= instant


def _tiers(rec: ClockRow | None, sigs: list[SignalRow]) -> list[str]:
    if rec is not None and rec.complete and rec.status != "inactive":
        out = []
        if rec.hard_target is not None:
            out.append("hard")
        if rec.soft_target is not None:
            out.append("soft")
        if rec.tier == "same_day":
            out.append("same_day")
        return out
    found = set()
    if rec is not None and rec.tier in TIERS:
        found.add(rec.tier)
    for s in sigs:
        if s.type == "sla.breach" or (s.type in VERDICT_TYPES and s.tier is None):
            found.add("hard")
        elif s.tier == "soft" and s.type in ("sla.warning", *VERDICT_TYPES):
            found.add("soft")
        elif s.tier == "same_day":
            found.add("same_day")
    return [t for t in TIERS if t in found]


def _misses(tier: str, s: SignalRow) -> bool:
    if tier == "hard":
        return s.type == "sla.breach" or (s.type == "sla.missed" and s.tier is None)
    if tier == "soft":
        return (s.type == "sla.warning" and s.tier == "soft") or (
            s.type == "sla.missed" and s.tier == "soft"
        )
    return s.type == "sla.escalation" or (s.type == "sla.missed" and s.tier == "same_day")


def _meets(tier: str, s: SignalRow) -> bool:
    if tier == "hard":
        return s.type == "sla.met" and s.tier is None
    if tier == "soft":
        return s.type in VERDICT_TYPES  # judged on the hard target, or on the soft alone
    return s.type == "sla.met" and s.tier == "same_day"


def _target(rec: ClockRow | None, tier: str) -> str | None:
    if rec is None:
        return None
    if tier == "hard":
        return rec.hard_target
    if tier == "soft":
        return rec.soft_target
    return "same day" if rec.tier == "same_day" else None


def clock_outcomes(rec: ClockRow | None, sigs: list[SignalRow]) -> list[TierOutcome]:
    """The tier outcomes of one clock from its record (or ``None``) and its signals."""
    sigs = sorted(sigs, key=lambda s: (s.at_us, s.event_id))
    head = rec if rec is not None else None
    ticket_id = head.ticket_id if head else sigs[0].ticket_id or ""
    clock = head.clock if head else sigs[0].clock or ""
    running = rec is not None and rec.status in ("running", "paused")
    verdicts = [s for s in sigs if s.type in VERDICT_TYPES]
    last = verdicts[-1] if verdicts and not running else None
    started = rec.started_us if rec is not None else None
    out = []
    for tier in _tiers(rec, sigs):
        miss = next((s for s in sigs if _misses(tier, s)), None)
        fixed: SignalRow | None = miss
        outcome: str | None = "missed" if miss is not None else None
        if miss is None and last is not None and _meets(tier, last):
            fixed, outcome = last, "met"
        ended = None
        if outcome is None and not running:
            if rec is not None and rec.status == "inactive":
                ended = started  # dropped by the plan without an outcome: never counted
            elif rec is not None and rec.stops:
                ended = rec.stops[-1][0]  # cancelled (stopped without a verdict)
            else:
                ended = started
        if fixed is not None:
            priority, cell = fixed.priority, fixed.cell
        else:
            priority = rec.priority if rec is not None else None
            cell = rec.cell if rec is not None else None
        # the record holds the current plan's targets: those of the outcome's priority only
        # if the priority has not changed since
        same = rec is not None and (rec.priority, rec.cell) == (priority, cell)
        out.append(
            TierOutcome(
                ticket_id=ticket_id,
                clock=clock,
                kind=rec.ticket_kind if rec is not None else None,
                tier=tier,
                outcome=outcome,
                at_us=None if fixed is None else fixed.at_us,
                priority=priority,
                cell=cell,
                started_us=started,
                ended_us=ended,
                business_seconds=None if last is None else last.elapsed_business_seconds,
                stopped_us=None if last is None else last.at_us,
                target=_target(rec, tier) if same else None,
                signal=fixed,
                record=rec,
            )
        )
    return out


def tier_outcomes(signals: Iterable[SignalRow], clocks: Iterable[ClockRow]) -> list[TierOutcome]:
    """The tier outcomes of every clock that has a record or a clock signal."""
    by_clock: dict[tuple[str, str], list[SignalRow]] = defaultdict(list)
    for s in signals:
        if s.type in CLOCK_SIGNAL_TYPES and s.ticket_id is not None and s.clock is not None:
            by_clock[(s.ticket_id, s.clock)].append(s)
    records = {(r.ticket_id, r.clock): r for r in clocks}
    out: list[TierOutcome] = []
    for key in sorted(set(by_clock) | set(records)):
        out.extend(clock_outcomes(records.get(key), by_clock.get(key, [])))
    return out


def clock_signals(signals: Iterable[SignalRow]) -> dict[tuple[str, str], list[SignalRow]]:
    """The signals of each ticket clock, ``(ticket_id, clock)`` → in instant order."""
    by_clock: dict[tuple[str, str], list[SignalRow]] = defaultdict(list)
    for s in signals:
        if s.type in CLOCK_SIGNAL_TYPES and s.ticket_id is not None and s.clock is not None:
            by_clock[(s.ticket_id, s.clock)].append(s)
    for sigs in by_clock.values():
        sigs.sort(key=lambda s: (s.at_us, s.event_id))
    return dict(by_clock)
