"""The aiohttp app of `pufa web`: pages, the live stream, console commands, static files.

```
GET  /screen/<token>          the scoreboard (a screen link)
GET  /console/<token>         the console (a host or judge link)
GET  /events/<token>          the live stream (SSE) of any working link's event
POST /console/<token>/command a console button (JSON), answered with the replies as JSON
GET  /static/<file>           the pages' script and style (served here: no CDN)
```
Every request looks its token up (hashed) in the database: an unknown, revoked or wrong-role
token — or a host/judge link whose user is no longer the event's quiz master/judge — gets the
404 page and changes nothing. A command must come from our own page: the token is in the path
(a forged page cannot know it), the body is JSON (a cross-site form cannot send it without
CORS, which we never grant), and `Origin` (else `Referer`) must be this server's own origin.
Tokens never reach the logs: the access log prints paths with the token cut out.

The stream sends the whole snapshot on connect and on every version change (`event:
snapshot`, `id:` the version, data `{"now": server time, "snapshot": ...}`), a `tick` with
the server time every few seconds (the page corrects its countdown's clock with it; a
connection that stops ticking is re-opened by EventSource itself), and re-checks the link on
every tick so a revoked link's open page stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.conversation.messages import t
from bot.conversation.router import Conversation
from bot.web.console import BadCommand, console_text, run_console_command
from bot.web.feed import POLL_INTERVAL, BoardFeed, BoardSource
from bot.web.pages import console_page, not_found_page, screen_page
from bot.weblinks import WebLink, find_link, holds_role
from competition import Competition

log = logging.getLogger("pufa.web")

STATIC = Path(__file__).parent / "static"
TICK_SECONDS = 5.0  # the stream's heartbeat, and how often an open page's link is re-checked
RETRY_MS = 1000  # EventSource waits this long before reconnecting
MAX_COMMAND_BYTES = 4096
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_TOKEN_IN_PATH = re.compile(r"^/(screen|console|events)/[^/]+")
BAD_COMMAND_TEXT = {
    "command": "web_bad_command",
    "team": "web_bad_team",
    "delta": "web_bad_delta",
    "reason": "web_bad_reason",
    "points": "web_bad_points",
}


class RedactingAccessLogger(AbstractAccessLogger):
    """Access log lines without the secret token in the path."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        path = _TOKEN_IN_PATH.sub(r"/\1/…", request.path)
        self.logger.info("%s %s %d %.3fs", request.method, path, response.status, time)


@dataclass
class Access:
    """A working link and its event, for one request."""

    link: WebLink
    competition: Competition


class WebApp:
    """The pages of one process; `app()` builds the aiohttp application."""

    def __init__(
        self,
        conversation: Conversation,
        source: BoardSource,
        clock: Callable[[], datetime],
        quizmasters: frozenset[int] = frozenset(),
        on_queued: Callable[[], None] | None = None,
        poll_interval: float = POLL_INTERVAL,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.conversation = conversation
        self.sessions = conversation.sessions
        self.source = source
        self.clock = clock
        self.quizmasters = quizmasters
        self.on_queued = on_queued  # wakes this process's send loop, if it has one
        self.tick_seconds = tick_seconds
        self.feed = BoardFeed(self.sessions, source, clock, poll_interval)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_COMMAND_BYTES, middlewares=[self._headers])
        app.router.add_get("/screen/{token}", self.screen)
        app.router.add_get("/console/{token}", self.console)
        app.router.add_get("/events/{token}", self.events)
        app.router.add_post("/console/{token}/command", self.command)
        app.router.add_static("/static/", STATIC, append_version=False)
        app.on_shutdown.append(self._close)
        return app

    async def _close(self, _app: web.Application) -> None:
        await self.feed.close()

    @web.middleware
    async def _headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            response = self.not_found()  # one page for every path that is not ours
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
        return response

    # --- access --------------------------------------------------------------------------

    async def access(self, token: str, roles: tuple[str, ...]) -> Access | None:
        """The link and event for a token of one of `roles`, if it still works."""
        async with self.sessions() as session:
            link = await find_link(session, token)
            if link is None or link.role not in roles:
                return None
            comp = await session.get(Competition, link.competition_id)
            if comp is None or comp.id is None:
                return None
            judges = (
                await self.source.judges(session, comp.id) if link.role == "judge" else frozenset()
            )
            if not holds_role(link, comp, self.quizmasters, judges):
                return None
            return Access(link, comp)

    @staticmethod
    def not_found() -> web.Response:
        return web.Response(
            status=404, text=not_found_page(), content_type="text/html", headers=SECURITY_HEADERS
        )

    # --- pages ---------------------------------------------------------------------------

    async def screen(self, request: web.Request) -> web.Response:
        """The scoreboard page (a screen link)."""
        access = await self.access(request.match_info["token"], ("screen",))
        if access is None:
            return self.not_found()
        return web.Response(text=screen_page(access.competition.name), content_type="text/html")

    async def console(self, request: web.Request) -> web.Response:
        """The console page (a host or judge link)."""
        access = await self.access(request.match_info["token"], ("host", "judge"))
        if access is None:
            return self.not_found()
        page = console_page(access.competition.name, access.link.role)
        return web.Response(text=page, content_type="text/html")

    # --- the stream ----------------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the snapshot on connect and on every change, ticks between."""
        token = request.match_info["token"]
        access = await self.access(token, ("screen", "host", "judge"))
        if access is None or access.competition.id is None:
            return self.not_found()
        response = web.StreamResponse(
            headers={
                **SECURITY_HEADERS,
                "Content-Type": "text/event-stream; charset=utf-8",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        comp_id = access.competition.id
        with contextlib.suppress(ConnectionResetError):
            await response.write(f"retry: {RETRY_MS}\n\n".encode())
            async with self.feed.watch(comp_id) as watcher:
                while not watcher.closed:
                    try:
                        await asyncio.wait_for(watcher.changed.wait(), self.tick_seconds)
                    except TimeoutError:
                        if await self.access(token, ("screen", "host", "judge")) is None:
                            break
                        await response.write(self._message("tick", f'{{"now":"{self._now()}"}}'))
                        continue
                    watcher.changed.clear()
                    latest = self.feed.latest(comp_id)
                    if latest is not None and not watcher.closed:
                        data = f'{{"now":"{self._now()}","snapshot":{latest.json}}}'
                        await response.write(self._message("snapshot", data, latest.version))
        return response

    def _now(self) -> str:
        return self.clock().isoformat()

    @staticmethod
    def _message(kind: str, data: str, version: int | None = None) -> bytes:
        head = f"id: {version}\n" if version is not None else ""
        return f"{head}event: {kind}\ndata: {data}\n\n".encode()

    # --- commands ------------------------------------------------------------------------

    async def command(self, request: web.Request) -> web.Response:
        """A console button: checked, run through the conversation layer, replies back."""
        access = await self.access(request.match_info["token"], ("host", "judge"))
        if access is None or access.link.user_id is None or access.competition.id is None:
            return self.not_found()
        if not same_origin(request):
            return _answer(403, error=t("web_cross_site"))
        if request.content_type != "application/json":
            return _answer(415, error=t("web_cross_site"))
        try:
            press = json.loads(await request.text())
            if not isinstance(press, dict):
                raise BadCommand("command")
            text = console_text(press)
        except (ValueError, UnicodeDecodeError) as exc:
            key = BAD_COMMAND_TEXT.get(str(exc), "web_bad_command")
            return _answer(400, error=t(key))
        async with self.sessions() as session:
            has_final = await self.source.version(session, access.competition.id) > 0
        if not has_final:
            return _answer(409, error=t("web_no_final"))
        replies = await run_console_command(
            self.conversation, access.link.user_id, access.competition.code, text, self.clock()
        )
        log.info("console command=%s role=%s", text.split()[0], access.link.role)
        if self.on_queued is not None:
            self.on_queued()
        self.feed.poke(access.competition.id)
        return _answer(200, replies=replies)


def _answer(status: int, **body: Any) -> web.Response:
    body["ok"] = status == 200
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def same_origin(request: web.Request) -> bool:
    """The request came from a page of this server (Origin, else Referer, names our host)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if not claimed or claimed == "null":
        return False
    origin = urlsplit(claimed)
    return origin.scheme in ("http", "https") and origin.netloc == request.host


async def serve(webapp: WebApp, host: str, port: int) -> web.AppRunner:
    """Start listening; the caller keeps the runner and calls `cleanup()` to stop."""
    runner = web.AppRunner(webapp.app(), access_log_class=RedactingAccessLogger, shutdown_timeout=2)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("web pages on %s:%d", host, port)
    return runner
