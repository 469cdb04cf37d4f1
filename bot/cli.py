"""The `pufa` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")

log = logging.getLogger("pufa")


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # aiogram logs each update's user id at INFO; keep personal data out of our logs.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


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


def _in_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one session on the configured database, migrated first; commits."""
    from bot.db import make_engine, session_factory, upgrade

    async def go() -> T:
        engine = make_engine(Settings().database_url)
        try:
            await upgrade(engine)
            async with session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(go())


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


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.transports.console import run_console
    from legal_aid import first_lawyer

    async def go() -> int:
        app = await build_app()
        try:
            user_id = args.user_id
            if args.role == "lawyer":
                async with app.conversation.sessions() as session:
                    lawyer = await first_lawyer(session)
                if lawyer is None:
                    print("no lawyer on the roster yet: run `pufa roster import FILE` first")
                    return 1
                user_id = lawyer.telegram_id
                print(f"you are {lawyer.name} (Telegram id {user_id}); /duty shows your desk")
            await run_console(app.conversation, user_id=user_id)
            return 0
        finally:
            await app.close()

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        print()
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from legal_aid import RosterInvalid, import_roster, read_roster

    settings = Settings()
    try:
        roster = read_roster(Path(args.file), ZoneInfo(settings.tz))
        lawyers, slots = _in_database(lambda session: import_roster(session, roster))
    except RosterInvalid as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s); nothing imported")
        return 1
    print(f"{lawyers} lawyer(s) on the roster, {slots} new consultation slot(s)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.bot_token:
        print("PUFA_BOT_TOKEN is not set (see README: 在 Telegram 上运行)", file=sys.stderr)
        return 2
    if settings.runtime != "aiogram":
        print(f"PUFA_RUNTIME={settings.runtime} is not available yet", file=sys.stderr)
        return 2
    from bot.app import build_app
    from bot.transports.telegram_aiogram import make_bot, run_polling

    async def go() -> None:
        app = await build_app(settings)
        assert settings.bot_token is not None
        bot = make_bot(settings.bot_token, settings.telegram_api_base)
        try:
            await run_polling(app.conversation, bot)
        finally:
            await app.close()

    asyncio.run(go())
    return 0


def _scored_json(s: Any) -> dict[str, Any]:
    entry = s.entry
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "refs": [{"law": r.law, "article": r.article, "source": r.source} for r in entry.refs],
        "score": s.score,
    }


def cmd_faq_ask(args: argparse.Namespace) -> int:
    from legal_faq import FaqMatcher, load_corpus

    result = FaqMatcher(load_corpus()).match(args.question)
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
        print(f"{entry.question}\n\n{entry.answer}\n")
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

    rows = _in_database(lambda session: list_misses(session, args.limit))
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pufa", description="普法 — law quizzes for workers")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--user-id", type=int, default=1, help="who you are (default 1)")
    chat.add_argument(
        "--as",
        dest="role",
        choices=("worker", "lawyer"),
        default="worker",
        help="lawyer: be the first lawyer on the roster (see `pufa roster import`)",
    )
    chat.set_defaults(func=cmd_chat)

    run = sub.add_parser("run", help="run the Telegram bot (long polling)")
    run.set_defaults(func=cmd_run)

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

    roster = sub.add_parser("roster", help="legal-aid duty roster").add_subparsers(
        dest="roster_command", required=True
    )
    rimport = roster.add_parser(
        "import", help="add lawyers and duty slots from a YAML file (see README)"
    )
    rimport.add_argument("file")
    rimport.set_defaults(func=cmd_roster_import)

    db = sub.add_parser("db", help="database tools").add_subparsers(
        dest="db_command", required=True
    )
    up = db.add_parser("upgrade", help="apply migrations (also done on every start)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(Settings().log_level)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
