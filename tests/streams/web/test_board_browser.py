"""The ops board in a real browser (Debian's chromium, headless), against the embedded broker
and Redis with a running ``slawatch worker`` and ``slawatch web``, on a simulated clock.

A ticket created through ``sla.ticket-events`` shows up on the board; its countdown moves
(against the runtime's clock: March 2026, not the browser's); its breach appears without a
reload (pushed by server-sent events from the stream); a tenant token gets 403 on another
tenant's page. Each page is saved as a screenshot under the test's temporary directory;
``SLAWATCH_DOCS_IMG=1`` also copies them to docs/img/ (what docs/board.md shows).

Clock: Monday 2 March 2026 10:00 Amsterdam at ×120 (1 s = 2 min). acme T-1 (Bokumo,
company_wide/hoog = kritiek): response 30 min on office hours → breach at 10:30, 15 s after
the clock starts.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from models.settings import Settings
from streams.cli.web_cmd import start_board
from streams.embedded import EMBEDDED_SESSION_TIMEOUT, free_port
from streams.topics import ensure_topics
from tests.browser import Loaded
from tests.build_check import package_root
from tests.streams.web.conftest import ACME, ADMIN, AMS, GLOBEX
from tests.streams.workers import Worker

pytestmark = [pytest.mark.integration, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[3]
START = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)
SPEED = 120.0
LEAD = 8.0  # wall seconds for the worker to join its group before the clock reaches START
TENANTS = {
    "tenants": {
        "acme": {"policy": "bokumo-ict"},
        "globex": {"policy": "1do", "options": {"calamity_service": True}},
    }
}


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


TICKETS = [
    ("acme", "T-1", at(0), {"impact": "company_wide", "urgency": "hoog"}),  # 30 min → 10:30
    ("acme", "T-2", at(-30), {"impact": "multiple_users", "urgency": "medium"}),  # 3 h → 12:30
    ("acme", "T-3", at(0), {"impact": "single_user", "urgency": "laag"}),  # 8 h → Tue 10:00
    ("globex", "G-1", at(-5), {"impact": "1", "urgency": "A"}),
    ("globex", "G-2", at(-5), {"impact": "2", "urgency": "B"}),
]
OUTAGES = [
    ("monitor.down", at(-40)),
    ("monitor.up", at(-15)),  # 25 min counted
    ("monitor.down", at(-5)),  # and one going on
]


@dataclass
class Live:
    url: str
    settings: Settings
    worker: Worker
    board_log: Path
    shots: Path


@pytest.fixture(scope="module")
def live(kafka, redis_server, tmp_path_factory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("board")
    tag = uuid.uuid4().hex[:6]
    (tmp / "tenants.yaml").write_text(yaml.safe_dump(TENANTS))
    settings = Settings(
        brokers=kafka.bootstrap, topic_prefix=f"bw{tag}.", partitions=2, app_id=f"bw{tag}"
    )
    ensure_topics(settings=settings)
    origin = time.time() + LEAD
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLAWATCH_")}
    env.update(
        PYTHONPATH=str(package_root()),  # the slawatch the tests run
        SLAWATCH_BROKERS=kafka.bootstrap,
        SLAWATCH_TOPIC_PREFIX=f"bw{tag}.",
        SLAWATCH_APP_ID=f"bw{tag}",
        SLAWATCH_PARTITIONS="2",
        SLAWATCH_SESSION_TIMEOUT=str(EMBEDDED_SESSION_TIMEOUT),
        SLAWATCH_TENANTS_FILE=str(tmp / "tenants.yaml"),
        SLAWATCH_DATA_DIR=str(tmp / "data"),
        SLAWATCH_REDIS_URL=redis_server.url,
        SLAWATCH_CLOCK_START=START.isoformat(),
        SLAWATCH_CLOCK_SPEED=repr(SPEED),
        SLAWATCH_CLOCK_ORIGIN=datetime.fromtimestamp(origin).astimezone().isoformat(),
    )
    argv = [sys.executable, "-m", "streams", "worker", "-l", "info"]
    worker = Worker(argv, env, tmp / "worker.log").start()
    board_env = {
        **env,
        "SLAWATCH_WEB_ADMIN_TOKEN": ADMIN,
        "SLAWATCH_WEB_TENANT_TOKENS": orjson.dumps({"acme": ACME, "globex": GLOBEX}).decode(),
    }
    port = free_port()
    board = None
    try:
        board = start_board(board_env, port, tmp / "board.log")
        _produce(settings)
        yield Live(f"http://127.0.0.1:{port}", settings, worker, tmp / "board.log", tmp / "shots")
    finally:
        if board is not None and board.poll() is None:
            board.send_signal(signal.SIGTERM)
            board.wait(15)
        worker.stop(signal.SIGKILL)


def _produce(s: Settings) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=s.bootstrap_servers, linger_ms=5)
    for i, (tenant, ticket, when, fields) in enumerate(TICKETS):
        event = {"event_id": f"c{i}", "type": "ticket.created", "tenant": tenant,
                 "ticket_id": ticket, "at": when, **fields}  # fmt: skip
        producer.send(s.topic("sla.ticket-events"), key=f"{tenant}:{ticket}".encode(),
                      value=orjson.dumps(event))  # fmt: skip
    for i, (etype, when) in enumerate(OUTAGES):
        event = {"event_id": f"m{i}", "type": etype, "tenant": "acme", "service": "portal",
                 "at": when}  # fmt: skip
        producer.send(s.topic("sla.monitoring-events"), key=b"acme:portal",
                      value=orjson.dumps(event))  # fmt: skip
    producer.flush()
    producer.close()


def _open(browser: Any, url: str) -> Loaded:
    """A page, recording what would go wrong (as ``tests.browser.Browser.open`` does), loaded
    to its ``load`` event: the event stream stays open, so the network never goes idle."""
    page = browser.context.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    loaded = Loaded(page)
    page.on("console", lambda m: m.type == "error" and loaded.console_errors.append(m.text))
    page.on("pageerror", lambda e: loaded.page_errors.append(str(e)))
    page.on("request", lambda r: loaded.requests.append(r.url))
    page.goto(url, wait_until="load")
    return loaded


def _sign_in(browser: Any, live: Live, token: str) -> Loaded:
    browser.context.clear_cookies()
    loaded = _open(browser, f"{live.url}/login")
    loaded.page.fill("#token", token)
    with loaded.page.expect_navigation():
        loaded.page.click("button[type=submit]")
    return loaded


def _shot(live: Live, loaded: Loaded, name: str) -> None:
    live.shots.mkdir(exist_ok=True)
    path = live.shots / f"{name}.png"
    loaded.page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SLAWATCH_DOCS_IMG") == "1":
        shutil.copy(path, REPO / "docs" / "img" / path.name)


def _minutes(text: str) -> int:
    """Minutes of a countdown: ``25m``, ``2h05m``, ``-3m`` (seconds count as 0)."""
    m = re.fullmatch(r"(-?)(?:(\d+)h)?(?:(\d+)m)?(?:\d+s)?", text.strip())
    assert m, text
    value = int(m.group(2) or 0) * 60 + int(m.group(3) or 0)
    return -value if m.group(1) else value


def test_a_tenant_token_gets_403_on_another_tenant(live: Live, browser: Any) -> None:
    loaded = _sign_in(browser, live, GLOBEX)
    assert loaded.page.url == f"{live.url}/tenants/globex"
    response = loaded.page.goto(f"{live.url}/tenants/acme", wait_until="load")
    assert response is not None and response.status == 403
    assert "does not give access to tenant 'acme'" in loaded.page.inner_text("main")
    _shot(live, loaded, "board-403")
    request = urllib.request.Request(
        f"{live.url}/api/tenants/acme/clocks", headers={"Authorization": f"Bearer {GLOBEX}"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)
    assert err.value.code == 403
    loaded.page.close()


def test_the_board_counts_down_and_shows_the_breach_live(live: Live, browser: Any) -> None:
    overview = _sign_in(browser, live, ADMIN)
    page = overview.page
    assert page.url == f"{live.url}/"
    # the tickets reach the board through the worker: the overview is redrawn by the stream
    page.wait_for_selector("#tenants a[href='/tenants/acme']", timeout=60_000)
    page.wait_for_function(
        "document.querySelector('#live') && document.querySelector('#live').textContent === 'live'"
    )
    _shot(live, overview, "board-overview")

    tenant = _open(browser, f"{live.url}/tenants/acme")
    page = tenant.page
    page.evaluate("window.__sameDocument = true")  # gone if the page were reloaded
    row = page.locator("#clocks tbody tr", has_text="T-1").filter(has_text="response")
    row.wait_for(timeout=60_000)
    first = row.locator(".left").inner_text()
    time.sleep(1.6)  # 3.2 simulated minutes
    second = row.locator(".left").inner_text()
    # against the runtime's clock (Mon 2 Mar 2026, before 10:30 — before 10:00 too while the
    # clock has not reached its start, up to LEAD × SPEED = 16 min): minutes left, not the
    # ~-270 days the browser's own clock (the wall clock) would give
    assert 0 < _minutes(second) < _minutes(first) <= 30 + LEAD * SPEED / 60, (first, second)

    # the breach at 10:30 appears without a reload: in the clocks table and the breaches
    page.locator("#breaches tbody tr", has_text="T-1").wait_for(timeout=60_000)
    row = page.locator("#clocks tbody tr", has_text="T-1").filter(has_text="response")
    assert row.locator("[data-state]").inner_text() == "overdue"
    assert "breach" in row.inner_text()
    assert page.evaluate("window.__sameDocument") is True
    assert "breach" in page.inner_text("#announce")  # said to a screen reader too
    page.locator("#services tbody tr", has_text="portal").wait_for(timeout=30_000)
    _shot(live, tenant, "board-tenant")
    page.emulate_media(color_scheme="dark")
    _shot(live, tenant, "board-tenant-dark")
    page.emulate_media(color_scheme="light")

    # follow the ticket's link (read, then loaded: a click can land on a section the stream
    # is replacing at that moment, and the browser then has nothing to follow)
    href = page.locator("#clocks a", has_text="T-1").first.get_attribute("href")
    assert href == "/tenants/acme/tickets/T-1"
    page.goto(f"{live.url}{href}", wait_until="load")
    page.locator("#signals tbody tr", has_text="breach").wait_for(timeout=30_000)
    explain = page.inner_text("#explain")
    assert "30 min counted = the target 30m: verified against the policy." in explain
    _shot(live, tenant, "board-ticket")

    for loaded in (overview, tenant):
        assert loaded.problems == [], loaded.problems
        foreign = [u for u in loaded.requests if not u.startswith(live.url)]
        assert foreign == [], foreign  # no CDN, nothing but the board
        loaded.page.close()
    health = orjson.loads(urllib.request.urlopen(f"{live.url}/healthz", timeout=10).read())
    assert health == {"status": "ok", "feed": "live"}
