"""Benchmark: practice answers through the conversation layer, and through each Telegram
runtime (aiogram, python-telegram-bot) and the delivery core, beside that framework's no-op
handler in the same run.

Paths measured, per answer (a tap; a multiple-choice answer is two taps: tick, submit):
- conversation layer + SQLite: `Conversation.process(event)` — no inbox, no outbox;
- <runtime> + delivery: the callback update as Telegram's JSON → the adapter's `parse` →
  inbox (`Delivery.accept`) → handler + outbox in one transaction (`handle_next`) → every
  queued action sent through the adapter's `perform` to a mocked network (`send_round`);
- <runtime> no-op: the same JSON fed to the framework's own dispatcher with a handler that
  does nothing (aiogram `Dispatcher.feed_raw_update`, PTB `Application.process_update`).

Run: python bench/answer_throughput.py [--per-user 200]
Prints answers per second and p50/p99 per tap; record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
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

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Message
from telegram import Bot as PtbBot
from telegram.ext import Application, CallbackQueryHandler
from telegram.request import BaseRequest, RequestData

from bot.conversation.actions import SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.quiz import QuizAnswer, QuizSubmit, QuizToggle
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from bot.delivery.runner import Delivery
from bot.transports.telegram_aiogram import AiogramApi
from bot.transports.telegram_ptb import PtbApi
from question_bank import StatuteLibrary, load_bank
from scoring import PracticeAttempt

USERS = 5
TOKEN = "42:BENCH"
BOT_USER = {"id": 42, "is_bot": True, "first_name": "普法", "username": "pufa_bench_bot"}


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 11, 25, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def report(name: str, samples: list[float], wall: float, answers: int) -> float:
    """Answers per second over the whole run; latency per event (a tap, tick or submit)."""
    rate = answers / wall
    print(
        f"{name:<40} {rate:>7.0f} answers/s  {len(samples) / wall:>7.0f} events/s   "
        f"p50 {statistics.median(samples) * 1000:5.2f} ms   p99 {percentile(samples, 99) * 1000:5.2f} ms",
        flush=True,
    )
    return rate


def message_json(message_id: int = 1, chat_id: int = 1) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": BOT_USER,
        "text": "ok",
    }


class MockedAiogram(BaseSession):
    """aiogram's HTTP session, answering without the network."""

    ids = itertools.count(1000)

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: AiogramBot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        name = type(method).__name__
        if name in ("SendMessage", "EditMessageText"):
            return Message.model_validate(message_json(next(self.ids)), context={"bot": bot})
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


class MockedPtb(BaseRequest):
    """python-telegram-bot's HTTP request, answering without the network."""

    ids = itertools.count(1000)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1].lower()
        if name == "getme":
            result: Any = BOT_USER
        elif name in ("sendmessage", "editmessagetext"):
            result = message_json(next(self.ids))
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


async def prepared(tmp: Path, per_user: int) -> tuple[Conversation, list[list[str]]]:
    """A conversation on a fresh SQLite file and, per user, the button data of each tap."""
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
        actions = await conv.process(Event.button(user, uid, "qscope:all", "cb", None))
        first = [a for a in actions if isinstance(a, SendMessage) and a.buttons][-1]
        attempt = int(first.buttons[0][0].data.split(":")[1])
        async with conv.sessions() as s:
            row = await s.get(PracticeAttempt, attempt)
            assert row is not None
            ids = row.question_ids
        plan = []
        for pos, qid in enumerate(ids):
            q = bank.questions[qid]
            if q.type == "multiple":
                plan.append(QuizToggle(attempt, pos, min(q.answer)).pack())
                plan.append(QuizSubmit(attempt, pos).pack())
            else:
                plan.append(QuizAnswer(attempt, pos, min(q.answer)).pack())
        plans.append(plan)
    return conv, plans


def callback_payloads(plans: list[list[str]]) -> list[dict[str, Any]]:
    """Each tap as the callback-query update Telegram would send (users take turns)."""
    ids = itertools.count(1)
    taps = [
        (uid, data)
        for step in itertools.zip_longest(*plans)
        for uid, data in enumerate(step, 1)
        if data is not None
    ]
    out = []
    for uid, data in taps:
        update_id = next(ids)
        user = {"id": uid, "is_bot": False, "first_name": "w"}
        out.append(
            {
                "update_id": update_id,
                "callback_query": {
                    "id": str(update_id),
                    "from": user,
                    "chat_instance": "1",
                    "data": data,
                    "message": message_json(1, uid),
                },
            }
        )
    return out


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> tuple[list[float], float]:
    samples = []
    start = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return samples, time.perf_counter() - start


def answers_only(plans: list[list[str]]) -> int:
    return sum(1 for plan in plans for d in plan if not d.startswith(QuizToggle.prefix + ":"))


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


async def through_delivery(delivery: Delivery, api: Any, payload: dict[str, Any]) -> None:
    await delivery.accept([api.parse(payload)])
    while await delivery.handle_next():
        pass
    while await delivery.send_round():
        pass


async def bench_runtime(runtime: str, per_user: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        conv, plans = await prepared(Path(tmp), per_user)
        payloads = callback_payloads(plans)
        n = answers_only(plans)
        api: Any
        if runtime == "aiogram":
            api = AiogramApi(TOKEN)
            api.bot.session = MockedAiogram()
        else:
            api = PtbApi(TOKEN)
            api.bot = PtbBot(TOKEN, request=MockedPtb(), get_updates_request=MockedPtb())
        await api.prepare(conv.menu()) if runtime == "ptb" else None
        delivery = Delivery(conv, api)
        calls = [lambda p=p: through_delivery(delivery, api, p) for p in payloads]
        samples, wall = await timed(calls)
        ours = report(f"{runtime} + delivery core + SQLite", samples, wall, n)

        if runtime == "aiogram":
            bot = AiogramBot(token=TOKEN, session=MockedAiogram())
            dp = Dispatcher()
            router = Router()

            @router.callback_query()
            async def nothing(query: CallbackQuery) -> None:
                return None

            dp.include_router(router)
            noop_calls = [lambda p=p: dp.feed_raw_update(bot, p) for p in payloads]
        else:
            app = Application.builder().bot(PtbBot(TOKEN, request=MockedPtb())).build()

            async def nothing_ptb(update: Any, context: Any) -> None:
                return None

            app.add_handler(CallbackQueryHandler(nothing_ptb))
            await app.initialize()
            from telegram import Update

            noop_calls = [
                lambda p=p: app.process_update(Update.de_json(p, app.bot)) for p in payloads
            ]
        samples, wall = await timed(noop_calls)
        noop = report(f"{runtime} no-op handler", samples, wall, n)
        print(f"  → {runtime} + delivery = {100 * ours / noop:.1f} % of its no-op handler")
        await conv.sessions.kw["bind"].dispose()
        return ours, noop


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
    for runtime in ("aiogram", "ptb"):
        asyncio.run(bench_runtime(runtime, args.per_user))


if __name__ == "__main__":
    main()
