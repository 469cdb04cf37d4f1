"""Consultations, part 2, through the conversation layer with a fake clock: the message thread
between lawyer and worker, reminders (once, across a restart), the calendar file, the
wage / work-injury note and its citation, a lawyer's /start."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from sqlmodel import select

from bot.conversation.actions import SendDocument, SendMessage
from bot.conversation.consult import ConsultReply
from bot.conversation.context import Services
from bot.conversation.messages import t
from bot.conversation.router import Conversation
from bot.delivery.runner import Delivery
from bot.scheduler import ScheduledJob
from legal_aid import Booking, ConsultMessage, DutySlot
from legal_faq import FaqMiss
from question_bank import StatuteLibrary
from question_bank.laws import Source
from tests.flowkit import ChatDriver
from tests.test_delivery import MemoryApi
from tests.test_lawyer import (  # noqa: F401
    LAWYER,
    OTHER_LAWYER,
    TZ,
    book_first_slot,
    desk,
    matcher,
    to,
)

WORKER = 601


async def booked_without_phone(desk: Conversation) -> tuple[ChatDriver, ChatDriver, int]:  # noqa: F811
    worker, lawyer = ChatDriver(desk, WORKER, "小周"), ChatDriver(desk, LAWYER)
    to(lawyer, await book_first_slot(worker, "公司一直不给加班费怎么办", phone="不留电话"))
    note = lawyer.last("新的咨询预约")
    assert "未留电话" in note.text
    booking_id = ConsultReply.unpack(note.button("回复").data).booking_id
    return worker, lawyer, booking_id


async def test_lawyer_and_worker_write_to_each_other_through_the_bot(desk, sessions) -> None:  # noqa: F811
    worker, lawyer, booking_id = await booked_without_phone(desk)
    await lawyer.press("回复", lawyer.last("新的咨询预约"))
    assert "发给预约的职工" in lawyer.last().text
    actions = await lawyer.send("您好，请问加班有考勤记录吗？")
    assert "已发送" in lawyer.last().text
    to(worker, actions)
    relayed = worker.last("给您留言")
    assert "您好，请问加班有考勤记录吗？" in relayed.text and "王律师" in relayed.text
    assert str(LAWYER) not in relayed.text  # the bot's own message: no account shown
    assert sorted(a.chat_id for a in actions if isinstance(a, SendMessage)) == [WORKER, LAWYER]

    await worker.press("回复", relayed)
    to(lawyer, await worker.send("有打卡记录，也有微信聊天记录"))
    back = lawyer.last("职工留言")
    assert "有打卡记录" in back.text and "小周" not in back.text and str(WORKER) not in back.text
    assert back.button("回复")

    # a lawyer's typed text outside the write step is never an FAQ question
    before = len(worker.messages)
    await lawyer.send("加班费怎么算")
    assert "💬 回复" in lawyer.last().text and "依据" not in lawyer.last().text
    assert len(worker.messages) == before
    async with sessions() as session:
        assert (await session.exec(select(FaqMiss))).all() == []
        thread = (await session.exec(select(ConsultMessage))).all()
    assert [(m.from_lawyer, m.booking_id) for m in thread] == [
        (True, booking_id),
        (False, booking_id),
    ]


async def test_only_the_two_sides_write_and_only_while_the_booking_is_open(
    desk,  # noqa: F811
    sessions,
    clock,
) -> None:
    worker, lawyer, booking_id = await booked_without_phone(desk)
    stranger, other_lawyer = ChatDriver(desk, 602), ChatDriver(desk, OTHER_LAWYER)
    for intruder in (stranger, other_lawyer):
        await intruder.press_data(ConsultReply(booking_id).pack())
        assert "结束" in intruder.last_toast()
        await intruder.send("我来冒充一下")
        assert not any(
            isinstance(a, SendMessage) and a.chat_id in (WORKER, LAWYER)
            for a in intruder.last_actions
        )
    # the lawyer opens the write step; the worker cancels the booking before it is sent
    await lawyer.press("回复", lawyer.last("新的咨询预约"))
    await worker.send("/mybookings")
    await worker.press("取消预约", worker.last("预约 #"))
    to(lawyer, await worker.press("确定取消"))
    assert "已被职工取消" in lawyer.last().text
    actions = await lawyer.send("还在吗？")
    assert "已经结束" in lawyer.last().text
    assert not any(isinstance(a, SendMessage) and a.chat_id == WORKER for a in actions)
    await worker.press_data(ConsultReply(booking_id).pack())
    assert "结束" in worker.last_toast()
    async with sessions() as session:
        assert (await session.exec(select(ConsultMessage))).all() == []


async def test_the_thread_closes_when_done_and_forget_deletes_it(desk, sessions, clock) -> None:  # noqa: F811
    worker, lawyer, booking_id = await booked_without_phone(desk)
    to(worker, await lawyer.press("接受", lawyer.last("新的咨询预约")))
    await worker.send("/mybookings")
    listed = worker.last("预约 #")
    await worker.press("回复", listed)
    to(lawyer, await worker.send("我到时候在线"))
    clock.current = datetime(2026, 11, 26, 14, 1, tzinfo=TZ)
    await lawyer.send("/duty")
    to(worker, await lawyer.press("已完成", lawyer.last("预约 #")))
    await lawyer.send("/cancel")  # no outcome note
    assert "不写咨询结果" in lawyer.last().text
    await worker.press("回复", listed)  # the old button: the thread is closed
    assert "结束" in worker.last_toast()
    async with sessions() as session:
        assert len((await session.exec(select(ConsultMessage))).all()) == 1
    await worker.send("/forget")
    await worker.press("确认删除")
    async with sessions() as session:
        assert (await session.exec(select(ConsultMessage))).all() == []
        booking = await session.get(Booking, booking_id)
        assert booking is not None and booking.status == "forgotten"


async def test_no_show_only_after_the_start(desk, sessions, clock) -> None:  # noqa: F811
    worker, lawyer, booking_id = await booked_without_phone(desk)
    to(worker, await lawyer.press("接受", lawyer.last("新的咨询预约")))
    clock.current = datetime(2026, 11, 26, 13, 59, tzinfo=TZ)
    await lawyer.send("/duty")
    assert not any("未到" in b.text for b in lawyer.last("预约 #").buttons)
    clock.current = datetime(2026, 11, 28, 10, 0, tzinfo=TZ)  # two days later, not yet marked
    await lawyer.send("/duty")
    assert "之前" in lawyer.last("预约 #").text
    to(worker, await lawyer.press("未到", lawyer.last("预约 #")))
    assert "没有参加" in worker.last().text
    async with sessions() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None and booking.status == "no_show"


async def test_accepting_sends_both_sides_a_calendar_file(desk) -> None:  # noqa: F811
    _worker, lawyer, booking_id = await booked_without_phone(desk)
    actions = await lawyer.press("接受", lawyer.last("新的咨询预约"))
    files = [a for a in actions if isinstance(a, SendDocument)]
    assert sorted(f.chat_id for f in files) == sorted([WORKER, LAWYER])
    calendar = Calendar.from_ical(files[0].content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    assert str(event["uid"]) == f"booking-{booking_id}@pufa"
    assert "加班费" not in files[0].content.decode()  # no topic in a calendar


async def test_reminders_go_once_to_both_sides_also_across_a_restart(
    desk,  # noqa: F811
    sessions,
    small_bank,
    clock,
    matcher,  # noqa: F811
) -> None:
    clock.current = datetime(2026, 11, 24, 8, 0, tzinfo=TZ)  # more than a day ahead
    _worker, _lawyer, _booking_id = await booked_without_phone(desk)
    async with sessions() as session:
        jobs = (await session.exec(select(ScheduledJob))).all()
    assert sorted(j.due_at.astimezone(TZ).hour for j in jobs) == [13, 14]  # 1 h and 24 h before
    api = MemoryApi()
    first = Delivery(desk, api)
    clock.current = datetime(2026, 11, 25, 14, 0, tzinfo=TZ)
    assert await first.run_due_job()
    assert not await first.run_due_job()
    # a restart: a new process on the same database finds nothing more due now
    services = Services(bank=small_bank, library=StatuteLibrary(), faq=matcher, tz=TZ)
    restarted = Delivery(Conversation(sessions, services, clock), api)
    assert not await restarted.run_due_job()
    clock.current = datetime(2026, 11, 26, 13, 0, tzinfo=TZ)
    assert await restarted.run_due_job()
    assert not await first.run_due_job() and not await restarted.run_due_job()
    while await restarted.send_round():
        pass
    worker_texts = [x for x in api.texts(WORKER) if "提醒" in x]
    lawyer_texts = [x for x in api.texts(LAWYER) if "提醒" in x]
    assert len(worker_texts) == 2 and len(lawyer_texts) == 2
    assert "明天" in worker_texts[0] and "1 小时后" in worker_texts[1]
    assert "还在等您接受" in lawyer_texts[0]


async def test_a_cancelled_booking_sends_no_reminder(desk, sessions, clock) -> None:  # noqa: F811
    clock.current = datetime(2026, 11, 24, 8, 0, tzinfo=TZ)
    worker, _lawyer, _ = await booked_without_phone(desk)
    await worker.send("/mybookings")
    await worker.press("取消预约", worker.last("预约 #"))
    await worker.press("确定取消")
    async with sessions() as session:
        assert (await session.exec(select(ScheduledJob))).all() == []


async def test_wage_topic_gets_the_legal_aid_note_citing_article_42(desk) -> None:  # noqa: F811
    worker, _, _ = await booked_without_phone(desk)
    note = worker.last("第四十二条")
    assert "法律援助法" in note.text
    other = ChatDriver(desk, 603)
    await book_first_slot(other, "想问问离婚财产怎么分", "11月26日（周四）14:30", "不留电话")
    assert "预约已提交" in other.last("预约已提交").text
    assert not any("第四十二条" in m.text for m in other.messages.values())


def test_the_legal_aid_note_quotes_article_42_verbatim() -> None:
    """The note's quoted words stand in 法律援助法 第四十二条 of the statute database."""
    library = StatuteLibrary()
    source = Source(
        name="中华人民共和国法律援助法",
        short="法律援助法",
        statute_db="中华人民共和国法律援助法",
        text_file=None,
    )
    article = library.article(source, 42)
    assert article is not None
    for quoted in (
        "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员",
        "免予核查经济困难状况",
    ):
        assert quoted in t("book_legal_aid_note")
        assert quoted in article


async def test_a_lawyers_start_shows_the_desk(desk) -> None:  # noqa: F811
    lawyer, worker = ChatDriver(desk, LAWYER), ChatDriver(desk, 604)
    await lawyer.send("/start")
    assert "值班表上的法律援助律师" in lawyer.last().text
    await lawyer.press("我的值班")
    assert "没有待处理" in lawyer.last().text
    await worker.send("/start")
    assert "值班表" not in worker.last().text


async def test_reschedule_keeps_the_topic_and_frees_the_old_slot(desk, sessions, clock) -> None:  # noqa: F811
    worker, lawyer, booking_id = await booked_without_phone(desk)
    other_lawyer = ChatDriver(desk, OTHER_LAWYER)
    await worker.send("/mybookings")
    listed = worker.last("预约 #")
    await worker.press("改约", listed)
    offer = worker.messages[listed.id]
    labels = [b.text for b in offer.buttons]
    assert "11月27日（周五）09:00–09:30 李律师" in labels
    assert not any("14:00–14:30" in x for x in labels)  # not the time it already has
    # someone else takes the 09:00 slot first: the worker is told and offered the rest
    await book_first_slot(ChatDriver(desk, 610), "社保断缴了怎么办", "11月27日（周五）09:00")
    await worker.press("11月27日（周五）09:00", offer)
    offer = worker.messages[listed.id]
    assert "刚刚被别人约走了" in offer.text
    async with sessions() as session:
        assert (await session.get(Booking, booking_id)).status == "pending"  # type: ignore[union-attr]
    actions = await worker.press("11月26日（周四）14:30", offer)
    to(lawyer, actions)
    to(other_lawyer, actions)
    assert "已改约" in worker.messages[listed.id].text
    assert "#1" in lawyer.last("改到别的时间").text
    new_note = lawyer.last("新的咨询预约")
    assert "公司一直不给加班费怎么办" in new_note.text and "14:30" in new_note.text
    async with sessions() as session:
        old = await session.get(Booking, booking_id)
        mine = (
            await session.exec(
                select(Booking).where(Booking.user_id == WORKER, Booking.status == "pending")
            )
        ).all()
        slot_1400 = await session.get(DutySlot, old.slot_id)  # type: ignore[union-attr]
    assert old is not None and old.status == "cancelled"
    assert [(b.topic, b.id != booking_id) for b in mine] == [("公司一直不给加班费怎么办", True)]
    assert slot_1400 is not None and slot_1400.booking_id is None
    await worker.press("改约", listed)  # the old message's button: that booking is over
    assert "过期" in worker.last_toast()


async def test_chat_as_lawyer_plays_the_lawyer_with_bookings(desk, sessions) -> None:  # noqa: F811
    from legal_aid import first_lawyer

    async with sessions() as session:
        assert (await first_lawyer(session)).telegram_id == LAWYER  # type: ignore[union-attr]
    await book_first_slot(ChatDriver(desk, 620), "社保没交", "11月27日（周五）09:00")
    async with sessions() as session:
        assert (await first_lawyer(session)).telegram_id == OTHER_LAWYER  # type: ignore[union-attr]
