"""Test support for the connectors: vendor fixtures, signing the way each vendor documents it
(written here from the vendors' documentation, independently of ``streams.connectors.auth``),
recording HTTP receivers, and waiting on processes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Fixture:
    """A vendor payload: the body exactly as it is sent, and its headers."""

    body: bytes
    headers: dict[str, str]

    @property
    def doc(self) -> Any:
        return json.loads(self.body)


def fixture(vendor: str, name: str, **changes: Any) -> Fixture:
    """``fixtures/<vendor>/<name>.yaml``; ``changes`` replace top-level body keys."""
    doc = yaml.safe_load((FIXTURES / vendor / f"{name}.yaml").read_text())
    body = {**doc["body"], **changes}
    return Fixture(json.dumps(body).encode(), dict(doc.get("headers") or {}))


# -- signatures, as the vendors document them ------------------------------------------------


def sign_jira(secret: str, body: bytes) -> dict[str, str]:
    """Jira: ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`` (WebSub)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={digest}"}


def sign_zendesk(secret: str, body: bytes, timestamp: str) -> dict[str, str]:
    """Zendesk: ``base64(HMACSHA256(TIMESTAMP + BODY))``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
    }


def sign_zammad(secret: str, body: bytes) -> dict[str, str]:
    """Zammad: ``X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>``."""
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def sign_glpi(secret: str, body: bytes, timestamp: str) -> dict[str, str]:
    """GLPI (src/Webhook.php): ``hash_hmac('sha256', $body . $timestamp, $secret)``."""
    digest = hmac.new(secret.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()
    return {"X-GLPI-signature": digest, "X-GLPI-timestamp": timestamp}


def basic(user_password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user_password.encode()).decode()}


# -- HTTP ------------------------------------------------------------------------------------


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 30) -> tuple[int, Any]:
    """POST and return ``(status, JSON answer)`` (errors included)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_http(url: str, timeout: float = 30, status: int = 200) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == status:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready after {timeout} s: {last}")


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


HANG = -1


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Recorder:
    """A local HTTP receiver (aiohttp, in a thread) that records every POST and answers with
    the next of ``answers`` (a status, or a status and headers; then ``default``; :data:`HANG`:
    no answer at all). ``validate`` checks each request's JSON against a
    vendor's documented shape and answers 400 with the problems (as the real service would)."""

    answers: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    default: int = 200
    validate: Callable[[Any], list[str]] | None = None
    requests: list[Recorded] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Recorder:
        from streams.embedded import free_port

        self.port = free_port()
        threading.Thread(target=self._serve, daemon=True).start()
        assert self._ready.wait(10), "recorder did not start"
        return self

    def _serve(self) -> None:
        from aiohttp import web

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            rec = Recorded(request.path, dict(request.headers), body)
            self.requests.append(rec)
            if self.validate is not None:
                try:
                    problems = self.validate(json.loads(body))
                except ValueError as exc:
                    problems = [f"not JSON: {exc}"]
                if problems:
                    self.invalid.extend(problems)
                    return web.json_response({"problems": problems}, status=400)
            answer = self.answers.pop(0) if self.answers else self.default
            if answer == HANG:  # a receiver that accepts the connection and never answers
                await asyncio.sleep(3600)
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            text = "ok" if status < 300 else "unavailable"
            return web.Response(status=status, text=text, headers=headers)

        async def main() -> None:
            app = web.Application()
            app.router.add_route("POST", "/{tail:.*}", handle)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            self._ready.set()
            while True:
                await asyncio.sleep(3600)

        self._loop = asyncio.new_event_loop()
        with contextlib.suppress(RuntimeError):  # stopped
            self._loop.run_until_complete(main())

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def bodies(self) -> list[Any]:
        return [r.json() for r in self.requests]
