"""`pufa run`: run the Telegram bot (long polling, or a webhook with --webhook)."""

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
    from bot.app import run_bot, webhook_problem

    if args.webhook and (problem := webhook_problem(settings)):
        print(problem, file=sys.stderr)
        return 2
    asyncio.run(run_bot(settings, webhook=args.webhook))
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa run`."""
    run = sub.add_parser("run", help="run the Telegram bot (long polling, or --webhook)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates at PUFA_WEBHOOK_URL (needs PUFA_WEBHOOK_SECRET) instead of polling",
    )
    run.set_defaults(func=cmd_run)
