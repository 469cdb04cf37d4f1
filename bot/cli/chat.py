"""`pufa chat`: talk to the bot in the terminal, as a worker or as a lawyer on the roster."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.cli.common import Commands


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.transports.console import run_console
    from legal_aid import first_lawyer

    async def go() -> int:
        app = await build_app()
        try:
            user_id = args.user_id
            if args.role == "lawyer":
                async with app.conversation.sessions() as session:
                    lawyer = await first_lawyer(session)
                if lawyer is None:
                    print(
                        "no lawyer with a Telegram id on the roster yet: run `pufa roster import"
                        " FILE` first (lawyers who join by invite link get their id on joining)"
                    )
                    return 1
                user_id = lawyer.telegram_id
                print(f"you are {lawyer.name} (Telegram id {user_id}); /duty shows your desk")
            await run_console(app.conversation, user_id=user_id)
            return 0
        finally:
            await app.close()

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        print()
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa chat`."""
    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--user-id", type=int, default=1, help="who you are (default 1)")
    chat.add_argument(
        "--as",
        dest="role",
        choices=("worker", "lawyer"),
        default="worker",
        help="lawyer: be the lawyer with the most open bookings (see `pufa roster import`)",
    )
    chat.set_defaults(func=cmd_chat)
