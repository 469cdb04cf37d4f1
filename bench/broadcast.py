"""Benchmark: a broadcast to 3,000 users through `pufa run`'s delivery core and a real runtime,
against the fake Bot API (tests/fake_telegram.py) enforcing Telegram's limits — more than 30
messages in any second is answered 429 with retry_after.

Reports the sending rate as a share of the 30-a-second ceiling, how often the fake API had to
refuse (429), and checks that every user got the announcement exactly once.

Run: python bench/broadcast.py [--users 3000] [--runtime aiogram|ptb] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.config import Settings
from bot.db import make_engine
from bot.delivery import broadcast
from bot.delivery.limiter import SendLimiter
from tests.conftest import SMALL_BANK
from tests.e2e_kit import Running
from tests.fake_telegram import FakeTelegram

TEXT = "【通知】“尊法守法·携手筑梦”网上答题明天 9:00 开始，发送 /exam 参加。"
CEILING = 30.0


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp())
    url = args.db or f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    telegram = FakeTelegram()
    await telegram.start()
    telegram.enforce_limits = True
    people = [1_000_000 + i for i in range(args.users)]
    telegram.started.update(people)
    settings = Settings(
        runtime=args.runtime,
        bot_token=telegram.token,
        database_url=url,
        bank_dir=SMALL_BANK,
        _env_file=None,  # type: ignore[call-arg]
    )
    bot = Running(settings, telegram, limiter=SendLimiter())  # Telegram's pace
    await bot.start()
    try:
        async with bot.app.conversation.sessions() as session:
            await broadcast.create(session, TEXT, "bench", people, datetime.now(UTC))
            await session.commit()
        started = time.monotonic()
        first = len(telegram.sent_times)
        while True:
            got = sum(1 for m in telegram.messages.values() if m.text == TEXT)
            if got >= args.users:
                break
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
        await telegram.settle(quiet=1.0, answered=False, timeout=60)
    finally:
        await bot.stop()
        await telegram.stop()
    per_user: dict[int, int] = {}
    for m in telegram.messages.values():
        if m.text == TEXT:
            per_user[m.chat_id] = per_user.get(m.chat_id, 0) + 1
    lost = sum(1 for p in people if per_user.get(p, 0) == 0)
    duplicated = sum(n - 1 for n in per_user.values() if n > 1)
    times = telegram.sent_times[first:]
    span = times[-1] - times[0] if len(times) > 1 else elapsed
    rate = (len(times) - 1) / span if span else 0.0
    print(f"{platform.node()} python {platform.python_version()} runtime {args.runtime}")
    print(f"database: {url.split(':')[0]}; users: {args.users}")
    print(
        f"sent {len(per_user)} in {elapsed:.1f} s: {rate:.1f} messages/s from first to last "
        f"= {rate / CEILING:.0%} of the 30/s ceiling; {telegram.flood_refusals} answered 429; "
        f"lost {lost}, duplicated {duplicated}"
    )
    assert lost == 0 and duplicated == 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--runtime", default="aiogram", choices=("aiogram", "ptb"))
    parser.add_argument("--db", default="")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
