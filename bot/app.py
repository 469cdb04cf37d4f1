"""The composition root: settings → database → bank → conversation layer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.conversation.context import Services
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from legal_faq import build_matcher
from question_bank import StatuteLibrary, bank_files, load_bank

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
    engine = make_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    files = bank_files(settings.bank_dir) if settings.bank_dir else None
    bank = load_bank(files)
    log.info("bank loaded: %d questions", len(bank.questions))
    # the index (reviewed entries, statute articles, bank questions) is built once, here
    matcher = build_matcher(settings.faq_dir, bank.questions.values())
    log.info("faq loaded: %d entries", len(matcher.entries))
    services = Services(
        bank=bank,
        library=StatuteLibrary(),
        practice_size=settings.practice_size,
        faq=matcher,
        tz=ZoneInfo(settings.tz),
        quizmasters=frozenset(settings.quizmasters),
        admins=frozenset(settings.admins),
    )
    conversation = Conversation(session_factory(engine), services, clock)
    return App(settings, engine, conversation)


async def run_bot(
    settings: Settings,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    clock: Callable[[], datetime] = system_now,
) -> None:
    """`pufa run`: the bot on Telegram (long polling) until SIGTERM / SIGINT or `stop`, through
    the delivery core (inbox, outbox, scheduler) and the runtime PUFA_RUNTIME names."""
    from bot.delivery.runner import Delivery
    from bot.transports.telegram import make_api

    assert settings.bot_token, "PUFA_BOT_TOKEN is not set"
    app = await build_app(settings, clock)
    api = make_api(settings.runtime, settings.bot_token, settings.telegram_api_base)
    try:
        await Delivery(app.conversation, api, workers=settings.workers).run(stop, handle_signals)
    finally:
        await app.close()
