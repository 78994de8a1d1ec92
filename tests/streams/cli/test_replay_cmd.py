"""``slawatch replay``: ``--explain`` as applied, the maximum event size of the live path,
``--policies`` next to the bundled ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
import yaml
from typer.testing import CliRunner

from models.contracts import default_policy_dir
from streams.cli import _register, app

_register()
REPO = Path(__file__).resolve().parents[3]
EVENTS = str(REPO / "examples" / "events.jsonl")
TENANTS = str(REPO / "examples" / "tenants.yaml")
NEXT_DAY = "2026-03-03T09:00:00+01:00"  # (the events below are of 2026-03-02 09:00)


def replay(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["replay", *args], env=env, catch_exceptions=False)


def signals(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def dead_letters(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


# -- --explain --------------------------------------------------------------------------------


def test_explain_shows_a_stopped_clock_under_the_plan_it_stopped_under() -> None:
    # acme:INC-1 (examples/events.jsonl): created Thu 2 Apr 16:00 single_user/laag, responded
    # Tue 7 Apr 09:30, raised to company_wide/hoog (kritiek) on Wed 8 Apr. The response clock
    # stopped under laag: 8 h on the office calendar (Mon–Fri 09–17, NL holidays): Thu 16–17
    # (1 h), Good Friday, the weekend and Easter Monday closed, Tue 09:00 + 7 h = 16:00.
    r = replay(
        EVENTS,
        "--tenants",
        TENANTS,
        "--until",
        "2026-04-20T00:00:00+02:00",
        "--explain",
        "acme:INC-1",
    )
    assert r.exit_code == 0, r.output
    text = r.stderr[r.stderr.index("ticket acme:INC-1") : r.stderr.index("summary:")]
    response = text[text.index("  clock response") : text.index("  clock resolution")]
    assert response.splitlines()[0] == (
        "  clock response: priority laag (cell single_user/laag), calendar office, hard 8h"
    )
    assert "    stopped 2026-04-07T09:30:00+02:00\n" in response
    assert "    counted: 1h30m (as of 2026-04-07T09:30:00+02:00)\n" in response
    assert (
        "    deadline: 2026-04-07T16:00:00+02:00 — stopped 2026-04-07T09:30:00+02:00, met\n"
    ) in response
    assert "its verdict stands, under the plan above" in response
    # the same deadline as the verdict the replay emitted for that clock
    met = next(
        s
        for s in signals(r.stdout)
        if (s["ticket_id"], s["clock"], s["type"]) == ("INC-1", "response", "sla.met")
    )
    assert (met["priority"], met["cell"], met["deadline"]) == (
        "laag",
        "single_user/laag",
        "2026-04-07T14:00:00+00:00",
    )
    # the running resolution clock runs under the current plan (kritiek, 2 h on 24x7)
    assert (
        "  clock resolution: priority kritiek (cell company_wide/hoog), calendar always, hard 2h"
        in text
    )


def test_explain_has_no_python_values() -> None:
    r = replay(
        EVENTS,
        "--tenants",
        TENANTS,
        "--until",
        "2026-04-20T00:00:00+02:00",
        "--explain",
        "acme:INC-1",
        "--explain",
        "hooli:S-1",
    )
    text = r.stderr[r.stderr.index("ticket acme:INC-1") : r.stderr.index("summary:")]
    for python in ("None", "{", "}", "True", " day, ", "{'", "': "):
        assert python not in text, python
    assert re.search(r"\(\d+:\d\d:\d\d", text) is None  # a timedelta's str, "(8:00:00"
    assert "options critical_after_hours=true" in text
    assert "facts: kind incident, impact company_wide, urgency hoog" in text
    assert "2026-04-02T16:00:00+02:00 (no status)" in text


# -- the maximum event size -----------------------------------------------------------------------


def test_a_line_over_the_limit_is_a_dead_letter_with_the_live_paths_reason(
    tmp_path: Path,
) -> None:
    from streams.runtime.partition import route_key

    small = {
        "event_id": "s",
        "type": "ticket.created",
        "tenant": "acme",
        "ticket_id": "T-1",
        "at": "2026-03-02T09:00:00+01:00",
        "impact": "single_user",
        "urgency": "laag",
    }
    big = dict(small, event_id="b", ticket_id="T-2", attributes={"note": "x" * 400})
    lines = [orjson.dumps(small), orjson.dumps(big)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    expected = str(route_key(lines[1], 300)[1])  # the live runtime's reason for that record
    assert expected == f"record of {len(lines[1])} bytes exceeds the limit of 300 bytes " + (
        "(SLAWATCH_MAX_EVENT_BYTES)"
    )
    for args, env in (
        (["--max-event-bytes", "300"], None),
        ([], {"SLAWATCH_MAX_EVENT_BYTES": "300"}),  # the setting, as a worker reads it
    ):
        r = replay(str(path), "--tenants", TENANTS, "--until", NEXT_DAY, *args, env=env)
        assert r.exit_code == 0, r.output
        dls = dead_letters(r.stderr)
        assert [(d["reason"], d["source"]) for d in dls] == [(expected, f"{path}:2")]
        assert {s["ticket_id"] for s in signals(r.stdout)} == {"T-1"}
    # the default (65536 bytes) takes both
    r = replay(str(path), "--tenants", TENANTS)
    assert dead_letters(r.stderr) == []


def test_inconsistent_events_are_dead_letters_in_a_replay(tmp_path: Path) -> None:
    base = {"type": "ticket.created", "tenant": "acme", "at": "2026-03-02T09:00:00+01:00"}
    lines = [
        dict(
            base,
            event_id="p",
            ticket_id="P-1",
            priority="kritiek",
            impact="single_user",
            urgency="laag",
        ),
        dict(
            base,
            event_id="r",
            ticket_id="R-1",
            impact="single_user",
            urgency="laag",
            reported_at="2026-03-02T10:00:00+01:00",
        ),
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    r = replay(str(path), "--tenants", TENANTS)
    reasons = [d["reason"] for d in dead_letters(r.stderr)]
    assert reasons == [
        "ticket.created (event p): 'priority' and 'impact' both given: send either a priority "
        "level or impact with urgency, not both",
        "ticket.created (event r): 'reported_at' 2026-03-02T10:00:00+01:00 is after 'at' "
        "2026-03-02T09:00:00+01:00: a ticket is reported before (or when) it is registered; "
        "check the ITSM mapping",
    ]


# -- --policies -----------------------------------------------------------------------------------


@pytest.fixture
def own_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tenant's own policy (a copy of covide under another id) in its own directory, and a
    tenants file with one tenant on it and one on a seed policy."""
    monkeypatch.delenv("SLAWATCH_POLICIES_DIR", raising=False)
    doc = yaml.safe_load((default_policy_dir() / "covide.yaml").read_text())
    doc.update(id="acme-own", version="1")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "acme-own.yaml").write_text(yaml.safe_dump(doc))
    (tmp_path / "tenants.yaml").write_text(
        yaml.safe_dump(
            {
                "tenants": {
                    "acme": {"policy": "acme-own", "options": {"subscription": "basic"}},
                    "shop": {"policy": "covide", "options": {"subscription": "basic"}},
                }
            }
        )
    )
    return tmp_path


def test_policies_adds_a_tenants_own_policy_to_the_bundled_ones(own_policy: Path) -> None:
    events = own_policy / "events.jsonl"
    events.write_text(
        "".join(
            json.dumps(
                {
                    "event_id": t,
                    "type": "ticket.created",
                    "tenant": t,
                    "ticket_id": "1",
                    "at": "2026-03-02T09:00:00+01:00",
                    "priority": "urgent",
                }
            )
            + "\n"
            for t in ("acme", "shop")
        )
    )
    tenants = str(own_policy / "tenants.yaml")
    own = str(own_policy / "policies")
    r = replay(str(events), "--tenants", tenants, "--policies", own, "--until", NEXT_DAY)
    assert r.exit_code == 0, r.output
    assert {(s["tenant"], s["policy"]) for s in signals(r.stdout)} == {
        ("acme", "acme-own"),
        ("shop", "covide"),
    }
    # without the directory the tenant's policy is unknown; with --replace-policies the seed
    # policy is
    r = CliRunner().invoke(app, ["replay", str(events), "--tenants", tenants])
    assert r.exit_code == 2 and "unknown policy 'acme-own'" in r.stderr
    r = CliRunner().invoke(
        app,
        [
            "replay",
            str(events),
            "--tenants",
            tenants,
            "--replace-policies",
            "--policies",
            str(own_policy / "policies"),
        ],
    )
    assert r.exit_code == 2 and "unknown policy 'covide'; loaded policies: acme-own" in r.stderr
