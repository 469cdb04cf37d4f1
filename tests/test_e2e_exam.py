"""End-to-end: an exam taken by several workers over the fake Bot API, with the real aiogram
and python-telegram-bot runtimes through the delivery core (each test runs once per runtime)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db import make_engine, session_factory
from competition import import_event, read_event
from question_bank import Bank
from tests.competition_kit import EVENT, FULL, TZ, question_in, shown_letters
from tests.conftest import SMALL_BANK
from tests.e2e_kit import Running
from tests.fake_telegram import FakeTelegram, Phone


@pytest.fixture
def settings(tmp_path: Path, runtime: str) -> Settings:
    return Settings(
        runtime=runtime,
        bot_token="123456:TEST-TOKEN",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        bank_dir=SMALL_BANK,
        quizmasters=[9000],
        _env_file=None,  # type: ignore[call-arg]
    )


async def tap(tg: FakeTelegram, phone: Phone, bank: Bank, right: bool) -> None:
    message = tg.last(phone, "剩余")
    q = question_in(bank, message.text)
    wanted = sorted(q.answer) if right else [min(set(range(len(q.options))) - q.answer)]
    if q.type == "judge":
        tg.press(phone, message, q.options[wanted[0]])
    elif q.type == "single":
        tg.press(phone, message, shown_letters(q, message.text, wanted)[0])
    else:
        for letter in shown_letters(q, message.text, wanted):
            tg.press(phone, message, f"☐ {letter}")
            await tg.settle()
        tg.press(phone, message, "提交")
    await tg.settle()


async def test_workers_take_the_exam_and_the_quiz_master_exports(
    telegram, settings, small_bank, tmp_path
) -> None:
    path = tmp_path / "event.yaml"
    path.write_text(EVENT.format(opens="now", closes="+1d", attempts=1), encoding="utf-8")
    bot = Running(settings, telegram)
    await bot.start()
    engine = make_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await import_event(session, read_event(path, small_bank, datetime.now(UTC), TZ))
        await session.commit()
    await engine.dispose()
    try:
        assert {"join", "exam", "rank", "me"} <= {c["command"] for c in telegram.commands}
        workers = [
            (Phone(8101, "阿明"), "t-red", "王阿明", [True] * 5),
            (Phone(8102, "小芳"), "t-blue", "李小芳", [True, False, True, False, True]),
            (Phone(8103, "老陈"), "u-two", "陈大海", [False] * 5),
        ]
        for phone, code, name, _ in workers:
            telegram.send_text(phone, f"/start {code}")  # the deep link
            await telegram.settle()
            assert "已加入“测试杯”" in telegram.last(phone, "已加入").text
            telegram.send_text(phone, name)
            await telegram.settle()
            telegram.send_text(phone, "/exam")
            await telegram.settle()
            telegram.press(phone, telegram.last(phone, "限时"), "开始答题")
            await telegram.settle()
        for i in range(5):  # they answer in turns
            for phone, _, _, rights in workers:
                await tap(telegram, phone, small_bank, rights[i])
        first = telegram.last(workers[0][0], "答题结束").text
        assert f"得分：{FULL}/{FULL} 分" in first and "第 1 名" in first
        assert "答对 3/5 题" in telegram.last(workers[1][0], "答题结束").text
        assert "第 3 名（共 3 人参赛）" in telegram.last(workers[2][0], "答题结束").text
        assert "📌 依据" in telegram.last(workers[2][0], "❌ 第").text

        boss = Phone(9000, "组织者")
        telegram.send_text(boss, "/export")
        await telegram.settle()
        document = telegram.last(boss)
        assert document.kind == "document" and "3 人参赛" in document.text
        telegram.send_text(workers[2][0], "/export")
        await telegram.settle()
        assert "只供比赛组织者" in telegram.last(workers[2][0]).text
        assert not telegram.open_callbacks
        assert telegram.errors == []
    finally:
        await bot.stop()
