"""The `pufa` command line: one module per command group, composed here."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bot.cli import bank, broadcast, chat, db, event, export, faq, roster, run, web
from bot.cli.common import setup_logging
from bot.config import Settings

COMMAND_GROUPS = (
    chat,
    run,
    web,
    bank,
    faq,
    roster,
    event,
    export,
    broadcast,
    db,
)  # in the order `pufa --help` lists them


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pufa", description="普法 — law quizzes for workers")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    setup_logging(settings.log_level)
    if settings.cache_dir is not None:
        from question_bank import compiled

        compiled.configure(settings.cache_dir)
    return int(args.func(args))
