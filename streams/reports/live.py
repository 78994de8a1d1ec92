"""The live monthly report: ``sla.compliance`` per tenant and month on ``sla.reports``.

At each month's end (policy time zone; ``grace`` later, so that the outcomes fixed just
before midnight have reached the sink) a tenant's month is evaluated — every aggregate, the
consecutive noncompliant months, the service credit, the month's rows: the ``months`` of
:func:`streams.reports.model.build_report`, so the live figure is the report's figure — and
emitted as revision 0. A month is reported from the tenant's first month with data on.

Revisions (R9, the rule of the availability reports): when data arrives later that changes
a month already reported — an outcome fixed in it (a late event, a verdict that reached the
sink after the month's report), a met clock reopened — the tenant is evaluated again, and
every reported month of the last :data:`REVISE_MONTHS` whose figure changed gets a new
``sla.compliance`` with ``revision`` one higher and its own id (revision 0 keeps
``signal_id(tenant, "compliance", period, "sla.compliance")``, revision n adds n). A change
of one month can change the credit of the months after it: each of those is revised too.
Signals already sent are not withdrawn: the highest revision is the month's figure.

:class:`MonthlyCompliance` decides, from the tenant's data and what was last emitted, what to
emit; it reads no clock and does no I/O (the sink's loop feeds it: :mod:`streams.sink.consumer`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson

from calendars.timeline import EPOCH
from models.ids import signal_id
from models.report import ComplianceSignal, MonthRow
from streams.reports.model import ReportData, build_report
from streams.reports.outcomes import CLOCK_SIGNAL_TYPES, us_or_none
from streams.reports.periods import Month, Period, label, month_of, month_start_us, shift

#: months before the current one a late change can still revise (as availability reports)
REVISE_MONTHS = 12


def compliance_id(tenant: str, period: str, revision: int) -> str:
    """The id of a tenant's month report: revision 0 the month's own, each revision its own."""
    if revision == 0:
        return signal_id(tenant, "compliance", period, "sla.compliance")
    return signal_id(tenant, "compliance", period, "sla.compliance", revision)


@dataclass(frozen=True, slots=True)
class Emitted:
    """What the last report of a month said (its revision and figure)."""

    revision: int
    figure: tuple[Any, ...]


def figure(
    compliant: bool | None, k: int | None, credit: float | None, rows: Iterable[Any]
) -> tuple[Any, ...]:
    """The comparable content of a month's report."""
    return (
        compliant,
        k,
        credit or None,
        tuple(
            orjson.dumps(
                r.model_dump() if hasattr(r, "model_dump") else dict(r), option=orjson.OPT_SORT_KEYS
            )
            for r in rows
        ),
    )


@dataclass(slots=True)
class TenantMonths:
    first: Month | None = None  # the tenant's first month with data
    reported: dict[str, Emitted] = field(default_factory=dict)  # period → last report
    evaluated_to: Month | None = None  # the last month evaluated
    dirty: bool = False  # data arrived for a month already reported


class MonthlyCompliance:
    """Which ``sla.compliance`` signals to emit, per tenant (see the module doc).

    ``policy_of(tenant)``: the tenant's policy (``None``: unknown tenant, skipped).
    """

    def __init__(self, policy_of: Callable[[str], Any], *, grace_us: int = 600_000_000) -> None:
        self.policy_of = policy_of
        self.grace_us = grace_us
        self.tenants: dict[str, TenantMonths] = {}

    # -- what is known -------------------------------------------------------------------------
    def tenant(self, name: str) -> TenantMonths:
        t = self.tenants.get(name)
        if t is None:
            t = self.tenants[name] = TenantMonths()
        return t

    def remember(self, doc: Mapping[str, Any]) -> None:
        """An ``sla.compliance`` already emitted (read back from the sink at start, or the
        sink's own record of one it sent)."""
        tenant, period = doc.get("tenant"), doc.get("period")
        if not isinstance(tenant, str) or not isinstance(period, str):
            return
        rev = int(doc.get("revision") or 0)
        rows = doc.get("rows") or []
        if isinstance(rows, str | bytes):
            rows = orjson.loads(rows)
        fig = figure(
            doc.get("compliant"),
            doc.get("consecutive_noncompliant_months"),
            doc.get("service_credit_percent"),
            [MonthRow(**r) for r in rows],
        )
        t = self.tenant(tenant)
        have = t.reported.get(period)
        if have is None or rev >= have.revision:
            t.reported[period] = Emitted(rev, fig)

    def observe(
        self, tenant: str | None, instant: str | int | None, *, reopened: bool = False
    ) -> None:
        """Data of ``tenant`` at ``instant`` reached the sink: its first month moves back if
        earlier, and a month already reported is marked for re-evaluation (``reopened``: a
        clock that had stopped runs again, which can take an outcome out of any month)."""
        if tenant is None:
            return
        policy = self.policy_of(tenant)
        if policy is None:
            return
        us = instant if isinstance(instant, int) else us_or_none(instant)
        if us is None:
            return
        t = self.tenant(tenant)
        m = month_of(us, policy.timezone)
        if t.first is None or m < t.first:
            t.first = m
        if reopened or (t.evaluated_to is not None and m <= t.evaluated_to):
            t.dirty = True

    def observe_record(self, dataset: str, doc: Mapping[str, Any]) -> None:
        """A record the sink wrote (:meth:`observe` of what can change a month)."""
        tenant = doc.get("tenant")
        if not isinstance(tenant, str):
            return
        if dataset == "signals":
            kind = doc.get("type")
            if kind == "sla.compliance":
                self.remember(doc)
            elif kind in CLOCK_SIGNAL_TYPES:
                self.observe(tenant, doc.get("at"))
        elif dataset == "clock_states" and doc.get("kind") is None:
            state = doc.get("state") or {}
            reopened = doc.get("status") in ("running", "paused") and bool(state.get("stops"))
            self.observe(tenant, doc.get("started_at"), reopened=reopened)

    # -- what is due -------------------------------------------------------------------------
    def due(self, now_us: int) -> list[str]:
        """The tenants to evaluate now: a month of theirs ended (and its grace passed) since
        they were last evaluated, or data changed a month already reported."""
        out = []
        for name, t in sorted(self.tenants.items()):
            policy = self.policy_of(name)
            if policy is None or t.first is None:
                continue
            last = self.last_closed(policy.timezone, now_us)
            if last < t.first:
                continue
            if t.dirty or t.evaluated_to is None or t.evaluated_to < last:
                out.append(name)
        return out

    def last_closed(self, tz: Any, now_us: int) -> Month:
        """The last month whose end (plus grace) has passed at ``now_us``."""
        return shift(month_of(now_us - self.grace_us, tz), -1)

    def evaluate(self, tenant: str, data: ReportData, now_us: int) -> list[ComplianceSignal]:
        """The signals to emit for ``tenant`` given all its data (``data``) at ``now_us``:
        revision 0 of each closed month not reported yet, and a revision of each reported
        month (of the last :data:`REVISE_MONTHS`) whose figure changed."""
        policy = self.policy_of(tenant)
        t = self.tenant(tenant)
        if policy is None or t.first is None:
            return []
        tz = policy.timezone
        last = self.last_closed(tz, now_us)
        t.dirty = False
        t.evaluated_to = last
        if last < t.first:
            return []
        report = build_report(data, policy, Period.of_month(last, tz))
        oldest = max(t.first, shift(last, -(REVISE_MONTHS - 1)))
        out = []
        observed = EPOCH + timedelta(microseconds=now_us)
        for m in report.months:
            ym = (int(m.month[:4]), int(m.month[5:]))
            if ym < oldest:
                continue
            fig = figure(
                m.compliant, m.consecutive_noncompliant_months, m.service_credit_percent, m.rows
            )
            have = t.reported.get(m.month)
            if have is not None and have.figure == fig:
                continue
            rev = 0 if have is None else have.revision + 1
            t.reported[m.month] = Emitted(rev, fig)
            out.append(
                ComplianceSignal(
                    event_id=compliance_id(tenant, m.month, rev),
                    tenant=tenant,
                    policy=policy.id,
                    policy_version=str(policy.version),
                    at=EPOCH + timedelta(microseconds=month_start_us(shift(ym, 1), tz)),
                    observed_at=observed,
                    period=m.month,
                    revision=rev,
                    compliant=m.compliant,
                    consecutive_noncompliant_months=m.consecutive_noncompliant_months,
                    service_credit_percent=m.service_credit_percent or None,
                    rows=m.rows,
                )
            )
        return out


def to_json(sig: ComplianceSignal) -> bytes:
    """The record value: the signal's keys, ``service_credit_percent`` only when earned."""
    return orjson.dumps(
        sig.model_dump(
            mode="json",
            exclude_none=False,
            exclude={"service_credit_percent"} if sig.service_credit_percent is None else set(),
        )
    )


__all__ = ["REVISE_MONTHS", "MonthlyCompliance", "compliance_id", "figure", "label", "to_json"]
