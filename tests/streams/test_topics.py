"""Settings, topic names, ensure_topics, and the produce → tail tools."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient
from pydantic import ValidationError
from typer.testing import CliRunner

from models.settings import Settings
from streams.cli import app
from streams.cli.broker_cmd import route_event, tail_records
from streams.topics import (
    ALL_TOPICS,
    BREACHES,
    MONITORING_EVENTS,
    TICKET_EVENTS,
    ensure_topics,
    resolve_topic,
    topic_name,
)

# -- settings (no broker) ------------------------------------------------------------------


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLAWATCH_BROKERS", "kafka://k1:9092; k2:9093")
    monkeypatch.setenv("SLAWATCH_TOPIC_PREFIX", "prod.")
    monkeypatch.setenv("SLAWATCH_PARTITIONS", "12")
    monkeypatch.setenv("SLAWATCH_REPLICATION", "3")
    monkeypatch.setenv("SLAWATCH_STORE", "rocksdb://")
    monkeypatch.setenv("SLAWATCH_SESSION_TIMEOUT", "10")
    monkeypatch.setenv("SLAWATCH_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SLAWATCH_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("SLAWATCH_SASL_USERNAME", "slawatch")
    monkeypatch.setenv("SLAWATCH_SASL_PASSWORD", "s3cret")
    s = Settings()
    assert s.bootstrap_servers == ["k1:9092", "k2:9093"]
    assert s.broker_urls == ["kafka://k1:9092", "kafka://k2:9093"]
    assert (s.partitions, s.replication, s.store) == (12, 3, "rocksdb://")
    assert s.effective_session_timeout(embedded=True) == 10
    assert s.topic(BREACHES) == "prod.sla.breaches"
    assert "s3cret" not in repr(s) and "s3cret" not in str(s.model_dump())
    kw = s.kafka_python_kwargs()
    assert kw["sasl_plain_password"] == "s3cret"
    assert kw["sasl_mechanism"] == "SCRAM-SHA-512"


def test_settings_defaults_and_validation() -> None:
    s = Settings()
    assert s.bootstrap_servers == ["127.0.0.1:9092"]
    assert s.effective_session_timeout() == 60
    assert s.effective_session_timeout(embedded=True) < 10
    assert s.kafka_python_kwargs() == {
        "bootstrap_servers": ["127.0.0.1:9092"],
        "security_protocol": "PLAINTEXT",
    }
    with pytest.raises(ValidationError):
        Settings(partitions=0)
    with pytest.raises(ValidationError):
        Settings(store="redis://")
    with pytest.raises(ValidationError):
        Settings(security_protocol="SASL_SSL")  # no credentials
    with pytest.raises(ValidationError):
        Settings(brokers=" , ")


def test_topic_names_and_resolution() -> None:
    s = Settings(topic_prefix="x.")
    assert len({t.name for t in ALL_TOPICS}) == 10
    assert {t.name for t in ALL_TOPICS if t.compacted} == {"sla.contracts", "sla.clock-states"}
    assert topic_name(TICKET_EVENTS, s) == "x.sla.ticket-events"
    assert resolve_topic("breaches", s) == "x.sla.breaches"
    assert resolve_topic("sla.dead-letters", s) == "x.sla.dead-letters"
    assert resolve_topic("some-other-topic", s) == "some-other-topic"


@pytest.mark.parametrize(
    ("line", "topic", "key"),
    [
        (
            b'{"type":"ticket.created","tenant":"acme","ticket_id":"T-1"}',
            TICKET_EVENTS,
            b"acme:T-1",
        ),
        # monitoring: keyed by tenant, whatever the subject (a tenant's order is kept)
        (b'{"type":"monitor.down","tenant":"acme","service":"mail"}', MONITORING_EVENTS, b"acme"),
        (b'{"type":"maintenance.announced","tenant":"a","service":"s"}', MONITORING_EVENTS, b"a"),
        (b'{"type":"heartbeat","tenant":"a","check":"backup"}', MONITORING_EVENTS, b"a"),
        (b'{"type":"maintenance.cancelled","tenant":"a"}', MONITORING_EVENTS, b"a"),
        (b'{"type":"monitor.up","service":"s"}', MONITORING_EVENTS, None),
        (b'{"type":"ticket.updated","tenant":"acme"}', TICKET_EVENTS, None),
        (b'{"type":"bogus","tenant":"acme","ticket_id":7}', TICKET_EVENTS, b"acme:7"),
        (b"not json at all", TICKET_EVENTS, None),
        (b"[1, 2]", TICKET_EVENTS, None),
    ],
)
def test_route_event(line: bytes, topic: str, key: bytes | None) -> None:
    assert route_event(line) == (topic, key)


# -- against the embedded broker -------------------------------------------------------------


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.mark.integration
def test_ensure_topics_is_idempotent(kafka) -> None:
    s = Settings(topic_prefix=_prefix(), partitions=3)
    first = ensure_topics(kafka.bootstrap, s)
    assert first == {s.topic(t.name): "created" for t in ALL_TOPICS}
    assert ensure_topics(kafka.bootstrap, s) == {s.topic(t.name): "exists" for t in ALL_TOPICS}
    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        described = admin.describe_topics(list(first))
    finally:
        admin.close()
    assert {d["name"]: len(d["partitions"]) for d in described} == dict.fromkeys(first, 3)


@pytest.mark.integration
def test_ensure_topics_creates_only_missing_ones(kafka) -> None:
    s = Settings(topic_prefix=_prefix(), partitions=2)
    ensure_topics(kafka.bootstrap, s, topics=[t for t in ALL_TOPICS if t.name == BREACHES])
    result = ensure_topics(kafka.bootstrap, s)
    assert result[s.topic(BREACHES)] == "exists"
    assert list(result.values()).count("created") == len(ALL_TOPICS) - 1


@pytest.mark.integration
def test_produce_then_tail_round_trip(kafka, tmp_path: Path) -> None:
    s = Settings(topic_prefix=_prefix(), partitions=4)
    ensure_topics(kafka.bootstrap, s)
    events = [
        {"event_id": f"e{i}", "type": "ticket.created", "tenant": "acme", "ticket_id": f"T-{i % 7}"}
        for i in range(50)
    ] + [{"event_id": "m1", "type": "monitor.down", "tenant": "acme", "service": "mail"}]
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(json.dumps(e) for e in events) + "\n\nthis is not json\n", encoding="utf-8"
    )

    # the command, as an integrator runs it
    result = CliRunner().invoke(
        app,
        ["produce", str(path), "--bootstrap", kafka.bootstrap],
        env={"SLAWATCH_TOPIC_PREFIX": s.topic_prefix},
    )
    assert result.exit_code == 0, result.output
    assert f"51 → {s.topic(TICKET_EVENTS)}" in result.output
    assert f"1 → {s.topic(MONITORING_EVENTS)}" in result.output

    got = list(
        tail_records(
            ["ticket-events", "monitoring-events"],
            kafka.bootstrap,
            s,
            from_beginning=True,
            max_records=52,
            idle_timeout=10,
        )
    )
    assert len(got) == 52
    by_id = {r["value"]["event_id"]: r for r in got if isinstance(r["value"], dict)}
    assert set(by_id) == {e["event_id"] for e in events}
    assert by_id["m1"]["topic"] == s.topic(MONITORING_EVENTS)
    assert by_id["m1"]["key"] == "acme"  # monitoring: keyed by tenant
    # one ticket → one key → one partition
    partitions_of_t3 = {r["partition"] for r in got if r["key"] == "acme:T-3"}
    assert len(partitions_of_t3) == 1
    (bad,) = [r for r in got if not isinstance(r["value"], dict)]
    assert bad["value"] == "this is not json" and bad["key"] is None
    assert bad["topic"] == s.topic(TICKET_EVENTS)


@pytest.mark.integration
def test_tail_without_from_beginning_prints_only_new_records(kafka) -> None:
    s = Settings(topic_prefix=_prefix(), partitions=2)
    ensure_topics(kafka.bootstrap, s)
    old = [json.dumps({"type": "sla.breach", "n": i}).encode() for i in range(300)]
    _send(kafka.bootstrap, s.topic(BREACHES), old)  # several multi-record batches

    got: list[dict] = []
    started = threading.Event()

    def run() -> None:
        started.set()
        got.extend(tail_records([], kafka.bootstrap, s, max_records=3, idle_timeout=15))

    thread = threading.Thread(target=run)
    thread.start()
    started.wait()
    time.sleep(2.0)  # let tail find the end first
    _send(kafka.bootstrap, s.topic(BREACHES), [b'{"new": 1}', b'{"new": 2}', b'{"new": 3}'])
    thread.join(30)
    assert sorted(r["value"]["new"] for r in got) == [1, 2, 3]


def _send(bootstrap: str, topic: str, values: list[bytes]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    try:
        for v in values:
            producer.send(topic, v)
        producer.flush()
    finally:
        producer.close()


@pytest.mark.integration
def test_tail_command_prints_json_lines(kafka) -> None:
    s = Settings(topic_prefix=_prefix(), partitions=1)
    ensure_topics(kafka.bootstrap, s)
    _send(kafka.bootstrap, s.topic("sla.warnings"), [b'{"type":"sla.warning","event_id":"w1"}'])
    result = CliRunner().invoke(
        app,
        ["tail", "--from-beginning", "--max", "1", "--bootstrap", kafka.bootstrap, "warnings"],
        env={"SLAWATCH_TOPIC_PREFIX": s.topic_prefix},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip()) == {"type": "sla.warning", "event_id": "w1"}
