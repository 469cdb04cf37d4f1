"""The bot's own HTTP endpoints (aiohttp, which the Telegram stack already brings):

- `POST <webhook path>`: Telegram's webhook. A request without the right
  X-Telegram-Bot-Api-Secret-Token header gets 401 and changes nothing; a good one is parsed by
  the runtime's adapter and stored in the inbox before the 200 goes back, so an update Telegram
  saw acknowledged is never lost (on any failure Telegram gets 500 and sends it again; the
  inbox's unique update id makes a second copy harmless).
- `GET /healthz`: database reachable, inbox and outbox backlog, scheduler lag (JSON; 503 when
  the database cannot be reached).
- `GET /metrics`: Prometheus text format (bot/delivery/metrics.py).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.delivery import store

if TYPE_CHECKING:
    from bot.delivery.runner import Delivery

log = logging.getLogger("pufa.http")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are far smaller


class BotHttp:
    """Serves the webhook (when `webhook_path` is given), /healthz and /metrics."""

    def __init__(self, delivery: Delivery, webhook_path: str | None, secret: str | None) -> None:
        assert webhook_path is None or secret, "a webhook needs its secret token"
        self.delivery = delivery
        self.webhook_path = webhook_path
        self.secret = (secret or "").encode()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        if self.webhook_path:
            app.router.add_post(self.webhook_path, self.webhook)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def start(self, host: str, port: int) -> None:
        # no access log: a webhook path may hold a secret and request lines name users' ids
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("http: listening on %s:%d", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def webhook(self, request: web.Request) -> web.Response:
        metrics = self.delivery.metrics
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            metrics.webhook_requests.labels("unauthorized").inc()
            return web.Response(status=401, text="unauthorized")
        try:
            payload = json.loads(await request.read())
            update_id = int(payload["update_id"])
        except (ValueError, TypeError, KeyError):
            metrics.webhook_requests.labels("malformed").inc()
            return web.Response(status=400, text="not an update")
        fetched = self.delivery.api.parse(payload)
        try:
            await self.delivery.accept([fetched])
        except Exception as exc:  # the database is down: Telegram will try again
            metrics.webhook_requests.labels("error").inc()
            log.warning("webhook: update %d not stored: %s", update_id, type(exc).__name__)
            return web.Response(status=500, text="try again")
        metrics.webhook_requests.labels("stored").inc()
        return web.Response(text="ok")

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            async with self.delivery.sessions() as session:
                health = await store.health(session, self.delivery.clock())
        except Exception as exc:
            return web.json_response({"ok": False, "database": type(exc).__name__}, status=503)
        return web.json_response(
            {
                "ok": True,
                "database": "ok",
                "runtime": self.delivery.api.name,
                "inbox_backlog": health.inbox_backlog,
                "outbox_backlog": health.outbox_backlog,
                "scheduler_lag_seconds": round(health.scheduler_lag, 3),
            }
        )

    async def metrics(self, request: web.Request) -> web.Response:
        async with self.delivery.sessions() as session:
            health = await store.health(session, self.delivery.clock())
        body = self.delivery.metrics.render(health)
        return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})
