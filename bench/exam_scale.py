"""Benchmark: simulated workers each take a 20-question exam through the conversation layer
(Conversation.process: join, name, /exam, 开始答题, 20 answers), then all rankings are computed.

Run: python bench/exam_scale.py [--workers 10000] [--db URL] [--concurrency 50]
       python bench/exam_scale.py --rankings-only --db URL   (re-time the rankings of a
       database an earlier run left behind, e.g. --db sqlite+aiosqlite:///bench.sqlite3)
       python bench/exam_scale.py --rankings-only --db POSTGRES_URL --copy-from SQLITE_URL
       (time them on PostgreSQL over the very rows an earlier SQLite run produced)
Default database: a fresh SQLite file; with --db a PostgreSQL URL (its tables are dropped
first — use a scratch database) or a SQLite file (replaced). Checks that no answer was lost or counted twice and prints
answers per second, p50/p99 per answer and the time of each ranking query; record results in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.conversation.actions import SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from competition import (
    Competition,
    ExamAnswer,
    ExamAttempt,
    Member,
    group_ranking,
    import_event,
    law_stats,
    member_rank,
    personal_ranking,
    question_stats,
    read_event,
    standings,
)
from question_bank import StatuteLibrary, load_bank

EVENT = """\
code: bench
name: 压力测试
opens: now
closes: +7d
blueprint:
  title: 二十题
  time_limit_minutes: 600
  difficulty: {1: 0.3, 2: 0.5, 3: 0.2}
  sections:
    - {law: constitution, single: 3, multiple: 1, judge: 1}
    - {law: trade_union_law, single: 3, multiple: 1, judge: 1}
    - {law: labour_contract_law, single: 3, multiple: 1, judge: 1}
    - {law: women_protection, single: 3, multiple: 1, judge: 1}
units:
"""
UNITS = 40  # each with 5 teams


class Clock:
    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.t


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def buttons(actions: list) -> list:  # type: ignore[type-arg]
    for a in reversed(actions):
        if isinstance(a, SendMessage) and a.buttons:
            return [b for row in a.buttons for b in row]
    return []


async def worker(conv: Conversation, uid: int, code: str, latencies: list[float]) -> int:
    user = User(uid, "")
    send = lambda text: conv.process(Event.message(user, uid, text))  # noqa: E731
    press = lambda data: conv.process(Event.button(user, uid, data, f"c{uid}", None))  # noqa: E731
    await send(f"/join {code}")
    await send("张测试")
    await send("/exam")
    actions = await press(f"xbegin:{1}")
    answered = 0
    while True:
        shown = buttons(actions)
        if not shown or not shown[0].data.startswith(("xpick", "xtick")):
            return answered
        started = time.perf_counter()
        if shown[0].data.startswith("xtick"):
            await press(shown[0].data)
            actions = await press(shown[-1].data)  # 提交
        else:
            actions = await press(shown[(uid + answered) % len(shown)].data)
        latencies.append(time.perf_counter() - started)
        answered += 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rankings-only", action="store_true")
    parser.add_argument("--copy-from", default="", help="with --rankings-only: a kept database")
    args = parser.parse_args()
    if args.db.startswith("sqlite") and not args.rankings_only:  # a fresh file
        Path(make_url(args.db).database or "").unlink(missing_ok=True)
    return args


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp())
    url = args.db or f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    if args.rankings_only:
        try:
            if args.copy_from:
                await copy_event(args.copy_from, engine)
            await time_rankings(engine)
        finally:
            await engine.dispose()
        return
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    sessions = session_factory(engine)
    bank = load_bank()
    clock = Clock()
    units = "".join(
        f"  - code: unit{u}\n    name: 单位{u}\n    teams:\n"
        + "".join(f"      - {{code: team{u}-{t}, name: 队伍{u}-{t}}}\n" for t in range(5))
        for u in range(UNITS)
    )
    (folder / "event.yaml").write_text(EVENT + units, encoding="utf-8")
    plan = read_event(folder / "event.yaml", bank, clock(), ZoneInfo("Asia/Shanghai"))
    async with sessions() as session:
        await import_event(session, plan)
        await session.commit()
    conv = Conversation(sessions, Services(bank=bank, library=StatuteLibrary()), clock)
    latencies: list[float] = []
    queue = list(range(1, args.workers + 1))

    async def lane() -> None:
        while queue:
            uid = queue.pop()
            code = f"team{uid % UNITS}-{uid % 5}"
            await worker(conv, 10_000_000 + uid, code, latencies)

    wall = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(args.concurrency)))
    wall = time.perf_counter() - wall
    async with sessions() as session:
        conn = await session.connection()
        answers = (await conn.execute(select(func.count()).select_from(ExamAnswer))).scalar_one()
        duplicates = (
            await conn.execute(
                select(func.count()).select_from(
                    select(ExamAnswer.attempt_id, ExamAnswer.position)  # type: ignore[call-overload]
                    .group_by(ExamAnswer.attempt_id, ExamAnswer.position)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        ).scalar_one()
        finished = (
            await conn.execute(
                select(func.count()).where(ExamAttempt.status == "finished")  # type: ignore[arg-type]
            )
        ).scalar_one()
        counted = (await conn.execute(select(func.sum(ExamAttempt.position)))).scalar_one()
    await engine.dispose()
    expected = args.workers * 20
    print(
        f"{platform.node()} {platform.processor() or platform.machine()} python {platform.python_version()}"
    )
    print(
        f"database: {engine.dialect.name}; workers: {args.workers}; concurrency: {args.concurrency}"
    )
    print(
        f"answers stored {answers}/{expected}, counted on attempts {counted}, "
        f"duplicates {duplicates}, attempts finished {finished}/{args.workers}"
    )
    print(
        f"{len(latencies) / wall:,.0f} answers/s over {wall:.1f} s (whole exams incl. join); "
        f"per answer p50 {statistics.median(latencies) * 1000:.2f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.2f} ms"
    )
    assert answers == expected == counted and duplicates == 0 and finished == args.workers
    engine = make_engine(url)
    try:
        await time_rankings(engine)
    finally:
        await engine.dispose()


COPIED = (
    "competition",
    "competition_unit",
    "competition_team",
    "competition_join_code",
    "competition_member",
    "exam_attempt",
    "exam_answer",
)


async def copy_event(source_url: str, target: AsyncEngine) -> None:
    """Replace the target's competition tables with the source's rows (schema by migration)."""
    from sqlmodel import SQLModel

    if target.dialect.name == "postgresql":
        async with target.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(target)
    source = make_engine(source_url)
    tables = SQLModel.metadata.tables
    try:
        async with source.connect() as src, target.begin() as dst:
            for name in COPIED:
                rows = [dict(r._mapping) for r in await src.execute(tables[name].select())]
                for start in range(0, len(rows), 5000):
                    await dst.execute(tables[name].insert(), rows[start : start + 5000])
                if target.dialect.name == "postgresql" and "id" in tables[name].c:
                    await dst.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {name}))"
                        )
                    )
                print(f"copied {len(rows)} rows of {name}")
    finally:
        await source.dispose()


async def time_rankings(engine: AsyncEngine) -> None:
    """Best of 5 for each query a quiz master's or worker's screen needs, and for the whole
    workbook (`standings`: every ranking and statistic, the answer counts read once)."""
    if engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum leaves them
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    sessions = session_factory(engine)
    async with sessions() as session:
        comp = (await session.exec(select(Competition).where(Competition.code == "bench"))).one()
        some = (await session.exec(select(Member.id).order_by(Member.id).limit(1).offset(77))).one()
        timings = {}

        async def anchor() -> None:  # one count over the answers' index: the run's yardstick
            conn = await session.connection()
            await conn.execute(
                select(func.count())
                .select_from(ExamAnswer)
                .where(ExamAnswer.competition_id == comp.id)  # type: ignore[arg-type]
            )

        for name, call in (
            ("anchor: count(answers)", anchor),
            ("personal (all rows)", lambda: personal_ranking(session, comp)),
            ("personal top 10", lambda: personal_ranking(session, comp, limit=10)),
            ("one worker's rank", lambda: member_rank(session, comp, some)),
            ("units (3 rules)", lambda: group_ranking(session, comp, "unit")),
            ("teams (3 rules)", lambda: group_ranking(session, comp, "team")),
            ("per-question stats", lambda: question_stats(session, comp)),
            ("per-law stats", lambda: law_stats(session, comp)),
            ("workbook (standings)", lambda: standings(session, comp)),
        ):
            runs = []
            for _ in range(9):
                started = time.perf_counter()
                await call()  # type: ignore[operator]
                runs.append(time.perf_counter() - started)
            timings[name] = min(runs)
    base = timings.pop("anchor: count(answers)")
    print(
        f"rankings on {engine.dialect.name} (best of 9; anchor count(answers) {base * 1000:.1f} ms):"
    )
    for name, seconds in timings.items():
        print(f"  {name:<22} {seconds * 1000:8.1f} ms  {seconds / base:5.1f}× anchor")
    rank_page = sum(
        timings[k]
        for k in ("personal top 10", "one worker's rank", "units (3 rules)", "teams (3 rules)")
    )
    print(
        f"  {'/rank (top 10, own, units, teams)':<22} {rank_page * 1000:8.1f} ms  {rank_page / base:5.1f}× anchor"
    )


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
