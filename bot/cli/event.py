"""`pufa event import FILE` and `pufa event links EVENT`: events in, join links out."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import bot_username, in_database
from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands
    from question_bank import Bank


def configured_bank(settings: Settings) -> Bank:
    """The bank `pufa run` would load (PUFA_BANK_DIR, else the shipped one)."""
    from question_bank import bank_files, load_bank

    return load_bank(bank_files(settings.bank_dir) if settings.bank_dir else None)


def cmd_event_import(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.conversation.contest import schedule_reminders
    from competition import EventInvalid, import_event, read_event

    settings = Settings()
    now = datetime.now(UTC)
    tz = ZoneInfo(settings.tz)
    try:
        plan = read_event(Path(args.file), configured_bank(settings), now, tz)

        async def write(session: AsyncSession) -> str:
            comp = await import_event(session, plan)
            await schedule_reminders(session, comp, now)
            return comp.code

        code = in_database(write)
    except EventInvalid as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s); nothing imported")
        return 1
    units = len(plan.event.units)
    teams = sum(len(u.teams) for u in plan.event.units)
    print(
        f"event {code}: {units} unit(s), {teams} team(s), {plan.blueprint.size} questions, "
        f"open {plan.opens_at.astimezone(tz):%Y-%m-%d %H:%M} to "
        f"{plan.closes_at.astimezone(tz):%Y-%m-%d %H:%M} ({settings.tz})"
    )
    gq = plan.event.group_quizzes
    if gq is not None and gq.count:
        where = f"{len(gq.chats)} group(s)" if gq.chats else "every group"
        print(f"group quizzes count for units and teams: {where}, weight {gq.weight:g}")
    return 0


def cmd_event_links(args: argparse.Namespace) -> int:
    import segno

    from competition import competition_by_code, join_codes, join_link

    bot = bot_username(args.bot)
    if not bot:
        print("give the bot's username: --bot NAME or PUFA_BOT_USERNAME")
        return 2

    async def codes(session: AsyncSession) -> list[tuple[str, str, str]] | None:
        comp = await competition_by_code(session, args.event)
        return None if comp is None or comp.id is None else await join_codes(session, comp.id)

    found = in_database(codes)
    if found is None:
        print(f"no event {args.event!r}")
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for code, unit, team in found:
        link = join_link(bot, code)
        segno.make(link, error="m").save(str(out / f"{code}.png"), scale=8, border=4)
        print(f"{code}\t{unit}\t{team}\t{link}")
    print(f"{len(found)} QR code(s) written to {out}")
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa event import` and `pufa event links`."""
    event = sub.add_parser("event", help="online competitions").add_subparsers(
        dest="event_command", required=True
    )
    eimport = event.add_parser("import", help="add or update an event from a YAML file")
    eimport.add_argument("file")
    eimport.set_defaults(func=cmd_event_import)
    links = event.add_parser("links", help="join links and QR codes of an event's units/teams")
    links.add_argument("event", help="the event's code")
    links.add_argument("--bot", help="the bot's username (default: PUFA_BOT_USERNAME)")
    links.add_argument("--out", default="qr", help="folder for the QR code PNGs (default: qr)")
    links.set_defaults(func=cmd_event_links)
