"""`pufa web`: the scoreboard and console pages, and their secret links.

- `pufa web [--host H] [--port P]` serves the pages (PUFA_WEB_HOST / PUFA_WEB_PORT by default);
- `pufa web link EVENT --role screen|host|judge [--user ID]` makes a link and prints its URL
  (the only time the token is shown);
- `pufa web links EVENT` lists the event's links (never their tokens);
- `pufa web revoke EVENT [--id N] [--role R] [--user ID] [--all]` takes links back.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.cli.common import in_database
from bot.config import Settings
from bot.webroles import BOUND_ROLES, ROLES

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands
    from competition import Competition


class Refused(Exception):
    """A link command that cannot be done; the message says why."""


async def _event(session: AsyncSession, code: str) -> Competition:
    from competition import competition_by_code

    comp = await competition_by_code(session, code)
    if comp is None or comp.id is None:
        raise Refused(f"no event {code!r}")
    return comp


def _run(work: Callable[[AsyncSession], Awaitable[str]]) -> int:
    try:
        print(in_database(work))
    except Refused as exc:
        print(exc)
        return 1
    return 0


def cmd_web_link(args: argparse.Namespace) -> int:
    from bot.weblinks import create_link, link_url

    settings = Settings()

    async def make(session: AsyncSession) -> str:
        comp = await _event(session, args.event)
        assert comp.id is not None
        user = args.user
        if args.role in BOUND_ROLES and user is None:
            hosts = sorted(set(comp.quizmasters) | set(settings.quizmasters))
            if args.role != "host" or len(hosts) != 1:
                raise Refused(f"a {args.role} link is bound to a person: give --user TELEGRAM_ID")
            user = hosts[0]
        if args.role == "screen" and user is not None:
            raise Refused("a screen link is bound to nobody: leave out --user")
        if args.role == "host" and user not in set(comp.quizmasters) | set(settings.quizmasters):
            raise Refused(
                f"{user} is not a quiz master of {comp.code} (event file or PUFA_QUIZMASTERS)"
            )
        new = await create_link(session, comp.id, args.role, datetime.now(UTC), user_id=user)
        return link_url(settings.web_public_url, args.role, new.token)

    return _run(make)


def cmd_web_links(args: argparse.Namespace) -> int:
    from bot.weblinks import event_links

    tz = ZoneInfo(Settings().tz)

    async def show(session: AsyncSession) -> str:
        comp = await _event(session, args.event)
        assert comp.id is not None
        lines = ["id\trole\tuser\tcreated\tstatus"]
        for link in await event_links(session, comp.id):
            status = (
                "active"
                if link.revoked_at is None
                else f"revoked {link.revoked_at.astimezone(tz):%Y-%m-%d %H:%M}"
            )
            created = link.created_at.astimezone(tz)
            user = "" if link.user_id is None else str(link.user_id)
            lines.append(f"{link.id}\t{link.role}\t{user}\t{created:%Y-%m-%d %H:%M}\t{status}")
        return "\n".join(lines)

    return _run(show)


def cmd_web_revoke(args: argparse.Namespace) -> int:
    from bot.weblinks import revoke_links

    if args.id is None and args.role is None and args.user is None and not args.all:
        print("say which links: --id N, --role R, --user ID (any together), or --all")
        return 2

    async def revoke(session: AsyncSession) -> str:
        comp = await _event(session, args.event)
        assert comp.id is not None
        gone = await revoke_links(
            session,
            comp.id,
            datetime.now(UTC),
            link_id=args.id,
            role=args.role,
            user_id=args.user,
        )
        ids = ", ".join(str(link.id) for link in gone)
        return f"{len(gone)} link(s) revoked" + (f": {ids}" if ids else "")

    return _run(revoke)


def cmd_web_serve(args: argparse.Namespace) -> int:
    from bot.web.run import serve_forever

    settings = Settings()
    host = args.host or settings.web_host
    port = args.port or settings.web_port
    asyncio.run(serve_forever(settings, host, port))
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa web` and its link commands."""
    web = sub.add_parser("web", help="the big-screen scoreboard and the quiz master's console")
    web.add_argument("--host", help="address to listen on (default: PUFA_WEB_HOST)")
    web.add_argument("--port", type=int, help="port to listen on (default: PUFA_WEB_PORT)")
    web.set_defaults(func=cmd_web_serve)
    links = web.add_subparsers(dest="web_command", required=False)
    link = links.add_parser("link", help="make a secret link and print its URL")
    link.add_argument("event", help="the event's code")
    link.add_argument("--role", choices=ROLES, required=True)
    link.add_argument("--user", type=int, help="the quiz master's / judge's Telegram id")
    link.set_defaults(func=cmd_web_link)
    listing = links.add_parser("links", help="list an event's links (without their secrets)")
    listing.add_argument("event", help="the event's code")
    listing.set_defaults(func=cmd_web_links)
    revoke = links.add_parser("revoke", help="revoke links (they answer 404 from then on)")
    revoke.add_argument("event", help="the event's code")
    revoke.add_argument("--id", type=int, help="one link, by the id `pufa web links` shows")
    revoke.add_argument("--role", choices=ROLES)
    revoke.add_argument("--user", type=int, help="links bound to this Telegram id")
    revoke.add_argument("--all", action="store_true", help="every link of the event")
    revoke.set_defaults(func=cmd_web_revoke)
