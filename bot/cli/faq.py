"""`pufa faq ask`, `pufa faq misses` and `pufa faq validate`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import in_database

if TYPE_CHECKING:
    from bot.cli.common import Commands


def _scored_json(s: Any) -> dict[str, Any]:
    entry = s.entry
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "refs": [{"law": r.law, "article": r.article, "source": r.source} for r in entry.refs],
        "score": s.score,
        "kind": entry.kind,
    }


KIND_LABELS = {"faq": "reviewed answer", "quiz": "bank explanation", "article": "statute text"}


def cmd_faq_ask(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from legal_faq.compiled import load_matcher
    from question_bank.loader import bank_files

    settings = Settings()  # what the bot would answer: its FAQ and bank folders
    bank = bank_files(settings.bank_dir) if settings.bank_dir else None
    result = load_matcher(settings.faq_dir, bank).match(args.question)
    status = result.status if result.status != "greeting" else "none"
    if args.json:
        payload = {
            "query": args.question,
            "status": status,
            "answer": _scored_json(result.answer) if result.answer else None,
            "alternatives": [_scored_json(s) for s in result.alternatives],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if result.answer:
        entry = result.answer.entry
        print(f"[{KIND_LABELS[entry.kind]}] {entry.question}\n\n{entry.answer}\n")
        print("依据：" + "；".join(r.label() for r in entry.refs))
    elif result.status == "suggest":
        print("您是不是想问：")
        for s in result.alternatives:
            print(f"  - {s.entry.question}  [{s.entry.id} {s.score:.2f}]")
    elif result.status == "greeting":
        print("（问候）")
    else:
        print("（超出范围：建议预约律师或拨打 12348）")
    return 0


def cmd_faq_misses(args: argparse.Namespace) -> int:
    from legal_faq import list_misses

    rows = in_database(lambda session: list_misses(session, args.limit))
    if not rows:
        print("no unanswered or disliked questions yet")
    for row in rows:
        what = "👎 " + row.entry_id if row.kind == "down" else "unanswered"
        print(f"{row.count:>5}  {what:<36} {row.query}")
    return 0


def cmd_faq_validate(args: argparse.Namespace) -> int:
    from legal_faq import faq_files, validate_faq
    from legal_faq.text import DATA_DIR as FAQ_DIR

    paths = [Path(p) for p in args.paths] if args.paths else faq_files(FAQ_DIR)
    paths = [f for p in paths for f in (faq_files(p) if p.is_dir() else [p])]
    entries, problems = validate_faq(paths)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"OK: {len(entries)} FAQ entries in {len(paths)} file(s)")
    return 0


def add_commands(sub: Commands) -> None:
    """Register `pufa faq ...`."""
    faq = sub.add_parser("faq", help="legal FAQ tools").add_subparsers(
        dest="faq_command", required=True
    )
    ask = faq.add_parser("ask", help="what the bot would answer")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="machine-readable (see README)")
    ask.set_defaults(func=cmd_faq_ask)
    misses = faq.add_parser("misses", help="unanswered and 👎 questions, most frequent first")
    misses.add_argument("--limit", type=int, default=50)
    misses.set_defaults(func=cmd_faq_misses)
    fv = faq.add_parser("validate", help="check FAQ files; exit 1 listing file:line problems")
    fv.add_argument("paths", nargs="*")
    fv.set_defaults(func=cmd_faq_validate)
