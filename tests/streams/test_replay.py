"""``slawatch replay`` end to end on examples/events.jsonl + examples/tenants.yaml.

Expected signals are worked out by hand from docs/contracts.md (local time Europe/Amsterdam, CEST =
UTC+2 in April 2026). Tenants: acme = bokumo-ict with critical_after_hours, globex = 1do with
calamity_service, initech = inlenersbeloning, umbrella = covide business, hooli = smart-fms.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from models.errors import EventError
from streams.cli import _register, app

REPO = Path(__file__).resolve().parents[2]
EVENTS = "examples/events.jsonl"
TENANTS = "examples/tenants.yaml"
AMS = ZoneInfo("Europe/Amsterdam")

W, B, E, MET, MISSED = "sla.warning", "sla.breach", "sla.escalation", "sla.met", "sla.missed"


def d(*a: int) -> datetime:
    return datetime(*a, tzinfo=AMS)


# (tenant, ticket, type, clock, at, observed_at, threshold|tier|level), in output order
EXPECTED = [
    # globex 7781: 1do 1/A kritisch with calamity_service → calamity calendar 07:00–23:00, open
    # on Good Friday. Created Fri 3 Apr 08:15: 30 m → 08:45 (50 % 08:30, 75 % 08:37:30) and
    # escalation step service_manager at the breach.
    ("globex", "7781", W, "response", d(2026, 4, 3, 8, 30), d(2026, 4, 3, 8, 30), 0.5),
    ("globex", "7781", W, "response", d(2026, 4, 3, 8, 37, 30), d(2026, 4, 3, 8, 37, 30), 0.75),
    ("globex", "7781", B, "response", d(2026, 4, 3, 8, 45), d(2026, 4, 3, 8, 45), None),
    (
        "globex",
        "7781",
        E,
        "response",
        d(2026, 4, 3, 8, 45),
        d(2026, 4, 3, 8, 45),
        "service_manager",
    ),
    # acme INC-1: Bokumo single_user/laag created Thu 2 Apr 16:00; response 8 h: Thu 1 h, Good
    # Friday + weekend + Easter Monday closed, Tue 7 Apr 09:00 + 7 h → deadline 16:00;
    # responded Tue 09:30 → met.
    ("acme", "INC-1", MET, "response", d(2026, 4, 7, 9, 30), d(2026, 4, 7, 9, 30), None),
    # Waiting Tue 7 Apr 10:00 → Wed 8 Apr 10:00, then company_wide/hoog = kritiek, which with
    # critical_after_hours runs 24x7: resolution 2 h from Thu 2 Apr 16:00 → 18:00 (50 % 17:00,
    # 75 % 17:30 + second_line, breach + third_line 18:00), all revealed by the change at
    # Wed 8 Apr 10:00.
    ("acme", "INC-1", W, "resolution", d(2026, 4, 2, 17), d(2026, 4, 8, 10), 0.5),
    ("acme", "INC-1", W, "resolution", d(2026, 4, 2, 17, 30), d(2026, 4, 8, 10), 0.75),
    ("acme", "INC-1", E, "resolution", d(2026, 4, 2, 17, 30), d(2026, 4, 8, 10), "second_line"),
    ("acme", "INC-1", B, "resolution", d(2026, 4, 2, 18), d(2026, 4, 8, 10), None),
    ("acme", "INC-1", E, "resolution", d(2026, 4, 2, 18), d(2026, 4, 8, 10), "third_line"),
    # initech X-9: reported Wed 8 Apr 08:00, created Thu 9 Apr 10:00 (26 h > 24 h): breach due
    # Thu 08:00, fired at creation, then missed.
    ("initech", "X-9", B, "registration", d(2026, 4, 9, 8), d(2026, 4, 9, 10), None),
    ("initech", "X-9", MISSED, "registration", d(2026, 4, 9, 10), d(2026, 4, 9, 10), None),
    # hooli S-1: portal A (2 h) Thu 9 Apr 11:00: 11:00–12:30 = 1.5 h, 13:00 + 0.5 → 13:30
    # (50 % 12:00, 75 % 12:30); same_day escalation at Thursday's close 17:00. S-2 came by
    # email: no clocks.
    ("hooli", "S-1", W, "response", d(2026, 4, 9, 12), d(2026, 4, 9, 12), 0.5),
    ("hooli", "S-1", W, "response", d(2026, 4, 9, 12, 30), d(2026, 4, 9, 12, 30), 0.75),
    ("hooli", "S-1", B, "response", d(2026, 4, 9, 13, 30), d(2026, 4, 9, 13, 30), None),
    ("hooli", "S-1", E, "resolution", d(2026, 4, 9, 17), d(2026, 4, 9, 17), "expert"),
    # umbrella C-1: Covide urgent created Thu 9 Apr 18:00 (closed) → starts Fri 10 Apr 08:00.
    # Resolution: 50 % of 6 h → 11:00, soft 4 h → 12:00, 75 % → 12:30 (hard 14:00); business
    # response 8 h → 16:00 (50 % 12:00). Resolved 13:00: both met (resolve stops response too).
    ("umbrella", "C-1", W, "resolution", d(2026, 4, 10, 11), d(2026, 4, 10, 11), 0.5),
    ("umbrella", "C-1", W, "response", d(2026, 4, 10, 12), d(2026, 4, 10, 12), 0.5),
    ("umbrella", "C-1", W, "resolution", d(2026, 4, 10, 12), d(2026, 4, 10, 12), "soft"),
    ("umbrella", "C-1", W, "resolution", d(2026, 4, 10, 12, 30), d(2026, 4, 10, 12, 30), 0.75),
    ("umbrella", "C-1", MET, "response", d(2026, 4, 10, 13), d(2026, 4, 10, 13), None),
    ("umbrella", "C-1", MET, "resolution", d(2026, 4, 10, 13), d(2026, 4, 10, 13), None),
]

# (source, reason fragment, event_id): decoding failures in file order, then the engine's
# rejections in application order — both at Thu 9 Apr 11:00, so by tenant: acme before nobody
DEAD = [
    (f"{EVENTS}:11", "has no UTC offset", None),
    (f"{EVENTS}:12", "malformed JSON", None),
    (f"{EVENTS}:14", "no ticket.created was seen", "bad3"),
    (f"{EVENTS}:13", "unknown tenant 'nobody'", "bad2"),
]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def cli(*args: str) -> Any:
    _register()
    result = CliRunner().invoke(app, ["replay", *args], catch_exceptions=False)
    return result


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def brief(signals: list[dict[str, Any]]) -> list[tuple]:
    def t(k: str, s: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(s[k]).astimezone(AMS)

    return [
        (
            s["tenant"],
            s["ticket_id"],
            s["type"],
            s["clock"],
            t("at", s),
            t("observed_at", s),
            s.get("threshold", s.get("tier", s.get("level"))),
        )
        for s in signals
    ]


def summary_of(stderr: str) -> dict[str, Any]:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("summary: ")]
    assert len(lines) == 1, stderr
    return json.loads(lines[0].removeprefix("summary: "))


def test_replay_examples_signals_dead_letters_and_summary():
    r = cli(EVENTS, "--tenants", TENANTS)
    assert r.exit_code == 0, r.stderr
    signals = jsonl(r.stdout)
    assert brief(signals) == EXPECTED
    # deadlines of the breaches: the due instants themselves
    assert [datetime.fromisoformat(s["deadline"]) for s in signals if s["type"] == B] == [
        d(2026, 4, 3, 8, 45),
        d(2026, 4, 2, 18),
        d(2026, 4, 9, 8),
        d(2026, 4, 9, 13, 30),
    ]
    assert len({s["event_id"] for s in signals}) == len(signals)
    # stderr: the dead letters as JSON lines, then the summary
    err = r.stderr.splitlines()
    dead = [json.loads(ln) for ln in err if ln.startswith("{")]
    assert [(x["source"], x.get("event_id")) for x in dead] == [(s, e) for s, _, e in DEAD]
    for x, (_, reason, _) in zip(dead, DEAD, strict=True):
        assert reason in x["reason"]
        assert x["raw"]
    assert dead[1]["raw"] == "not json at all"
    assert summary_of(r.stderr) == {
        "events": 14,
        "ticket_events_applied": 11,
        "duplicates": 0,
        "monitoring_events": 0,
        "monitored_tenants": 0,
        "tickets": 6,
        "open_clocks": 4,  # acme resolution, globex response, hooli S-1 response + resolution
        "signals": {
            "sla.breach": 4,
            "sla.escalation": 4,
            "sla.met": 3,
            "sla.missed": 1,
            "sla.warning": 10,
        },
        "dead_letters": 4,
    }


def test_replay_out_and_dead_letters_files(tmp_path: Path):
    out, dl = tmp_path / "signals.jsonl", tmp_path / "dead.jsonl"
    r = cli(EVENTS, "--tenants", TENANTS, "--out", str(out), "--dead-letters", str(dl))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    assert r.stderr.strip().startswith("summary: ")  # nothing else on stderr
    assert brief(jsonl(out.read_text())) == EXPECTED
    assert [x["source"] for x in jsonl(dl.read_text())] == [s for s, _, _ in DEAD]


def _lines(*events: dict[str, Any]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def test_replay_until_fires_the_timers_due_by_then(tmp_path: Path):
    # acme (Bokumo + critical_after_hours) single_user/laag created Mon 2 Mar 2026 09:00 and
    # nothing else: without --until time stops at the last event (no signal); --until Mon
    # 15:00 fires response 50 % (4 h → 13:00) and 75 % (6 h → 15:00, "up to and including");
    # --until Mon 17:00 adds the response breach (8 h → 17:00).
    f = tmp_path / "ev.jsonl"
    f.write_text(
        _lines(
            {
                "event_id": "x1",
                "type": "ticket.created",
                "tenant": "acme",
                "ticket_id": "T1",
                "at": "2026-03-02T09:00:00+01:00",
                "impact": "single_user",
                "urgency": "laag",
            }
        )
    )
    r = cli(str(f), "--tenants", TENANTS)
    assert r.exit_code == 0 and r.stdout == ""
    r = cli(str(f), "--tenants", TENANTS, "--until", "2026-03-02T15:00:00+01:00")
    assert [(s["type"], s.get("threshold")) for s in jsonl(r.stdout)] == [(W, 0.5), (W, 0.75)]
    r = cli(str(f), "--tenants", TENANTS, "--until", "2026-03-02T16:00:00Z")  # = 17:00 CET
    assert [
        (s["type"], datetime.fromisoformat(s["at"]).astimezone(AMS)) for s in jsonl(r.stdout)
    ] == [(W, d(2026, 3, 2, 13)), (W, d(2026, 3, 2, 15)), (B, d(2026, 3, 2, 17))]
    assert summary_of(r.stderr)["open_clocks"] == 2


def test_replay_until_needs_an_offset():
    _register()
    r = CliRunner().invoke(
        app, ["replay", EVENTS, "--tenants", TENANTS, "--until", "2026-03-02T15:00:00"]
    )
    assert r.exit_code == 2
    assert "offset" in r.stderr


def test_replay_duplicates_are_counted_not_dead_lettered(tmp_path: Path):
    lines = (REPO / EVENTS).read_text().splitlines(keepends=True)
    f = tmp_path / "dup.jsonl"
    f.write_text("".join([*lines, lines[2]]))  # a3 again (acme waiting_for_customer)
    r = cli(str(f), "--tenants", TENANTS)
    summary = summary_of(r.stderr)
    assert summary["duplicates"] == 1 and summary["dead_letters"] == 4
    assert brief(jsonl(r.stdout)) == EXPECTED


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_replay_file_order_does_not_matter(tmp_path: Path, seed: int):
    lines = (REPO / EVENTS).read_text().splitlines(keepends=True)
    random.Random(seed).shuffle(lines)
    f = tmp_path / "shuffled.jsonl"
    f.write_text("".join(lines))
    r = cli(str(f), "--tenants", TENANTS)
    assert r.exit_code == 0, r.stderr
    baseline = jsonl(cli(EVENTS, "--tenants", TENANTS).stdout)
    assert jsonl(r.stdout) == baseline
    assert summary_of(r.stderr)["dead_letters"] == 4


def test_replay_through_the_real_entry_point():
    # python -m streams: the installed command line, in a fresh interpreter
    p = subprocess.run(
        [sys.executable, "-m", "streams", "replay", EVENTS, "--tenants", TENANTS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert brief(jsonl(p.stdout)) == EXPECTED
    assert summary_of(p.stderr)["dead_letters"] == 4


def test_replay_simultaneous_events_of_different_tickets_in_any_file_order(tmp_path: Path):
    # two acme tickets (Bokumo single_user/laag) created Mon 2 Mar 2026 09:00 and resolved at
    # 10:00, at the same instants: whatever the file order, the same four verdicts (response
    # 8 h and resolution 40 h not reached: met). Their order follows the file order of the
    # simultaneous events (replay breaks ties by line), so compare them as a set.
    evs = [
        {"type": "ticket.created", "ticket_id": "A", "at": "2026-03-02T09:00:00+01:00"},
        {"type": "ticket.created", "ticket_id": "B", "at": "2026-03-02T09:00:00+01:00"},
        {"type": "ticket.resolved", "ticket_id": "A", "at": "2026-03-02T10:00:00+01:00"},
        {"type": "ticket.resolved", "ticket_id": "B", "at": "2026-03-02T10:00:00+01:00"},
    ]
    for i, e in enumerate(evs):
        e.update(event_id=f"x{i}", tenant="acme")
        if e["type"] == "ticket.created":
            e.update(impact="single_user", urgency="laag")
    runs = []
    for order in ([0, 1, 2, 3], [1, 0, 3, 2], [1, 0, 2, 3]):
        f = tmp_path / f"ties{order}.jsonl"
        f.write_text(_lines(*(evs[i] for i in order)))
        r = cli(str(f), "--tenants", TENANTS)
        assert r.exit_code == 0, r.stderr
        runs.append(sorted(json.dumps(s, sort_keys=True) for s in jsonl(r.stdout)))
    assert runs[0] == runs[1] == runs[2]
    assert sorted((s["ticket_id"], s["clock"], s["type"]) for s in map(json.loads, runs[0])) == [
        ("A", "resolution", MET),
        ("A", "response", MET),
        ("B", "resolution", MET),
        ("B", "response", MET),
    ]


def test_a_replay_leaves_no_cyclic_garbage_so_it_runs_with_the_collector_off():
    """``replay`` turns CPython's cyclic collector off for its duration (a replay builds
    hundreds of thousands of long-lived objects the collector would walk again and again).
    That is only sound while a replay creates no reference cycles: every ticket of the
    generated bench stream (all five policies, pauses, priority changes, reopen), monitoring
    events and dead letters of every kind, then nothing left for the collector to find. It
    also gives the collector back as it found it."""
    import gc

    from bench.gen_events import generate, jsonl, monitoring_events, tenants_document
    from models.contracts import load_policies, tenants_from_data
    from streams.replay import replay

    doc = tenants_document(10)
    registry = tenants_from_data(doc, load_policies())
    lines = list(jsonl(generate(300, seed=3, tenants=doc)))
    lines += list(jsonl(monitoring_events(doc, seed=3, days=20)))
    lines += [b"not json\n", b'{"type": "ticket.created"}\n', b"[1, 2]\n"]
    lines += [ln.replace(b"+01:00", b"") for ln in lines[:50]]  # naive timestamps
    lines += lines[100:150]  # duplicates
    gc.collect()
    assert gc.isenabled()
    result = replay(lines, registry)
    assert gc.isenabled()
    assert len(result.dead_letters) >= 50 and result.signals
    del result
    assert gc.collect() == 0
    gc.disable()
    try:
        replay(lines[:100], registry)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_line_that_is_not_valid_utf8_is_read_with_replacement_characters():
    from models.contracts import load_policies, load_tenants
    from streams.replay import replay

    registry = load_tenants(REPO / TENANTS, load_policies())
    good = (
        b'{"event_id":"u-1","type":"ticket.created","tenant":"acme","ticket_id":"U-1",'
        b'"at":"2026-04-07T09:00:00+02:00","priority":"laag","attributes":{"note":"caf\xe9"}}\n'
    )
    bad = b'{"event_id":"u-2","type":"ticket.created","tenant":"acme","at":"\xe9"}\n'
    result = replay([good, bad], registry, source="f")
    assert result.engine.tickets["acme:U-1"].facts["attributes"] == {"note": "caf\ufffd"}
    [dl] = result.dead_letters
    assert dl.source == "f:2" and "\ufffd" in dl.raw and "'at'" in dl.reason


def test_a_held_ticket_event_carries_every_field_of_the_ticket_event():
    # the replay holds ticket events in this compact form; the engine reads any of their
    # fields, so a field added to TicketEvent must be held too
    from models.events import TicketEvent, parse_event
    from streams.replay_input import HeldTicketEvent

    event = parse_event(
        {
            "event_id": "h-1",
            "type": "ticket.updated",
            "tenant": "acme",
            "ticket_id": "H-1",
            "at": "2026-04-07T09:00:00+02:00",
            "kind": "service_request",
            "channel": "phone",
            "impact": "single_user",
            "urgency": "laag",
            "status": "waiting_for_customer",
            "reported_at": "2026-04-07T08:00:00+02:00",
            "attributes": {"cvss": 9.8},
        }
    )
    # (a valid event never has a priority beside impact/urgency: set it past validation)
    event = event.model_copy(update={"priority": "hoog"})
    held = HeldTicketEvent(event)
    for name in TicketEvent.model_fields:
        assert getattr(held, name) == getattr(event, name), name
    assert held.model_fields_set == event.model_fields_set


# -- replay at scale: streamed, external merge sort, compact closed tickets (issue 16) -------------


def _scale_inputs(tmp_path: Path) -> tuple[Any, dict[str, list[bytes]]]:
    """A registry and event files: the generated stream in time order (tickets and
    monitoring), the same shuffled, and one in order but for a few late lines, with bad
    lines, blank lines and duplicates."""
    from bench.gen_events import generate, jsonl, monitoring_events, tenants_document
    from models.contracts import load_policies, tenants_from_data

    doc = tenants_document(12, seed=4)
    registry = tenants_from_data(doc, load_policies())
    events = generate(400, seed=4, tenants=doc) + monitoring_events(doc, seed=4, days=30)
    events.sort(key=lambda e: datetime.fromisoformat(e["at"]))  # stable: ties keep file order
    ordered = list(jsonl(events))
    shuffled = ordered[:]
    random.Random(5).shuffle(shuffled)
    late = ordered[:]
    late.insert(len(late) // 2, ordered[10])  # a duplicate, late
    late.insert(200, b"not json\n")
    late.insert(300, b"   \n")
    late.append(b'{"type": "ticket.created"}\n')
    late.insert(len(late) - 5, ordered[len(ordered) // 3])  # another late one
    return registry, {"ordered": ordered, "shuffled": shuffled, "late": late}


def _file_replay(path: Path, registry: Any, order: str, **kw: Any) -> tuple[bytes, bytes, Any]:
    import io

    from streams.replay import JsonLinesSink, replay_file

    out = io.BytesIO()
    sink = JsonLinesSink(out)
    result = replay_file(path, registry, sink, order=order, **kw)
    dead = io.BytesIO()
    sink.write_dead_letters(dead)
    sink.close()
    return out.getvalue(), dead.getvalue(), result


def _as_bytes(result: Any) -> tuple[bytes, bytes]:
    import orjson

    sig = b"".join(orjson.dumps(s.to_dict()) + b"\n" for s in result.signals)
    dead = b"".join(orjson.dumps(d.to_dict()) + b"\n" for d in result.dead_letters)
    return sig, dead


@pytest.mark.parametrize("name", ["ordered", "shuffled", "late"])
def test_streamed_and_externally_sorted_replays_write_what_the_in_memory_replay_gives(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte for byte, whichever way the events are put in order: held and sorted (the
    reference), streamed (a file in time order), sorted on disk in several runs (any file),
    and the automatic choice (stream, and on the first line out of order start again with
    the external sort); the summary too, with closed tickets kept out of the engine."""
    import streams.replay as rp

    registry, files = _scale_inputs(tmp_path)
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(b"".join(files[name]))
    want = rp.replay(files[name], registry, source=str(path))
    want_sig, want_dead = _as_bytes(want)
    assert want_sig.count(b"\n") > 300
    assert {s.type.split(".")[0] for s in want.signals} == {"sla", "availability", "heartbeat"}
    monkeypatch.setattr(rp, "RUN_LINES", 700)  # several runs to merge
    for order in ("external", "auto", *(["stream"] if name == "ordered" else [])):
        sig, dead, result = _file_replay(path, registry, order)
        assert (sig, dead) == (want_sig, want_dead), order
        assert result.summary() == want.summary(), order
        assert result.closed_tickets > 100  # out of the engine, still counted
        expected = {"external": "external", "stream": "stream"}
        expected["auto"] = "stream" if name == "ordered" else "external"
        assert result.order == expected[order]
    if name != "ordered":
        with pytest.raises(EventError, match="not in time order"):
            _file_replay(path, registry, "stream")


def test_a_duplicate_and_a_late_update_of_a_closed_ticket_are_answered_as_before(
    tmp_path: Path,
) -> None:
    """Closed tickets leave the engine for a compact record; an event for one puts it back
    for the engine to answer: a copy of an applied event is a duplicate, another event a
    dead letter saying the ticket is closed, a second creation one saying when it was
    created. ``--explain`` keys stay whole."""
    from models.contracts import load_tenants

    registry = load_tenants(REPO / TENANTS, load_policies_())
    created = {"event_id": "c1", "type": "ticket.created", "tenant": "acme",
               "ticket_id": "Z-1", "at": "2026-04-07T09:00:00+02:00",
               "impact": "single_user", "urgency": "laag"}  # fmt: skip
    closed = {**created, "event_id": "c2", "type": "ticket.closed",
              "at": "2026-04-07T10:00:00+02:00"}  # fmt: skip
    later = [
        {**created, "at": "2026-04-07T11:00:00+02:00"},  # a copy of the creation: duplicate
        {**created, "event_id": "c3", "at": "2026-04-07T11:30:00+02:00"},  # created again
        {
            **created,
            "event_id": "c4",
            "type": "ticket.updated",
            "at": "2026-04-07T12:00:00+02:00",
            "status": "in_progress",
        },
    ]
    lines = [json.dumps(e).encode() + b"\n" for e in [created, closed, *later]]
    path = tmp_path / "closed.jsonl"
    path.write_bytes(b"".join(lines))
    from streams.replay import replay

    want = _as_bytes(replay(lines, registry, source=str(path)))
    sig, dead, result = _file_replay(path, registry, "auto")
    assert (sig, dead) == want
    assert result.closed_tickets == 1 and "acme:Z-1" not in result.engine.tickets
    assert result.summary()["duplicates"] == 1 and result.summary()["tickets"] == 1
    reasons = [json.loads(x)["reason"] for x in dead.splitlines()]
    assert "already exists (created 2026-04-07T07:00:00+00:00)" in reasons[0]
    assert "which is already closed" in reasons[1]
    _, _, kept = _file_replay(path, registry, "auto", keep=["acme:Z-1"])
    assert kept.closed_tickets == 0 and kept.engine.tickets["acme:Z-1"].clocks


def load_policies_() -> Any:
    from models.contracts import load_policies

    return load_policies()


def test_replay_cli_on_a_file_out_of_order_to_a_pipe_and_to_a_file(tmp_path: Path) -> None:
    """``slawatch replay`` through the real entry point: to a pipe (not seekable: the output
    is held until the sorted replay is done) and to a file, the same bytes as the in-memory
    replay; no progress display when stderr is not a terminal."""
    registry, files = _scale_inputs(tmp_path)
    from bench.gen_events import tenants_document

    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(json.dumps(tenants_document(12, seed=4)))
    path = tmp_path / "late.jsonl"
    path.write_bytes(b"".join(files["late"]))
    from streams.replay import replay

    want_sig, want_dead = _as_bytes(replay(files["late"], registry, source=str(path)))
    argv = [sys.executable, "-m", "streams", "replay", str(path), "--tenants", str(tenants)]
    piped = subprocess.run(argv, capture_output=True, cwd=REPO, timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == want_sig
    assert piped.stderr.startswith(want_dead)
    assert piped.stderr[len(want_dead) :].startswith(b"summary: ")  # nothing else: no bar
    out = tmp_path / "signals.jsonl"
    to_file = subprocess.run(
        [*argv, "--out", str(out), "--dead-letters", str(tmp_path / "dead.jsonl")],
        capture_output=True, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    assert to_file.returncode == 0, to_file.stderr
    assert out.read_bytes() == want_sig
    assert (tmp_path / "dead.jsonl").read_bytes() == want_dead


def test_the_progress_display_follows_reading_then_sorting() -> None:
    """What the terminal shows: bytes read while streaming, then (file out of order) the
    events applied of the known total once sorted."""
    from streams.cli.replay_cmd import ReplayDisplay
    from streams.replay import ReplayProgress

    display = ReplayDisplay(1000)
    task = display.bar.tasks[0]
    display(ReplayProgress("reading", lines=10, bytes=400, applied=9))
    assert (task.completed, task.total, task.description) == (400, 1000, "replaying")
    display(ReplayProgress("reading", restarted=True))
    display(ReplayProgress("reading", lines=20, bytes=500))
    assert task.description.startswith("reading to sort") and task.completed == 500
    display(ReplayProgress("merging", lines=40, bytes=1000, applied=12, total=30))
    assert (task.completed, task.total, task.description) == (12, 30, "applying (sorted)")
    assert "12 events applied" in task.fields["stats"]
    display.close()
