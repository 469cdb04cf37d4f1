"""End-to-end: the real aiogram and python-telegram-bot runtimes, through the delivery core,
over HTTP against the fake Bot API server, driven by simulated users on phones. Every test
runs once per runtime."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.transports.telegram_aiogram import make_bot
from question_bank import LETTERS, Bank, Question
from tests.conftest import SMALL_BANK
from tests.e2e_kit import Running
from tests.fake_telegram import FakeTelegram, Group, Phone, SentMessage


@pytest.fixture
def settings(tmp_path: Path, runtime: str) -> Settings:
    return Settings(
        runtime=runtime,
        bot_token="123456:TEST-TOKEN",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        bank_dir=SMALL_BANK,
        practice_size=5,
        _env_file=None,  # type: ignore[call-arg]
    )


def question_on(bank: Bank, message: SentMessage) -> Question:
    found = [q for q in bank.questions.values() if q.stem in message.text]
    assert len(found) == 1, message.text
    return found[0]


async def tap_answer(tg: FakeTelegram, phone: Phone, bank: Bank, right: bool = True) -> Question:
    message = tg.last(phone, "题 · ")
    q = question_on(bank, message)
    picks = (
        sorted(q.answer) if right else [next(i for i in range(len(q.options)) if i not in q.answer)]
    )
    if q.type == "multiple":
        for i in picks:
            tg.press(phone, message, f"☐ {LETTERS[i]}")
            await tg.settle()
        tg.press(phone, message, "提交")
    elif q.type == "judge":
        tg.press(phone, message, q.options[picks[0]])
    else:
        tg.press(phone, message, LETTERS[picks[0]])
    await tg.settle()
    return q


async def test_whole_round_with_restart_in_the_middle(telegram, settings, small_bank) -> None:
    phone = Phone(5001, "小李")
    bot = Running(settings, telegram)
    await bot.start()

    names = [c["command"] for c in telegram.commands]
    assert {"start", "quiz", "wrong", "cancel", "help"} <= set(names)
    assert all(c["description"] for c in telegram.commands)

    telegram.send_text(phone, "/start")
    await telegram.settle()
    assert "小李" in telegram.last(phone).text
    telegram.press(phone, telegram.last(phone), "开始练习")
    await telegram.settle()
    telegram.press(phone, telegram.last(phone, "选择练习范围"), "综合练习")
    await telegram.settle()

    await tap_answer(telegram, phone, small_bank, right=True)
    await tap_answer(telegram, phone, small_bank, right=False)
    pending = telegram.last(phone, "第 3/5 题")

    await bot.stop()  # restart in the middle of the round
    bot = Running(settings, telegram)
    await bot.start()

    assert telegram.last(phone, "题 · ") is pending
    await tap_answer(telegram, phone, small_bank, right=True)
    await tap_answer(telegram, phone, small_bank, right=True)
    await tap_answer(telegram, phone, small_bank, right=True)
    summary = telegram.last(phone, "本轮练习结束")
    assert "得分：4/5（80%）" in summary.text

    # every button press was answered, nothing the bot sent broke Telegram's rules
    assert not telegram.open_callbacks
    assert telegram.errors == []
    await bot.stop()


async def test_stale_buttons_double_taps_and_odd_messages(telegram, settings, small_bank) -> None:
    phone, other = Phone(6001), Phone(6002, "老张")
    bot = Running(settings, telegram)
    await bot.start()
    try:
        telegram.send_text(phone, "/quiz")
        await telegram.settle()
        telegram.press(phone, telegram.last(phone), "劳动合同法")
        await telegram.settle()
        question = telegram.last(phone, "第 1/3 题")
        data = question.buttons()[0]["callback_data"]

        # someone else forwards / forges the button
        qid = telegram.press_data(other, question, data)
        await telegram.settle()
        assert "过期" in telegram.callback_answers[qid]["text"]

        # a fast double (triple) tap on a single-choice or judge question
        q = question_on(small_bank, question)
        ids = []
        if q.type != "multiple":
            for _ in range(3):
                ids.append(telegram.press(phone, question, question.buttons()[0]["text"]))
            await telegram.settle()
            verdicts = [telegram.callback_answers[i]["text"] for i in ids]
            assert sum("回答" in v for v in verdicts) == 1
            assert sum("过期" in v for v in verdicts) == 2
            assert len([m for m in telegram.chat(phone) if "第 2/3 题" in m.text]) == 1

        for send, word in (
            (telegram.send_sticker, "表情贴纸"),
            (telegram.send_photo, "图片"),
            (telegram.send_voice, "语音"),
        ):
            send(phone)
            await telegram.settle()
            assert word in telegram.last(phone).text
        telegram.send_text(phone, "啊" * 4000)
        await telegram.settle()
        assert "4000 字" in telegram.last(phone).text
        assert telegram.errors == []
    finally:
        await bot.stop()


async def test_worker_asks_a_question_in_their_own_words(telegram, settings) -> None:
    phone = Phone(6101, "骑手老王")
    bot = Running(settings, telegram)
    await bot.start()
    try:
        telegram.send_text(phone, "入职三个月没签合同能要双倍工资吗")
        await telegram.settle()
        reply = telegram.last(phone)
        assert "二倍的工资" in reply.text and "第八十二条" in reply.text
        telegram.press(phone, reply, "原文")
        await telegram.settle()
        assert "用人单位自用工之日起超过一个月不满一年" in telegram.last(phone, "📖").text
        qid = telegram.press(phone, reply, "👎")
        await telegram.settle()
        assert "谢谢反馈" in telegram.callback_answers[qid]["text"]
        telegram.send_text(phone, "明天会下雨吗")
        await telegram.settle()
        assert "12348" in telegram.last(phone).text
        assert telegram.errors == []
    finally:
        await bot.stop()


async def test_a_question_no_entry_answers_gets_the_article_itself(telegram, settings) -> None:
    """相关法条 over the real runtimes: the article of a statute the bank does not hold, its 📖
    whole text from the statute database, and 预约律师 under it."""
    phone = Phone(6102, "装卸工小李")
    bot = Running(settings, telegram)
    await bot.start()
    try:
        telegram.send_text(phone, "勞動安全衛生設施必須符合國家規定的標準嗎")
        await telegram.settle()
        # the law's own words are offered ("您是不是想问…"), then shown when picked
        telegram.press(phone, telegram.last(phone, "您是不是想问"), "第五十三条")
        await telegram.settle()
        reply = telegram.last(phone, "相关法条")
        assert "相关法条" in reply.text and "《中华人民共和国劳动法》第五十三条" in reply.text
        telegram.press(phone, reply, "原文")
        await telegram.settle()
        assert "必须与主体工程同时设计、同时施工" in telegram.last(phone, "📖").text
        telegram.press(phone, reply, "预约律师")
        await telegram.settle()
        assert "值班律师" in telegram.last(phone).text
        assert telegram.errors == []
    finally:
        await bot.stop()


async def test_worker_books_a_lawyer_who_accepts_on_their_phone(
    telegram, settings, tmp_path
) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from tests.e2e_kit import import_roster_text, one_duty_roster

    worker, lawyer = Phone(6201, "快递小李"), Phone(6202, "王律师")
    tomorrow = (datetime.now(ZoneInfo(settings.tz)) + timedelta(days=1)).date()
    bot = Running(settings, telegram)
    await bot.start()
    roster = one_duty_roster(lawyer.id, "王律师", tomorrow)
    await import_roster_text(settings, tmp_path / "roster.yaml", roster)
    try:
        telegram.send_text(worker, "入职三个月没签合同能要双倍工资吗")
        await telegram.settle()
        telegram.press(worker, telegram.last(worker), "预约律师")
        await telegram.settle()
        slots = telegram.last(worker, "请选择一个时间")
        assert "咨询内容：入职三个月没签合同能要双倍工资吗" in slots.text
        telegram.press(worker, slots, "10:00")
        await telegram.settle()
        # the phone comes from Telegram's share-contact button under the prompt
        telegram.share_contact(worker, "+86 138 1234 5678")
        await telegram.settle()
        telegram.press(worker, telegram.last(worker, "请确认预约"), "确认预约")
        await telegram.settle()
        # the worker's chat has had five messages in a few seconds: Telegram's one-a-second
        # chat limit (the send limiter) may hold the last one back longer than settle's quiet
        await telegram.wait_for(lambda: "正在等律师确认" in telegram.last(worker).text)
        # the lawyer never opened the bot: Telegram refuses the notice, nothing else breaks
        assert telegram.errors == [
            ("sendMessage", "Forbidden: bot can't initiate conversation with a user")
        ]
        telegram.send_text(lawyer, "/duty")
        await telegram.settle()
        desk = telegram.last(lawyer, "预约 #")
        assert "没签合同" in desk.text and "13812345678" in desk.text
        # the lawyer's desk asked for in a group shows nobody's topic or phone
        group = Group(-100777, "律师工作群")
        telegram.add_bot_to_group(lawyer, group)
        await telegram.settle(answered=False)
        telegram.send_text(lawyer, "/duty", group=group)
        telegram.send_text(worker, "/mybookings", group=group)
        await telegram.settle()
        in_group = " ".join(m.text for m in telegram.chat(group))
        assert "私聊" in in_group
        assert "13812345678" not in in_group and "社宝" not in in_group
        telegram.press(lawyer, desk, "接受")
        await telegram.settle()
        assert "律师已接受您的预约" in telegram.last(worker, "律师已接受").text
        assert "已确认" in telegram.last(lawyer, "预约 #").text
        telegram.send_text(worker, "/mybookings")
        await telegram.settle()
        telegram.press(worker, telegram.last(worker, "预约 #"), "取消预约")
        await telegram.settle()
        telegram.press(worker, telegram.last(worker, "确定要取消"), "确定取消")
        await telegram.settle()
        assert "已被职工取消" in telegram.last(lawyer).text
    finally:
        await bot.stop()


async def test_a_worker_who_blocks_the_bot_is_left_alone_until_they_return(
    telegram, settings
) -> None:
    phone = Phone(6301, "小赵")
    bot = Running(settings, telegram)
    await bot.start()
    try:
        telegram.send_text(phone, "/quiz")
        await telegram.settle()
        telegram.block_bot(phone)
        await telegram.settle(answered=False)
        # a message for them now (e.g. a reminder) is dropped without a call to Telegram
        async with bot.app.conversation.sessions() as session:
            from bot.conversation.actions import SendMessage as Send
            from bot.conversation.events import Event as Ev
            from bot.delivery import store

            assert await store.is_unreachable(session, phone.id)
            await store.enqueue(
                session,
                [Send(phone.id, "提醒")],
                Ev.timer_due("x", {}),
                bot.app.conversation.clock(),
            )
            await session.commit()
        bot.delivery._outgoing.set()
        await asyncio.sleep(0.5)
        assert not [e for e in telegram.errors if "blocked" in e[1]]
        assert "提醒" not in [m.text for m in telegram.chat(phone)]
        telegram.unblock_bot(phone)
        telegram.send_text(phone, "/help")
        await telegram.settle()
        assert "/quiz" in telegram.last(phone).text
    finally:
        await bot.stop()


async def test_pufa_run_uses_the_configured_api_base_and_stops_cleanly(
    telegram, tmp_path, runtime
) -> None:
    env = {
        **os.environ,
        "PUFA_RUNTIME": runtime,
        "PUFA_BOT_TOKEN": telegram.token,
        "PUFA_TELEGRAM_API_BASE": telegram.api_base,
        "PUFA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",
        "PUFA_BANK_DIR": str(SMALL_BANK),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await telegram.wait_for(lambda: bool(telegram.commands), timeout=30)
        phone = Phone(7001)
        telegram.send_text(phone, "/help")
        await telegram.wait_for(lambda: any("/quiz" in m.text for m in telegram.chat(phone)))
    finally:
        proc.send_signal(signal.SIGTERM)
        raw, _ = await asyncio.wait_for(proc.communicate(), 20)
    output = raw.decode()
    assert proc.returncode == 0, output
    assert telegram.token not in output  # the token never reaches the log


async def test_fake_server_enforces_telegram_limits(telegram) -> None:
    """The fake must reject what Telegram rejects, or the e2e tests prove nothing."""
    from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    bot = make_bot(telegram.token, telegram.api_base)
    try:
        with pytest.raises(TelegramForbiddenError, match="initiate"):
            await bot.send_message(1, "hello")  # user 1 never wrote to the bot
        telegram.send_text(Phone(1), "/start")
        with pytest.raises(TelegramBadRequest, match="too long"):
            await bot.send_message(1, "x" * 4097)
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            markup = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="x" * 65)]]
            )
            await bot.send_message(1, "hi", reply_markup=markup)
        sent = await bot.send_message(1, "hello")
        with pytest.raises(TelegramBadRequest, match="not modified"):
            await bot.edit_message_text("hello", chat_id=1, message_id=sent.message_id)
        with pytest.raises(TelegramBadRequest, match="query"):
            await bot.answer_callback_query("nope")
    finally:
        await bot.session.close()
