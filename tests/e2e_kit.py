"""The end-to-end harness: the bot run in-process against the fake Bot API, through the
delivery core and the runtime a test's settings name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from bot.app import App, build_app, system_now
from bot.config import Settings
from bot.delivery.runner import Delivery
from bot.transports.telegram import make_api
from tests.fake_telegram import FakeTelegram


async def import_roster_text(settings: Settings, path: Path, text: str) -> None:
    """Write a roster file and import it into the bot's database (as `pufa roster import`)."""
    from zoneinfo import ZoneInfo

    from bot.db import make_engine, session_factory
    from legal_aid import import_roster, read_roster

    await asyncio.to_thread(path.write_text, text, "utf-8")
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await import_roster(session, read_roster(path, ZoneInfo(settings.tz)))
            await session.commit()
    finally:
        await engine.dispose()


def one_duty_roster(lawyer_id: int, name: str, day: date) -> str:
    """A roster of one lawyer on duty from 10:00 to 11:00 on `day`."""
    return (
        f"lawyers:\n  - telegram_id: {lawyer_id}\n    name: {name}\n    duty:\n"
        f'      - {{date: {day}, from: "10:00", to: "11:00"}}\n'
    )


class Running:
    """The bot process, in-process: app + the runtime's adapter + the delivery loops."""

    def __init__(
        self,
        settings: Settings,
        telegram: FakeTelegram,
        clock: Callable[[], datetime] = system_now,
    ) -> None:
        self.settings = settings
        self.telegram = telegram
        self.clock = clock  # a test's own clock moves the scheduler and the speed of answers

    async def start(self) -> None:
        self.telegram.commands = []
        self.app: App = await build_app(self.settings, self.clock)
        api = make_api(self.settings.runtime, self.telegram.token, self.telegram.api_base)
        self.delivery = Delivery(self.app.conversation, api, poll_timeout=1, idle_wait=0.2)
        self.stopping = asyncio.Event()
        self.task = asyncio.create_task(self.delivery.run(self.stopping, handle_signals=False))
        await self.telegram.wait_for(lambda: bool(self.telegram.commands))

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.wait_for(self.task, 15)
        await self.app.close()
