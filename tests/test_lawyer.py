"""Booking a consultation with an on-duty lawyer: the roster, the booking rules and the flows
of worker and lawyer, driven through the conversation layer with a fake clock."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.conversation.actions import SendMessage
from bot.conversation.booking import BookConfirm
from bot.conversation.context import Services
from bot.conversation.desk import DeskDecide, DeskFinish
from bot.conversation.faq import FaqBook
from bot.conversation.router import Conversation
from legal_aid import Booking, DutySlot, RosterInvalid, free_slots, import_roster, read_roster
from legal_faq import FaqMatcher, load_corpus
from question_bank import StatuteLibrary
from tests.flowkit import ChatDriver

TZ = ZoneInfo("Asia/Shanghai")
LAWYER, OTHER_LAWYER = 9001, 9002
ROSTER = """\
slot_minutes: 30
lawyers:
  - telegram_id: 9001
    name: 王律师
    firm: 明法律师事务所
    duty:
      - {date: 2026-11-26, from: "14:00", to: "15:00"}
  - telegram_id: 9002
    name: 李律师
    duty:
      - {date: 2026-11-27, from: "09:00", to: "09:30"}
"""


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher(load_corpus())


@pytest.fixture
async def desk(sessions, small_bank, clock, matcher, tmp_path: Path) -> Conversation:  # type: ignore[no-untyped-def]
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    async with sessions() as session:
        await import_roster(session, read_roster(path, TZ))
        await session.commit()
    services = Services(bank=small_bank, library=StatuteLibrary(), faq=matcher, tz=TZ)
    return Conversation(sessions, services, clock)


def to(driver: ChatDriver, actions: list) -> None:  # type: ignore[type-arg]
    """Deliver to another user what an event produced (as Telegram would)."""
    driver._apply(actions)


async def book_first_slot(
    worker: ChatDriver,
    topic: str = "干了两年没签合同被辞退了",
    slot: str = "11月26日（周四）14:00",
    phone: str = "138 1234 5678",
) -> list:  # type: ignore[type-arg]
    """The whole booking wizard: /lawyer, the topic, the slot, the phone (or 不留电话), 确认."""
    await worker.send("/lawyer")
    await worker.send(topic)
    await worker.press(slot)
    await worker.send(phone)
    return await worker.press("确认预约")


async def test_roster_makes_slots_and_reimport_keeps_them(tmp_path: Path, sessions, clock) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    roster = read_roster(path, TZ)
    assert len(roster.slots) == 3  # 14:00, 14:30 and 09:00
    assert roster.slots[0].starts_at.astimezone(TZ).hour == 14
    async with sessions() as session:
        assert await import_roster(session, roster) == (2, 3)
        assert await import_roster(session, roster) == (2, 0)
        await session.commit()
        assert len(await free_slots(session, clock.now())) == 3


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("telegram_id: 9002", "telegram_id: 9001", 8, "listed twice"),
        ('to: "15:00"', 'to: "14:10"', 7, "shorter than one"),
        ('from: "14:00"', 'from: "25:00"', 7, "time"),
        ("    name: 李律师\n", "", 8, "name"),
        ("slot_minutes: 30", "slot_minutes: 30\nextra: 1", 2, "extra"),
    ],
)
def test_roster_problems_name_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER.replace(old, new), encoding="utf-8")
    with pytest.raises(RosterInvalid) as caught:
        read_roster(path, TZ)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in problems), problems


async def test_worker_books_lawyer_accepts_and_marks_done(desk, sessions, clock) -> None:
    worker, lawyer = ChatDriver(desk, 501, "小张"), ChatDriver(desk, LAWYER)
    await worker.send("/lawyer")
    assert "想咨询什么" in worker.last().text
    await worker.send("嗯")  # too short: asked again, nothing changes
    assert "4–300" in worker.last().text
    await worker.send("干了两年没签合同被辞退了")
    slots = worker.last("请选择一个时间")
    assert [b.text for b in slots.buttons][:3] == [
        "11月26日（周四）14:00–14:30 王律师",
        "11月26日（周四）14:30–15:00 王律师",
        "11月27日（周五）09:00–09:30 李律师",
    ]
    await worker.press("11月26日（周四）14:00", slots)
    await worker.send("我的电话是12345")
    assert "号码好像不对" in worker.last().text
    await worker.send("+86 138-1234-5678")
    check = worker.last("请确认预约")
    assert "13812345678" in check.text and "明法律师事务所" in check.text
    actions = await worker.press("确认预约", check)
    assert "正在等律师确认" in worker.last().text
    to(lawyer, actions)
    note = lawyer.last("新的咨询预约")
    assert "干了两年没签合同被辞退了" in note.text and "13812345678" in note.text
    assert not any(isinstance(a, SendMessage) and a.chat_id == OTHER_LAWYER for a in actions)

    to(worker, await lawyer.press("接受", note))
    assert "律师已接受您的预约" in worker.last().text
    accepted = lawyer.messages[note.id]
    assert "已确认" in accepted.text
    # before the consultation starts there is no 已完成 / 未到, and a forged one changes nothing
    assert [b.text for b in accepted.buttons] == ["💬 回复"]
    booking_id = DeskDecide.unpack(note.button("接受").data).booking_id
    await lawyer.press_data(DeskFinish(booking_id, showed=True).pack(), note.id)
    assert "开始以后" in lawyer.last_toast()
    clock.current = datetime(2026, 11, 26, 14, 5, tzinfo=TZ)
    await lawyer.send("/duty")
    listed = lawyer.last("预约 #")
    assert "今天" in listed.text
    to(worker, await lawyer.press("已完成", listed))
    assert "咨询已结束" in worker.last().text
    assert "咨询结果" in lawyer.last().text
    await lawyer.send("已建议申请劳动仲裁")  # the outcome note, not an FAQ question
    assert "已保存" in lawyer.last().text
    async with sessions() as session:
        booking = (await session.exec(select(Booking))).one()
    assert booking.status == "done" and booking.user_id == 501
    assert booking.outcome == "已建议申请劳动仲裁"
    await lawyer.press("已完成", listed)  # a second tap: already done
    assert "过期" in lawyer.last_toast()


async def test_declined_booking_frees_the_slot(desk, sessions, clock) -> None:
    worker, lawyer = ChatDriver(desk, 502), ChatDriver(desk, LAWYER)
    to(lawyer, await book_first_slot(worker))
    to(worker, await lawyer.press("婉拒", lawyer.last("新的咨询预约")))
    assert "无法接待" in worker.last().text and "12348" in worker.last().text
    async with sessions() as session:
        assert len(await free_slots(session, clock.now())) == 3


async def test_only_the_booked_lawyer_decides_and_only_once(desk) -> None:
    worker, lawyer, other = (
        ChatDriver(desk, 503),
        ChatDriver(desk, LAWYER),
        ChatDriver(desk, OTHER_LAWYER),
    )
    to(lawyer, await book_first_slot(worker))
    note = lawyer.last("新的咨询预约")
    booking_id = DeskDecide.unpack(note.button("接受").data).booking_id
    accept, decline = DeskDecide(booking_id, True).pack(), DeskDecide(booking_id, False).pack()
    await worker.press_data(accept)  # a worker forging the lawyer's button
    assert worker.toasts[-1].alert and "律师" in worker.toasts[-1].text
    await other.send("/duty")
    assert "没有待处理" in other.last().text
    await other.press_data(accept)  # another lawyer's forged tap
    assert "过期" in other.toasts[-1].text or "失效" in other.toasts[-1].text
    await lawyer.press("接受", note)
    before = len(worker.messages)
    to(worker, await lawyer.press_data(decline, note.id))  # stale: already accepted
    assert len(worker.messages) == before
    await lawyer.send("/duty")
    assert "1 个咨询预约" in lawyer.last("咨询预约：").text


async def test_two_workers_race_for_one_slot(desk, sessions, clock) -> None:
    first, second = ChatDriver(desk, 504), ChatDriver(desk, 505)
    for worker in (first, second):
        await worker.send("/lawyer")
        await worker.send("公司不给加班费怎么办")
        await worker.press("11月26日（周四）14:00")
        await worker.send("不留电话")
    results = await asyncio.gather(first.press("确认预约"), second.press("确认预约"))
    texts = [next(a.text for a in r if isinstance(a, SendMessage)) for r in results]
    assert sum("正在等律师确认" in x for x in texts) == 1
    assert sum("刚刚被别人约走了" in x for x in texts) == 1
    async with sessions() as session:
        assert len((await session.exec(select(Booking))).all()) == 1
        taken = (await session.exec(select(DutySlot).where(DutySlot.booking_id != None))).all()  # noqa: E711
        assert len(taken) == 1


async def test_worker_cancels_and_lawyer_is_told(desk, sessions, clock) -> None:
    worker, lawyer = ChatDriver(desk, 506), ChatDriver(desk, LAWYER)
    await book_first_slot(worker)
    await worker.send("/mybookings")
    listed = worker.last("预约 #")
    await worker.press("取消预约", listed)
    await worker.press("保留预约", worker.messages[listed.id])
    await worker.send("/mybookings")
    listed = worker.last("预约 #")
    await worker.press("取消预约", listed)
    to(lawyer, await worker.press("确定取消", worker.messages[listed.id]))
    assert "已被职工取消" in lawyer.last().text
    assert "干了两年" not in lawyer.last().text  # no personal detail in the notice
    async with sessions() as session:
        assert len(await free_slots(session, clock.now())) == 3
    await worker.send("/mybookings")
    assert "没有预约" in worker.last().text


async def test_at_most_two_bookings_and_no_slots_means_hotline(desk, clock) -> None:
    worker = ChatDriver(desk, 507)
    await book_first_slot(worker)
    await worker.send("/lawyer")
    await worker.send("又一个问题：社保没交")
    await worker.press("11月26日（周四）14:30")
    await worker.send("不留电话")
    await worker.press("确认预约")
    await worker.send("/lawyer")
    assert "2 个还没结束的预约" in worker.last("还没结束").text
    clock.advance(3 * 24 * 3600)  # every slot is in the past now
    other = ChatDriver(desk, 508)
    await other.send("/lawyer")  # said at once, before asking for a topic
    assert "12348" in other.last().text and "没有可预约" in other.last().text
    assert "想咨询什么" not in "".join(other.texts())


async def test_faq_answer_offers_a_lawyer_with_the_question_as_topic(desk, matcher) -> None:
    worker, lawyer = ChatDriver(desk, 509), ChatDriver(desk, LAWYER)
    await worker.send("入职三个月没签合同能要双倍工资吗")
    answer = worker.last("第八十二条")
    await worker.press("预约律师", answer)
    assert "咨询内容：入职三个月没签合同能要双倍工资吗" in worker.last().text
    await worker.press("11月26日（周四）14:00")
    await worker.send("不留电话")
    to(lawyer, await worker.press("确认预约"))
    assert "入职三个月没签合同能要双倍工资吗" in lawyer.last("新的咨询预约").text
    await worker.send("明天会下雨吗")
    assert any("预约律师" in b.text for b in worker.last("12348").buttons)


async def test_booking_survives_a_restart_and_cancel_leaves_it(
    desk, sessions, small_bank, clock, matcher
) -> None:
    worker = ChatDriver(desk, 510)
    await worker.send("/lawyer")
    await worker.send("被拖欠三个月工资")
    slots = worker.last("请选择一个时间")
    restarted = Conversation(
        sessions, Services(bank=small_bank, library=StatuteLibrary(), faq=matcher, tz=TZ), clock
    )
    worker.conversation = restarted
    await worker.press("11月26日（周四）14:00", slots)
    await worker.send("这是个问题吗")  # text in the phone step that is not a phone number
    assert "号码好像不对" in worker.last().text
    await worker.send("/cancel")
    assert "已退出预约" in worker.last().text
    await worker.press_data(BookConfirm().pack())  # a stale 确认 after leaving
    async with sessions() as session:
        assert (await session.exec(select(Booking))).all() == []


async def test_forget_erases_bookings_and_tells_the_lawyer(desk, sessions) -> None:
    worker, lawyer = ChatDriver(desk, 511), ChatDriver(desk, LAWYER)
    to(lawyer, await book_first_slot(worker))
    desk_message = lawyer.last("预约 #")
    await worker.send("/forget")
    to(lawyer, await worker.press("删除"))
    assert "已被职工取消" in lawyer.last().text
    async with sessions() as session:
        rows = (await session.exec(select(Booking))).all()
        # nothing personal is left; the emptied row keeps its id from being reused
        assert [(b.user_id, b.topic, b.phone, b.status) for b in rows] == [
            (0, "", None, "forgotten")
        ]
        assert all(s.booking_id is None for s in (await session.exec(select(DutySlot))).all())
    # another worker books the freed slot: the lawyer's old 接受 button does not touch it
    other = ChatDriver(desk, 512)
    await book_first_slot(other, "公司拖欠工资三个月")
    await lawyer.press("接受", desk_message)
    async with sessions() as session:
        mine = (await session.exec(select(Booking).where(Booking.user_id == 512))).one()
        assert mine.status == "pending" and mine.id != rows[0].id
    assert "过期" in lawyer.last_toast()


async def to_phone_step(worker: ChatDriver) -> None:
    await worker.send("/lawyer")
    await worker.send("公司不给加班费怎么办")
    await worker.press("11月26日（周四）14:00")


async def test_phone_step_offers_share_contact_and_takes_the_own_one(desk) -> None:
    worker = ChatDriver(desk, 520)
    await worker.share_contact("13812345678")  # before the phone step: just a contact card
    assert "名片" in worker.last().text
    await to_phone_step(worker)
    keyboard = worker.reply_keyboard
    assert keyboard is not None and keyboard.contact == "📱 发送我的手机号"
    assert keyboard.cancel == "不留电话"
    assert not worker.last("手机号").buttons  # one keyboard per message: no inline buttons
    await worker.share_contact("13911112222", owner=777)  # someone else's card
    assert "您自己的手机号" in worker.last().text and worker.reply_keyboard == keyboard
    await worker.share_contact("+86 138 0013 8000")
    assert "13800138000" in worker.last("好的").text
    assert worker.reply_keyboard is None  # taken away with the next message
    check = worker.last("请确认预约")
    assert "13800138000" in check.text and check.buttons


async def test_leaving_the_phone_step_takes_the_keyboard_away(desk) -> None:
    worker = ChatDriver(desk, 521)
    await to_phone_step(worker)
    assert worker.reply_keyboard is not None
    await worker.send("/cancel")
    assert "已退出预约" in worker.last().text and worker.reply_keyboard is None
    await worker.share_contact("13812345678")
    assert "名片" in worker.last().text


async def test_booking_under_an_older_answer_takes_that_answers_question(desk, matcher) -> None:
    worker = ChatDriver(desk, 522)
    await worker.send("明天会下雨吗")  # no answer
    unanswered = worker.last("12348")
    await worker.send("入职三个月没签合同能要双倍工资吗")
    first = worker.last("第八十二条")
    await worker.send("产价有多少天")
    await worker.press("预约律师", first)
    assert "咨询内容：入职三个月没签合同能要双倍工资吗" in worker.last().text
    await worker.send("/cancel")
    await worker.send("加班费怎么算")
    await worker.press("预约律师", unanswered)
    assert "咨询内容：明天会下雨吗" in worker.last().text
    await worker.send("/forget")
    await worker.press("确认删除")  # the kept questions are gone with everything else
    await worker.press("预约律师", first)  # the answer's own question, not the last asked
    entry = matcher.entry(FaqBook.unpack(first.button("预约律师").data).entry_id)
    assert f"咨询内容：{entry.question}" in worker.last().text


async def test_forty_confirm_taps_from_several_processes_book_once(
    desk, sessions, small_bank, clock, matcher, db_url
) -> None:
    """One worker taps 确认预约 40 times; the taps reach several bot processes sharing the
    database (PostgreSQL: four; SQLite runs one). The user's updates are handled one at a time
    in order, so the first books and the other 39 find the step gone: one booking, one
    "submitted", 39 "expired" — never "taken by someone else"."""
    from bot.conversation.actions import AnswerCallback, action_from_json
    from bot.conversation.events import Event, User
    from bot.db import make_engine, session_factory
    from bot.delivery.models import OutboxAction
    from bot.delivery.runner import Delivery
    from bot.transports.base import Fetched
    from tests.test_delivery import MemoryApi

    worker = ChatDriver(desk, 502, "小刘")
    await worker.send("/lawyer")
    await worker.send("加班费一直不给怎么办")
    await worker.press("11月26日（周四）14:00")
    await worker.send("13812345678")
    assert "请确认预约" in worker.last().text
    taps = [
        Fetched(1000 + n, Event.button(User(502), 502, BookConfirm().pack(), f"cb{n}", 7))
        for n in range(40)
    ]
    engines = [make_engine(db_url) for _ in range(4 if db_url.startswith("postgresql") else 1)]
    services = Services(bank=small_bank, library=StatuteLibrary(), faq=matcher, tz=TZ)
    processes = [
        Delivery(Conversation(session_factory(e), services, clock), MemoryApi()) for e in engines
    ]
    await processes[0].accept(taps[:25])
    await processes[-1].accept(taps[15:])

    async def work(d: Delivery) -> None:
        while await d.handle_next():
            pass

    await asyncio.gather(*(work(d) for d in processes for _ in range(2)))
    async with sessions() as session:
        booked = (await session.exec(select(Booking).where(Booking.user_id == 502))).all()
        queued = [
            action_from_json(row.action) for row in (await session.exec(select(OutboxAction))).all()
        ]
    for engine in engines:
        await engine.dispose()
    assert len(booked) == 1
    texts = [a.text for a in queued if isinstance(a, SendMessage) and a.chat_id == 502]
    assert sum("预约已提交" in t for t in texts) == 1, texts
    assert not any("被别人约走" in t for t in texts), texts
    toasts = [a.text for a in queued if isinstance(a, AnswerCallback)]
    assert len(toasts) == 40
    assert sum("过期" in t for t in toasts) == 39
