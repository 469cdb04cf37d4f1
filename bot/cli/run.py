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
    from bot.app import run_bot

    asyncio.run(run_bot(settings))
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa run`."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling)")
    run.set_defaults(func=cmd_run)
