"""`pufa db upgrade [REVISION]`: apply database migrations by hand."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.common import Commands


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.db import make_engine, upgrade

    async def go() -> None:
        engine = make_engine(Settings().database_url)
        try:
            await upgrade(engine, args.revision)
        finally:
            await engine.dispose()

    asyncio.run(go())
    print(f"database at revision {args.revision}")
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa db upgrade`."""
    db = sub.add_parser("db", help="database tools").add_subparsers(
        dest="db_command", required=True
    )
    up = db.add_parser("upgrade", help="apply migrations (also done on every start)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
