"""`pufa chat`: talk to the bot in the terminal, as a worker, a quiz master or a lawyer on the
roster."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
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
            elif args.role == "quizmaster":
                user_id = await _quizmaster_id(app, args.user_id)
            await run_console(app.conversation, user_id=user_id)
            return 0
        finally:
            await app.close()

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        print()
    return 0


async def _quizmaster_id(app: App, fallback: int) -> int:
    """Who `pufa chat --as quizmaster` plays: the first of PUFA_QUIZMASTERS, else the latest
    event's first quiz master; with neither, `fallback` becomes a quiz master for this terminal
    session only (nothing is written to the settings or the database)."""
    from competition import latest_competition

    if app.settings.quizmasters:
        user_id = app.settings.quizmasters[0]
        print(f"you are quiz master {user_id} (PUFA_QUIZMASTERS); /help lists your commands")
        return user_id
    async with app.conversation.sessions() as session:
        comp = await latest_competition(session)
    if comp is not None and comp.quizmasters:
        user_id = comp.quizmasters[0]
        print(f"you are quiz master {user_id} of event {comp.code}; /help lists your commands")
        return user_id
    services = app.conversation.services
    app.conversation.services = dataclasses.replace(
        services, quizmasters=services.quizmasters | {fallback}
    )
    print(
        f"no quiz master configured (PUFA_QUIZMASTERS, or an event file's quizmasters): you"
        f" (id {fallback}) are a quiz master for this terminal session only; /help lists your"
        " commands"
    )
    return fallback


def add_commands(sub: Commands) -> None:
    """Register `pufa chat`."""
    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--user-id", type=int, default=1, help="who you are (default 1)")
    chat.add_argument(
        "--as",
        dest="role",
        choices=("worker", "quizmaster", "lawyer"),
        default="worker",
        help=(
            "quizmaster: be the first of PUFA_QUIZMASTERS or the latest event's quiz master;"
            " lawyer: be the lawyer with the most open bookings (see `pufa roster import`)"
        ),
    )
    chat.set_defaults(func=cmd_chat)
