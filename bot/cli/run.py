"""`pufa run`: run the Telegram bot (long polling)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.common import Commands


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.bot_token:
        print("PUFA_BOT_TOKEN is not set (see README: 在 Telegram 上运行)", file=sys.stderr)
        return 2
    if settings.runtime != "aiogram":
        print(f"PUFA_RUNTIME={settings.runtime} is not available yet", file=sys.stderr)
        return 2
    from bot.app import build_app
    from bot.transports.telegram_aiogram import make_bot, run_polling

    async def go() -> None:
        app = await build_app(settings)
        assert settings.bot_token is not None
        bot = make_bot(settings.bot_token, settings.telegram_api_base)
        try:
            await run_polling(app.conversation, bot)
        finally:
            await app.close()

    asyncio.run(go())
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa run`."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling)")
    run.set_defaults(func=cmd_run)
