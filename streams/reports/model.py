"""A tenant's service report: pure functions of its signals and clock records and its policy.

What is counted where (docs/reports.md has the worked examples):

- every tier outcome (:mod:`streams.reports.outcomes`) counts in the calendar month, policy
  time zone, of the instant that fixed it; a row is clock × ticket kind × priority × tier,
  the priority as the outcome's signal carried it; a row whose clock, kind and tier an
  aggregate ``per: all`` covers pools every priority (``priority: null``);
- ``open``: tiers started before the period's end and without an outcome by then;
- a row's aggregate (``policies/*.yaml aggregates``: a clock *rule*, so its ticket kinds, a
  tier, a share) is met in a month when ``met / count ≥ min_share``, or when the month has
  no clock of the row (R9); the row is compliant over the period when it is in every month;
- a month is compliant when every aggregate is met; for a service credit it is noncompliant
  when any aggregate of its ``missed_when`` is missed, and the k-th such month in a row
  earns ``ServiceCredit.percent(k)`` (Covide §7.3: 0 % for k ≤ 3, then 5 % × (k − 3), at most
  50 %); k is counted from the tenant's first month with data, so it is exact;
- availability per service and month: its ``availability.report`` of the highest revision.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from calendars.timeline import EPOCH
from models.policy import Policy
from models.report import (
    AvailabilityRow,
    ClockOutcome,
    HeartbeatRow,
    Month,
    MonthRow,
    PriorityOneIncident,
    Report,
    Row,
)
from models.report import Period as PeriodOut
from streams.reports.explain import explain_breach
from streams.reports.outcomes import (
    ClockRow,
    SignalRow,
    TierOutcome,
    clock_signals,
    tier_outcomes,
)
from streams.reports.periods import Month as MonthKey
from streams.reports.periods import Period, label, month_of, months_between, shift

#: months of trend in a report (the HTML's charts; ``months`` in the JSON)
TREND_MONTHS = 12

RowKey = tuple[str, str | None, str | None, str]  # clock, kind, priority, tier


@dataclass(frozen=True, slots=True)
class ReportData:
    """A tenant's published data: its signals (de-duplicated by ``event_id``) and the latest
    ``sla.clock-states`` record of each of its ticket clocks."""

    tenant: str
    signals: Sequence[SignalRow]
    clocks: Sequence[ClockRow]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A policy aggregate target, resolved to the clock name and ticket kinds of its rule."""

    name: str
    clock: str
    kinds: frozenset[str] | None
    tier: str
    share: Fraction
    percent: float
    per: str
    priorities: frozenset[str] | None

    def covers(self, clock: str, kind: str | None, tier: str) -> bool:
        return (
            clock == self.clock
            and tier == self.tier
            and (self.kinds is None or (kind is not None and kind in self.kinds))
        )

    def matches(self, key: RowKey) -> bool:
        clock, kind, priority, tier = key
        if not self.covers(clock, kind, tier):
            return False
        if self.per == "all":
            return priority is None
        return self.priorities is None or priority in self.priorities


def aggregates_of(policy: Policy) -> list[Aggregate]:
    out = []
    for ag in policy.aggregates:
        rule = policy.clocks[ag.clock]
        kinds = rule.applies.kinds
        out.append(
            Aggregate(
                name=ag.name,
                clock=rule.clock or ag.clock,
                kinds=None if kinds is None else frozenset(str(k) for k in kinds),
                tier=ag.tier,
                share=Fraction(str(ag.min_share)),
                percent=round(ag.min_share * 100, 6),
                per=ag.per,
                priorities=None if ag.priorities is None else frozenset(ag.priorities),
            )
        )
    return out


def priority_one_levels(policy: Policy) -> list[str]:
    """The levels of a "priority-1" incident: the level the policy's ``prio1`` alias names
    and every stricter one (1do: ``kritisch``, ``ernstig`` — "Prio1 – Ernstig" with the
    critical level above it), else the strictest level alone."""
    scheme = policy.priority
    if scheme is None or not scheme.levels:
        return []
    levels = list(scheme.levels)
    named = scheme.aliases.get("prio1")
    if named in levels:
        return levels[: levels.index(named) + 1]
    return levels[:1]


@dataclass(slots=True)
class _Counts:
    met: int = 0
    missed: int = 0
    open: int = 0
    business: list[float] = field(default_factory=list)
    targets: dict[str, None] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.met + self.missed


def _percent(c: _Counts) -> float | None:
    return None if c.count == 0 else round(100.0 * c.met / c.count, 4)


def _within(c: _Counts, ag: Aggregate) -> bool:
    """R9: a month without clocks of the row is not noncompliant."""
    return c.count == 0 or Fraction(c.met, c.count) >= ag.share


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    n = len(xs)
    mid = n // 2
    return float(xs[mid]) if n % 2 else (xs[mid - 1] + xs[mid]) / 2.0


def p90(values: Sequence[float]) -> float | None:
    """The nearest-rank 90th percentile: the smallest value with at least 90 % of the values
    at or below it."""
    if not values:
        return None
    xs = sorted(values)
    return float(xs[max(0, math.ceil(0.9 * len(xs)) - 1)])


class _Rows:
    """Row keys and the aggregates that judge them."""

    def __init__(self, aggregates: list[Aggregate]) -> None:
        self.aggregates = aggregates

    def key(self, o: TierOutcome) -> RowKey:
        pooled = any(a.per == "all" and a.covers(o.clock, o.kind, o.tier) for a in self.aggregates)
        return (o.clock, o.kind, None if pooled else o.priority, o.tier)

    def judging(self, key: RowKey) -> list[Aggregate]:
        return [a for a in self.aggregates if a.matches(key)]


def _iso(us: int | None) -> datetime | None:
    return None if us is None else EPOCH + timedelta(microseconds=us)


def _order(key: RowKey, levels: list[str]) -> tuple[Any, ...]:
    clock, kind, priority, tier = key
    rank = levels.index(priority) if priority in levels else len(levels)
    return (clock, kind or "", rank, priority or "", ("hard", "soft", "same_day").index(tier))


def build_report(data: ReportData, policy: Policy, period: Period) -> Report:
    """The report of ``data.tenant`` over ``period`` under ``policy`` (its current version)."""
    tz = policy.timezone
    lo, hi = period.lo_us, period.hi_us
    aggregates = aggregates_of(policy)
    rows = _Rows(aggregates)
    outcomes = tier_outcomes(data.signals, data.clocks)
    levels = list(policy.priority.levels) if policy.priority else []

    # -- the period's rows ---------------------------------------------------------------------
    counts: dict[RowKey, _Counts] = defaultdict(_Counts)
    for o in outcomes:
        key = rows.key(o)
        if o.at_us is not None and lo <= o.at_us < hi:
            c = counts[key]
            if o.outcome == "met":
                c.met += 1
            else:
                c.missed += 1
            if o.business_seconds is not None:
                c.business.append(o.business_seconds)
            if o.target:
                c.targets[o.target] = None
        elif o.open_at(hi):
            c = counts[key]
            c.open += 1
            if o.target:
                c.targets[o.target] = None

    # -- months: compliance and credit, from the tenant's first month with data -------------------
    last = (period.last.year, period.last.month)
    trend_first = shift(last, -(TREND_MONTHS - 1))
    first = min([trend_first, *period.months[:1], *_data_months(outcomes, data.signals, tz)])
    months = months_between(first, last)
    monthly = _monthly(outcomes, rows, months, tz)
    evaluation = _evaluate(monthly, months, aggregates, policy)

    period_months = period.months
    out_rows = []
    for key in sorted(counts, key=lambda k: _order(k, levels)):
        c = counts[key]
        judges = rows.judging(key)
        compliant = None
        if judges:
            compliant = all(
                _within(monthly[m].get(key, _Counts()), ag) for m in period_months for ag in judges
            )
        out_rows.append(
            Row(
                clock=key[0],
                kind=key[1],
                priority=key[2],
                tier=key[3],  # type: ignore[arg-type]
                target=", ".join(c.targets) or None,
                count=c.count,
                met=c.met,
                missed=c.missed,
                open=c.open,
                percent_within=_percent(c),
                aggregate_target_percent=max(a.percent for a in judges) if judges else None,
                compliant=compliant,
                aggregate=", ".join(a.name for a in judges) or None,
                median_business_seconds=median(c.business),
                p90_business_seconds=p90(c.business),
            )
        )

    availability = _availability(data.signals, {label(m) for m in months})
    by_month_avail: dict[str, list[AvailabilityRow]] = defaultdict(list)
    for a in availability:
        by_month_avail[a.month].append(a)
    period_labels = {label(m) for m in period_months}

    signals_by_clock = clock_signals(data.signals)
    breaches = [
        explain_breach(o, signals_by_clock.get((o.ticket_id, o.clock), []), policy)
        for o in sorted(outcomes, key=lambda o: (o.at_us or 0, o.ticket_id, o.clock))
        if o.tier == "hard" and o.outcome == "missed" and o.at_us is not None and lo <= o.at_us < hi
    ]
    breaches_per_month = Counter(
        label(month_of(o.at_us, tz))
        for o in outcomes
        if o.tier == "hard" and o.outcome == "missed" and o.at_us is not None
    )

    trend = []
    for m in months_between(trend_first, last):
        ev = evaluation[m]
        trend.append(
            Month(
                month=label(m),
                compliant=ev.compliant,
                consecutive_noncompliant_months=ev.k,
                service_credit_percent=ev.credit,
                rows=_month_rows(monthly[m], rows, levels),
                breaches=breaches_per_month.get(label(m), 0),
                availability=by_month_avail.get(label(m), []),
            )
        )

    end = evaluation[last]
    compliant = None
    if aggregates:
        compliant = all(bool(evaluation[m].compliant) for m in period_months)
    as_of = max(
        [s.at_us for s in data.signals] + [c.updated_us for c in data.clocks if c.updated_us],
        default=None,
    )
    return Report(
        tenant=data.tenant,
        policy=policy.id,
        policy_version=str(policy.version),
        period=PeriodOut(**{"from": period.first, "to": period.last}),
        as_of=_iso(as_of),
        rows=out_rows,
        compliant=compliant,
        consecutive_noncompliant_months=end.k,
        service_credit_percent=end.credit,
        availability=[a for a in availability if a.month in period_labels],
        breaches=breaches,
        heartbeats=_heartbeats(data.signals, lo, hi),
        priority_one=_priority_one(outcomes, priority_one_levels(policy), lo, hi),
        priority_one_levels=priority_one_levels(policy),
        months=trend,
    )


def _data_months(
    outcomes: Iterable[TierOutcome], signals: Iterable[SignalRow], tz: Any
) -> list[MonthKey]:
    firsts = [o.at_us for o in outcomes if o.at_us is not None]
    firsts += [s.at_us for s in signals if s.type == "availability.report"]
    return [month_of(min(firsts), tz)] if firsts else []


def _monthly(
    outcomes: Iterable[TierOutcome], rows: _Rows, months: list[MonthKey], tz: Any
) -> dict[MonthKey, dict[RowKey, _Counts]]:
    out: dict[MonthKey, dict[RowKey, _Counts]] = {m: defaultdict(_Counts) for m in months}
    for o in outcomes:
        if o.at_us is None:
            continue
        m = month_of(o.at_us, tz)
        if m not in out:
            continue
        c = out[m][rows.key(o)]
        if o.outcome == "met":
            c.met += 1
        else:
            c.missed += 1
    return out


@dataclass(frozen=True, slots=True)
class _Eval:
    compliant: bool | None
    k: int | None
    credit: float | None


def _evaluate(
    monthly: dict[MonthKey, dict[RowKey, _Counts]],
    months: list[MonthKey],
    aggregates: list[Aggregate],
    policy: Policy,
) -> dict[MonthKey, _Eval]:
    """Per month: every aggregate met; the service credit's k and percent (the first credit
    rule of the policy; a policy without one has ``None``)."""
    credit = policy.service_credits[0] if policy.service_credits else None
    out: dict[MonthKey, _Eval] = {}
    k = 0
    for m in months:
        missed = {
            ag.name
            for ag in aggregates
            for key, c in monthly[m].items()
            if ag.matches(key) and not _within(c, ag)
        }
        compliant = None if not aggregates else not missed
        if credit is None:
            out[m] = _Eval(compliant, None, None)
            continue
        k = k + 1 if missed & set(credit.missed_when) else 0
        out[m] = _Eval(compliant, k, credit.percent(k))
    return out


def _month_rows(month: dict[RowKey, _Counts], rows: _Rows, levels: list[str]) -> list[MonthRow]:
    out = []
    for key in sorted(month, key=lambda k: _order(k, levels)):
        c = month[key]
        judges = rows.judging(key)
        out.append(
            MonthRow(
                clock=key[0],
                kind=key[1],
                priority=key[2],
                tier=key[3],  # type: ignore[arg-type]
                count=c.count,
                percent_within=_percent(c),
                aggregate_target_percent=max(a.percent for a in judges) if judges else None,
                compliant=all(_within(c, a) for a in judges) if judges else None,
            )
        )
    return out


def _availability(signals: Iterable[SignalRow], months: set[str]) -> list[AvailabilityRow]:
    """Per service, target and month: its ``availability.report`` of the highest revision."""
    best: dict[tuple[str, str, str], SignalRow] = {}
    for s in signals:
        if s.type != "availability.report" or s.period not in months or s.service is None:
            continue
        key = (s.period, s.service, s.target or "")
        have = best.get(key)
        if have is None or (s.revision or 0) > (have.revision or 0):
            best[key] = s
    return [
        AvailabilityRow(
            service=s.service or "",
            availability_percent=s.availability_percent or 0.0,
            target_percent=s.target_percent or 0.0,
            met=bool(s.met),
            month=s.period or "",
            target=s.target,
            downtime_seconds=s.downtime_seconds,
            budget_seconds=s.budget_seconds,
            revision=s.revision or 0,
        )
        for _, s in sorted(best.items())
    ]


def _heartbeats(signals: Iterable[SignalRow], lo: int, hi: int) -> list[HeartbeatRow]:
    missed = Counter(
        s.check for s in signals if s.type == "heartbeat.missed" and s.check and lo <= s.at_us < hi
    )
    return [HeartbeatRow(check=c, missed=n) for c, n in sorted(missed.items())]


def _priority_one(
    outcomes: Iterable[TierOutcome], levels: list[str], lo: int, hi: int
) -> list[PriorityOneIncident]:
    if not levels:
        return []
    by_ticket: dict[str, list[TierOutcome]] = defaultdict(list)
    for o in outcomes:
        if o.kind not in (None, "incident") or o.priority not in levels:
            continue
        started_in = o.started_us is not None and lo <= o.started_us < hi
        fixed_in = o.at_us is not None and lo <= o.at_us < hi
        if started_in or fixed_in:
            by_ticket[o.ticket_id].append(o)
    out = []
    for ticket_id, os_ in by_ticket.items():
        starts = [o.started_us for o in os_ if o.started_us is not None]
        strictest = min(os_, key=lambda o: levels.index(o.priority or levels[-1]))
        out.append(
            PriorityOneIncident(
                ticket_id=ticket_id,
                priority=strictest.priority or "",
                cell=strictest.cell,
                started_at=_iso(min(starts)) if starts else None,
                clocks=[
                    ClockOutcome(
                        clock=o.clock,
                        tier=o.tier,  # type: ignore[arg-type]
                        outcome=o.outcome or "open",  # type: ignore[arg-type]
                        at=_iso(o.at_us),
                        business_seconds=o.business_seconds,
                    )
                    for o in sorted(os_, key=lambda o: (o.clock, o.tier))
                ],
            )
        )
    out.sort(key=lambda p: (p.started_at or datetime.min.replace(tzinfo=UTC), p.ticket_id))
    return out
