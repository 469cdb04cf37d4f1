"""`pufa roster import FILE`: add lawyers and their duty slots from a YAML roster."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import in_database
from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.common import Commands


def cmd_roster_import(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from legal_aid import RosterInvalid, import_roster, read_roster

    settings = Settings()
    try:
        roster = read_roster(
            Path(args.file),
            ZoneInfo(settings.tz),
            max_bytes=settings.roster_max_bytes,
            max_slots=settings.roster_max_slots,
        )
        lawyers, slots = in_database(lambda session: import_roster(session, roster))
    except RosterInvalid as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s); nothing imported")
        return 1
    print(f"{lawyers} lawyer(s) on the roster, {slots} new consultation slot(s)")
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa roster import`."""
    roster = sub.add_parser("roster", help="legal-aid duty roster").add_subparsers(
        dest="roster_command", required=True
    )
    rimport = roster.add_parser(
        "import", help="add lawyers and duty slots from a YAML file (see README)"
    )
    rimport.add_argument("file")
    rimport.set_defaults(func=cmd_roster_import)
