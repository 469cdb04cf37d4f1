"""End-to-end: a consultation through the real aiogram and python-telegram-bot runtimes over
HTTP against the fake Bot API — a worker books without leaving a phone, the lawyer (who opened
the bot) accepts, both get the calendar file, and they write to each other through the bot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.config import Settings
from tests.e2e_kit import Running, import_roster_text, one_duty_roster
from tests.fake_telegram import FakeTelegram, Phone
from tests.test_e2e import settings  # noqa: F401  (the same bot settings per runtime)


async def test_booking_and_relay_through_the_runtime(
    telegram: FakeTelegram,
    settings: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    worker, lawyer = Phone(6301, "骑手小赵"), Phone(6302, "陈律师本人")
    tz = ZoneInfo(settings.tz)
    tomorrow = (datetime.now(tz) + timedelta(days=1)).date()
    bot = Running(settings, telegram)
    await bot.start()
    roster = one_duty_roster(lawyer.id, "陈律师", tomorrow)
    await import_roster_text(settings, tmp_path / "roster.yaml", roster)
    try:
        telegram.send_text(lawyer, "/start")  # the lawyer's /start: the desk, not the welcome
        await telegram.settle()
        assert "值班表上的法律援助律师" in telegram.last(lawyer).text

        telegram.send_text(worker, "/lawyer")
        await telegram.settle()
        telegram.send_text(worker, "老板拖欠两个月工资不给")
        await telegram.settle()
        telegram.press(worker, telegram.last(worker, "请选择一个时间"), "10:00")
        await telegram.settle()
        telegram.send_text(worker, "不留电话")
        await telegram.settle()
        telegram.press(worker, telegram.last(worker, "请确认预约"), "确认预约")
        await telegram.settle()
        assert "第四十二条" in telegram.last(worker, "法律援助法").text
        note = telegram.last(lawyer, "新的咨询预约")
        assert "未留电话" in note.text
        telegram.press(lawyer, note, "接受")
        await telegram.settle()
        for phone in (worker, lawyer):
            (ics,) = [m for m in telegram.chat(phone) if m.kind == "document"]
            upload = ics.extra["document"]
            assert upload["filename"].endswith(".ics")
            (event,) = Calendar.from_ical(upload["content"]).walk("VEVENT")
            assert event.decoded("dtstart").astimezone(tz).hour == 10

        telegram.press(lawyer, telegram.last(lawyer, "预约 #"), "回复")
        await telegram.settle()
        telegram.send_text(lawyer, "您好，请准备好劳动合同和工资条。")
        await telegram.settle()
        relayed = telegram.last(worker, "给您留言")
        assert "请准备好劳动合同和工资条" in relayed.text and "陈律师" in relayed.text
        assert "陈律师本人" not in relayed.text and str(lawyer.id) not in relayed.text
        telegram.press(worker, relayed, "回复")
        await telegram.settle()
        telegram.send_text(worker, "好的，都有，谢谢")
        await telegram.settle()
        back = telegram.last(lawyer, "职工留言")
        assert "好的，都有，谢谢" in back.text
        assert "骑手小赵" not in back.text and str(worker.id) not in back.text
        assert telegram.errors == []
    finally:
        await bot.stop()
