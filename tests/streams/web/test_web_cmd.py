"""``slawatch web`` from the shell: the loopback rule, the URL it prints, what it refuses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import orjson
import pytest

from tests.build_check import package_root
from tests.streams.web.conftest import ADMIN


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    out["PYTHONPATH"] = str(package_root())
    out.update(extra)
    return out


def web(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "streams", "web", *args],
        env=env(**extra), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_without_tokens_it_refuses_to_listen_beyond_loopback() -> None:
    res = web("--bind", "0.0.0.0", "--no-live")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--bind 0.0.0.0" in res.stderr and "SLAWATCH_WEB_ADMIN_TOKEN" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_weak_token_is_a_settings_error() -> None:
    res = web("--no-live", SLAWATCH_WEB_ADMIN_TOKEN="short")
    assert res.returncode == 2
    assert "SLAWATCH_WEB_ADMIN_TOKEN" in res.stderr and "short" not in res.stderr


@pytest.mark.integration
def test_on_loopback_it_warns_and_prints_its_url(redis_server) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "streams", "web", "--port", "0", "--no-live"],
        env=env(SLAWATCH_REDIS_URL=redis_server.url), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        assert line.startswith("slawatch board on http://127.0.0.1:"), line
        url = line.split(" on ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}healthz", timeout=10) as r:
            assert orjson.loads(r.read()) == {"status": "ok", "feed": "off"}
        with urllib.request.urlopen(f"{url}api/now", timeout=10) as r:  # open: no token needed
            assert "now" in orjson.loads(r.read())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert "no board tokens configured" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.integration
def test_with_a_token_it_listens_on_every_interface(redis_server) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "streams", "web", "--port", "0", "--bind", "0.0.0.0",
         "--no-live"],
        env=env(SLAWATCH_REDIS_URL=redis_server.url, SLAWATCH_WEB_ADMIN_TOKEN=ADMIN),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].strip()
        request = urllib.request.Request(f"{url}api/now")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 401
        request.add_header("Authorization", f"Bearer {ADMIN}")
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
