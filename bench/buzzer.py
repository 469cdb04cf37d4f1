"""Benchmark: 24 contestants (8 teams × 3) press the buzzer within the same 50 ms; the winner
must be the press the server received first, every time.

Run: python bench/buzzer.py [--trials 200] [--db URL] [--seed N]
Each trial opens a new 抢答 question and draws 24 arrival times in a 50 ms window (the
receipt order = the order of update ids). Two ways of handling them:
- `out of order`: the presses are handled in a random order, each in its own transaction
  through `Conversation.handle` with its arrival time and sequence — what several workers
  (or processes) committing in any order would do;
- `delivery core`: the presses go into the inbox in receipt order and the delivery core's
  workers handle them (4 concurrent workers on PostgreSQL, SQLite runs one).
Checks the winner is the first received (and that exactly one team answers) in every trial,
and prints the time to handle a press beside the time to handle /help (the anchor) in the
same run. Default database: a fresh SQLite file; --db a PostgreSQL URL (its tables are
dropped first — use a scratch database). Record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlmodel import col, select

from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from bot.delivery.runner import Delivery
from bot.transports.base import Fetched, Sent
from competition import import_event, join, read_event
from question_bank import StatuteLibrary, load_bank
from scoring.final.engine import load
from scoring.final.models import BuzzPress, LiveFinal

QUIZMASTER = 1
TEAMS = 8
SEATS = 3
WINDOW_MS = 50
PER_ROUND = 100  # questions a round may have
EVENT = """\
code: buzz-bench
name: 抢答压力测试
opens: now
closes: +1d
blueprint: online_competition
quizmasters: [{qm}]
final:
  teams: [{teams}]
  rounds:
{rounds}units:
  - code: bench-unit
    name: 测试工会
    teams:
{team_lines}
"""


class NoTelegram:
    """The delivery core's Bot API, answering every call at once (nothing is measured here)."""

    name = "none"

    def __init__(self) -> None:
        self.ids = iter(range(10**9))

    async def prepare(self, menu: object) -> str:
        return "bench_bot"

    async def fetch(self, offset: int | None, timeout: float) -> list[Fetched]:
        return []

    async def perform(self, action: object) -> Sent:
        return Sent(message_id=next(self.ids))

    async def close(self) -> None:
        return None


def player(team: int, seat: int) -> int:
    return 1000 + 10 * team + seat


async def setup(url: str, trials: int, folder: Path) -> tuple[Conversation, int, object]:
    if url.startswith("postgresql"):
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    engine = make_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    bank = load_bank()
    rounds = 2 * math.ceil(trials / PER_ROUND)  # the out-of-order trials' rounds, then the core's
    path = folder / "buzz.yaml"
    codes = [f"bt{i}" for i in range(TEAMS)]
    path.write_text(
        EVENT.format(
            qm=QUIZMASTER,
            teams=", ".join(codes),
            rounds="".join(
                f"    - {{kind: 抢答, questions: {PER_ROUND}, buzz_seconds: 600, seconds: 600}}\n"
                for _ in range(rounds)
            ),
            team_lines="\n".join(f"      - {{code: {c}, name: 队{c}}}" for c in codes),
        ),
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    plan = read_event(path, bank, now, ZoneInfo("Asia/Shanghai"))
    async with sessions() as session:
        comp = await import_event(session, plan)
        for team, code in enumerate(codes):
            for seat in range(SEATS):
                await join(session, code, player(team, seat), now)
        await session.commit()
    assert comp.id is not None
    services = Services(bank=bank, library=StatuteLibrary(), quizmasters=frozenset({QUIZMASTER}))
    return Conversation(sessions, services, lambda: datetime.now(UTC)), comp.id, engine


async def command(conversation: Conversation, text_: str) -> float:
    """Handle a quiz master's command in one transaction; returns seconds taken."""
    started = time.perf_counter()
    async with conversation.sessions() as session:
        await conversation.handle(
            session, Event.message(User(QUIZMASTER), QUIZMASTER, text_), datetime.now(UTC)
        )
        await session.commit()
    return time.perf_counter() - started


async def open_question(conversation: Conversation, comp_id: int, trial: int) -> int:
    if trial % PER_ROUND == 0:
        await command(conversation, "/round")
    await command(conversation, "/next")
    await command(conversation, "/open")
    async with conversation.sessions() as session:
        final = await load(session, comp_id)
        assert final is not None and final.phase == "buzz_open"
        return final.question_no


def presses(comp_id: int, question_no: int, rng: random.Random) -> list[tuple[float, Event]]:
    """24 presses with arrival offsets (ms) within the window, in receipt order."""
    people = [(team, seat) for team in range(TEAMS) for seat in range(SEATS)]
    offsets = sorted(rng.uniform(0, WINDOW_MS) for _ in people)
    rng.shuffle(people)
    out = []
    for offset, (team, seat) in zip(offsets, people, strict=True):
        uid = player(team, seat)
        data = f"finbuzz:{comp_id}:{question_no}"
        out.append((offset, Event.button(User(uid), uid, data, f"cb{uid}", None)))
    return out


async def winner(conversation: Conversation, comp_id: int, question_no: int) -> tuple[int, int]:
    """(the winning user, the number of presses recorded)."""
    async with conversation.sessions() as session:
        final = await session.get(LiveFinal, comp_id)
        stmt = select(BuzzPress).where(
            col(BuzzPress.competition_id) == comp_id, col(BuzzPress.question_no) == question_no
        )
        rows = (await session.exec(stmt)).all()
        assert final is not None and final.buzz_user_id is not None
        return int(final.buzz_user_id), len(rows)


async def out_of_order(
    conversation: Conversation, comp_id: int, trials: int, rng: random.Random
) -> tuple[int, list[float]]:
    right, times = 0, []
    for trial in range(trials):
        qno = await open_question(conversation, comp_id, trial)
        batch = presses(comp_id, qno, rng)
        t0 = datetime.now(UTC)
        first_team = batch[0][1].user.id // 10
        order = list(enumerate(batch))
        rng.shuffle(order)
        for seq, (offset, event) in order:
            started = time.perf_counter()
            async with conversation.sessions() as session:
                await conversation.handle(
                    session, event, datetime.now(UTC), t0 + timedelta(milliseconds=offset), seq + 1
                )
                await session.commit()
            times.append(time.perf_counter() - started)
        won, recorded = await winner(conversation, comp_id, qno)
        right += int(won // 10 == first_team and recorded == TEAMS)
        await command(conversation, "/reveal")
    return right, times


async def through_delivery(
    conversation: Conversation, comp_id: int, trials: int, rng: random.Random, workers: int
) -> int:
    """Presses stored in the inbox in receipt order, handled by the delivery core's workers."""
    delivery = Delivery(conversation, NoTelegram(), workers=workers)  # type: ignore[arg-type]
    update_ids = iter(range(1, 10**9))
    right = 0
    for trial in range(trials):
        qno = await open_question(conversation, comp_id, trial)  # /round: a fresh round
        batch = presses(comp_id, qno, rng)
        first_team = batch[0][1].user.id // 10
        for _offset, event in batch:  # one by one: each gets its own received_at
            await delivery.accept([Fetched(next(update_ids), event)])

        async def work() -> None:
            while await delivery.handle_next():
                pass

        await asyncio.gather(*(work() for _ in range(delivery.workers)))
        won, recorded = await winner(conversation, comp_id, qno)
        right += int(won // 10 == first_team and recorded == TEAMS)
        await command(conversation, "/reveal")
    return right


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--db", default="")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite+aiosqlite:///{Path(folder) / 'buzz.sqlite3'}"
        conversation, comp_id, engine = await setup(url, args.trials, Path(folder))
        try:
            anchor = [await command(conversation, "/help") for _ in range(200)]
            right, times = await out_of_order(conversation, comp_id, args.trials, rng)
            workers = 4 if url.startswith("postgresql") else 1
            right_delivery = await through_delivery(
                conversation, comp_id, args.trials, rng, workers
            )
        finally:
            await engine.dispose()  # type: ignore[attr-defined]
    db = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"machine: {platform.machine()}, {platform.python_version()}, {db}")
    print(f"trials: {args.trials} × {TEAMS * SEATS} presses within {WINDOW_MS} ms")
    print(f"out of order: first received won {right}/{args.trials}")
    print(f"delivery core ({workers} worker(s)): first received won {right_delivery}/{args.trials}")
    p50, p95 = ms(times, 0.5), ms(times, 0.95)
    a50 = statistics.median(anchor) * 1000
    print(f"press handling: p50 {p50:.2f} ms, p95 {p95:.2f} ms; /help (anchor) p50 {a50:.2f} ms")
    print(f"ratio to anchor: p50 {p50 / a50:.1f}×, p95 {p95 / a50:.1f}×")


if __name__ == "__main__":
    asyncio.run(main())
