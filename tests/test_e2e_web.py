"""End-to-end: `pufa run` with PUFA_WEB_ENABLED — the bot on the fake Bot API serves the pages
too. A quiz master gets the links with /weblinks over Telegram, opens the scoreboard, presses
console buttons, and the bot's replies reach their phone through the outbox and send loop."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.app import run_bot
from bot.config import Settings
from bot.db import make_engine, session_factory, upgrade
from bot.web.run import serve_forever
from bot.weblinks import create_link
from competition import competition_by_code, import_event, read_event
from question_bank import Bank
from tests.conftest import SMALL_BANK
from tests.fake_telegram import FakeTelegram, Phone
from tests.final_kit import QUIZMASTER, TZ, event_text
from tests.web_kit import Stream, free_port

HOST = Phone(QUIZMASTER, "主持人")


async def import_final(url: str, bank: Bank, folder: Path) -> None:
    path = folder / "final.yaml"
    path.write_text(event_text(), encoding="utf-8")
    engine = make_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            await import_event(session, read_event(path, bank, datetime.now(UTC), TZ))
            await session.commit()
    finally:
        await engine.dispose()


async def test_pufa_run_serves_the_pages_and_sends_what_the_console_did(
    telegram: FakeTelegram, small_bank: Bank, tmp_path: Path
) -> None:
    port = free_port()
    settings = Settings(
        bot_token=telegram.token,
        telegram_api_base=telegram.api_base,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        bank_dir=SMALL_BANK,
        web_enabled=True,
        web_port=port,
        _env_file=None,  # type: ignore[call-arg]
    )
    await import_final(settings.database_url, small_bank, tmp_path)
    stop = asyncio.Event()
    bot = asyncio.create_task(run_bot(settings, stop, handle_signals=False))
    try:
        await telegram.wait_for(lambda: bool(telegram.commands), timeout=30)
        telegram.send_text(HOST, "/weblinks")
        await telegram.settle()
        links = re.findall(r"http://\S+", telegram.last(HOST, "控制台").text)
        base = f"http://127.0.0.1:{port}"
        console, screen = links
        assert console.startswith(f"{base}/console/") and screen.startswith(f"{base}/screen/")

        async with aiohttp.ClientSession() as http:
            assert (await http.get(screen)).status == 200
            stream = Stream(await http.get(screen.replace("/screen/", "/events/")))
            assert (await stream.next())["snapshot"]["event"] == "决赛杯"
            for press in (
                {"command": "round"},
                {"command": "adjust", "team": "f2", "delta": "+10", "reason": "补加"},
            ):
                response = await http.post(
                    f"{console}/command", json=press, headers={"Origin": base}
                )
                assert (await response.json())["ok"] is True
            snapshot = (await stream.next())["snapshot"]
            while snapshot["teams"][0]["code"] != "f2":
                snapshot = (await stream.next())["snapshot"]
            assert snapshot["teams"][0]["score"] == 110
        # the replies went out through the bot's outbox to the quiz master's phone
        adjusted = "已调整：第2队 +10 分"
        await telegram.wait_for(
            lambda: any(adjusted in m.text for m in telegram.chat(HOST)), timeout=30
        )
    finally:
        stop.set()
        await asyncio.wait_for(bot, 30)


async def test_pufa_web_serves_the_pages_on_its_own(
    small_bank: Bank, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pufa web` without the bot: the pages of the shared database, until told to stop."""
    port = free_port()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        bank_dir=SMALL_BANK,
        _env_file=None,  # type: ignore[call-arg]
    )
    await import_final(settings.database_url, small_bank, tmp_path)
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            comp = await competition_by_code(session, "final-cup")
            assert comp is not None and comp.id is not None
            link = await create_link(session, comp.id, "screen", datetime.now(UTC))
            await session.commit()
    finally:
        await engine.dispose()
    stop = asyncio.Event()
    web = asyncio.create_task(
        serve_forever(settings, "127.0.0.1", port, stop, handle_signals=False)
    )
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/screen/{link.token}"
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientError):
                    if (await http.get(url)).status == 200:
                        break
                await asyncio.sleep(0.1)
            assert (await http.get(url)).status == 200
            stream = Stream(await http.get(url.replace("/screen/", "/events/")))
            assert (await stream.next())["snapshot"]["event"] == "决赛杯"
    finally:
        stop.set()
        await asyncio.wait_for(web, 30)
    assert f"pufa web: http://127.0.0.1:{port}" in capsys.readouterr().out
