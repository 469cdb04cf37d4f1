"""End-to-end group quiz: the real aiogram and python-telegram-bot runtimes, through the
delivery core, against the fake Bot API, in a group with several simulated members voting in
quiz polls. The bot runs in-process on a clock the test moves (time for the scheduler and
for the speed bonus), so the scores are exact; the fake's polls close by themselves on real
time, which the test never waits for. Every test runs once per runtime."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.transports.telegram_aiogram import make_bot
from tests.conftest import SMALL_BANK, FakeClock
from tests.e2e_kit import Running
from tests.fake_telegram import FakeTelegram, Group, Phone, SentMessage

QUIZMASTER = Phone(8001, "主持人")
WORKERS = [Phone(8101, "小王"), Phone(8102, "老张"), Phone(8103, "小李")]
GROUP = Group(-100123, "快递工会群", "supergroup")


@pytest.fixture
def settings(tmp_path: Path, runtime: str) -> Settings:
    return Settings(
        runtime=runtime,
        bot_token="123456:TEST-TOKEN",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        bank_dir=SMALL_BANK,
        quizmasters=[QUIZMASTER.id],
        _env_file=None,  # type: ignore[call-arg]
    )


def group_polls(tg: FakeTelegram) -> list[SentMessage]:
    return [m for m in tg.chat(GROUP) if m.kind == "poll"]


def right(poll: SentMessage) -> list[int]:
    return [int(poll.poll["correct_option_id"])]


def wrong(poll: SentMessage) -> list[int]:
    return [1 - int(poll.poll["correct_option_id"])]


async def votes_in(tg: FakeTelegram) -> None:
    """Votes get no reply: wait until they are fetched and the bot has gone quiet."""
    await tg.settle(quiet=0.3, answered=False)


async def polls_sent(tg: FakeTelegram, n: int) -> None:
    """Wait for the n-th poll, then for the bot to go quiet: it notes when the poll was sent
    (each answer's speed counts from then) after Telegram's reply, so the test's clock must
    not move before that."""
    await tg.wait_for(lambda: len(group_polls(tg)) == n)
    await tg.settle(quiet=0.3, answered=False)


async def test_a_group_quiz_with_several_members(telegram, settings) -> None:
    clock = FakeClock()
    tg = telegram
    bot = Running(settings, tg, clock)
    await bot.start()
    try:
        tg.add_bot_to_group(QUIZMASTER, GROUP)
        await tg.settle(answered=False)
        a, b, c = WORKERS

        tg.send_text(a, "/groupquiz", group=GROUP)  # not a quiz master: told so, nothing starts
        await tg.settle()
        assert "只有答题主持人" in tg.last(GROUP).text and group_polls(tg) == []

        tg.send_text(QUIZMASTER, "/groupquiz 3 20", group=GROUP)
        await polls_sent(tg, 1)
        assert "共 3 题，每题 20 秒" in tg.last(GROUP, "群答题开始").text
        first = group_polls(tg)[0]
        assert first.poll["type"] == "quiz" and not first.poll["is_anonymous"]
        assert first.poll["open_period"] == 20 and "📌 依据" in first.poll["explanation"]

        clock.advance(4)
        tg.answer_poll(a, first, right(first))  # 4 s: 900
        await votes_in(tg)
        clock.advance(6)
        tg.answer_poll(b, first, right(first))  # 10 s: 750
        tg.answer_poll(c, first, wrong(first))
        await votes_in(tg)
        clock.advance(13)  # past the poll's time and the grace: the scheduler closes it
        await polls_sent(tg, 2)
        assert first.poll["is_closed"]
        board = tg.last(GROUP, "排行榜")
        assert board.text.splitlines() == [
            "📊 排行榜 · 第 1/3 题后",
            "🥇 小王  900 分",
            "🥈 老张  750 分",
            "……共 3 人参与",
        ]

        # a restart in the middle of the second question loses nothing
        await bot.stop()
        bot = Running(settings, tg, clock)
        await bot.start()
        second = group_polls(tg)[1]
        clock.advance(2)
        tg.answer_poll(c, second, right(second))  # 2 s: 950
        await votes_in(tg)
        clock.advance(21)
        await polls_sent(tg, 3)
        assert second.poll["is_closed"]
        assert tg.last(GROUP, "排行榜") is board and board.edits == 1  # edited, not re-posted
        assert "第 2/3 题后" in board.text and "🥉 老张  750 分" in board.text

        third = group_polls(tg)[2]
        clock.advance(1)
        tg.answer_poll(b, third, right(third))  # 1 s: 975
        tg.answer_poll(a, third, wrong(third))
        await votes_in(tg)
        clock.advance(22)
        await tg.wait_for(lambda: "群答题结束" in tg.chat(GROUP)[-1].text)
        podium = tg.chat(GROUP)[-1].text
        assert "共 3 题，3 人参与" in podium
        assert "🥇 老张 · 1725 分（答对 2 题）" in podium
        assert "🥈 小李 · 950 分（答对 1 题）" in podium
        assert "🥉 小王 · 900 分（答对 1 题）" in podium
        assert third.poll["is_closed"]
        assert tg.errors == []
    finally:
        await bot.stop()


async def test_fake_polls_close_by_themselves_after_their_open_period(telegram) -> None:
    """What Telegram does with open_period: no more votes, and stopPoll finds it closed."""
    from aiogram.exceptions import TelegramBadRequest

    phone = Phone(8201)
    telegram.add_bot_to_group(phone, GROUP)
    bot = make_bot(telegram.token, telegram.api_base)
    try:
        sent = await bot.send_poll(
            GROUP.id,
            "问题",
            ["对", "错"],
            is_anonymous=False,
            type="quiz",
            correct_option_id=0,
            open_period=5,
        )
        poll = telegram.messages[sent.message_id]
        telegram.answer_poll(phone, poll, [0])
        poll.extra["closes_at"] = time.monotonic()  # as if 5 s had passed
        with pytest.raises(AssertionError, match="closed"):
            telegram.answer_poll(Phone(8202), poll, [0])
        with pytest.raises(TelegramBadRequest, match="already been closed"):
            await bot.stop_poll(GROUP.id, sent.message_id)
    finally:
        await bot.session.close()
