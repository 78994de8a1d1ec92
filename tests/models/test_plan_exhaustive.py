"""Every seed policy × every ticket kind, channel, priority (direct and matrix) and option
combination: ``Policy.plan`` answers with well-formed plans the engine can project."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from models.errors import UnknownPriorityError
from models.events import CHANNELS, KINDS
from models.plan import ClockPlan, TicketFacts
from models.policy import Policy
from tests.models.helpers import at

SEEDS = ("bokumo-ict", "1do", "inlenersbeloning", "covide", "smart-fms")


def option_combos(policy: Policy) -> list[dict[str, Any]]:
    axes = []
    for name, opt in policy.options.items():
        values: list[Any] = list(opt.choices or []) if opt.type == "choice" else [True, False]
        axes.append([(name, v) for v in values])
    return [dict(c) for c in itertools.product(*axes)] or [{}]


def priority_facts(policy: Policy) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{}]
    scheme = policy.priority
    if scheme is None:
        return out
    out += [{"priority": lv} for lv in scheme.levels]
    if scheme.matrix is not None:
        out += [
            {"impact": i, "urgency": u}
            for i in scheme.matrix.impacts
            for u in scheme.matrix.urgencies
        ]
    return out


def check(policy: Policy, plan: ClockPlan) -> None:
    assert plan.clock in policy.clock_names
    policy.calendar(plan.calendar)
    for t in (plan.hard, plan.soft):
        if t is not None:
            assert t.calendar == plan.calendar
            assert t.amount > 0
    assert plan.hard or plan.soft or plan.escalations
    assert list(plan.thresholds) == sorted(set(plan.thresholds))
    assert all(0 < f < 1 for f in plan.thresholds)
    assert plan.stop_on
    assert "waiting_for_customer" in plan.pause_statuses


@pytest.mark.parametrize("pid", SEEDS)
def test_every_combination(policies, pid):
    from streams.engine.targets import project

    policy = policies.policy(pid)
    start = at("2026-03-04 11:15")
    seen: set[str] = set()
    for opts, kind, channel, prio in itertools.product(
        option_combos(policy), KINDS, (None, *CHANNELS), priority_facts(policy)
    ):
        facts = TicketFacts(kind=kind, channel=channel, attributes={"cvss": 9.5}, **prio)
        try:
            plans = policy.plan(facts, opts)
        except UnknownPriorityError:
            # only a ticket without any priority, on a policy whose clocks need one
            assert not prio and policy.priority is not None
            continue
        names = [p.clock for p in plans]
        assert len(names) == len(set(names)), names
        for plan in plans:
            check(policy, plan)
            seen.add(plan.clock)
            proj = project(policy, plan, start)
            if proj.deadline is not None:
                assert proj.deadline > start
            assert all(s.at >= start for s in proj.signals)
    assert seen == set(policy.clock_names)
