"""The board's aiohttp application: pages, ``/api/…`` (JSON), the event stream, ``/static``.

docs/board.md lists the endpoints. Every route but ``/login``, ``/logout``, ``/healthz`` and
``/static`` needs a token when tokens are configured (:mod:`streams.web.auth`): a missing or
unknown token gets 401 (a page: the login form), a token of another tenant 403. Responses
carry a Content-Security-Policy that allows the board's own files only (no inline script
or style, no other origin: no CDN), and ``Cache-Control: no-store`` (they show tickets).
Reads go to Redis in a thread (the read model's readers are synchronous); Redis being
unreachable is a 503 that says so, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web

from streams.sinks.redis_model import ReadModel, default_prefix
from streams.web import pages
from streams.web.auth import COOKIE, Access, Tokens
from streams.web.board import Board, Known
from streams.web.feed import Feed
from streams.web.hub import Hub
from streams.web.views import View, sections

log = logging.getLogger("slawatch.web")

__all__ = ["STATIC", "create_app"]

STATIC = Path(__file__).with_name("static")
BOARD: web.AppKey[Board] = web.AppKey("board", Board)
HUB: web.AppKey[Hub] = web.AppKey("hub", Hub)
TOKENS: web.AppKey[Tokens] = web.AppKey("tokens", Tokens)
FEED: web.AppKey[Feed] = web.AppKey("feed", Feed)
ACCESS: web.RequestKey[Access] = web.RequestKey("access", Access)
#: The longest list an ``/api`` call returns.
MAX_LIMIT = 1000

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_PUBLIC = ("/login", "/logout", "/healthz")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _problem(request: web.Request, status: int, message: str) -> web.Response:
    if _is_api(request):
        return _json({"error": message, "status": status}, status)
    return web.Response(
        text=pages.error_page(status, message), status=status, content_type="text/html"
    )


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _problem(request, exc.status, exc.text or exc.reason)
    except _REDIS_ERRORS as exc:
        log.warning("board: Redis unavailable: %s", exc)
        response = _problem(request, 503, "the Redis read model is unavailable; retry shortly")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.cookies.get(COOKIE) or None


@web.middleware
async def _auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in _PUBLIC or request.path.startswith("/static/"):
        return await handler(request)
    access = request.app[TOKENS].resolve(_token(request))
    if access is None:
        if _is_api(request):
            response = _json({"error": "a board token is required", "status": 401}, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="slawatch board"'
            return response
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
    request[ACCESS] = access
    return await handler(request)


def _access(request: web.Request) -> Access:
    return request[ACCESS]


def _tenant(request: web.Request) -> str:
    """The route's tenant, if this request may read it (403 otherwise — before any lookup,
    so a tenant's token cannot learn which other tenants exist)."""
    tenant = request.match_info["tenant"]
    if not _access(request).allows(tenant):
        raise web.HTTPForbidden(text=f"this token does not give access to tenant {tenant!r}")
    return tenant


def _limit(request: web.Request, default: int) -> int:
    raw = request.query.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise web.HTTPBadRequest(text=f"limit: a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


# -- pages ----------------------------------------------------------------------------------


async def login_form(request: web.Request) -> web.Response:
    return _html(pages.login_page(next_url=_local(request.query.get("next", "/"))))


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    access = request.app[TOKENS].resolve(str(form.get("token", "")).strip())
    next_url = _local(str(form.get("next", "/")))
    if access is None or not request.app[TOKENS].configured:
        message = "That token is not valid." if request.app[TOKENS].configured else None
        return _html(pages.login_page(message, next_url), status=401 if message else 200)
    target = next_url if next_url != "/" else access.home
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        COOKIE,
        str(form.get("token", "")).strip(),
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        path="/",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def _local(url: str) -> str:
    """A same-site path to go to after signing in (anything else: ``/``)."""
    return url if url.startswith("/") and not url.startswith("//") else "/"


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


async def overview(request: web.Request) -> web.Response:
    board, access = request.app[BOARD], _access(request)
    now = await _call(board.now)
    view = View("overview", tenants=access.tenants)
    drawn = await _call(sections, board, view, now)
    return _html(pages.overview_page(drawn, now.to_dict(), access))


async def tenant_page(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    now = await _call(board.now)
    drawn = await _call(sections, board, View("tenant", tenant), now)
    zone = getattr(board.zone(tenant), "key", "UTC")
    return _html(pages.tenant_page(tenant, zone, drawn, now.to_dict(), _access(request)))


async def ticket_page(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    ticket = request.match_info["ticket"]
    now = await _call(board.now)
    drawn = await _call(sections, board, View("ticket", tenant, ticket), now)
    if drawn is None:
        raise web.HTTPNotFound(text=f"tenant {tenant}: no ticket {ticket!r} is known to the board")
    zone = getattr(board.zone(tenant), "key", "UTC")
    return _html(pages.ticket_page(tenant, ticket, zone, drawn, now.to_dict(), _access(request)))


# -- JSON -----------------------------------------------------------------------------------


async def api_now(request: web.Request) -> web.Response:
    return _json((await _call(request.app[BOARD].now)).to_dict())


async def api_tenants(request: web.Request) -> web.Response:
    board = request.app[BOARD]
    now = await _call(board.now)
    names = _access(request).visible(await _call(board.tenants))

    def summaries() -> list[dict[str, Any]]:
        return [board.summary(t, now.at) for t in names]

    return _json({"now": now.at.isoformat(), "tenants": await _call(summaries)})


async def api_tenant(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    now = await _call(board.now)
    return _json({"now": now.at.isoformat(), **await _call(board.summary, tenant, now.at)})


async def api_clocks(request: web.Request) -> web.Response:
    from models.durations import DurationError, parse_wall

    board, tenant = request.app[BOARD], _tenant(request)
    within: timedelta | None = None
    if "within" in request.query:
        try:
            within = parse_wall(request.query["within"])
        except DurationError as exc:
            raise web.HTTPBadRequest(text=f"within: {exc}") from None
    limit = _limit(request, 200)
    now = await _call(board.now)
    rows = await _call(board.clocks, tenant, now.at, within, limit)
    return _json({"now": now.at.isoformat(), "tenant": tenant, "clocks": rows})


async def api_breaches(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    rows = await _call(board.breaches, tenant, _limit(request, 50))
    return _json({"tenant": tenant, "breaches": rows})


async def api_verdicts(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    rows = await _call(board.verdicts, tenant, _limit(request, 50))
    return _json({"tenant": tenant, "verdicts": rows})


async def api_services(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    now = await _call(board.now)
    rows = await _call(board.services, tenant, now.at)
    return _json({"now": now.at.isoformat(), "tenant": tenant, "services": rows})


async def api_ticket(request: web.Request) -> web.Response:
    board, tenant = request.app[BOARD], _tenant(request)
    ticket_id = request.match_info["ticket"]
    now = await _call(board.now)
    ticket = await _call(board.ticket, tenant, ticket_id, now.at)
    if ticket is None:
        raise web.HTTPNotFound(text=f"tenant {tenant}: no ticket {ticket_id!r} is known")
    return _json({"now": now.at.isoformat(), **ticket})


async def api_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events for one view: ``now`` (the runtime's clock), ``section``
    (``{"id", "html"}``: a section that changed) and ``signal`` (a breach, escalation…)."""
    access = _access(request)
    tenant, ticket = request.query.get("tenant"), request.query.get("ticket")
    if tenant is None:
        view = View("overview", tenants=access.tenants)
    elif not access.allows(tenant):
        raise web.HTTPForbidden(text=f"this token does not give access to tenant {tenant!r}")
    else:
        view = View("ticket", tenant, ticket) if ticket else View("tenant", tenant)
    hub = request.app[HUB]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # a proxy must not hold the stream back
            "Content-Security-Policy": CSP,
        }
    )
    await response.prepare(request)
    sub = hub.subscribe(view)
    try:
        await response.write(b"retry: 2000\n\n")
        hub.welcome(sub, await _call(request.app[BOARD].now))
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), timeout=15)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if item is None:  # too slow: the browser reconnects and draws the page anew
                break
            await response.write(item)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.unsubscribe(sub)
    return response


async def healthz(request: web.Request) -> web.Response:
    """200 when Redis answers (the board can draw its pages); the feed's state says
    whether the live updates flow."""
    feed = request.app.get(FEED)
    status = {"feed": getattr(feed, "status", "off")}
    try:
        await _call(request.app[BOARD].client.ping)
    except _REDIS_ERRORS as exc:
        return _json({"status": "redis unavailable", "detail": type(exc).__name__, **status}, 503)
    return _json({"status": "ok", **status})


# -- the application ------------------------------------------------------------------------


def _redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError)


_REDIS_ERRORS = _redis_errors()


def create_app(
    settings: Any,
    *,
    client: Any = None,
    known: Known | None = None,
    prefix: str | None = None,
    feed: bool = True,
) -> web.Application:
    """The board for ``settings`` (Redis, topics, tokens, clock). ``client``: a synchronous
    ``redis.Redis`` (default: one for ``settings.redis_url``); ``feed=False``: no live
    stream from Kafka (the pages and the API still work)."""
    import redis

    from streams.clock import SimClock

    if client is None:
        client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=3, socket_timeout=10
        )
    board = Board(
        client,
        ReadModel(prefix or default_prefix(settings)),
        known or Known.from_settings(settings),
        fallback_clock=SimClock.from_settings(settings),
    )
    app = web.Application(middlewares=[_headers, _auth])
    app[BOARD] = board
    app[HUB] = Hub(board)
    app[TOKENS] = Tokens.from_settings(settings)
    if feed:
        app[FEED] = Feed(settings, app[HUB])
    app.router.add_get("/", overview)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_get("/logout", logout)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/tenants/{tenant}", tenant_page)
    app.router.add_get("/tenants/{tenant}/tickets/{ticket}", ticket_page)
    app.router.add_get("/api/now", api_now)
    app.router.add_get("/api/events", api_events)
    app.router.add_get("/api/tenants", api_tenants)
    app.router.add_get("/api/tenants/{tenant}", api_tenant)
    app.router.add_get("/api/tenants/{tenant}/clocks", api_clocks)
    app.router.add_get("/api/tenants/{tenant}/breaches", api_breaches)
    app.router.add_get("/api/tenants/{tenant}/verdicts", api_verdicts)
    app.router.add_get("/api/tenants/{tenant}/services", api_services)
    app.router.add_get("/api/tenants/{tenant}/tickets/{ticket}", api_ticket)
    app.router.add_static("/static/", STATIC, append_version=False)
    app.cleanup_ctx.append(_background)
    app.on_shutdown.append(_close_streams)
    return app


async def _close_streams(app: web.Application) -> None:
    """End every event stream, so that stopping does not wait for the browsers."""
    for sub in list(app[HUB].subscribers):
        sub.close()


async def _background(app: web.Application) -> Any:
    """The hub's drawing loop and the feed, for as long as the app runs."""
    tasks = [asyncio.create_task(app[HUB].run(), name="board-hub")]
    if FEED in app:
        tasks.append(asyncio.create_task(app[FEED].run(), name="board-feed"))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
