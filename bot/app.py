"""The composition root: settings → database → bank → conversation layer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.conversation.context import Services
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from legal_faq.compiled import load_matcher
from question_bank import StatuteLibrary, bank_files, compiled, load_bank

log = logging.getLogger("pufa")


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    conversation: Conversation

    async def close(self) -> None:
        await self.engine.dispose()


def system_now() -> datetime:
    return datetime.now(UTC)


async def build_app(
    settings: Settings | None = None,
    clock: Callable[[], datetime] = system_now,
    migrate: bool = True,
) -> App:
    """Open the database (migrating it), load the bank, and build the conversation layer."""
    settings = settings or Settings()
    if settings.cache_dir is not None:
        compiled.configure(settings.cache_dir)
    engine = make_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    files = bank_files(settings.bank_dir) if settings.bank_dir else None
    bank = load_bank(files)
    log.info("bank loaded: %d questions", len(bank.questions))
    # the index (reviewed entries, statute articles, bank questions): built once for given
    # content and code, then read from the compiled cache (PUFA_CACHE_DIR)
    matcher = load_matcher(settings.faq_dir, files)
    log.info("faq loaded: %d entries", len(matcher.entries))
    services = Services(
        bank=bank,
        library=StatuteLibrary(),
        practice_size=settings.practice_size,
        faq=matcher,
        tz=ZoneInfo(settings.tz),
        quizmasters=frozenset(settings.quizmasters),
        admins=frozenset(settings.admins),
        web_base_url=settings.web_public_url
        if settings.web_enabled or settings.web_base_url
        else "",
    )
    conversation = Conversation(session_factory(engine), services, clock)
    return App(settings, engine, conversation)


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc's malloc_trim): start-up
    (imports, the compiled cache unpickled) leaves ~20 MiB freed but still held."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def webhook_problem(settings: Settings) -> str | None:
    """Why `pufa run --webhook` cannot start with these settings (None: it can)."""
    if not settings.webhook_url or not settings.webhook_url.startswith("https://"):
        return "PUFA_WEBHOOK_URL must be the public https:// address Telegram posts to"
    if not settings.webhook_secret:
        return "PUFA_WEBHOOK_SECRET is not set (1-256 characters A-Z a-z 0-9 _ -)"
    return None


async def run_bot(
    settings: Settings,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    clock: Callable[[], datetime] = system_now,
    webhook: bool = False,
) -> None:
    """`pufa run`: the bot on Telegram until SIGTERM / SIGINT or `stop`, through the delivery
    core (inbox, outbox, scheduler) and the runtime PUFA_RUNTIME names: long polling, or with
    `webhook` Telegram posting to PUFA_WEBHOOK_URL (served on PUFA_HTTP_HOST:PUFA_HTTP_PORT)."""
    from urllib.parse import urlsplit

    from bot.delivery.limiter import SendLimiter
    from bot.delivery.runner import Delivery
    from bot.transports.base import Webhook
    from bot.transports.telegram import make_api

    assert settings.bot_token, "PUFA_BOT_TOKEN is not set"
    hook = None
    if webhook:
        problem = webhook_problem(settings)
        assert problem is None, problem
        assert settings.webhook_url and settings.webhook_secret
        hook = Webhook(settings.webhook_url, settings.webhook_secret)
    port = settings.http_port if settings.http_port is not None else (8080 if webhook else None)
    listen = (settings.http_host, port) if port is not None else None
    path = settings.webhook_path or (urlsplit(hook.url).path or "/") if hook else None
    app = await build_app(settings, clock)
    api = make_api(settings.runtime, settings.bot_token, settings.telegram_api_base)
    release_free_memory()
    delivery = Delivery(
        app.conversation,
        api,
        workers=settings.workers,
        batch=settings.handle_batch,
        lease=timedelta(seconds=settings.send_lease_seconds),
        limiter=SendLimiter(
            rate=settings.send_rate, group_per_minute=settings.group_messages_per_minute
        ),
    )
    pages = None
    try:
        if settings.web_enabled:  # the scoreboard and console in this process (PUFA_WEB_ENABLED)
            from bot.web.run import start_web

            pages = await start_web(
                app, settings.web_host, settings.web_port, on_queued=delivery.wake_sender
            )
        await delivery.run(stop, handle_signals, webhook=hook, listen=listen, webhook_path=path)
    finally:
        if pages is not None:
            await pages.cleanup()
        await app.close()
