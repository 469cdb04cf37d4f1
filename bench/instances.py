"""Benchmark: updates per second through `pufa run --webhook` on PostgreSQL, one instance vs
two behind one address, beside the framework's no-op handler in the same run.

The fake Bot API (tests/fake_telegram.py) plays Telegram: it posts each update to the
instances in turn over `--connections` connections (Telegram's max_connections), one update of
a chat at a time. Every update is a different worker's /help (handled: inbox, handler and
outbox transaction, one sendMessage back), so per-chat pacing plays no part; the send limiter
is opened up (PUFA_SEND_RATE) because the fake API does not enforce Telegram's limits here.
The no-op anchor feeds the same updates' JSON to the runtime's own dispatcher (aiogram's
Dispatcher.feed_raw_update, PTB's Application.process_update) with a handler that does nothing.

Run: python bench/instances.py --db postgresql+asyncpg://…/scratch [--updates 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher, Router
from aiogram.types import Message
from telegram import Bot as PtbBot
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bench.answer_throughput import MockedAiogram, MockedPtb
from tests.conftest import reset_postgres
from tests.e2e_kit import BotProcess, webhook_instances
from tests.fake_telegram import FakeTelegram, Phone


async def through_instances(args: argparse.Namespace, count: int, base: int) -> float:
    await reset_postgres(args.db)
    telegram = FakeTelegram()
    await telegram.start()
    telegram.webhook_connections = args.connections
    folder = Path(tempfile.mkdtemp())
    bots: list[BotProcess] = []
    try:
        bots = await webhook_instances(
            telegram,
            folder,
            args.runtime,
            args.db,
            count,
            # the default lease (webhook_instances shortens it for the kill tests)
            env={
                "PUFA_SEND_LEASE_SECONDS": "30",
                "PUFA_SEND_RATE": "100000",
                "PUFA_LOG_LEVEL": "WARNING",
            },
        )
        phones = [Phone(base + i, f"职工{i}") for i in range(args.updates)]
        warm = Phone(base - 1, "预热")
        telegram.send_text(warm, "/help")
        await telegram.wait_for(lambda: bool(telegram.chat(warm)), timeout=60)
        started = time.perf_counter()
        for phone in phones:
            telegram.send_text(phone, "/help")
        await telegram.wait_for(
            lambda: sum(1 for p in phones if telegram.chat(p)) == len(phones), timeout=600
        )
        return len(phones) / (time.perf_counter() - started)
    finally:
        for bot in bots:
            await bot.stop(signal.SIGTERM)
        await telegram.stop()


async def noop(updates: int, runtime: str) -> float:
    """The framework's own dispatcher with a do-nothing handler, fed the same updates."""
    payloads: list[dict[str, Any]] = [
        {
            "update_id": i,
            "message": {
                "message_id": i,
                "date": int(time.time()),
                "chat": {"id": 5000 + i, "type": "private"},
                "from": {"id": 5000 + i, "is_bot": False, "first_name": "职工"},
                "text": "/help",
            },
        }
        for i in range(1, updates + 1)
    ]
    if runtime == "aiogram":
        bot = AiogramBot("42:BENCH", session=MockedAiogram())
        dp = Dispatcher()
        router = Router()

        @router.message()
        async def nothing(message: Message) -> None:
            return None

        dp.include_router(router)
        started = time.perf_counter()
        for p in payloads:
            await dp.feed_raw_update(bot, p)
        return updates / (time.perf_counter() - started)
    app = Application.builder().bot(PtbBot("42:BENCH", request=MockedPtb())).build()

    async def nothing_ptb(update: Any, context: Any) -> None:
        return None

    app.add_handler(MessageHandler(filters.ALL, nothing_ptb))
    await app.initialize()
    started = time.perf_counter()
    for p in payloads:
        await app.process_update(Update.de_json(p, app.bot))
    return updates / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    print(f"{platform.node()} python {platform.python_version()} runtime {args.runtime}")
    anchor = await noop(args.updates, args.runtime)
    print(f"{args.runtime} no-op handler: {anchor:,.0f} updates/s")
    for count in (1, 2):
        rate = await through_instances(args, count, 2_000_000 + 100_000 * count)
        print(
            f"{count} instance(s), webhook, PostgreSQL: {rate:,.0f} updates/s "
            f"= {100 * rate / anchor:.1f} % of the no-op handler"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a scratch PostgreSQL database (reset)")
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runtime", default="aiogram", choices=("aiogram", "ptb"))
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
