"""The live demo (``slawatch demo``): the whole pipeline on this machine.

With no configuration it runs the whole live pipeline on this machine:

1. the embedded Kafka broker and Redis (``streams.embedded``), and the slawatch topics;
2. one ``slawatch worker`` subprocess, on a simulated clock (``SLAWATCH_CLOCK_START`` = a
   Monday 08:00 in Amsterdam, ``SLAWATCH_CLOCK_SPEED`` = ``--speed``: at 600 a simulated
   minute lasts 0.1 s, a working day 54 s);
3. ``slawatch ingest`` and ``slawatch notify`` (:mod:`streams.connectors.demo`): a few Jira
   webhooks for Covide's tenant go through ingest, and notify pages a local webhook receiver
   on every breach and escalation (its pages of the Jira tickets are printed);
4. a generator of realistic ticket traffic for the five example tenants (one per seed policy,
   ``examples/tenants.yaml``; :mod:`streams.traffic`), sending each event when the simulated
   clock reaches it, stamped with that instant, a few of them deliberately bad;
5. a reader of the output topics that prints breaches and escalations (warnings dimmed) as
   they arrive, and dead letters with their reason;
6. the ops board (``slawatch web``, :mod:`streams.web`) on loopback: it prints its URL.

It stops on Ctrl-C or after ``--for`` (e.g. ``30s``, ``2m``; counted from the first event),
prints a summary of the signals by type and the dead letters, stops the worker, Redis and the
broker, and exits 0; 1 when the worker dies (its log tail is printed) or a service fails.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from models.shipped import shipped
from streams.demo.display import (
    AMS,
    SHOWN,
    STYLES,
    hm,
    print_summary,
    read_model_hint,
    signal_line,
)

EXAMPLES = shipped("examples")
#: where the running slawatch is imported from: its children import the same copy
PACKAGE_ROOT = Path(__file__).resolve().parents[2]

#: Simulated start: Monday 2 March 2026, 08:00 in Amsterdam.
DEMO_START = "2026-03-02T08:00:00+01:00"
DEMO_APP_ID = "slawatch-demo"
#: Wall seconds between starting the worker and simulated 08:00 (the worker joins its
#: consumer group in ~5–7 s on the embedded broker; events wait for it in the topic anyway).
WORKER_LEAD = 8.0
#: A control topic of the demo's own: one record on it ends the reader thread cleanly.
CONTROL_TOPIC = "slawatch-demo.control"
#: outages per monitored service and simulated day in the demo (an eventful day)
DEMO_OUTAGES_PER_DAY = 8.0


class WorkerDied(RuntimeError):
    pass


class LiveDemo:
    """The live demo's parts and their lifecycle (see the module doc)."""

    def __init__(
        self,
        *,
        speed: float = 600.0,
        seed: int = 1,
        rate: float = 40.0,
        tenants: Path = EXAMPLES / "tenants.yaml",
        warnings: bool = True,
        start: str = DEMO_START,
        sink: Path | None = None,
        board_port: int = 8080,
    ) -> None:
        from rich.console import Console

        self.console = Console(highlight=False)
        self.speed, self.seed, self.rate = speed, seed, rate
        self.tenants_file = tenants
        self.warnings = warnings
        self.start = datetime.fromisoformat(start)
        self.counts: Counter[str] = Counter()
        self.dead: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.records: queue.Queue[dict[str, Any] | BaseException | None] = queue.Queue()
        self.services: list[Any] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.sink: subprocess.Popen[bytes] | None = None
        self.sink_dir = sink
        self.sink_kept = sink is not None
        self.board: subprocess.Popen[bytes] | None = None
        self.board_port = board_port
        self.workdir: Path | None = None
        self.reader: threading.Thread | None = None
        self.settings: Any = None
        self.origin = 0.0
        self.connectors: Any = None

    # -- top level -------------------------------------------------------------------------

    def run(self, seconds: float | None) -> int:
        from streams.embedded import EmbeddedServiceError

        old_term = signal.getsignal(signal.SIGTERM)
        with contextlib.suppress(ValueError):  # SIGTERM ends the demo like Ctrl-C
            signal.signal(signal.SIGTERM, _raise_interrupt)
        code = 0
        producer = None
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix="slawatch-demo-"))
            self._start_services()
            self._start_worker()
            self._start_connectors()
            self._start_sink()
            self._start_board()
            producer = self._producer()
            self._start_reader()
            self._wait_ready()
            self._loop(producer, seconds)
        except KeyboardInterrupt:
            self.console.print("\n[dim]interrupted[/dim]")
        except WorkerDied as exc:
            self.console.print(f"[bold red]the worker died[/bold red] ({exc}); its log ends with:")
            self.console.print(self._worker_log_tail(), markup=False)
            code = 1
        except EmbeddedServiceError as exc:
            self.console.print(f"[bold red]error:[/bold red] {exc}", markup=True)
            code = 1
        finally:
            self._snapshot_at_risk()
            try:
                self._shutdown(producer, clean=code == 0)
            except KeyboardInterrupt:  # a second Ctrl-C: skip the grace periods
                self._kill_all()
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, old_term)
        if code == 0:
            self._summary()
        if self.workdir is not None:
            import shutil

            shutil.rmtree(self.workdir, ignore_errors=True)
        return code

    # -- parts -----------------------------------------------------------------------------

    def _start_services(self) -> None:
        from models.settings import Settings
        from streams.embedded import EmbeddedKafka, EmbeddedRedis
        from streams.topics import ensure_topics

        c = self.console
        c.print("[bold]slawatch demo[/bold]: the live pipeline on this machine (Ctrl-C stops)")
        kafka = EmbeddedKafka().start()
        self.services.append(kafka)
        redis = EmbeddedRedis().start()
        self.services.append(redis)
        self.kafka, self.redis = kafka, redis
        self.settings = Settings(
            brokers=kafka.bootstrap,
            redis_url=redis.url,
            topic_prefix="",
            app_id=DEMO_APP_ID,
            partitions=4,
            replication=1,
            security_protocol="PLAINTEXT",
        )
        ensure_topics(kafka.bootstrap, self.settings)
        from kafka.admin import KafkaAdminClient, NewTopic

        admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap, client_id="slawatch-demo")
        try:
            admin.create_topics([NewTopic(CONTROL_TOPIC, 1, 1)])
        finally:
            admin.close()
        c.print(f"  broker   {kafka.bootstrap} (embedded, in memory)")
        c.print(f"  redis    {redis.url}")

    def _worker_env(self) -> dict[str, str]:
        from models.settings import EMBEDDED_SESSION_TIMEOUT

        assert self.workdir is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
        for keep in ("SLAWATCH_TANSU_BIN", "SLAWATCH_REDIS_SERVER_BIN"):
            if keep in os.environ:
                env[keep] = os.environ[keep]
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")) if p
                ),
                "SLAWATCH_BROKERS": self.kafka.bootstrap,
                "SLAWATCH_REDIS_URL": self.redis.url,
                "SLAWATCH_APP_ID": DEMO_APP_ID,
                "SLAWATCH_PARTITIONS": "4",
                "SLAWATCH_SESSION_TIMEOUT": str(EMBEDDED_SESSION_TIMEOUT),
                "SLAWATCH_TENANTS_FILE": str(self.tenants_file.resolve()),
                "SLAWATCH_DATA_DIR": str(self.workdir / "data"),
                "SLAWATCH_READ_MODEL": "true",
                "SLAWATCH_CLOCK_START": self.start.isoformat(),
                "SLAWATCH_CLOCK_SPEED": repr(self.speed),
                "SLAWATCH_CLOCK_ORIGIN": datetime.fromtimestamp(self.origin, UTC).isoformat(),
            }
        )
        return env

    def _start_worker(self) -> None:
        from streams.embedded import _pdeathsig_preexec

        assert self.workdir is not None
        self.origin = time.time() + WORKER_LEAD
        self.log_path = self.workdir / "worker.log"
        with self.log_path.open("wb") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "streams", "worker", "-l", "info"],
                env=self._worker_env(),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the demo, which stops it in order
                preexec_fn=_pdeathsig_preexec(),
            )
        sim = f"{self.start.astimezone(AMS):%a %d %b %Y %H:%M} Europe/Amsterdam"
        self.console.print(
            f"  worker   pid {self.worker.pid}, simulated clock from {sim} at ×{self.speed:g} "
            f"(1 simulated hour = {3600 / self.speed:.1f} s)"
        )

    def _start_connectors(self) -> None:
        """``slawatch ingest`` and ``notify`` beside the worker (streams.connectors.demo)."""
        from streams.connectors.demo import ConnectorDemo

        assert self.workdir is not None
        self.connectors = ConnectorDemo(self.workdir, self._worker_env(), self.start)
        for line in self.connectors.launch():
            self.console.print(line)

    def _start_sink(self) -> None:
        """``slawatch sink`` beside the worker (the same settings and clock): the analytics
        sink's Parquet files, queried in the summary."""
        from streams.embedded import _pdeathsig_preexec

        assert self.workdir is not None
        if self.sink_dir is None:
            self.sink_dir = self.workdir / "sink"
        with (self.workdir / "sink.log").open("wb") as log:
            self.sink = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streams",
                    "sink",
                    "--sink",
                    str(self.sink_dir),
                    "--flush-seconds",
                    "1",
                ],
                env=self._worker_env(),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_pdeathsig_preexec(),
            )
        self.console.print(f"  sink     pid {self.sink.pid}, Parquet under {self.sink_dir}")

    def _producer(self) -> Any:
        from kafka import KafkaProducer

        return KafkaProducer(
            bootstrap_servers=[self.kafka.bootstrap],
            client_id="slawatch-demo-traffic",
            linger_ms=5,
            acks=1,
        )

    def _start_reader(self) -> None:
        from streams import topics as T
        from streams.cli.broker_cmd import tail_records

        names = [
            self.settings.topic(t)
            for t in (T.WARNINGS, T.ESCALATIONS, T.BREACHES, T.VERDICTS, T.DEAD_LETTERS)
        ]
        names.append(CONTROL_TOPIC)
        bootstrap = self.kafka.bootstrap
        out = self.records

        def read() -> None:
            try:
                for rec in tail_records(names, bootstrap, self.settings, from_beginning=True):
                    if rec["topic"] == CONTROL_TOPIC:
                        break
                    out.put(rec)
            except BaseException as exc:  # reported by the main thread
                out.put(exc)
            finally:
                out.put(None)

        self.reader = threading.Thread(target=read, name="slawatch-demo-reader", daemon=True)
        self.reader.start()

    def _wait_ready(self, timeout: float = 90.0) -> None:
        """Until the worker has joined its group and read the contracts (its log says
        ``contracts: N records``), then until simulated 08:00."""
        t0 = time.monotonic()
        status = self.console.status("waiting for the worker to join its consumer group…")
        with status:
            while True:
                self._check_worker()
                if "contracts:" in self._worker_log_tail(200):
                    break
                if time.monotonic() - t0 > timeout:
                    raise WorkerDied(f"not ready after {timeout:.0f} s")
                time.sleep(0.1)
        waited = time.monotonic() - t0
        self.console.print(f"  worker ready after {waited:.1f} s; traffic starts")
        tenant = next(iter(_tenant_policies(self.tenants_file)), "acme")
        for line in read_model_hint(self.redis.url, tenant):
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        while time.time() < self.origin:
            self._check_worker()
            time.sleep(0.05)
        self.console.print(
            "[dim]sim. time type     tenant/ticket      clock        priority  deadline[/dim]"
        )

    def _loop(self, producer: Any, seconds: float | None) -> None:
        from streams.clock import SimClock
        from streams.traffic import Traffic

        clock = SimClock(int(self.start.timestamp() * 1e6), int(self.origin * 1e6), self.speed)
        self.traffic = traffic = Traffic(
            self.start,
            seed=self.seed,
            rate=self.rate,
            tenants=_tenant_policies(self.tenants_file),
            outages_per_day=DEMO_OUTAGES_PER_DAY,
        )
        topic = self.settings.topic("sla.ticket-events")
        monitoring = self.settings.topic("sla.monitoring-events")
        began = time.monotonic()
        ends = None if seconds is None else began + seconds
        last_check = 0.0
        while ends is None or time.monotonic() < ends:
            now = clock.now()
            for msg in traffic.poll(now):
                producer.send(topic, key=msg.key, value=msg.value)
            for msg in traffic.poll_monitoring(now):
                producer.send(monitoring, key=msg.key, value=msg.value)
            producer.flush()
            for line in self.connectors.poll(now):
                self.console.print(line, style="cyan", markup=False)
            for sig in self.connectors.drain():
                if sig.get("tenant") == "umbrella" and str(sig.get("ticket_id")).startswith("SUP-"):
                    who = f"{sig['tenant']}/{sig['ticket_id']}"
                    page = f"{hm(sig.get('at')):<9} PAGED    {who:<18} {sig.get('clock'):<12}"
                    self.console.print(f"{page} on-call, via slawatch notify", style="bold cyan")
            self._drain()
            now = time.monotonic()
            if now - last_check > 0.5:
                last_check = now
                self._check_worker()
            time.sleep(0.05)
        self.sim_end = clock.now()

    def _drain(self, timeout: float = 0.0) -> bool:
        """Print what the reader has; False once the reader has ended."""
        while True:
            try:
                item = self.records.get(timeout=timeout) if timeout else self.records.get_nowait()
            except queue.Empty:
                return True
            if item is None:
                return False
            if isinstance(item, BaseException):
                self.console.print(f"[red]output reader failed: {item!r}[/red]")
                continue
            self._show(item)

    def _show(self, rec: dict[str, Any]) -> None:
        value = rec["value"]
        if not isinstance(value, dict):
            return
        if rec["topic"] == self.settings.topic("sla.dead-letters"):
            from rich.markup import escape

            self.dead.append(value)
            raw = escape(str(value.get("raw", ""))[:70])
            reason = escape(str(value.get("reason", "?")))
            self.console.print(f"[cyan]dead letter[/cyan] [dim]{raw}[/dim]\n    → {reason}")
            return
        sid = value.get("event_id")
        if sid in self.seen:  # at-least-once: a signal can come twice, with the same id
            return
        self.seen.add(sid)
        stype = value.get("type", "?")
        self.counts[stype] += 1
        if stype not in SHOWN and not (
            stype in ("sla.warning", "availability.warning") and self.warnings
        ):
            return
        self.console.print(signal_line(value), style=STYLES.get(stype), markup=False)

    def _check_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is not None:
            raise WorkerDied(f"exit code {self.worker.returncode}")
        for svc in self.services:
            if not svc.running:
                raise WorkerDied(f"{svc.name} exited:\n{svc.log_tail()}")
        died = self.connectors.check() if self.connectors is not None else None
        if died:
            raise WorkerDied(died)

    def _worker_log_tail(self, lines: int = 30) -> str:
        path = getattr(self, "log_path", None)
        if path is None or not path.exists():
            return ""
        data = path.read_bytes()[-200_000:]
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    # -- stopping --------------------------------------------------------------------------

    def _shutdown(self, producer: Any, clean: bool) -> None:
        """Producer, then (after a grace period for the last signals) the worker, the reader,
        Redis and the broker."""
        if producer is not None:
            with contextlib.suppress(Exception):
                producer.flush(5)
            if clean and self.worker is not None and self.worker.poll() is None:
                end = time.monotonic() + 1.5
                while time.monotonic() < end and self._drain(0.1):
                    pass
        self._stop_worker()
        if self.connectors is not None:
            self.connectors.stop()
        self._stop_sink()
        self._stop_board()
        if self.reader is not None and self.reader.is_alive():
            if producer is not None:
                with contextlib.suppress(Exception):
                    producer.send(CONTROL_TOPIC, value=b"stop")
                    producer.flush(5)
            end = time.monotonic() + 10
            while time.monotonic() < end and self._drain(0.1):
                pass
            self.reader.join(2)
        if producer is not None:
            with contextlib.suppress(Exception):
                producer.close(5)
        for svc in reversed(self.services):
            svc.stop()
        self.services.clear()

    def _stop_worker(self) -> None:
        w = self.worker
        if w is None or w.poll() is not None:
            return
        w.send_signal(signal.SIGTERM)
        try:
            w.wait(20)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()

    def _stop_sink(self) -> None:
        """SIGTERM: it writes and commits what it has read, then leaves; then its counts."""
        p = self.sink
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        self.sink_counts: dict[str, int] = {}
        with contextlib.suppress(Exception):  # a courtesy line: never fail the demo over it
            from streams.sink.query import connect

            con = connect(self.sink_dir)
            for view in ("signals", "clock_states", "dead_letters"):
                self.sink_counts[view] = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]

    def _start_board(self) -> None:
        """The ops board on loopback, on the worker's settings (its Redis, topics, clock)."""
        from streams.cli.web_cmd import board_url, start_board
        from streams.embedded import free_port

        assert self.workdir is not None
        port = self.board_port if _port_free(self.board_port) else free_port()
        try:
            self.board = start_board(self._worker_env(), port, self.workdir / "board.log")
        except RuntimeError as exc:  # the demo goes on without its board
            self.console.print(f"  [yellow]board    not started[/yellow]: {exc}", markup=True)
            return
        self.console.print(f"  board    {board_url('127.0.0.1', port)} (the ops board, live)")

    def _stop_board(self) -> None:
        b = self.board
        if b is None or b.poll() is not None:
            return
        b.send_signal(signal.SIGTERM)
        try:
            b.wait(10)
        except subprocess.TimeoutExpired:
            b.kill()
            b.wait()

    def _kill_all(self) -> None:
        if self.sink is not None and self.sink.poll() is None:
            self.sink.kill()
            self.sink.wait()
        if self.board is not None and self.board.poll() is None:
            self.board.kill()
            self.board.wait()
        if self.worker is not None and self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()
        if self.connectors is not None:
            self.connectors.stop()
        for svc in reversed(self.services):
            svc.stop(timeout=1)
        self.services.clear()

    def _snapshot_at_risk(self) -> None:
        """What breaches next, per tenant, from the Redis read model the worker keeps (read
        before Redis stops; printed in the summary)."""
        self.at_risk: dict[str, list[dict[str, Any]]] = {}
        redis_service = getattr(self, "redis", None)
        if redis_service is None:
            return
        try:
            import redis

            from streams.sinks.redis_model import ReadModel

            client = redis.Redis.from_url(redis_service.url, socket_timeout=2)
            now = self.start + timedelta(seconds=(time.time() - self.origin) * self.speed)
            model = ReadModel()
            for tenant in _tenant_policies(self.tenants_file):
                self.at_risk[tenant] = model.at_risk(client, tenant, now, limit=2)
            self.at_risk_now = now
        except Exception:  # the summary is a courtesy: never fail the demo over it
            self.at_risk = {}

    def _summary(self) -> None:
        print_summary(self)


def _tenant_policies(path: Path) -> dict[str, str]:
    """tenant → policy id of a tenant contracts file (the traffic follows its tenants)."""
    import yaml

    doc = yaml.safe_load(path.read_text()) or {}
    return {name: spec["policy"] for name, spec in (doc.get("tenants") or {}).items()}


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
