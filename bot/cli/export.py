"""`pufa export exam EVENT [--csv] [--out PATH]`: the quiz master's workbook;
`pufa export final EVENT [--out PATH]`: the live final's workbook for the judges to sign;
`pufa export bookings --month YYYY-MM [--with-details]`: a station's monthly consultations."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import in_database
from bot.cli.event import configured_bank
from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands
    from competition import Competition, Standings


def cmd_export_exam(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from competition import (
        close_expired_attempts,
        competition_by_code,
        standings,
        workbook_bytes,
        write_csv,
    )

    bank = configured_bank(Settings())

    async def read(session: AsyncSession) -> tuple[Competition, Standings] | None:
        comp = await competition_by_code(session, args.event)
        if comp is None:
            return None
        await close_expired_attempts(session, datetime.now(UTC))
        return comp, await standings(session, comp)

    found = in_database(read)
    if found is None:
        print(f"no event {args.event!r}")
        return 1
    comp, data = found
    if args.csv:
        for written in write_csv(comp, data, bank, Path(args.out or f"{comp.code}-results")):
            print(written)
        return 0
    path = Path(args.out or f"{comp.code}-results.xlsx")
    path.write_bytes(workbook_bytes(comp, data, bank))
    print(path)
    return 0


def cmd_export_final(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from competition import competition_by_code
    from scoring.final.report import final_workbook

    settings = Settings()
    bank = configured_bank(settings)

    async def read(session: AsyncSession) -> tuple[str, bytes | None] | None:
        comp = await competition_by_code(session, args.event)
        if comp is None:
            return None
        return comp.code, await final_workbook(session, comp, bank, ZoneInfo(settings.tz))

    found = in_database(read)
    if found is None:
        print(f"no event {args.event!r}")
        return 1
    code, content = found
    if content is None:
        print(f"event {code!r} has no final (add a final: section to its file)")
        return 1
    path = Path(args.out or f"{code}-final.xlsx")
    path.write_bytes(content)
    print(path)
    return 0


def cmd_export_bookings(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from legal_aid import ReportRow, bookings_workbook, month_bookings, month_span

    tz = ZoneInfo(Settings().tz)
    try:
        month_span(args.month, tz)
    except ValueError:
        print(f"--month is YYYY-MM, e.g. 2026-12 (not {args.month!r})")
        return 2

    async def read(session: AsyncSession) -> list[ReportRow]:
        return await month_bookings(session, args.month, tz)

    rows = in_database(read)
    path = Path(args.out or f"bookings-{args.month}.xlsx")
    path.write_bytes(bookings_workbook(rows, args.with_details, tz))
    print(f"{path}: {len(rows)} consultation(s)" + (" with details" if args.with_details else ""))
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa export exam`, `pufa export final` and `pufa export bookings`."""
    export = sub.add_parser("export", help="results out").add_subparsers(
        dest="export_command", required=True
    )
    exam = export.add_parser("exam", help="an event's results as a workbook (or CSV files)")
    exam.add_argument("event", help="the event's code")
    exam.add_argument("--csv", action="store_true", help="plain CSV files into a folder instead")
    exam.add_argument(
        "--out", help="the .xlsx file (default EVENT-results.xlsx) or, with --csv, the folder"
    )
    exam.set_defaults(func=cmd_export_exam)
    final = export.add_parser(
        "final", help="the live final: standing, ledger and answers, for the judges to sign"
    )
    final.add_argument("event", help="the event's code")
    final.add_argument("--out", help="the .xlsx file (default EVENT-final.xlsx)")
    final.set_defaults(func=cmd_export_final)
    bookings = export.add_parser(
        "bookings", help="a month's consultations as a workbook for the station"
    )
    bookings.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-12 (PUFA_TZ)")
    bookings.add_argument(
        "--with-details",
        action="store_true",
        help="add a sheet with each consultation's topic, phone and outcome note",
    )
    bookings.add_argument("--out", help="the .xlsx file (default bookings-YYYY-MM.xlsx)")
    bookings.set_defaults(func=cmd_export_bookings)
