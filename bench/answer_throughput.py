"""Benchmark: answer handling through the conversation layer and SQLite, and the same path
through aiogram's `Dispatcher.feed_update` with the network mocked, beside a no-op handler.

Run: python bench/answer_throughput.py [--per-user 200]
Prints answers per second and p50/p99 latency per answer; record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update
from aiogram.types import User as TgUser

from bot.conversation.actions import SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from bot.transports.telegram_aiogram import build_dispatcher
from question_bank import StatuteLibrary, load_bank

USERS = 5


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 11, 25, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def report(name: str, samples: list[float], wall: float, answers: int) -> None:
    """Answers per second over the whole run; latency per event (a tap, tick or submit)."""
    print(
        f"{name:<44} {answers / wall:>7.0f} answers/s  {len(samples) / wall:>7.0f} events/s   "
        f"p50 {statistics.median(samples) * 1000:5.2f} ms   p99 {percentile(samples, 99) * 1000:5.2f} ms"
    )


class Mocked(BaseSession):
    """A Bot API session that never touches the network."""

    ids = itertools.count(1000)

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        name = type(method).__name__
        if name in ("SendMessage", "EditMessageText"):
            return Message(
                message_id=next(self.ids),
                date=datetime.now(UTC),
                chat=Chat(id=1, type="private"),
                text="ok",
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


async def prepared(tmp: Path, per_user: int) -> tuple[Conversation, list[list[str]]]:
    """A conversation on a fresh SQLite file and, per user, the button data of each answer."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}")
    await upgrade(engine)
    bank = load_bank()
    conv = Conversation(
        session_factory(engine), Services(bank, StatuteLibrary(), per_user), Clock()
    )
    plans = []
    for uid in range(1, USERS + 1):
        user = User(uid)
        await conv.process(Event.message(user, uid, "/quiz"))
        actions = await conv.process(Event.button(user, uid, "qs:all", "cb", None))
        first = [a for a in actions if isinstance(a, SendMessage) and a.buttons][-1]
        attempt = first.buttons[0][0].data.split(":")[1]
        async with conv.sessions() as s:
            from scoring import PracticeAttempt

            row = await s.get(PracticeAttempt, int(attempt))
            assert row is not None
            ids = row.question_ids
        plan = []
        for pos, qid in enumerate(ids):
            q = bank.questions[qid]
            kind = "t" if q.type == "multiple" else "a"
            # multiple choice: one toggle then submit is two events; single/judge: one tap
            plan.append(f"{kind}:{attempt}:{pos}:{min(q.answer)}")
            if kind == "t":
                plan.append(f"s:{attempt}:{pos}")
        plans.append(plan)
    return conv, plans


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> tuple[list[float], float]:
    samples = []
    start = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return samples, time.perf_counter() - start


def answers_only(plans: list[list[str]]) -> int:
    return sum(1 for plan in plans for d in plan if not d.startswith("t:"))


async def bench_conversation(per_user: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        conv, plans = await prepared(Path(tmp), per_user)
        calls = []
        for data, uid in ((d, u) for u, plan in enumerate(plans, 1) for d in plan):
            calls.append(lambda d=data, u=uid: conv.process(Event.button(User(u), u, d, "cb", 1)))
        samples, wall = await timed(calls)
        n = answers_only(plans)
        print(f"({len(samples)} events for {n} answers: multiple choice is tick + submit)")
        report("conversation layer + SQLite", samples, wall, n)
        await conv.sessions.kw["bind"].dispose()


def callback_update(uid: int, data: str, update_id: int) -> Update:
    user = TgUser(id=uid, is_bot=False, first_name="w")
    message = Message(
        message_id=1, date=datetime.now(UTC), chat=Chat(id=uid, type="private"), text="q"
    )
    return Update(
        update_id=update_id,
        callback_query=CallbackQuery(
            id=str(update_id), from_user=user, chat_instance="1", data=data, message=message
        ),
    )


async def bench_aiogram(per_user: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        conv, plans = await prepared(Path(tmp), per_user)
        bot = Bot(token="42:BENCH", session=Mocked())
        dp = build_dispatcher(conv)
        ids = itertools.count(1)
        updates = [
            callback_update(u, d, next(ids)) for u, plan in enumerate(plans, 1) for d in plan
        ]
        samples, wall = await timed([lambda up=up: dp.feed_update(bot, up) for up in updates])
        n = answers_only(plans)
        report("aiogram feed_update → conversation + SQLite", samples, wall, n)

        noop = Dispatcher()
        router = Router()

        @router.callback_query()
        async def nothing(query: CallbackQuery) -> None:
            return None

        noop.include_router(router)
        samples, wall = await timed([lambda up=up: noop.feed_update(bot, up) for up in updates])
        report("aiogram feed_update → no-op handler", samples, wall, n)
        await conv.sessions.kw["bind"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-user", type=int, default=200, help="questions per user's round")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"python {platform.python_version()} date {datetime.now(UTC):%Y-%m-%d}"
    )
    print(f"{USERS} users × {args.per_user} questions, one process, one event loop")
    asyncio.run(bench_conversation(args.per_user))
    asyncio.run(bench_aiogram(args.per_user))


if __name__ == "__main__":
    main()
