"""The connectors in ``slawatch demo``: ``slawatch ingest`` and ``slawatch notify`` as processes
beside the worker, a few Jira Service Management webhooks through ingest, and a local
CloudEvents receiver standing in for on-call.

The demo's endpoint is ``jira/umbrella`` (Covide's tenant: Jira's priorities mapped onto
``urgent``/``hoog``/…); its webhooks are signed like Jira signs them. Notify routes every
breach and escalation to the local receiver (``--from-beginning``: the demo's topics are
new), whose pages the demo counts and shows for the Jira tickets.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from models.shipped import shipped

SECRET = "demo-jira-umbrella-secret"
ENDPOINT = ("jira", "umbrella")
#: the demo's Jira tickets: (key, Jira priority, simulated hours after the start it is
#: created, simulated hours after that it is resolved or None)
TICKETS = (
    ("SUP-1", "Highest", 0.0, None),
    ("SUP-2", "High", 0.5, 1.5),
    ("SUP-3", "Highest", 1.0, None),
)


def demo_connectors() -> dict[str, Any]:
    """The connectors file the demo's ingest runs with: the Jira endpoint of the shipped
    example (``examples/connectors/connectors.yaml``: Covide's tenant ``umbrella``, its
    priority map), the only source the demo sends webhooks to."""
    example = shipped("examples") / "connectors" / "connectors.yaml"
    doc = yaml.safe_load(example.read_text(encoding="utf-8"))
    return {"sources": {"jira": doc["sources"]["jira"]}}


class _Pages(BaseHTTPRequestHandler):
    """Receives CloudEvents (``slawatch notify``'s webhook receiver) into ``server.pages``."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with contextlib.suppress(ValueError):
            self.server.pages.put(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        return None


class ConnectorDemo:
    """Start, feed and stop the demo's connector processes (see the module doc)."""

    def __init__(self, workdir: Path, env: dict[str, str], start: datetime) -> None:
        self.workdir = workdir
        self.env = env
        self.start = start
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.pages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.paged = 0
        self.sent: list[tuple[str, int]] = []
        self._due = [
            (self.start + timedelta(hours=created), key, prio, "created")
            for key, prio, created, _ in TICKETS
        ] + [
            (self.start + timedelta(hours=created + resolved), key, prio, "resolved")
            for key, prio, created, resolved in TICKETS
            if resolved is not None
        ]
        self._due.sort()

    # -- lifecycle -------------------------------------------------------------------------
    def launch(self) -> list[str]:
        """Start the receiver, ingest and notify; lines for the demo to print."""
        from streams.embedded import _pdeathsig_preexec, free_port

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
        self.server.pages = self.pages  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        receiver = f"http://127.0.0.1:{self.server.server_address[1]}/pages"
        (self.workdir / "connectors.yaml").write_text(yaml.safe_dump(demo_connectors()))
        (self.workdir / "notify.yaml").write_text(
            yaml.safe_dump(
                {
                    "receivers": [{"name": "oncall", "type": "webhook", "url": receiver}],
                    "routes": [
                        {
                            "match": {"types": ["sla.breach", "sla.escalation"]},
                            "receivers": ["oncall"],
                        }
                    ],
                    "delivery": {"attempts": 3, "backoff": 0.2, "max_backoff": 1},
                }
            )
        )
        self.ingest_port, notify_port = free_port(), free_port()
        env = {
            **self.env,
            "SLAWATCH_CONNECTORS_FILE": str(self.workdir / "connectors.yaml"),
            "SLAWATCH_HOOK_SECRETS": json.dumps({"/".join(ENDPOINT): SECRET}),
            "SLAWATCH_NOTIFY_FILE": str(self.workdir / "notify.yaml"),
            "SLAWATCH_NOTIFY_STATE": "memory",
        }
        commands = {
            "ingest": ["ingest", "--port", str(self.ingest_port), "-l", "warning"],
            "notify": ["notify", "--port", str(notify_port), "--from-beginning", "-l", "warning"],
        }
        for name, args in commands.items():
            with (self.workdir / f"{name}.log").open("wb") as log:
                self.procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "streams", *args],
                    env=env,
                    cwd=self.workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_pdeathsig_preexec(),
                )
        return [
            f"  ingest   http://127.0.0.1:{self.ingest_port}/hooks/jira/umbrella (Jira SM)",
            f"  notify   breaches and escalations → {receiver} (CloudEvents)",
        ]

    def check(self) -> str | None:
        """The name of a connector process that died, with its log tail."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                log = (self.workdir / f"{name}.log").read_text(errors="replace")
                return f"{name} exited ({proc.returncode}):\n" + "\n".join(log.splitlines()[-15:])
        return None

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if hasattr(self, "server"):
            self.server.shutdown()

    # -- traffic ---------------------------------------------------------------------------
    def poll(self, now: datetime) -> list[str]:
        """Send the webhooks due by simulated ``now`` (signed, stamped ``now``); a line each."""
        lines = []
        while self._due and self._due[0][0] <= now:
            _, key, prio, what = self._due.pop(0)
            status, answer = self._send(_jira(key, prio, what, now))
            self.sent.append((key, status))
            result = answer.get("status", "?") if isinstance(answer, dict) else answer
            lines.append(f"webhook  jira/umbrella {key} {what} → {status} {result}")
        return lines

    def _send(self, body: bytes) -> tuple[int, Any]:
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ingest_port}/hooks/{ENDPOINT[0]}/{ENDPOINT[1]}",
            data=body,
            method="POST",
            headers={"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json"},
        )
        for _ in range(50):  # ingest may still be starting
            try:
                with urllib.request.urlopen(request, timeout=10) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read() or b"{}")
            except OSError:
                time.sleep(0.2)
        return 0, "ingest unreachable"

    def drain(self) -> list[dict[str, Any]]:
        """The pages received since the last call (CloudEvents' ``data``: the signals)."""
        out: list[dict[str, Any]] = []
        while True:
            try:
                event = self.pages.get_nowait()
            except queue.Empty:
                return out
            self.paged += 1
            if isinstance(event.get("data"), dict):
                out.append(event["data"])

    def summary(self) -> str:
        accepted = sum(1 for _, status in self.sent if 200 <= status < 300)
        return (
            f"connectors: {len(self.sent)} Jira webhooks through ingest ({accepted} accepted), "
            f"{self.paged} on-call pages through notify"
        )


def _jira(key: str, priority: str, what: str, now: datetime) -> bytes:
    """A Jira webhook as Jira sends it (docs: developer.atlassian.com/cloud/jira/platform/
    webhooks): issue created, or updated to Resolved."""
    stamp = int(now.timestamp() * 1000)
    status = (
        {"name": "Waiting for support", "statusCategory": {"key": "new"}}
        if what == "created"
        else {"name": "Resolved", "statusCategory": {"key": "done"}}
    )
    doc: dict[str, Any] = {
        "timestamp": stamp,
        "webhookEvent": "jira:issue_created" if what == "created" else "jira:issue_updated",
        "issue": {
            "id": str(10000 + int(key.split("-")[1])),
            "key": key,
            "fields": {
                "created": now.isoformat(),
                "issuetype": {"name": "Incident"},
                "priority": {"name": priority},
                "status": status,
            },
        },
    }
    if what == "resolved":
        doc["changelog"] = {
            "items": [
                {"field": "status", "fromString": "Waiting for support", "toString": "Resolved"}
            ]
        }
    return json.dumps(doc).encode()


__all__ = ["ConnectorDemo"]
