"""``slawatch availability`` and ``slawatch replay`` on examples/monitoring.jsonl (March 2026,
the five example tenants of examples/tenants.yaml), figures worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from streams.cli import _register, app

REPO = Path(__file__).resolve().parents[3]
AMS = ZoneInfo("Europe/Amsterdam")
EVENTS = "examples/monitoring.jsonl"
TENANTS = "examples/tenants.yaml"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def cli(*args: str) -> Any:
    _register()
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def availability(*args: str) -> Any:
    return cli("availability", EVENTS, "--tenants", TENANTS, *args)


def test_smart_fms_march_with_each_outage_and_maintenance_explained() -> None:
    # hooli (smart-fms, 99.6 % of 743 h → budget 2.972 h = 2 h 58 m 19.2 s):
    #   Tue 3 Mar 18:00–22:00 inside minor maintenance 16:30–23:00 (announced that morning,
    #     the first of the month)                                     → 0
    #   Tue 10 Mar 15:30–17:00 inside maintenance from 15:00 (before 16:00: it counts) → 1.5 h
    #   Thu 12 Mar 09:00–11:00, cause ddos (excluded)                → 0
    #   Thu 19 Mar 10:00–11:45                                        → 1.75 h
    # 3.25 h of 743 h: 100 × (1 − 3.25 / 743) = 99.5626 %: missed
    r = availability("--tenant", "hooli", "--month", "2026-03")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "99.5626 % (MISSED); downtime 3 h 15 m of a 2 h 58 m 19 s budget" in out
    assert "Tue 03 Mar 18:00 – Tue 03 Mar 22:00" in out and "inside excluded maintenance" in out
    assert "cause 'ddos' is excluded by the contract" in out
    assert "fms-m2 (minor): counts: starts at 15:00, before 16:00" in out
    assert "fms-m1 (minor): excluded" in out


def test_json_output_of_bokumo_march() -> None:
    # acme (bokumo-ict): p1 announced Mon 09:00 for Wed 09:00 (2 workdays: excluded), p2
    # announced Thu 09:00 for Fri 09:00 (1 workday: counts); 1 h down in each → 1 h counted
    # of 743 h: 99.8654 %, budget 0.5 % × 743 h = 3.715 h = 13374 s
    r = availability("--tenant", "acme", "--month", "2026-03", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    (svc,) = doc["services"]
    assert (svc["service"], svc["availability_percent"], svc["met"]) == ("portal", 99.8654, True)
    assert (svc["downtime_seconds"], svc["budget_seconds"]) == (3600, 13374)
    assert [o["counted_seconds"] for o in svc["outages"]] == [0, 3600]
    p2 = next(m for m in svc["maintenance"] if m["maintenance_id"] == "acme-p2")
    assert p2["broken"] == ["min_notice"] and p2["excluded"] == []
    assert doc["as_of"] == "2026-03-06T10:00:00+01:00"  # the file stops inside March


def test_inlenersbeloning_counts_only_its_window() -> None:
    # initech: down Thu 12 Mar 17:00 → Fri 09:00 = 17:00–17:30 + 08:30–09:00 = 1 h of 198 h
    r = availability("--tenant", "initech", "--month", "2026-03", "--json")
    (svc,) = json.loads(r.output)["services"]
    assert (svc["downtime_seconds"], svc["measured_seconds"]) == (3600, 198 * 3600)
    assert svc["outages"][0]["note"] == "partly outside the measured hours"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--tenant", "globex", "--month", "2026-03"), 3, "policy 1do of tenant globex has no"),
        (("--tenant", "nobody", "--month", "2026-03"), 2, "nobody"),
        (("--tenant", "acme", "--month", "March"), 2, "write YYYY-MM"),
        (("--tenant", "acme", "--month", "2026-13"), 2, "month 13 does not exist"),
        (("--tenant", "acme", "--month", "2026-03", "--service", "mail"), 3, "service 'mail'"),
    ],
)
def test_bad_input_exits_with_a_message(args, code, message) -> None:
    r = availability(*args)
    assert r.exit_code == code
    assert message in r.output


def test_replay_evaluates_monitoring_events() -> None:
    r = cli("replay", EVENTS, "--tenants", TENANTS, "--until", "2026-04-01T00:00:00+02:00")
    assert r.exit_code == 0
    signals = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    sigs = [s for s in signals if "event_id" in s and "type" in s]

    def at(s: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(s["at"]).astimezone(AMS)

    # hooli breaches on Thu 19 Mar: 1.5 h counted by then, 2.972 − 1.5 = 1.472 h =
    # 1 h 28 m 19.2 s after 10:00 (+1 µs: strictly over the budget)
    (b,) = [s for s in sigs if s["type"] == "availability.breach"]
    assert (b["tenant"], at(b)) == ("hooli", datetime(2026, 3, 19, 11, 28, 19, 200001, tzinfo=AMS))
    reports = {s["tenant"]: s for s in sigs if s["type"] == "availability.report"}
    assert sorted(reports) == ["acme", "hooli", "initech", "umbrella"]
    assert {t: r["met"] for t, r in reports.items()} == {
        "acme": True,
        "hooli": False,
        "initech": True,
        "umbrella": True,  # the third-party network outage is excluded
    }
    # backups: initech's last at Tue 3 Mar 01:28, umbrella's at 02:03 → missed 24 h later
    missed = {
        s["tenant"]: datetime.fromisoformat(s["deadline"]).astimezone(AMS)
        for s in sigs
        if s["type"] == "heartbeat.missed"
    }
    assert missed == {
        "initech": datetime(2026, 3, 4, 1, 28, tzinfo=AMS),
        "umbrella": datetime(2026, 3, 4, 2, 3, tzinfo=AMS),
    }
    # globex (1do) measures no availability: a dead letter that says so
    assert "policy 1do has no availability target" in r.stderr
