"""The board's HTTP face against a real Redis: tokens and tenant isolation, the JSON
endpoints, the pages' security headers, the event stream (fed here by the hub directly;
tests/streams/web/test_board_live.py feeds it from a running worker)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from models.settings import Settings
from streams.web.app import HUB, create_app
from tests.streams.web.conftest import ACME, ADMIN, GLOBEX, d, run_async

pytestmark = [pytest.mark.integration]


def run(written, check: Callable[[TestClient, Any], Awaitable[None]]) -> None:
    settings = Settings(
        redis_url="redis://unused:1/0",
        web_admin_token=ADMIN,
        web_tenant_tokens={"acme": ACME, "globex": GLOBEX},
    )
    app = create_app(
        settings, client=written.client, known=written.known(), prefix=written.model.prefix,
        feed=False,
    )  # fmt: skip

    async def main() -> None:
        async with TestClient(TestServer(app)) as client:
            await check(client, app)

    run_async(main)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_no_board(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))

    async def check(client: TestClient, app: Any) -> None:
        r = await client.get("/api/tenants")
        assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        r = await client.get("/api/tenants", headers=bearer("not-a-token-0123456789"))
        assert r.status == 401
        r = await client.get("/tenants/acme", allow_redirects=False)
        assert r.status == 303 and unquote(r.headers["Location"]) == "/login?next=/tenants/acme"
        r = await client.get("/healthz")  # public, and says nothing of the tenants
        assert r.status == 200 and (await r.json())["status"] == "ok"

    run(written, check)


def test_a_tenant_token_sees_its_tenant_only(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))

    async def check(client: TestClient, app: Any) -> None:
        h = bearer(ACME)
        listed = await (await client.get("/api/tenants", headers=h)).json()
        assert [t["tenant"] for t in listed["tenants"]] == ["acme"]
        for path in (
            "/api/tenants/globex",
            "/api/tenants/globex/clocks",
            "/api/tenants/globex/breaches",
            "/api/tenants/globex/services",
            "/api/tenants/globex/tickets/G-1",
            "/api/tenants/nobody/clocks",  # 403, not 404: no probing for tenants
            "/api/events?tenant=globex",
            "/tenants/globex",
            "/tenants/globex/tickets/G-1",
        ):
            r = await client.get(path, headers=h)
            assert r.status == 403, path
            assert "G-1" not in await r.text()
        r = await client.get("/api/tenants/acme/clocks", headers=h)
        assert r.status == 200
        assert [c["ticket_id"] for c in (await r.json())["clocks"]] == ["T-2", "T-2", "T-1", "T-1"]
        # the other tenant's token, the other way round
        r = await client.get("/api/tenants/acme/clocks", headers=bearer(GLOBEX))
        assert r.status == 403

    run(written, check)


def test_the_admin_token_sees_every_tenant(written) -> None:
    written.at(d(2026, 4, 7, 10, 45))

    async def check(client: TestClient, app: Any) -> None:
        h = bearer(ADMIN)
        listed = await (await client.get("/api/tenants", headers=h)).json()
        assert datetime.fromisoformat(listed["now"]) == d(2026, 4, 7, 10, 45)
        acme = next(t for t in listed["tenants"] if t["tenant"] == "acme")
        assert (acme["open_clocks"], acme["overdue"], acme["breached_today"]) == (4, 1, 1)
        assert [t["tenant"] for t in listed["tenants"]] == ["acme", "globex"]
        clocks = await (await client.get("/api/tenants/acme/clocks?within=2h", headers=h)).json()
        assert [(c["ticket_id"], c["clock"], c["state"]) for c in clocks["clocks"]] == [
            ("T-2", "response", "overdue"),  # 10:30
            ("T-2", "resolution", "on track"),  # 12:00, 1 h 15 min left
        ]
        ticket = await (await client.get("/api/tenants/acme/tickets/T-2", headers=h)).json()
        assert {e["clock"]: e["verified"] for e in ticket["explanations"]} == {
            "resolution": True, "response": True,
        }  # fmt: skip
        assert (await client.get("/api/tenants/acme/tickets/NOPE", headers=h)).status == 404
        bad = await client.get("/api/tenants/acme/clocks?within=soon", headers=h)
        assert bad.status == 400 and "within" in (await bad.json())["error"]
        assert (await client.get("/api/tenants/acme/breaches?limit=0", headers=h)).status == 400
        now = await (await client.get("/api/now", headers=h)).json()
        assert now["simulated"] and now["speed"] == 0

    run(written, check)


def test_signing_in_sets_a_strict_cookie(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))

    async def check(client: TestClient, app: Any) -> None:
        r = await client.post("/login", data={"token": "wrong-token-0123456789"})
        assert r.status == 401 and "not valid" in await r.text()
        r = await client.post("/login", data={"token": ACME}, allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/tenants/acme"
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = await client.get("/tenants/acme")  # the cookie jar sends it
        assert page.status == 200 and "T-2" in await page.text()
        assert (await client.get("/tenants/globex")).status == 403
        overview = await (await client.get("/")).text()
        assert 'href="/tenants/acme"' in overview and "/tenants/globex" not in overview
        r = await client.post("/login", data={"token": ACME, "next": "//evil.example/"},
                              allow_redirects=False)  # fmt: skip
        assert r.headers["Location"] == "/tenants/acme"  # only local paths
        await client.get("/logout")
        assert (await client.get("/tenants/acme", allow_redirects=False)).status == 303

    run(written, check)


def test_pages_load_nothing_from_elsewhere(written) -> None:
    written.at(d(2026, 4, 7, 10, 45))

    async def check(client: TestClient, app: Any) -> None:
        h = bearer(ADMIN)
        for path in ("/", "/tenants/acme", "/tenants/acme/tickets/T-2"):
            r = await client.get(path, headers=h)
            assert r.status == 200, path
            csp = r.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "script-src 'self'" in csp
            assert r.headers["Cache-Control"] == "no-store"
            html = await r.text()
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), path
            assert "<script>" not in html and "style=" not in html  # CSP: no inline code
        for asset in ("/static/board.js", "/static/board.css", "/static/favicon.svg"):
            assert (await client.get(asset)).status == 200, asset

    run(written, check)


def test_the_event_stream_pushes_a_breach(written) -> None:
    written.at(d(2026, 4, 7, 10, 15))

    async def check(client: TestClient, app: Any) -> None:
        hub = app[HUB]
        hub.interval = 0.05
        async with ClientSession() as http:
            url = client.make_url("/api/events?tenant=acme")
            async with http.get(url, headers=bearer(ACME)) as stream:
                assert stream.headers["Content-Type"] == "text/event-stream"
                seen = await _read_until(stream, b"event: now")
                assert b"retry: 2000" in seen
                seen = await _read_until(stream, b'"id":"clocks"')  # the first round
                assert b"at risk" in seen
                # the worker fires the breach at 10:30: the feed hands it to the hub
                new = written.at(d(2026, 4, 7, 10, 31))
                for sig in new:
                    hub.on_signal(sig, live=True)
                seen = await _read_until(stream, b"event: signal")
                assert b'"type":"sla.breach"' in seen
                seen = await _read_until(stream, b'"id":"clocks"')
                assert b"overdue" in seen

    run(written, check)


async def _read_until(stream: Any, marker: bytes, timeout: float = 10.0) -> bytes:
    got = b""
    async with asyncio.timeout(timeout):
        while marker not in got:
            chunk = await stream.content.readany()
            if not chunk:
                raise AssertionError(f"stream ended before {marker!r}: {got[-500:]!r}")
            got += chunk
    return got
