"""`pufa bank validate` and `pufa bank stats`: check the question bank start-up would load."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.common import Commands


def _bank_paths(args_paths: list[str]) -> list[Path] | None:
    """The files named, or else what start-up loads: PUFA_BANK_DIR, or the shipped bank."""
    from question_bank import bank_files, expand_paths

    if args_paths:
        return expand_paths(args_paths)
    bank_dir = Settings().bank_dir
    return bank_files(bank_dir) if bank_dir else None


def cmd_bank_validate(args: argparse.Namespace) -> int:
    from question_bank import check_bank

    check = check_bank(_bank_paths(args.paths))
    for problem in check.problems:
        print(problem)
    if check.bank is None:
        print(f"{len(check.problems)} problem(s) in {len(check.files)} file(s)", file=sys.stderr)
        return 1
    extra = f" and {len(check.blueprints)} blueprint file(s)" if check.blueprints else ""
    print(f"OK: {len(check.bank.questions)} questions in {len(check.files)} file(s){extra}")
    return 0


def cmd_bank_stats(args: argparse.Namespace) -> int:
    from question_bank import BankInvalid, load_bank

    try:
        bank = load_bank(_bank_paths(args.paths))
    except BankInvalid as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    questions = list(bank.questions.values())
    print(f"questions: {len(questions)}")
    for title, key in (
        ("by law", lambda q: q.law),
        ("by kind", lambda q: q.type),
        ("by difficulty", lambda q: str(q.difficulty)),
    ):
        print(f"\n{title}:")
        for value, n in sorted(Counter(map(key, questions)).items()):
            print(f"  {value:<24} {n:>5}")
    print("\nby law and kind:")
    for (law, kind), n in sorted(Counter((q.law, q.type) for q in questions).items()):
        print(f"  {law:<24} {kind:<10} {n:>5}")
    print("\nby tag:")
    tags = Counter((q.law, tag) for q in questions for tag in q.tags)
    for (law, tag), n in sorted(tags.items()):
        print(f"  {law:<24} {tag:<16} {n:>5}")
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa bank ...`."""
    bank = sub.add_parser("bank", help="question bank tools").add_subparsers(
        dest="bank_command", required=True
    )
    validate = bank.add_parser(
        "validate", help="check bank files; exit 1 listing file:line problems"
    )
    validate.add_argument(
        "paths", nargs="*", help="files or folders (default: PUFA_BANK_DIR or the shipped bank)"
    )
    validate.set_defaults(func=cmd_bank_validate)
    stats = bank.add_parser("stats", help="counts by law, kind, difficulty and tag")
    stats.add_argument("paths", nargs="*")
    stats.set_defaults(func=cmd_bank_stats)
