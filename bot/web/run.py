"""Starting the pages: on their own (`pufa web`) or beside the bot inside `pufa run`."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from bot.app import App, build_app
from bot.config import Settings
from bot.web.feed import BoardSource
from bot.web.final_board import FinalBoard
from bot.web.server import WebApp, serve

log = logging.getLogger("pufa.web")


async def start_web(
    app: App,
    host: str,
    port: int,
    source: BoardSource | None = None,
    on_queued: Callable[[], None] | None = None,
) -> web.AppRunner:
    """Serve the pages of `app`'s database and conversation layer; `cleanup()` the runner
    to stop."""
    webapp = WebApp(
        app.conversation,
        source or FinalBoard(),
        app.conversation.clock,
        quizmasters=frozenset(app.settings.quizmasters),
        on_queued=on_queued,
    )
    return await serve(webapp, host, port)


async def serve_forever(
    settings: Settings,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
) -> None:
    """`pufa web`: the pages until SIGTERM / SIGINT (or `stop`). Console commands are queued
    in the shared database's outbox; the bot process (`pufa run`) sends them."""
    stop = stop or asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    app = await build_app(settings)
    try:
        runner = await start_web(app, host, port)
        print(f"pufa web: http://{host}:{port} (links: {settings.web_public_url}/…)", flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        await app.close()
