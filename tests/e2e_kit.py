"""The end-to-end harness: the bot run in-process against the fake Bot API, through the
delivery core and the runtime a test's settings name."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import func
from sqlmodel import select

from bot.app import App, build_app, system_now
from bot.config import Settings
from bot.db import make_engine, session_factory
from bot.delivery.limiter import SendLimiter
from bot.delivery.runner import Delivery
from bot.transports.base import Webhook
from bot.transports.telegram import make_api
from scoring.models import AttemptAnswer
from tests.conftest import SMALL_BANK
from tests.fake_telegram import FakeTelegram

WEBHOOK_SECRET = "pufa-test-secret_0123456789"


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
        webhook: bool = False,
        limiter: SendLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.telegram = telegram
        # Telegram's pacing only where a test is about it: a test's `settle` reads a quiet
        # moment as "the bot is done", which a paced chat is not
        self.limiter = limiter or SendLimiter(
            rate=10_000,
            burst=10_000,
            chat_burst=10_000,
            group_per_minute=600_000,
            group_burst=10_000,
        )
        self.clock = clock  # a test's own clock moves the scheduler and the speed of answers
        self.webhook = webhook  # updates posted to the bot's HTTP server instead of polled

    async def start(self) -> None:
        self.telegram.commands = []
        self.app: App = await build_app(self.settings, self.clock)
        api = make_api(self.settings.runtime, self.telegram.token, self.telegram.api_base)
        self.delivery = Delivery(
            self.app.conversation, api, poll_timeout=1, idle_wait=0.2, limiter=self.limiter
        )
        self.stopping = asyncio.Event()
        hook = Webhook("https://bot.example.org/tg", WEBHOOK_SECRET) if self.webhook else None
        self.task = asyncio.create_task(
            self.delivery.run(
                self.stopping,
                handle_signals=False,
                webhook=hook,
                listen=("127.0.0.1", 0) if hook else None,
                webhook_path="/tg",
            )
        )
        await self.telegram.wait_for(lambda: bool(self.telegram.commands))
        if hook is not None:
            assert self.delivery.http is not None
            self.telegram.webhook_targets = [self.url("/tg")]

    def url(self, path: str) -> str:
        """An address on the bot's HTTP server (webhook mode)."""
        assert self.delivery.http is not None
        return f"http://127.0.0.1:{self.delivery.http.port}{path}"

    async def stop(self) -> None:
        self.stopping.set()
        await asyncio.wait_for(self.task, 15)
        await self.app.close()


class BotProcess:
    """`python -m bot.cli run` pointed at the fake Bot API through PUFA_TELEGRAM_API_BASE."""

    live: ClassVar[set[int]] = set()  # pids started and not yet stopped

    @classmethod
    def kill_leftovers(cls) -> None:
        """SIGKILL every process a test started and did not stop (it failed half-way): a
        leftover instance would otherwise take the next test's updates from a shared
        database."""
        for pid in cls.live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        cls.live.clear()

    def __init__(
        self,
        telegram: FakeTelegram,
        tmp_path: Path,
        runtime: str,
        database_url: str | None = None,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.telegram = telegram
        self.database_url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}"
        self.args = args
        self.env = {
            **os.environ,
            "PUFA_RUNTIME": runtime,
            "PUFA_BOT_TOKEN": telegram.token,
            "PUFA_TELEGRAM_API_BASE": telegram.api_base,
            "PUFA_DATABASE_URL": self.database_url,
            "PUFA_BANK_DIR": str(SMALL_BANK),
            "PUFA_PRACTICE_SIZE": "3",
            **(env or {}),
        }
        self.cwd = tmp_path
        self.proc: asyncio.subprocess.Process | None = None
        self.output = b""
        # the process writes its log to a file, never to a pipe nobody reads while it runs (a
        # log longer than the pipe's 64 KiB, say a traceback per retry, would block it)
        self.log_path = tmp_path / "bot-output.log"
        self._log_start = 0

    async def start(self, wait: bool = True) -> None:
        """Start the process; with `wait`, until it has set the bot's menu (is up)."""
        self.telegram.commands = []
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                *self.args,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        BotProcess.live.add(self.proc.pid)
        if wait:
            await self.telegram.wait_for(lambda: bool(self.telegram.commands), timeout=60)

    async def stop(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        await asyncio.wait_for(self.proc.wait(), 60)
        BotProcess.live.discard(self.proc.pid)
        with self.log_path.open("rb") as log:  # what this run of the process wrote
            log.seek(self._log_start)
            self.output += log.read()
        return int(self.proc.returncode or 0)

    async def answers_recorded(self) -> int:
        engine = make_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                stmt = select(func.count()).select_from(AttemptAnswer)
                return int((await session.exec(stmt)).one())
        finally:
            await engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def webhook_instances(
    telegram: FakeTelegram,
    folder: Path,
    runtime: str,
    database_url: str,
    count: int = 2,
    env: dict[str, str] | None = None,
) -> list[BotProcess]:
    """`count` `pufa run --webhook` processes on one database, each on a loopback port of
    its own, started one after the other and placed behind the fake Bot API's load balancer
    (`telegram.webhook_targets`, in the order returned)."""
    instances: list[BotProcess] = []
    try:
        for n in range(count):
            port = free_port()
            (folder / f"instance{n}").mkdir()
            bot = BotProcess(
                telegram,
                folder / f"instance{n}",
                runtime,
                database_url=database_url,
                args=("--webhook",),
                env={
                    "PUFA_WEBHOOK_URL": "https://bot.example.org/tg",
                    "PUFA_WEBHOOK_SECRET": WEBHOOK_SECRET,
                    "PUFA_HTTP_PORT": str(port),
                    "PUFA_SEND_LEASE_SECONDS": "2",
                    **(env or {}),
                },
            )
            instances.append(bot)
            await bot.start()
            telegram.webhook_targets.append(f"http://127.0.0.1:{port}/tg")
    except BaseException:  # one did not come up: none is left running
        for bot in instances:
            if bot.proc is not None and bot.proc.returncode is None:
                bot.proc.kill()
        raise
    return instances
