"""Fixtures of the connector tests: a real Alertmanager for the session."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.embedded import _pdeathsig_preexec, free_port
from tests.streams.connectors.helpers import wait_http
from tests.streams.connectors.processes import AlertmanagerService, alertmanager_binary


@pytest.fixture(scope="session")
def alertmanager() -> Iterator[AlertmanagerService]:
    """A real Alertmanager on a loopback port, with a temporary config (one receiver that
    notifies nobody; groups flushed at once) and storage; clustering off."""
    binary = alertmanager_binary()
    work = Path(tempfile.mkdtemp(prefix="slawatch-am-"))
    (work / "alertmanager.yml").write_text(
        "route:\n"
        "  receiver: nobody\n"
        "  group_wait: 0s\n"
        "  group_interval: 1s\n"
        "receivers:\n"
        "  - name: nobody\n"
    )
    port = free_port()
    with (work / "log").open("wb") as log:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={work / 'alertmanager.yml'}",
                f"--storage.path={work / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_pdeathsig_preexec(),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/-/ready", timeout=30)
        yield AlertmanagerService(url)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
