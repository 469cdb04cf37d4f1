"""Benchmark: the memory of one `pufa run` instance whose database knows 100,000 users,
beside the same instance on a database that knows only the users who write during the run.

Run: python bench/instance_memory.py --db POSTGRES_URL [--users 100000] [--sample 250]
         [--runtime aiogram|ptb] [--modes webhook,polling] [--skip-sqlite]

For each database (SQLite, and PostgreSQL with --db; its tables are dropped first — use a
scratch database) two databases are filled with bulk inserts into the real tables:
- *known*: `--users` users as the bot knows them — a conversation-state row each, a member of
  the exam event each (unit, team, real name), and for 30 % of them a finished 10-question
  practice round (the round, its answers, the per-question records that drive /wrong);
- *anchor*: the same rows for the sampled users only (the ones who write during the run).
Then, per mode (webhook, polling), a real `python -m bot.cli run` process is started against
each database (the shipped question bank, the FAQ with its further sources) and driven
through the fake Bot API (tests/fake_telegram.py) by a fresh sample of the known users, 25
at a time, each doing what a worker does: /start, a legal question, a practice round
(/quiz, 综合练习, 3 answers), the exam (/exam, 开始答题, 5 answers; a multiple-choice answer
is a tick and 提交). The process's RSS is read from /proc after start-up (once the FAQ index
thread has finished: RSS steady for 3 s), after the traffic, and its peak (VmHWM). Record
results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import platform
import random
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text

from bot.conversation.state import ConversationState
from bot.db import make_engine, session_factory, upgrade
from competition import Member, Team, import_event, read_event
from question_bank import load_bank
from scoring.models import AttemptAnswer, PracticeAttempt, QuestionRecord
from tests.conftest import reset_postgres
from tests.e2e_kit import WEBHOOK_SECRET, BotProcess, free_port
from tests.fake_telegram import FakeTelegram, Phone, SentMessage

FIRST_USER = 20_000_000
UNITS, TEAMS = 40, 5
PRACTICE_SHARE = 0.3
PRACTICE_SIZE = 3
EXAM_SIZE = 5
CONCURRENCY = 25
BATCH = 5_000
EVENT = """\
code: province
name: 全省职工法律知识竞赛
opens: now
closes: +7d
blueprint:
  title: 五题
  time_limit_minutes: 60
  difficulty: {1: 0.4, 2: 0.4, 3: 0.2}
  sections:
    - {law: constitution, single: 1}
    - {law: trade_union_law, judge: 1}
    - {law: labour_contract_law, single: 1, multiple: 1}
    - {law: women_protection, single: 1}
units:
"""
QUESTIONS = [
    "试用期最长可以约定多久",
    "老板不签劳动合同怎么办",
    "产假有多少天",
    "加班费怎么算",
    "工会会费交多少",
    "被辞退有没有补偿",
    "怀孕了单位能辞退我吗",
    "宪法规定公民有哪些基本义务",
]
ANSWER = ("qans", "xpick")
TICK = ("qtick", "xtick")
SUBMIT = ("qsubmit", "xsubmit")


# --- filling a database -------------------------------------------------------------------


async def fill(url: str, users: list[int], folder: Path) -> dict[str, int]:
    """Migrate, import the event, and bulk-insert `users` as the bot would have kept them;
    returns the row counts."""
    if url.startswith("postgresql"):
        await reset_postgres(url)
    engine = make_engine(url)
    try:
        await upgrade(engine)
        bank = load_bank()
        units = "".join(
            f"  - code: unit{u}\n    name: 单位{u}\n    teams:\n"
            + "".join(f"      - {{code: team{u}-{t}, name: 队伍{u}-{t}}}\n" for t in range(TEAMS))
            for u in range(UNITS)
        )
        path = folder / "event.yaml"
        path.write_text(EVENT + units, encoding="utf-8")
        now = datetime.now(UTC)
        async with session_factory(engine)() as session:
            comp = await import_event(
                session, read_event(path, bank, now, ZoneInfo("Asia/Shanghai"))
            )
            await session.commit()
            teams = (await session.exec(select(Team.id, Team.unit_id))).all()  # type: ignore[call-overload]
        rng = random.Random(len(users))
        questions = sorted(bank.questions.values(), key=lambda q: q.id)
        past = now - timedelta(days=3)
        async with engine.begin() as conn:
            for start in range(0, len(users), BATCH):
                chunk = users[start : start + BATCH]
                await conn.execute(
                    insert(ConversationState),
                    [{"user_id": u, "flow": None, "data": {}, "updated_at": past} for u in chunk],
                )
                await conn.execute(
                    insert(Member),
                    [
                        {
                            "competition_id": comp.id,
                            "user_id": u,
                            "unit_id": teams[u % len(teams)][1],
                            "team_id": teams[u % len(teams)][0],
                            "real_name": f"职工{u % 100_000}",
                            "joined_at": past,
                        }
                        for u in chunk
                    ],
                )
                practising = [u for u in chunk if rng.random() < PRACTICE_SHARE]
                if not practising:
                    continue
                rounds = {u: rng.sample(questions, 10) for u in practising}
                ids = (
                    await conn.execute(
                        insert(PracticeAttempt).returning(
                            PracticeAttempt.id,  # type: ignore[arg-type]
                            PracticeAttempt.user_id,  # type: ignore[arg-type]
                        ),
                        [
                            {
                                "user_id": u,
                                "kind": "practice",
                                "law": None,
                                "question_ids": [q.id for q in rounds[u]],
                                "position": 10,
                                "correct_count": 7,
                                "status": "finished",
                                "started_at": past,
                                "finished_at": past + timedelta(minutes=4),
                            }
                            for u in practising
                        ],
                    )
                ).all()
                answers, records = [], []
                for attempt_id, user_id in ids:
                    for position, q in enumerate(rounds[user_id]):
                        right = position % 10 < 7
                        answers.append(
                            {
                                "attempt_id": attempt_id,
                                "position": position,
                                "question_id": q.id,
                                "law": q.law,
                                "chosen": [0],
                                "correct": right,
                                "answered_at": past,
                            }
                        )
                        records.append(
                            {
                                "user_id": user_id,
                                "question_id": q.id,
                                "right_count": int(right),
                                "wrong_count": int(not right),
                                "in_wrong_book": not right,
                                "last_answered_at": past,
                            }
                        )
                await conn.execute(insert(AttemptAnswer), answers)
                await conn.execute(insert(QuestionRecord), records)
        counts = {}
        async with engine.connect() as conn:
            for table in ("conversation_state", "competition_member", "practice_attempt"):
                counts[table] = int(
                    (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                )
            counts["attempt_answer"] = int(
                (await conn.execute(select(func.count()).select_from(AttemptAnswer))).scalar_one()
            )
        return counts
    finally:
        await engine.dispose()


# --- the fake Telegram, with each chat's messages at hand ----------------------------------


class Telegram(FakeTelegram):
    """The fake Bot API keeping each chat's messages in a list (its `chat()` scans them all,
    too slow for thousands of users waiting at once)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_chat: dict[int, list[SentMessage]] = {}

    def _store(self, m: SentMessage) -> dict[str, Any]:
        self.by_chat.setdefault(m.chat_id, []).append(m)
        return super()._store(m)


async def until(predicate: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.05)


def newest(tg: Telegram, phone: Phone, prefixes: tuple[str, ...], after: int) -> SentMessage | None:
    """The newest message after `after` with a button whose data starts with a prefix."""
    for m in reversed(tg.by_chat.get(phone.id, [])):
        if m.message_id <= after:
            return None
        if any(b.get("callback_data", "").startswith(prefixes) for b in m.buttons()):
            return m
    return None


def count(tg: Telegram, phone: Phone) -> int:
    return len(tg.by_chat.get(phone.id, []))


async def shown(tg: Telegram, phone: Phone, prefixes: tuple[str, ...], after: int) -> SentMessage:
    """Wait for a new message with such a button."""
    await until(lambda: newest(tg, phone, prefixes, after) is not None)
    message = newest(tg, phone, prefixes, after)
    assert message is not None
    return message


async def say(tg: Telegram, phone: Phone, words: str) -> None:
    before = count(tg, phone)
    tg.send_text(phone, words)
    await until(lambda: count(tg, phone) > before)


async def tap(tg: Telegram, phone: Phone, message: SentMessage, data: str) -> None:
    qid = tg.press_data(phone, message, data)
    await until(lambda: qid in tg.callback_answers)


async def answer_questions(
    tg: Telegram, phone: Phone, mark: int, n: int, rng: random.Random
) -> None:
    """Answer `n` questions, each shown after the previous answer."""
    for _ in range(n):
        question = await shown(tg, phone, ANSWER + TICK, mark)
        mark = max(m.message_id for m in tg.by_chat[phone.id])
        data = [b["callback_data"] for b in question.buttons()]
        ticks = [d for d in data if d.startswith(TICK)]
        if ticks:
            await tap(tg, phone, question, rng.choice(ticks))
            await tap(tg, phone, question, next(d for d in data if d.startswith(SUBMIT)))
        else:
            await tap(tg, phone, question, rng.choice([d for d in data if d.startswith(ANSWER)]))


async def worker_session(tg: Telegram, phone: Phone, rng: random.Random) -> None:
    await say(tg, phone, "/start")
    await say(tg, phone, rng.choice(QUESTIONS))
    mark = max(m.message_id for m in tg.by_chat[phone.id])
    tg.send_text(phone, "/quiz")
    scope = await shown(tg, phone, ("qscope",), mark)
    mark = scope.message_id
    await tap(tg, phone, scope, next(b["callback_data"] for b in scope.buttons()))
    await answer_questions(tg, phone, mark, PRACTICE_SIZE, rng)
    mark = max(m.message_id for m in tg.by_chat[phone.id])
    tg.send_text(phone, "/exam")
    begin = await shown(tg, phone, ("xbegin",), mark)
    mark = begin.message_id
    await tap(tg, phone, begin, begin.buttons()[0]["callback_data"])
    await answer_questions(tg, phone, mark, EXAM_SIZE, rng)


# --- one instance ---------------------------------------------------------------------------


def memory(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def steady(pid: int, seconds: float = 3, limit: float = 60) -> float:
    """RSS once it has stayed within 1 MiB for `seconds` (the FAQ index is built on a thread
    after start-up)."""
    started = time.monotonic()
    last, since = memory(pid)[0], time.monotonic()
    while time.monotonic() - started < limit:
        await asyncio.sleep(0.5)
        now = memory(pid)[0]
        if abs(now - last) > 1:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            break
    return memory(pid)[0]


async def run_instance(
    url: str, users: list[int], mode: str, runtime: str, folder: Path, seed: int
) -> dict[str, float]:
    tg = Telegram()
    # Telegram's update ids only grow: a run after another on the same database must not
    # reuse ids its inbox still holds (they would be dropped as redeliveries)
    tg._update_ids = itertools.count(1_000_000 * (seed + 1))
    await tg.start()
    env = {
        "PUFA_PRACTICE_SIZE": str(PRACTICE_SIZE),
        "PUFA_WORKERS": "4",
    }
    args: tuple[str, ...] = ()
    if mode == "webhook":
        port = free_port()
        args = ("--webhook",)
        env |= {
            "PUFA_WEBHOOK_URL": "https://bot.example.org/tg",
            "PUFA_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PUFA_HTTP_PORT": str(port),
        }
        tg.webhook_targets = [f"http://127.0.0.1:{port}/tg"]
        tg.webhook_connections = 40
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    bot = BotProcess(tg, folder, runtime, database_url=url, args=args, env=env)
    del bot.env["PUFA_BANK_DIR"]  # the shipped bank, not the tests' small one
    try:
        await bot.start()
        assert bot.proc is not None
        pid = bot.proc.pid
        started_rss = await steady(pid)
        rng = random.Random(seed)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(uid: int) -> None:
            async with gate:
                await worker_session(tg, Phone(uid, f"职工{uid % 1000}"), random.Random(uid))

        first_update = next(tg._update_ids)
        t0 = time.monotonic()
        try:
            await asyncio.gather(*(one(uid) for uid in rng.sample(users, len(users))))
        except TimeoutError:
            await bot.stop(signal.SIGTERM)
            print(bot.output.decode()[-3000:])
            raise
        elapsed = time.monotonic() - t0
        updates = next(tg._update_ids) - first_update - 1
        await tg.settle(quiet=0.5, timeout=60)
        after_rss, peak = memory(pid)
        assert await bot.stop(signal.SIGTERM) == 0, bot.output.decode()[-2000:]
        return {
            "start": started_rss,
            "after": after_rss,
            "peak": peak,
            "updates": updates,
            "seconds": elapsed,
        }
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            bot.proc.kill()
            await bot.proc.wait()
        await tg.stop()


# --- the whole run --------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="", help="a scratch PostgreSQL database")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=250, help="users who write, per run")
    parser.add_argument("--runtime", default="aiogram")
    parser.add_argument("--modes", default="webhook,polling")
    parser.add_argument("--skip-sqlite", action="store_true")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:
    modes = args.modes.split(",")
    everyone = [FIRST_USER + n for n in range(args.users)]
    rng = random.Random(2026)
    chosen = rng.sample(everyone, args.sample * len(modes))
    samples = {
        mode: chosen[i * args.sample : (i + 1) * args.sample] for i, mode in enumerate(modes)
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        databases = [] if args.skip_sqlite else ["sqlite"]
        if args.db:
            databases.append("postgresql")
        for database in databases:
            for fill_name, users in (("anchor", sorted(chosen)), ("known", everyone)):
                url = (
                    args.db
                    if database == "postgresql"
                    else f"sqlite+aiosqlite:///{folder / f'{fill_name}.sqlite3'}"
                )
                t0 = time.monotonic()
                counts = await fill(url, users, folder)
                print(f"{database} {fill_name}: filled in {time.monotonic() - t0:.0f} s: {counts}")
                for n, mode in enumerate(modes):
                    result = await run_instance(
                        url,
                        samples[mode],
                        mode,
                        args.runtime,
                        folder / f"{database}-{fill_name}-{mode}",
                        n,
                    )
                    rows.append((database, mode, fill_name, len(users), result))
                    print(
                        f"  {mode}: start {result['start']:.0f} MiB, after {result['after']:.0f} MiB, "
                        f"peak {result['peak']:.0f} MiB; {result['updates']:.0f} updates in "
                        f"{result['seconds']:.0f} s",
                        flush=True,
                    )
    print(
        f"\nmachine: {platform.machine()}, Python {platform.python_version()}, runtime {args.runtime}"
    )
    print("| database | mode | users known | start-up RSS | after traffic | peak | updates |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for database, mode, fill_name, known, r in rows:
        print(
            f"| {database} | {mode} | {known:,} ({fill_name}) | {r['start']:.0f} MiB | "
            f"{r['after']:.0f} MiB | {r['peak']:.0f} MiB | {r['updates']:,.0f} |"
        )


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
