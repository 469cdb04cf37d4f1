"""A bot process for the concurrency tests: it handles the updates stored in a shared
database's inbox, as `pufa run` does, with a fixed clock and no Telegram, then exits.

    python -m tests.booking_process DATABASE_URL NOW_ISO START_AT_EPOCH

It waits until START_AT_EPOCH (so that several processes start handling at the same moment),
runs two handler tasks until the inbox is empty, and prints how many updates it handled
(each call of `handle_next` takes a batch).
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.conversation.context import Services
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory
from bot.delivery.runner import Delivery
from question_bank import StatuteLibrary, bank_files, load_bank
from tests.conftest import SMALL_BANK
from tests.test_delivery import MemoryApi


async def main(url: str, now: datetime, start_at: float) -> int:
    engine = make_engine(url)
    try:
        services = Services(
            bank=load_bank(bank_files(SMALL_BANK)),
            library=StatuteLibrary(),
            tz=ZoneInfo("Asia/Shanghai"),
        )
        delivery = Delivery(
            Conversation(session_factory(engine), services, lambda: now), MemoryApi()
        )
        await asyncio.sleep(max(0.0, start_at - time.time()))
        handled = 0

        async def work() -> None:
            nonlocal handled
            while taken := await delivery.handle_next():
                handled += taken

        await asyncio.gather(work(), work())
        return handled
    finally:
        await engine.dispose()


if __name__ == "__main__":
    count = asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2]), float(sys.argv[3])))
    print(count)
