"""`pufa chat` in-process: every button on screen has its own key, and the share-contact
keyboard works by typing its key."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.conversation.context import Services
from bot.conversation.events import User
from bot.conversation.router import Conversation
from bot.transports.console import SAMPLE_PHONE, ConsoleChat
from legal_aid import import_roster, read_roster
from question_bank import StatuteLibrary
from tests.test_lawyer import ROSTER


def key(chat: ConsoleChat, label: str) -> str:
    """The number typed to press the button whose text contains `label`."""
    return str(next(i for i, (b, _) in enumerate(chat.buttons, 1) if label in b.text))


async def test_article_and_next_question_buttons_both_have_keys(
    sessions, small_bank, clock
) -> None:
    services = Services(bank=small_bank, library=StatuteLibrary(), practice_size=5)
    out: list[str] = []
    chat = ConsoleChat(Conversation(sessions, services, clock), User(41), out.append)
    await chat.send_line("/quiz")
    await chat.send_line(key(chat, "女职工"))
    question = chat.buttons[0][1]
    await chat.send_line("1")  # the first option of the first question
    assert all(m != question for _, m in chat.buttons)  # the answered question lost its keys
    labels = [b.text for b, _ in chat.buttons]
    assert "📖" in labels[0] and len(labels) > 1  # feedback's article, then the next question
    shown = "\n".join(out[-4:])
    assert f"[1] {labels[0]}" in shown and f"[2] {labels[1]}" in shown
    next_question = chat.buttons[1]
    await chat.send_line("1")
    assert "📖 《女职工劳动保护特别规定》第" in out[-1]
    assert chat.buttons[1] == next_question  # a reply without buttons keeps the keys
    await chat.send_line("2")
    assert "回答" in "\n".join(out[-6:])


async def test_share_contact_key_sends_the_sample_number(
    sessions, small_bank, clock, tmp_path: Path
) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    async with sessions() as session:
        await import_roster(session, read_roster(path, tz))
        await session.commit()
    services = Services(bank=small_bank, library=StatuteLibrary(), tz=tz)
    out: list[str] = []
    chat = ConsoleChat(Conversation(sessions, services, clock), User(42), out.append)
    await chat.send_line("/lawyer")
    await chat.send_line("公司拖欠工资三个月")
    await chat.send_line(key(chat, "14:00"))
    assert f"[k1] 📱 发送我的手机号（发送 {SAMPLE_PHONE}）  [k2] 不留电话" in out[-1]
    await chat.send_line("k1")
    assert SAMPLE_PHONE in "\n".join(out) and "请确认预约" in "\n".join(out[-3:])
    assert chat.keys == []  # the keyboard went away
    await chat.send_line(key(chat, "确认预约"))
    assert "正在等律师确认" in "\n".join(out[-3:])
