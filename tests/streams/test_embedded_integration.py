"""Faust on the embedded broker: a throwaway app (agent + Table + output topic).

The worker runs as a real ``faust worker`` subprocess against the session's Tansu broker,
with the settings the runtime needs there (short session timeout, end-offsets fix). What the
tests show:

* round trip: input topic → agent → Table → output topic, every event counted once;
* recovery: after SIGKILL, a restarted worker restores the *whole* table from its changelog
  (Tansu's ListOffsets quirk would drop the last changelog batch without
  :func:`streams.runtime.faust_compat.install_end_offsets_fix`; see docs/runtime-notes.md).
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from streams.cli.broker_cmd import tail_records
from streams.embedded import EMBEDDED_SESSION_TIMEOUT
from tests.build_check import package_root
from tests.streams.workers import Worker

pytestmark = [pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
#: where the workers import slawatch from: the same copy as the tests (tests/build_check.py)
SLAWATCH = str(package_root())
KEYS = 20

APP_SOURCE = '''
"""Throwaway Faust app for the integration tests (written to a temp dir by the test)."""
import json
import os

import faust

from streams.runtime.faust_compat import (
    install_commit_on_revoke_fix,
    install_end_offsets_fix,
    install_recovery_fix,
)

if os.environ.get("END_OFFSETS_FIX", "1") == "1":
    install_end_offsets_fix()
if os.environ.get("RECOVERY_FIX", "1") == "1":
    install_recovery_fix()
if os.environ.get("COMMIT_ON_REVOKE_FIX", "1") == "1":
    install_commit_on_revoke_fix()

SESSION = float(os.environ["SESSION_TIMEOUT"])
app = faust.App(
    os.environ["APP_ID"],
    broker=os.environ["BROKER"],
    store="memory://",
    broker_session_timeout=SESSION,
    broker_heartbeat_interval=SESSION / 3,
    web_enabled=False,
    datadir=os.environ["DATADIR"],
    topic_partitions=2,
    topic_replication_factor=1,
)
raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
source = app.topic(os.environ["IN_TOPIC"], **raw)
output = app.topic(os.environ["OUT_TOPIC"], **raw)
counts = app.Table("counts", default=int, key_type=bytes, value_type=int)


@app.agent(source)
async def count(stream):
    async for event in stream.events():
        key = event.key
        counts[key] += 1
        out = {
            "key": key.decode(),
            "n": counts[key],
            "src": [event.message.partition, event.message.offset],
            "pid": os.getpid(),
        }
        await output.send(key=key, value=json.dumps(out).encode())


if __name__ == "__main__":
    app.main()
'''


@pytest.fixture
def faust_app(kafka, tmp_path: Path) -> Iterator[dict]:
    """A fresh app id and topics; yields a factory for workers, kills them all at the end."""
    app_id = f"it-{uuid.uuid4().hex[:8]}"
    in_topic, out_topic = f"{app_id}-in", f"{app_id}-out"
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        admin.create_topics([NewTopic(in_topic, 2, 1), NewTopic(out_topic, 2, 1)])
    finally:
        admin.close()
    app_path = tmp_path / "throwaway_app.py"
    app_path.write_text(APP_SOURCE)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([SLAWATCH, os.environ.get("PYTHONPATH", "")]),
        APP_ID=app_id,
        BROKER=kafka.url,
        SESSION_TIMEOUT=str(EMBEDDED_SESSION_TIMEOUT),
        DATADIR=str(tmp_path / "data"),
        IN_TOPIC=in_topic,
        OUT_TOPIC=out_topic,
    )
    workers: list[Worker] = []

    def new_worker(**extra_env: str) -> Worker:
        argv = [
            sys.executable,
            str(app_path),
            "worker",
            "--without-web",  # the CLI overrides web_enabled=False (6066 clash)
            "-l",
            env.get("TEST_FAUST_LOGLEVEL", "warn"),
        ]
        log = tmp_path / f"worker{len(workers)}.log"
        worker = Worker(argv, {**env, **extra_env}, log, cwd=app_path.parent)
        workers.append(worker)
        return worker.start()

    try:
        yield {"id": app_id, "in": in_topic, "out": out_topic, "worker": new_worker}
    finally:
        for worker in workers:
            worker.kill()


def _produce(bootstrap: str, topic: str, n: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    try:
        for i in range(n):
            producer.send(topic, key=f"k{i % KEYS}".encode(), value=b"x")
        producer.flush()
    finally:
        producer.close()


def _read_outputs(
    bootstrap: str,
    topic: str,
    done: Callable[[list[dict]], bool],
    timeout: float,
    worker: Worker,
) -> list[dict]:
    """Output values from the beginning of ``topic`` until ``done(values)`` holds."""
    got: list[dict] = []
    for rec in tail_records([topic], bootstrap, from_beginning=True, idle_timeout=timeout):
        got.append(rec["value"])
        if done(got):
            return got
    raise AssertionError(f"only {len(got)} outputs; worker log:\n{worker.log_tail()}")


def _wait_committed(bootstrap: str, group: str, topic: str, expected: int) -> None:
    """Until the group's committed offsets on ``topic`` add up to ``expected``."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        deadline = time.monotonic() + 30
        total = -1
        while time.monotonic() < deadline:
            offsets = admin.list_group_offsets(group).get(group, {})
            total = sum(om.offset for tp, om in offsets.items() if tp.topic == topic)
            if total >= expected:
                return
            time.sleep(0.3)
        raise AssertionError(f"group {group} committed {total} of {expected} offsets")
    finally:
        admin.close()


def test_faust_agent_table_round_trip(kafka, faust_app) -> None:
    _produce(kafka.bootstrap, faust_app["in"], 200)
    started = time.monotonic()
    worker = faust_app["worker"]()
    outputs = _read_outputs(kafka.bootstrap, faust_app["out"], lambda g: len(g) >= 200, 45, worker)
    elapsed = time.monotonic() - started
    assert len(outputs) == 200
    # (tail stops at 200; a duplicate would show up as a repeated n below)
    by_key: dict[str, list[int]] = defaultdict(list)
    for out in outputs:
        by_key[out["key"]].append(out["n"])
    assert len(by_key) == KEYS
    assert all(sorted(ns) == list(range(1, 11)) for ns in by_key.values()), by_key
    # join after ~half the session timeout, not Faust's default 60 s / 2
    assert elapsed < 30, f"first outputs after {elapsed:.1f} s"


def _wait_processing(bootstrap: str, app: dict, worker: Worker, timeout: float = 60) -> None:
    """Send ``probe`` events until one comes out of ``worker`` (it is then past recovery)."""
    assert worker.proc is not None
    deadline = time.monotonic() + timeout
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        while time.monotonic() < deadline:
            producer.send(app["in"], key=b"probe", value=b"x")
            producer.flush()
            for rec in tail_records([app["out"]], bootstrap, from_beginning=True, idle_timeout=1):
                if rec["value"]["pid"] == worker.proc.pid:
                    return
    finally:
        producer.close()
    raise AssertionError(f"worker not processing after {timeout} s:\n{worker.log_tail()}")


def test_faust_table_survives_sigkill(kafka, faust_app) -> None:
    """Restarted after SIGKILL, the worker continues every key's count from the full
    changelog (10 → 11), i.e. no table update of the last changelog batch is lost.

    The new events are sent once the restarted worker processes again, so this isolates
    the changelog recovery (end-offsets fix); the next test restarts with input waiting.
    """
    _produce(kafka.bootstrap, faust_app["in"], 200)
    first = faust_app["worker"]()
    _read_outputs(kafka.bootstrap, faust_app["out"], lambda g: len(g) >= 200, 45, first)
    _wait_committed(kafka.bootstrap, faust_app["id"], faust_app["in"], 200)
    first.kill(signal.SIGKILL)

    second = faust_app["worker"]()
    assert second.proc is not None
    pid = second.proc.pid
    _wait_processing(kafka.bootstrap, faust_app, second)
    _produce(kafka.bootstrap, faust_app["in"], KEYS)  # one more event per key

    def all_keys_again(got: list[dict]) -> bool:
        return len({o["key"] for o in got if o["pid"] == pid and o["key"] != "probe"}) == KEYS

    outputs = _read_outputs(kafka.bootstrap, faust_app["out"], all_keys_again, 60, second)
    first_n_after_restart: dict[str, int] = {}
    for out in outputs:
        if out["pid"] == pid and out["key"] != "probe":
            first_n_after_restart.setdefault(out["key"], out["n"])
    assert first_n_after_restart == {f"k{i}": 11 for i in range(KEYS)}, second.log_tail()


def test_faust_restart_with_waiting_input_processes_each_event_once(kafka, faust_app) -> None:
    """SIGKILL, then new events arrive *before* the restart: every one is processed exactly
    once on top of the fully recovered table (faust-streaming skipped or repeated such
    events without ``install_recovery_fix``; docs/runtime-notes.md)."""
    _produce(kafka.bootstrap, faust_app["in"], 200)
    first = faust_app["worker"]()
    _read_outputs(kafka.bootstrap, faust_app["out"], lambda g: len(g) >= 200, 45, first)
    _wait_committed(kafka.bootstrap, faust_app["id"], faust_app["in"], 200)
    first.kill(signal.SIGKILL)

    _produce(kafka.bootstrap, faust_app["in"], KEYS)  # waiting when the worker recovers
    second = faust_app["worker"]()
    assert second.proc is not None
    pid = second.proc.pid

    def all_keys_again(got: list[dict]) -> bool:
        return len({o["key"] for o in got if o["pid"] == pid}) == KEYS

    _read_outputs(kafka.bootstrap, faust_app["out"], all_keys_again, 60, second)
    time.sleep(3)  # room for duplicates to show up
    everything = [
        rec["value"]
        for rec in tail_records(
            [faust_app["out"]], kafka.bootstrap, from_beginning=True, idle_timeout=2
        )
    ]
    after = sorted((o["key"], o["n"]) for o in everything if o["pid"] == pid)
    assert after == sorted((f"k{i}", 11) for i in range(KEYS)), second.log_tail()


def _produce_slowly(bootstrap: str, topic: str, n: int, per_second: float) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        for i in range(n):
            producer.send(topic, key=f"k{i % KEYS}".encode(), value=b"x")
            producer.flush()
            time.sleep(1 / per_second)
    finally:
        producer.close()


def _distinct_inputs(bootstrap: str, topic: str, n: int, worker: Worker) -> list[dict]:
    """All outputs, once ``n`` distinct input records have an output."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = [
            rec["value"]
            for rec in tail_records([topic], bootstrap, from_beginning=True, idle_timeout=1.5)
        ]
        if len({tuple(o["src"]) for o in got}) >= n:
            return got
    raise AssertionError(f"fewer than {n} inputs processed:\n{worker.log_tail()}")


def test_faust_two_workers_rebalance_without_loss_or_duplicates(
    kafka, faust_app, tmp_path: Path
) -> None:
    """A second worker joins while events flow, then the first leaves (SIGTERM): every
    event is processed exactly once, by one of them, on the right count."""
    _produce(kafka.bootstrap, faust_app["in"], 200)
    a = faust_app["worker"](DATADIR=str(tmp_path / "a"))
    _read_outputs(kafka.bootstrap, faust_app["out"], lambda g: len(g) >= 200, 45, a)

    b = faust_app["worker"](DATADIR=str(tmp_path / "b"))
    _produce_slowly(kafka.bootstrap, faust_app["in"], 200, per_second=20)  # rebalance meanwhile
    _distinct_inputs(kafka.bootstrap, faust_app["out"], 400, b)
    time.sleep(3)
    a.kill(signal.SIGTERM)
    _produce_slowly(kafka.bootstrap, faust_app["in"], 100, per_second=20)
    outputs = _distinct_inputs(kafka.bootstrap, faust_app["out"], 500, b)

    assert a.proc is not None and b.proc is not None
    pids = {o["pid"] for o in outputs}
    assert b.proc.pid in pids and a.proc.pid in pids
    assert len(outputs) == 500, "an input was processed twice"
    final: dict[str, int] = {}
    for out in outputs:
        final[out["key"]] = max(final.get(out["key"], 0), out["n"])
    assert final == {f"k{i}": 25 for i in range(KEYS)}
