"""A tenant's report data (:class:`~streams.reports.model.ReportData`), from either source:

- an events file run through the engine (:func:`from_events`): the replay's signals and the
  clock records of its tickets at the replay's end, as the live runtime publishes them;
- the analytics sink (:func:`from_sink`): the ``signals`` and ``clock_states`` views.

Both give the same rows for the same published data: the sink stores what the runtime
published, and the report reads the same fields back (a test compares the two reports).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson

from streams.reports.model import ReportData
from streams.reports.outcomes import ClockRow, SignalRow
from streams.reports.records import report_records


def from_replay(result: Any, tenant: str) -> ReportData:
    """The data of ``tenant`` in a :class:`streams.replay.ReplayResult`."""
    signals = [SignalRow.from_signal(s.to_dict()) for s in result.signals if s.tenant == tenant]
    engine = result.engine
    clocks = []
    if engine is not None:
        for key, ticket in engine.tickets.items():
            if ticket.tenant == tenant:
                clocks.extend(ClockRow.from_record(r) for r in report_records(engine, key))
    return ReportData(tenant, _dedup(signals), clocks)


def from_events(
    lines: Iterable[bytes | str],
    registry: Any,
    tenant: str,
    *,
    until: datetime | None = None,
    source: str = "<events>",
) -> tuple[ReportData, Any]:
    """Replay ``lines`` (every tenant's: a ticket's signals depend on its own events only)
    and return ``tenant``'s data with the replay result (dead letters, summary)."""
    from streams.replay import replay

    result = replay(lines, registry, until=until, source=source)
    return from_replay(result, tenant), result


def _dedup(signals: list[SignalRow]) -> list[SignalRow]:
    seen: set[str] = set()
    out = []
    for s in signals:
        if s.event_id not in seen:
            seen.add(s.event_id)
            out.append(s)
    return out


_SIGNAL_SQL = """
SELECT event_id, type, ticket_id, clock, priority, cell, tier,
       epoch_us("at") AS at_us, epoch_us(deadline) AS deadline_us,
       elapsed_business_seconds, policy_version, service, target, period, "check",
       availability_percent, target_percent, downtime_seconds, budget_seconds, met, revision
FROM signals
WHERE tenant = ? AND "at" < make_timestamptz(?::BIGINT)
"""

_CLOCK_SQL = """
SELECT ticket_id, clock, ticket_kind, status, phase, priority, cell, tier,
       epoch_us(started_at), epoch_us(updated_at), policy_version,
       hard_target, hard_calendar, soft_target, soft_calendar,
       pause_statuses, status_log, json_extract(state, '$.stops')::VARCHAR
FROM clock_states
WHERE tenant = ? AND kind IS NULL AND ticket_id IS NOT NULL
"""


def from_sink(con: Any, tenant: str, until_us: int | None = None) -> ReportData:
    """``tenant``'s signals (before ``until_us``, if given) and latest clock records from a
    connection of :func:`streams.sink.query.connect` (best made with ``tenant=``: it then
    opens that tenant's files only)."""
    limit = until_us if until_us is not None else 2**62
    signals = [
        SignalRow(
            event_id=r[0],
            type=r[1],
            ticket_id=r[2],
            clock=r[3],
            priority=r[4],
            cell=r[5],
            tier=r[6],
            at_us=r[7],
            deadline_us=r[8],
            elapsed_business_seconds=r[9],
            policy_version=r[10] or "",
            service=r[11],
            target=r[12],
            period=r[13],
            check=r[14],
            availability_percent=r[15],
            target_percent=r[16],
            downtime_seconds=r[17],
            budget_seconds=r[18],
            met=r[19],
            revision=r[20],
        )
        for r in con.execute(_SIGNAL_SQL, [tenant, limit]).fetchall()
    ]
    clocks = []
    for r in con.execute(_CLOCK_SQL, [tenant]).fetchall():
        log = orjson.loads(r[16]) if r[16] else []
        stops = orjson.loads(r[17]) if r[17] else []
        clocks.append(
            ClockRow(
                ticket_id=r[0],
                clock=r[1],
                ticket_kind=r[2],
                status=r[3] or "running",
                phase=r[4] or "open",
                priority=r[5],
                cell=r[6],
                tier=r[7],
                started_us=r[8],
                updated_us=r[9],
                policy_version=r[10] or "",
                hard_target=r[11],
                hard_calendar=r[12],
                soft_target=r[13],
                soft_calendar=r[14],
                pause_statuses=tuple(orjson.loads(r[15]) if r[15] else ()),
                status_log=tuple((_us(at), status) for at, status in log),
                stops=tuple((int(a), None if b is None else int(b)) for a, b in stops),
                complete=r[2] is not None,
            )
        )
    signals.sort(key=lambda s: (s.at_us, s.event_id))
    return ReportData(tenant, signals, clocks)


def _us(iso: str) -> int:
    from streams.reports.outcomes import us_or_none

    v = us_or_none(iso)
    assert v is not None
    return v
