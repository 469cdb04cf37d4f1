"""`pufa roster import FILE` and `pufa roster invite LAWYER`: the legal-aid duty roster."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import bot_username, in_database
from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands
    from legal_aid import RollResult


def cmd_roster_import(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.conversation.duty_roll import ROLL, schedule_roll, vanished_notices
    from bot.conversation.events import Event
    from bot.delivery.store import enqueue
    from legal_aid import RosterInvalid, import_roster, read_roster, roll_slots

    settings = Settings()
    tz = ZoneInfo(settings.tz)
    now = datetime.now(UTC)
    try:
        roster = read_roster(
            Path(args.file),
            tz,
            max_bytes=settings.roster_max_bytes,
            max_slots=settings.roster_max_slots,
        )

        async def write(session: AsyncSession) -> tuple[int, int, RollResult]:
            lawyers, slots = await import_roster(session, roster)
            rolled = await roll_slots(session, now, tz, roster.horizon_days)
            notices = vanished_notices(rolled.vanished, settings.admins, tz)
            # sent by `pufa run` (now, or when it next runs) through the outbox
            await enqueue(session, notices, Event.timer_due(ROLL, {}), now)
            await schedule_roll(session, now, tz, roster.horizon_days)
            return lawyers, slots, rolled

        lawyers, slots, rolled = in_database(write)
    except RosterInvalid as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s); nothing imported")
        return 1
    past = sum(1 for s in roster.slots if s.starts_at < now)
    print(f"{lawyers} lawyer(s) on the roster, {slots} new consultation slot(s)")
    if past:
        print(f"warning: {past} slot(s) of one-off dates are already past (nobody can book them)")
    if roster.rules:
        print(
            f"{len(roster.rules)} weekly/monthly rule(s): {rolled.new_slots} new slot(s) for the "
            f"next {roster.horizon_days} days, {rolled.removed_slots} free slot(s) no rule makes "
            "any more removed; the bot adds each new day's slots every night"
        )
    for gone in rolled.vanished:
        print(
            f"booking #{gone.booking_id} at {gone.starts_at.astimezone(tz):%Y-%m-%d %H:%M} "
            f"({gone.lawyer_name}) is no longer on the roster: kept; the worker and "
            f"{len(settings.admins)} admin(s) are told"
        )
    return 0


def cmd_roster_invite(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from competition import join_link
    from legal_aid import create_invite

    bot = bot_username(args.bot)
    if not bot:
        print("give the bot's username: --bot NAME or PUFA_BOT_USERNAME")
        return 2

    async def write(session: AsyncSession) -> str | None:
        return await create_invite(session, args.lawyer, datetime.now(UTC), args.days)

    code = in_database(write)
    if code is None:
        print(f"no lawyer with code {args.lawyer!r} on the roster (import the roster first)")
        return 1
    print(join_link(bot, code))
    print(f"one use, valid for {args.days} day(s); send it to the lawyer only")
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa roster import` and `pufa roster invite`."""
    roster = sub.add_parser("roster", help="legal-aid duty roster").add_subparsers(
        dest="roster_command", required=True
    )
    rimport = roster.add_parser(
        "import", help="add stations, lawyers, duty rules and slots from a YAML file (see README)"
    )
    rimport.add_argument("file")
    rimport.set_defaults(func=cmd_roster_import)
    invite = roster.add_parser(
        "invite", help="print a one-use invite link for a lawyer (by the roster's code)"
    )
    invite.add_argument("lawyer", help="the lawyer's code in the roster")
    invite.add_argument("--bot", help="the bot's username (or PUFA_BOT_USERNAME)")
    invite.add_argument("--days", type=int, default=7, help="days the link stays valid (7)")
    invite.set_defaults(func=cmd_roster_invite)
