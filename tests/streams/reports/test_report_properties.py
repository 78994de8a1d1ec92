"""Property: the report's counts are a brute-force count over the signals.

Random Covide tickets (incidents of every priority and questions; paused, responded,
resolved, cancelled or left open; no reopen) go through the real engine. The brute force
counts each month straight from the signals, with the plainest reading of R9 and nothing
of the report's code:

- hard tier: a clock with an ``sla.breach`` is missed at the breach; else its verdict
  (``sla.met`` / ``sla.missed``) at the verdict;
- soft tier (Covide's resolution clocks and the question clock have one; an incident's
  response clock has none): a clock with the soft ``sla.warning`` is missed at the
  warning; else met at its verdict;

keyed by clock, the ticket's kind (known from the generator), the signal's priority (none
for questions: their aggregates pool every priority) and tier, in the calendar month of
Amsterdam.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.reports.model import build_report
from streams.reports.periods import Period
from streams.reports.sources import from_events
from tests.streams.reports.helpers import Events, registry

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 1, 5, 7, 0, tzinfo=AMS)
MONTHS = [(2026, 1), (2026, 2), (2026, 3), (2026, 4)]
UNTIL = datetime(2026, 5, 1, tzinfo=AMS)

ticket = st.fixed_dictionaries(
    {
        "start": st.integers(0, 75 * 24 * 60),  # minutes after START
        "kind": st.sampled_from(["incident", "incident", "question"]),
        "priority": st.sampled_from(["urgent", "hoog", "medium", "laag"]),
        "pause": st.one_of(st.none(), st.tuples(st.integers(1, 600), st.integers(1, 3000))),
        "end": st.one_of(
            st.none(),
            st.tuples(
                st.sampled_from(
                    ["ticket.resolved", "ticket.responded", "ticket.cancelled", "ticket.closed"]
                ),
                st.integers(1, 30 * 24 * 60),
            ),
        ),
        "resolve_after_response": st.one_of(st.none(), st.integers(1, 20 * 24 * 60)),
    }
)


def _at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def build(tickets: list[dict]) -> tuple[Events, dict[str, str]]:
    ev = Events("cov")
    kinds = {}
    n = 0
    for i, t in enumerate(tickets):
        tid = f"T{i}"
        kinds[tid] = t["kind"]
        fields = {"kind": t["kind"]}
        if t["kind"] == "incident":
            fields["priority"] = t["priority"]
        lines = [(t["start"], "ticket.created", {"ticket_id": tid, **fields})]
        last = t["start"]
        if t["pause"] is not None:
            a, b = t["pause"]
            lines.append(
                (last + a, "ticket.updated", {"ticket_id": tid, "status": "waiting_for_customer"})
            )
            lines.append((last + a + b, "ticket.updated", {"ticket_id": tid, "status": "open"}))
            last = last + a + b
        if t["end"] is not None:
            typ, after = t["end"]
            lines.append((last + after, typ, {"ticket_id": tid}))
            last += after
            if typ == "ticket.responded" and t["resolve_after_response"] is not None:
                lines.append(
                    (last + t["resolve_after_response"], "ticket.resolved", {"ticket_id": tid})
                )
        for minutes, typ, f in lines:
            n += 1
            ev.lines.append(_line(n, typ, minutes, f))
    return ev, kinds


def _line(n: int, typ: str, minutes: int, fields: dict) -> bytes:
    import orjson

    return orjson.dumps(
        {"event_id": f"e{n}", "type": typ, "tenant": "cov", "at": _at(minutes), **fields}
    )


def brute_force(signals: list[dict], kinds: dict[str, str]) -> Counter:
    by_clock: dict[tuple[str, str], list[dict]] = {}
    for s in signals:
        if s["type"].startswith("sla."):
            by_clock.setdefault((s["ticket_id"], s["clock"]), []).append(s)
    counts: Counter = Counter()
    for (ticket_id, clock), sigs in by_clock.items():
        kind = kinds[ticket_id]
        sigs.sort(key=lambda s: s["at"])
        breach = [s for s in sigs if s["type"] == "sla.breach"]
        soft = [s for s in sigs if s["type"] == "sla.warning" and s.get("tier") == "soft"]
        verdicts = [s for s in sigs if s["type"] in ("sla.met", "sla.missed")]
        has_soft = clock == "resolution" or kind == "question"
        for tier, miss in (("hard", breach), ("soft", soft)):
            if tier == "soft" and not has_soft:
                continue
            if miss:
                fixed, outcome = miss[0], "missed"
            elif verdicts:
                fixed = verdicts[-1]
                outcome = "met" if (tier == "soft" or fixed["type"] == "sla.met") else "missed"
            else:
                continue
            local = datetime.fromisoformat(fixed["at"]).astimezone(AMS)
            prio = None if kind == "question" else fixed["priority"]
            counts[((local.year, local.month), clock, kind, prio, tier, outcome)] += 1
    return counts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ticket, min_size=1, max_size=14))
def test_report_counts_equal_a_brute_force_count(tickets: list[dict]) -> None:
    ev, kinds = build(tickets)
    data, result = from_events(ev.lines, registry(), "cov", until=UNTIL)
    expected = brute_force([s.to_dict() for s in result.signals], kinds)
    policy = registry().resolve("cov").policy
    got: Counter = Counter()
    for month in MONTHS:
        rep = build_report(data, policy, Period.of_month(month, AMS))
        for r in rep.rows:
            for outcome, n in (("met", r.met), ("missed", r.missed)):
                if n:
                    got[(month, r.clock, r.kind, r.priority, r.tier, outcome)] += n
            assert r.count == r.met + r.missed
    in_window = Counter({k: v for k, v in expected.items() if k[0] in MONTHS})
    assert got == in_window
