"""A worker subprocess for the integration tests (a throwaway Faust app or ``slawatch
worker``): started in its own session, tied to the test process (dies with it), logging to
a file whose tail goes into failure messages."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from streams.embedded import _pdeathsig_preexec


class Worker:
    def __init__(
        self, argv: Sequence[str], env: dict[str, str], log: Path, cwd: Path | None = None
    ) -> None:
        self.argv, self.env, self.log = list(argv), env, log
        self.cwd = cwd or log.parent
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_pdeathsig_preexec(),
            )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Send ``sig`` and wait for the exit (SIGKILL after ``timeout`` seconds)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        self.stop(sig, timeout=15)

    def tail(self, n: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-n:])

    log_tail = tail
