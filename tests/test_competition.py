"""Flow tests of the online competition with a fake clock: joining, the timed exam, deadlines,
reminders, rankings, the quiz master's export."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlmodel import select

from bot import scheduler
from bot.conversation.actions import SendDocument, SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event
from bot.conversation.router import Conversation
from competition import ExamAnswer, ExamAttempt, Member
from question_bank import StatuteLibrary
from tests.competition_kit import FULL, add_group_quiz, answer, join_and_name, make_event
from tests.flowkit import ChatDriver


@pytest.fixture
def services(small_bank) -> Services:
    return Services(bank=small_bank, library=StatuteLibrary(), quizmasters=frozenset({800}))


@pytest.fixture
def conv(sessions, services, clock) -> Conversation:
    return Conversation(sessions, services, clock)


async def rows(sessions, model):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return list((await session.exec(select(model))).all())


async def take_exam(driver: ChatDriver, bank, rights: list[bool]) -> None:  # type: ignore[no-untyped-def]
    await driver.send("/exam")
    await driver.press("开始答题")
    for right in rights:
        await answer(driver, bank, right)


async def test_join_by_code_and_deep_link_asks_the_name_once(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    ann = ChatDriver(conv, 101, "Ann")
    await ann.send("/join nope")
    assert "没有找到邀请码" in ann.texts()[0]
    await ann.send("/join T-RED")  # codes are not case-sensitive
    assert "已加入“测试杯”" in ann.texts()[0] and "红队" in ann.texts()[0]
    assert "真实姓名" in ann.texts()[1]
    await ann.send("x1")
    assert "2–20" in ann.texts()[0]
    await ann.send("欧阳·娜娜")
    assert "欧阳·娜娜" in ann.texts()[0]
    await ann.send("/join u-two")  # one membership per event
    assert "每人只能参加一个" in ann.texts()[0]
    await ann.send("/me")
    me = ann.texts()[0]
    assert "一厂工会" in me and "红队" in me and "欧阳·娜娜" in me and "0/1" in me

    bob = ChatDriver(conv, 102, "Bob")
    await bob.send("/start u-two")  # the deep link
    assert "已加入" in bob.texts()[0] and "二厂工会" in bob.texts()[0]
    members = await rows(sessions, Member)
    assert {(m.user_id, m.real_name) for m in members} == {(101, "欧阳·娜娜"), (102, None)}
    for refused in ("Bob 2", "Bob 🙂", "B" * 21):
        await bob.send(refused)
        assert "2–20" in bob.texts()[0]
    await bob.send("  Bob   Smith ")  # a Latin name keeps one space between its parts
    assert "Bob Smith，已记下" in bob.texts()[0]
    members = await rows(sessions, Member)
    assert {(m.user_id, m.real_name) for m in members} == {(101, "欧阳·娜娜"), (102, "Bob Smith")}
    # the reminders exist once, whatever the number of joins
    async with sessions() as session:
        assert await scheduler.scheduled(session, f"exam-remind-end:{members[0].competition_id}")


async def test_exam_window_and_joining_rules(conv, sessions, small_bank, clock, tmp_path) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path, opens="+2d", closes="+3d")
    w = ChatDriver(conv, 201)
    await w.send("/exam")
    assert "还没有加入比赛" in w.texts()[0]
    await join_and_name(w, "u-one", "张三")
    await w.send("/exam")
    assert "还没开始" in w.texts()[0]
    clock.advance(3 * 86400 + 1)
    await w.send("/exam")
    assert "已经结束" in w.texts()[0]
    late = ChatDriver(conv, 202)
    await late.send("/join u-one")
    assert "已经结束" in late.texts()[0]


async def test_whole_exam_scores_ranks_and_reviews_wrong_answers(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    w = ChatDriver(conv, 301)
    await join_and_name(w, "t-blue", "李四")
    await w.send("/exam")
    assert "共 5 题" in w.texts()[0] and f"满分 {FULL} 分" in w.texts()[0]
    await w.press("开始答题")
    assert "第 1/5 题 · 剩余 10:00" in w.texts()[-1]
    clock.advance(30)
    first = await answer(w, small_bank, right=False)
    assert w.last_toast() == "已记录"
    assert "✅" not in " ".join(w.texts()) and "❌" not in " ".join(w.texts())
    assert "第 2/5 题 · 剩余 09:30" in w.texts()[-1]
    for _ in range(4):
        clock.advance(30)
        await answer(w, small_bank, right=True)
    result = w.texts()[-2]
    wrong_points = {"single": 2, "multiple": 3, "judge": 1}[first.type]
    assert f"得分：{FULL - wrong_points}/{FULL} 分" in result and "答对 4/5 题" in result
    assert "用时：2分30秒" in result and "第 1 名（共 1 人参赛）" in result
    review = w.texts()[-1]
    assert first.stem in review and first.explanation in review and "📌 依据" in review
    await w.press("原文", w.last_with_buttons())  # the quiz's 📖 button works here too
    await w.send("/exam")
    assert "机会已经用完" in w.texts()[0]
    answers = await rows(sessions, ExamAnswer)
    assert len(answers) == 5 and sum(a.correct for a in answers) == 4


async def test_double_taps_and_forged_buttons_count_once(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    w, other = ChatDriver(conv, 401), ChatDriver(conv, 402)
    await join_and_name(w, "u-one", "王五")
    await w.send("/exam")
    await w.press("开始答题")
    question = w.last("剩余")
    await other.press_data(question.buttons[0].data, question.id)
    assert other.last_toast() == "这个按钮已过期 ⌛"
    data = [b for b in question.buttons if "☐" not in b.text and "提交" not in b.text]
    if data:
        await w.press_data(data[0].data, question.id)
        await w.press_data(data[0].data, question.id)
        assert w.last_toast() == "这个按钮已过期 ⌛"
        assert len(await rows(sessions, ExamAnswer)) == 1


async def test_late_answer_not_counted_and_attempt_closed(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    w = ChatDriver(conv, 501)
    await join_and_name(w, "u-one", "赵六")
    await w.send("/exam")
    await w.press("开始答题")
    await answer(w, small_bank, right=True)
    clock.advance(10 * 60)  # exactly the deadline
    await answer(w, small_bank, right=True)
    assert "时间到" in w.last_toast()
    assert any("答题结束" in text for text in w.texts())
    [attempt] = await rows(sessions, ExamAttempt)
    assert attempt.status == "expired" and attempt.position == 1 and attempt.seconds == 600
    assert len(await rows(sessions, ExamAnswer)) == 1


async def test_deadline_capped_by_close_and_abandoned_attempt_closed_by_timer(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path, closes="+5m")
    w = ChatDriver(conv, 601)
    await join_and_name(w, "u-two", "钱七")
    await w.send("/exam")
    await w.press("开始答题")
    assert "剩余 05:00" in w.texts()[-1]  # the close comes before the time limit
    await answer(w, small_bank, right=True)
    [attempt] = await rows(sessions, ExamAttempt)
    async with sessions() as session:
        job = await scheduler.scheduled(session, f"exam-deadline:{attempt.id}")
        assert job is not None and job.due_at == attempt.deadline
    clock.advance(5 * 60)
    actions = await conv.process(Event.timer_due(job.kind, job.payload))
    told = [a.text for a in actions if isinstance(a, SendMessage) and a.chat_id == 601]
    assert "时间到" in told[0] and "答对 1/5 题" in told[1] and "4 道题没来得及作答" in told[1]
    [attempt] = await rows(sessions, ExamAttempt)
    assert attempt.status == "expired"
    assert await conv.process(Event.timer_due(job.kind, job.payload)) == []  # runs once


async def test_resume_after_restart_with_the_clock_running(
    sessions, services, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    w = ChatDriver(Conversation(sessions, services, clock), 701)
    await join_and_name(w, "u-one", "孙八")
    await w.send("/exam")
    await w.press("开始答题")
    await answer(w, small_bank)
    pending = w.last("剩余").text
    clock.advance(95)
    w.conversation = Conversation(sessions, services, clock)  # a new process
    await w.send("/exam")
    assert "继续作答" in w.texts()[0]
    assert "第 2/5 题 · 剩余 08:25" in w.texts()[1]
    assert pending.split("\n", 2)[2] == w.texts()[1].split("\n", 2)[2]  # same question, same order
    for _ in range(4):
        await answer(w, small_bank)
    assert "答对 5/5 题" in w.texts()[-1]


async def test_two_attempts_the_best_counts(conv, sessions, small_bank, clock, tmp_path) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path, attempts=2)
    w = ChatDriver(conv, 801)
    await join_and_name(w, "u-one", "周九")
    await take_exam(w, small_bank, [True] * 5)
    await w.send("/exam")
    assert "这是第 2 次" in w.texts()[0]
    await w.press("开始答题")
    for _ in range(5):
        await answer(w, small_bank, right=False)
    await w.send("/rank")
    assert f"{FULL} 分" in w.texts()[0] and "第 1 名" in w.texts()[0]


async def test_tie_broken_by_time_rank_and_quizmaster_views(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    fast, slow, third = ChatDriver(conv, 901), ChatDriver(conv, 902), ChatDriver(conv, 903)
    for driver, code, name in (
        (fast, "t-red", "快手"),
        (slow, "t-blue", "慢手"),
        (third, "u-two", "三号"),
    ):
        await join_and_name(driver, code, name)
    await slow.send("/exam")
    await slow.press("开始答题")
    for _ in range(5):
        clock.advance(20)
        await answer(slow, small_bank)
    await take_exam(fast, small_bank, [True] * 5)  # the same score in no time
    await take_exam(third, small_bank, [False] * 5)
    await slow.send("/rank")
    text = slow.texts()[0]
    assert text.index("1. 快手") < text.index("2. 慢手")
    assert "3. 三号" in text and "单位“一厂工会”：第 1 名" in text

    boss = ChatDriver(conv, 800)  # PUFA_QUIZMASTERS
    await boss.send("/rank")
    assert "单位排名" in boss.texts()[0] and "队伍排名" in boss.texts()[0]
    await third.send("/export")
    assert "只供比赛组织者" in third.texts()[0]
    actions = await boss.send("/export")
    [doc] = [a for a in actions if isinstance(a, SendDocument)]
    wb = openpyxl.load_workbook(io.BytesIO(doc.content))
    assert wb.sheetnames == [
        "个人成绩",
        "单位排名",
        "队伍排名",
        "题目统计",
        "法律统计",
        "获奖名单",
        "图表",
    ]
    people = wb["个人成绩"]
    assert people.freeze_panes == "A2"
    assert [c.value for c in people[1]][:3] == ["名次", "姓名", "单位"]
    assert [people.cell(r, 2).value for r in (2, 3, 4)] == ["快手", "慢手", "三号"]
    assert [people.cell(r, 9).value for r in (2, 3, 4)] == ["一等奖", "二等奖", None]
    assert people.cell(4, 2).value == "三号" and people.cell(4, 5).value == 0
    assert len(wb["图表"]._charts) == 1
    named = ChatDriver(conv, 900)  # named in the event file
    await named.send("/export test-cup")
    assert any(isinstance(a, SendDocument) for a in named.last_actions)


async def test_time_breaks_a_tie(conv, sessions, small_bank, clock, tmp_path) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    a, b = ChatDriver(conv, 1001), ChatDriver(conv, 1002)
    await join_and_name(a, "u-one", "甲一")
    await join_and_name(b, "u-two", "乙二")
    await a.send("/exam")
    await a.press("开始答题")
    for _ in range(5):
        clock.advance(10)
        await answer(a, small_bank)  # 50 s
    await b.send("/exam")
    await b.press("开始答题")
    clock.advance(49)
    for _ in range(5):
        await answer(b, small_bank)  # 49 s
    await a.send("/rank")
    text = a.texts()[0]
    assert text.index("1. 乙二") < text.index("2. 甲一")
    assert "第 2 名" in text
    c = ChatDriver(conv, 1003)
    await join_and_name(c, "t-red", "丙三")
    await c.send("/exam")
    await c.press("开始答题")
    clock.advance(49)
    for _ in range(5):
        await answer(c, small_bank)  # the same score and time as 乙二: they share the rank
    await c.send("/rank")
    assert "第 1 名（共 3 人）" in c.texts()[0] or "第 1 名" in c.texts()[0]
    assert "1. 乙二" in c.texts()[0] and "1. 丙三" in c.texts()[0] and "3. 甲一" in c.texts()[0]


async def test_reminders_go_to_members_who_have_not_finished(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    comp = await make_event(sessions, small_bank, clock.now(), tmp_path, opens="+2d", closes="+3d")
    done, waiting = ChatDriver(conv, 1101), ChatDriver(conv, 1102)
    await join_and_name(done, "u-one", "完成")
    await join_and_name(waiting, "u-one", "未完")
    async with sessions() as session:
        start = await scheduler.scheduled(session, f"exam-remind-start:{comp.id}")
        end = await scheduler.scheduled(session, f"exam-remind-end:{comp.id}")
    assert start is not None and start.due_at == comp.opens_at - timedelta(days=1)
    assert end is not None and end.due_at == comp.closes_at - timedelta(hours=1)
    told = await conv.process(Event.timer_due(start.kind, start.payload))
    assert {a.chat_id for a in told} == {1101, 1102} and "明天开始" in told[0].text
    clock.advance(2 * 86400)
    await take_exam(done, small_bank, [True] * 5)
    told = await conv.process(Event.timer_due(end.kind, end.payload))
    assert [a.chat_id for a in told] == [1102] and "还剩 1 小时" in told[0].text


async def test_personal_commands_stay_private(conv, sessions, small_bank, clock, tmp_path) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    group = ChatDriver(conv, 1201, chat_id=-5, chat_type="group")
    for command in ("/join u-one", "/exam", "/me", "/rank", "/export"):
        await group.send(command)
        assert "私聊" in group.texts()[0]
    assert await rows(sessions, Member) == []


async def test_group_quiz_points_in_rank_and_workbook(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    setting = "group_quizzes: {chats: [-100555], weight: 0.01}\n"
    await make_event(sessions, small_bank, clock.now(), tmp_path, extra=setting)
    red, blue = ChatDriver(conv, 911), ChatDriver(conv, 912)
    await join_and_name(red, "t-red", "红一")
    await join_and_name(blue, "t-blue", "蓝一")
    await take_exam(red, small_bank, [True, True, False, False, False])
    await take_exam(blue, small_bank, [True] * 5)
    async with sessions() as session:
        await add_group_quiz(session, -100555, clock.now(), {911: [1000, 800], 912: [0, 500]})
        await session.commit()
    await red.send("/rank")
    assert "群内答题 1800 分（加 18 分）" in red.texts()[0]

    boss = ChatDriver(conv, 800)
    await boss.send("/rank")
    text = boss.texts()[0]
    assert "名次按各项加上群内答题加分 = 0.01×群内答题分÷报名人数" in text
    assert "+ 18（群内答题 1800 分），参赛 1/1" in text and "+ 5（群内答题 500 分）" in text
    actions = await boss.send("/export")
    [doc] = [a for a in actions if isinstance(a, SendDocument)]
    teams = openpyxl.load_workbook(io.BytesIO(doc.content))["队伍排名"]
    header = [c.value for c in teams[1]]
    assert header[7:10] == ["加权分", "群内答题", "群内答题加分"]
    rows = {r[1]: r for r in teams.iter_rows(min_row=2, values_only=True)}
    assert rows["红队"][8:10] == (1800, 18) and rows["蓝队"][8:10] == (500, 5)
    units = openpyxl.load_workbook(io.BytesIO(doc.content))["单位排名"]
    [one] = [r for r in units.iter_rows(min_row=2, values_only=True) if r[1] == "一厂工会"]
    assert one[8:10] == (2300, 11.5)  # 2300 points of 2 joined × 0.01


async def test_forget_removes_name_membership_and_exam(
    conv, sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    w, other = ChatDriver(conv, 341), ChatDriver(conv, 342)
    await join_and_name(w, "t-blue", "王小明")
    await join_and_name(other, "t-blue", "赵大海")
    await w.send("/exam")
    await w.press("开始答题")
    await answer(w, small_bank, right=True)
    await w.send("/forget")
    await w.press("删除")
    members = await rows(sessions, Member)
    assert [m.user_id for m in members] == [342]  # the other worker is untouched
    assert all(a.user_id != 341 for a in await rows(sessions, ExamAttempt))
    assert await rows(sessions, ExamAnswer) == []
    await w.send("/me")
    assert "王小明" not in " ".join(w.texts())
