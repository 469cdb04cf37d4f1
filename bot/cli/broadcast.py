"""`pufa broadcast send` / `status`: announcements to many users through the running bot's
outbox (`pufa run` sends them at Telegram's pace, behind replies to users)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import in_database
from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands
    from bot.delivery.broadcast import Progress


def _ids_from(path: Path) -> list[int]:
    """One Telegram user id per line (blank lines and # comments ignored)."""
    ids = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.lstrip("-").isdigit():
            raise ValueError(f"{path}:{n}: not a Telegram user id: {line[:40]!r}")
        ids.append(int(line))
    return ids


def cmd_broadcast_send(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from bot.delivery import broadcast
    from competition import Competition, Member

    try:
        text = args.text if args.text is not None else Path(args.text_file).read_text("utf-8")
        ids = _ids_from(Path(args.ids_file)) if args.ids_file else []
    except (OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> str:
        audience, chats = f"ids:{Path(args.ids_file).name}" if args.ids_file else "", ids
        if args.event:
            comp = (
                await session.exec(select(Competition).where(col(Competition.code) == args.event))
            ).first()
            if comp is None:
                raise broadcast.BroadcastInvalid(f"no event with the code {args.event!r}")
            members = select(Member.user_id).where(col(Member.competition_id) == comp.id)
            chats = list((await session.exec(members)).all())
            audience = f"event:{args.event}"
        b = await broadcast.create(session, text, audience, chats, datetime.now(UTC))
        [p] = await broadcast.progress(session, b.id)
        return (
            f"broadcast {b.id}: {p.total} recipients, {p.blocked} blocked the bot (skipped); "
            "`pufa run` sends it — follow it with `pufa broadcast status --watch`"
        )

    try:
        print(in_database(work))
    except broadcast.BroadcastInvalid as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _line(p: Progress) -> str:
    state = "finished" if p.finished_at else "sending"
    return (
        f"#{p.id} {p.audience} {state}: sent {p.sent}, blocked {p.blocked}, failed {p.failed}, "
        f"waiting {p.waiting} of {p.total}"
    )


def cmd_broadcast_status(args: argparse.Namespace) -> int:
    from bot.db import make_engine, session_factory, upgrade
    from bot.delivery import broadcast

    async def go() -> int:
        engine = make_engine(Settings().database_url)
        try:
            await upgrade(engine)
            sessions = session_factory(engine)
            async with sessions() as session:
                found = await broadcast.progress(session, args.id)
            if not found:
                print("no broadcasts" if args.id is None else f"no broadcast {args.id}")
                return 1 if args.id is not None else 0
            if not args.watch:
                for p in found:
                    print(_line(p))
                return 0
            from tqdm import tqdm

            current = found[0]
            with tqdm(total=current.total, desc=f"broadcast {current.id}", unit="msg") as bar:
                while True:
                    bar.set_postfix(
                        sent=current.sent, blocked=current.blocked, failed=current.failed
                    )
                    bar.update(current.done - bar.n)
                    if current.finished_at is not None or not current.waiting:
                        break
                    await asyncio.sleep(1)
                    async with sessions() as session:
                        [current] = await broadcast.progress(session, current.id)
            print(_line(current))
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(go())


def add_commands(sub: Commands) -> None:
    """Register `pufa broadcast send` and `pufa broadcast status`."""
    group = sub.add_parser("broadcast", help="announcements to many users").add_subparsers(
        dest="broadcast_command", required=True
    )
    send = group.add_parser("send", help="queue a message to an event's members or a list of ids")
    who = send.add_mutually_exclusive_group(required=True)
    who.add_argument("--event", metavar="CODE", help="every member of the event")
    who.add_argument("--ids-file", metavar="FILE", help="Telegram user ids, one per line")
    what = send.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="the message (1-4096 characters)")
    what.add_argument("--text-file", metavar="FILE", help="the message, from a UTF-8 file")
    send.set_defaults(func=cmd_broadcast_send)
    status = group.add_parser("status", help="progress of the latest broadcasts (or one)")
    status.add_argument("id", type=int, nargs="?")
    status.add_argument("--watch", action="store_true", help="a progress bar until it is done")
    status.set_defaults(func=cmd_broadcast_status)
