"""``slawatch broker``, ``slawatch produce``, ``slawatch tail``: try a mapping without an ITSM.

Synchronous tools on kafka-python. ``tail`` assigns partitions explicitly instead of joining
a consumer group (kafka-python groups receive nothing on the embedded Tansu broker), so
several tails never share or commit anything.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from streams.cli import app

if TYPE_CHECKING:  # (imported inside the commands: ``slawatch --help`` loads no Kafka client)
    from kafka import KafkaConsumer, TopicPartition

    from models.settings import Settings

__all__ = ["produce_lines", "route_event", "tail_records"]

_MONITORING_PREFIXES = ("monitor.", "maintenance.", "heartbeat")


# --------------------------------------------------------------------------------------
# produce
# --------------------------------------------------------------------------------------


def route_event(line: bytes) -> tuple[str, bytes | None]:
    """Base topic and key for one input line.

    ``ticket.*`` → ticket events keyed ``tenant:ticket_id``; ``monitor.*``,
    ``maintenance.*``, ``heartbeat*`` → monitoring events keyed ``tenant``: one key per
    tenant keeps the order of all its monitoring events (maintenance sent before the outages
    it covers is read before them). Anything else, including lines
    that are not JSON objects, goes to ticket events (keyed when tenant and ticket_id are
    there, else unkeyed) so that the runtime dead-letters it with the original bytes.
    """
    from streams.topics import MONITORING_EVENTS, TICKET_EVENTS

    try:
        event = json.loads(line)
    except ValueError:
        return TICKET_EVENTS, None
    if not isinstance(event, dict):
        return TICKET_EVENTS, None
    kind, tenant = event.get("type"), event.get("tenant")
    if isinstance(kind, str) and kind.startswith(_MONITORING_PREFIXES):
        return MONITORING_EVENTS, tenant.encode() if isinstance(tenant, str) else None
    return TICKET_EVENTS, _key(tenant, event.get("ticket_id"))


def _key(tenant: Any, subject: Any) -> bytes | None:
    if tenant is None or subject is None or isinstance(tenant, dict | list):
        return None
    if isinstance(subject, dict | list):
        return None
    return f"{tenant}:{subject}".encode()


def _lines(source: IO[bytes]) -> Iterator[bytes]:
    for raw in source:
        line = raw.rstrip(b"\r\n")
        if line.strip():
            yield line


def produce_lines(
    lines: Iterable[bytes],
    bootstrap: str | None = None,
    settings: Settings | None = None,
    *,
    timeout: float = 30.0,
) -> Counter[str]:
    """Send each line unchanged to its input topic (see :func:`route_event`).

    Returns the number of records per deployed topic name. Raises the first send error.
    """
    from kafka import KafkaProducer

    from streams.cli.config_cmd import load_settings

    settings = settings or load_settings()
    kwargs = settings.kafka_python_kwargs()
    if bootstrap:
        kwargs["bootstrap_servers"] = [bootstrap]
    producer = KafkaProducer(client_id="slawatch-produce", linger_ms=20, acks="all", **kwargs)
    counts: Counter[str] = Counter()
    futures = []
    try:
        for line in lines:
            base, key = route_event(line)
            topic = settings.topic(base)
            futures.append(producer.send(topic, value=line, key=key))
            counts[topic] += 1
        producer.flush(timeout)
        for future in futures:
            future.get(timeout)
    finally:
        producer.close(timeout)
    return counts


# --------------------------------------------------------------------------------------
# tail
# --------------------------------------------------------------------------------------


def _decode(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def tail_records(
    topics: Iterable[str] = (),
    bootstrap: str | None = None,
    settings: Settings | None = None,
    *,
    from_beginning: bool = False,
    max_records: int | None = None,
    idle_timeout: float | None = None,
    metadata_timeout: float = 10.0,
) -> Iterator[dict[str, Any]]:
    """Yield records of ``topics`` as dicts (``topic, partition, offset, timestamp, key,
    value``; JSON values and keys decoded) as they arrive.

    Topic names go through :func:`streams.topics.resolve_topic` (``breaches`` → the
    deployed ``sla.breaches``); default: warnings, escalations, breaches. Stops after
    ``max_records`` records, or after ``idle_timeout`` seconds without a record, else runs
    until the caller stops iterating.

    Without ``from_beginning`` it starts at each partition's end. On Tansu,
    ListOffsets(LATEST) points into the last record batch, so the end is taken from the high
    watermark of a first fetch instead (records already there are skipped).
    """
    from kafka import KafkaConsumer

    from streams.cli.config_cmd import load_settings
    from streams.topics import SIGNAL_TOPICS, resolve_topic

    settings = settings or load_settings()
    names = [resolve_topic(t, settings) for t in topics] or [
        settings.topic(t) for t in SIGNAL_TOPICS
    ]
    kwargs = settings.kafka_python_kwargs()
    if bootstrap:
        kwargs["bootstrap_servers"] = [bootstrap]
    consumer = KafkaConsumer(
        client_id="slawatch-tail",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **kwargs,
    )
    try:
        tps = _partitions(consumer, names, metadata_timeout)
        consumer.assign(tps)
        if from_beginning:
            consumer.seek_to_beginning(*tps)
            start: dict[TopicPartition, int] = {}
        else:
            start = _true_ends(consumer, tps, metadata_timeout)
            for tp, offset in start.items():
                consumer.seek(tp, offset)
        seen = 0
        last = time.monotonic()
        while True:
            batch = consumer.poll(timeout_ms=200)
            for tp, records in batch.items():
                for rec in records:
                    if rec.offset < start.get(tp, 0):
                        continue
                    yield {
                        "topic": rec.topic,
                        "partition": rec.partition,
                        "offset": rec.offset,
                        "timestamp": rec.timestamp,
                        "key": _decode(rec.key),
                        "value": _decode(rec.value),
                    }
                    seen += 1
                    last = time.monotonic()
                    if max_records is not None and seen >= max_records:
                        return
            if idle_timeout is not None and time.monotonic() - last > idle_timeout:
                return
    finally:
        consumer.close(autocommit=False)


def _partitions(consumer: KafkaConsumer, names: list[str], timeout: float) -> list[TopicPartition]:
    from kafka import TopicPartition

    deadline = time.monotonic() + timeout
    tps: list[TopicPartition] = []
    for name in names:
        parts = consumer.partitions_for_topic(name)
        while not parts and time.monotonic() < deadline:
            time.sleep(0.2)
            parts = consumer.partitions_for_topic(name)
        if not parts:
            raise typer.BadParameter(f"topic {name!r} does not exist (or the broker is down)")
        tps.extend(TopicPartition(name, p) for p in sorted(parts))
    return tps


def _true_ends(
    consumer: KafkaConsumer, tps: list[TopicPartition], timeout: float
) -> dict[TopicPartition, int]:
    """End offset per partition: ListOffsets(LATEST), corrected by a fetch's high watermark."""
    listed = consumer.end_offsets(tps)
    for tp in tps:
        consumer.seek(tp, listed[tp])
    ends: dict[TopicPartition, int] = {}
    deadline = time.monotonic() + timeout
    while len(ends) < len(tps) and time.monotonic() < deadline:
        consumer.poll(timeout_ms=100)  # records before the end are dropped here
        for tp in tps:
            if tp not in ends:
                hw = consumer.highwater(tp)
                if hw is not None:
                    ends[tp] = max(hw, listed[tp])
    for tp in tps:
        ends.setdefault(tp, listed[tp])
    return ends


# --------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------


@app.command()
def broker(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: pick a free one).")] = 9092,
    topics: Annotated[
        bool, typer.Option("--topics/--no-topics", help="Create the slawatch topics.")
    ] = True,
    redis: Annotated[
        bool, typer.Option("--redis/--no-redis", help="Also run an embedded Redis.")
    ] = False,
) -> None:
    """Run the embedded Kafka broker (Tansu, in memory) in the foreground until Ctrl-C."""
    from streams.cli.config_cmd import load_settings
    from streams.embedded import EmbeddedKafka, EmbeddedRedis, EmbeddedServiceError
    from streams.topics import ensure_topics

    settings = load_settings()
    services: list[Any] = []
    stop = _install_sigterm()
    try:
        kafka = EmbeddedKafka(port or None)
        services.append(kafka.start())
        if topics:
            ensure_topics(kafka.bootstrap, settings)
        typer.echo(f"bootstrap: {kafka.bootstrap}")
        typer.echo(f"export SLAWATCH_BROKERS={kafka.bootstrap}")
        if redis:
            red = EmbeddedRedis()
            services.append(red.start())
            typer.echo(f"redis: {red.url}")
            typer.echo(f"export SLAWATCH_REDIS_URL={red.url}")
        typer.echo("in-memory: everything is lost on exit. Ctrl-C to stop.")
        while not stop:
            for svc in services:
                if not svc.running:
                    typer.echo(f"{svc.name} exited.\n{svc.log_tail()}", err=True)
                    raise typer.Exit(1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except EmbeddedServiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        for svc in reversed(services):
            svc.stop()
    typer.echo("stopped.")


def _install_sigterm() -> list[int]:
    """A list that becomes non-empty on SIGTERM (so ``broker`` stops cleanly under a
    process manager); SIGINT raises KeyboardInterrupt."""
    flag: list[int] = []
    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, lambda signum, frame: flag.append(signum))
        # Ctrl-C even when started as a background job (which inherits SIGINT ignored)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return flag


@contextlib.contextmanager
def _kafka_errors(brokers: str) -> Iterator[None]:
    """Kafka out of reach is one line naming the brokers and what to do (exit 2)."""
    from kafka.errors import KafkaError

    from streams.cli.errors import CliError

    try:
        yield
    except KafkaError as exc:
        raise CliError(
            f"Kafka at {brokers} is unreachable ({exc}); start one with `slawatch broker`, "
            "or set SLAWATCH_BROKERS / --bootstrap"
        ) from None


def _file_or_stdin(text: str) -> str:
    from streams.cli.params import input_file

    return text if text == "-" else str(input_file(text))


@app.command()
def produce(
    files: Annotated[
        list[str],
        typer.Argument(
            parser=_file_or_stdin, metavar="FILES", help="JSON lines files, or - for stdin."
        ),
    ],
    bootstrap: Annotated[
        str | None, typer.Option(help="host:port (default: $SLAWATCH_BROKERS).")
    ] = None,
) -> None:
    """Send the events of JSON-lines files (in turn) to the input topics, keyed per ticket,
    service or heartbeat check."""
    from streams.cli.config_cmd import load_settings

    settings = load_settings()
    counts: dict[str, int] = {}
    with _kafka_errors(bootstrap or settings.brokers):
        for file in files:
            if file == "-":
                sent = produce_lines(_lines(sys.stdin.buffer), bootstrap, settings)
            else:
                with Path(file).open("rb") as fh:
                    sent = produce_lines(_lines(fh), bootstrap, settings)
            for topic, n in sent.items():
                counts[topic] = counts.get(topic, 0) + n
    for topic, n in sorted(counts.items()):
        typer.echo(f"{n} → {topic}")


@app.command()
def tail(
    topics: Annotated[
        list[str] | None,
        typer.Argument(help="Topics (default: warnings escalations breaches)."),
    ] = None,
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest record.")] = False,
    bootstrap: Annotated[
        str | None, typer.Option(help="host:port (default: $SLAWATCH_BROKERS).")
    ] = None,
    meta: Annotated[
        bool, typer.Option(help="Print topic/partition/offset/key around each value.")
    ] = False,
    max_records: Annotated[
        int | None, typer.Option("--max", help="Stop after this many records.")
    ] = None,
    idle: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without a record.")
    ] = None,
) -> None:
    """Print records (signals by default) as JSON lines as they arrive, until Ctrl-C."""
    from streams.cli.config_cmd import load_settings

    settings = load_settings()
    records = tail_records(
        topics or (),
        bootstrap,
        settings,
        from_beginning=from_beginning,
        max_records=max_records,
        idle_timeout=idle,
    )
    try:
        with _kafka_errors(bootstrap or settings.brokers):
            for rec in records:
                out = rec if meta else rec["value"]
                line = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # | head
        with contextlib.suppress(OSError):
            sys.stdout.close()
