"""Flow tests: the practice quiz through the conversation layer, with a fake clock."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.conversation.actions import AnswerCallback, SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.messages import t as say
from bot.conversation.quiz import QuizAnswer
from bot.conversation.router import Conversation
from bot.conversation.routing import Command, RunCommand
from question_bank import LETTERS, Bank, Question, StatuteLibrary
from scoring import AttemptAnswer, PracticeAttempt, QuestionRecord
from tests.flowkit import ChatDriver, Shown


def question_in(bank: Bank, message: Shown) -> Question:
    matches = [q for q in bank.questions.values() if q.stem in message.text]
    assert len(matches) == 1, message.text
    return matches[0]


async def answer(chat: ChatDriver, bank: Bank, right: bool) -> Question:
    """Answer the question on screen, rightly or wrongly, the way a user taps."""
    message = chat.last_with_buttons()
    q = question_in(bank, message)
    if right:
        chosen = set(q.answer)
    else:
        chosen = {next(i for i in range(len(q.options)) if i not in q.answer)}
    if q.type == "multiple":
        for i in sorted(chosen):
            await chat.press(f"☐ {LETTERS[i]}", chat.messages[message.id])
        await chat.press("提交", chat.messages[message.id])
    else:
        label = q.options[min(chosen)] if q.type == "judge" else LETTERS[min(chosen)]
        await chat.press(label, message)
    return q


async def test_start_shows_welcome_and_menu(conversation: Conversation) -> None:
    chat = ChatDriver(conversation, 10, "阿强")
    await chat.send("/start")
    welcome = chat.last()
    assert "阿强" in welcome.text and "普法" in welcome.text
    assert welcome.button("开始练习").data == RunCommand("quiz").pack()


async def test_full_round_scores_time_and_breakdown(
    conversation, small_bank, clock, sessions
) -> None:
    chat = ChatDriver(conversation, 11)
    await chat.send("/quiz")
    await chat.press("综合练习")
    assert "共 5 题" in chat.last("开始").text
    results = []
    for n in range(5):
        assert f"第 {n + 1}/5 题" in chat.last_with_buttons().text
        clock.advance(20)
        q = await answer(chat, small_bank, right=n % 2 == 0)
        results.append(q)
        feedback = chat.last("正确答案")
        assert ("回答正确" in feedback.text) == (n % 2 == 0)
        assert "解析" in feedback.text and "依据：《" in feedback.text
        assert q.refs[0].label() in feedback.text
    summary = chat.last("本轮练习结束")
    assert "得分：3/5（60%）" in summary.text
    assert "用时：1分40秒" in summary.text
    by_law: dict[str, list[int]] = {}
    for i, q in enumerate(results):
        by_law.setdefault(small_bank.laws[q.law].title, [0, 0])
        by_law[small_bank.laws[q.law].title][0] += int(i % 2 == 0)
        by_law[small_bank.laws[q.law].title][1] += 1
    for title, (c, t) in by_law.items():
        assert f"· {title}：{c}/{t}" in summary.text
    assert "/wrong" in summary.text
    # a button of the finished round changes nothing
    first = next(m for m in chat.messages.values() if "第 1/5 题" in m.text)
    async with sessions() as s:
        attempt = (await s.exec(select(PracticeAttempt).where(PracticeAttempt.user_id == 11))).one()
    assert attempt.status == "finished"
    assert attempt.id is not None
    await chat.press_data(QuizAnswer(attempt.id, 4, 0).pack(), first.id)
    assert chat.last_toast() == "这个按钮已过期 ⌛"
    assert chat.last("本轮练习结束") == summary


async def test_answered_question_message_loses_its_buttons(conversation, small_bank) -> None:
    chat = ChatDriver(conversation, 12)
    await chat.send("/quiz")
    await chat.press("劳动合同法")
    first = chat.last_with_buttons()
    await answer(chat, small_bank, right=True)
    assert chat.messages[first.id].buttons == ()
    assert "你的答案" in chat.messages[first.id].text


async def test_multiple_choice_toggles_and_needs_a_pick(conversation, small_bank, sessions) -> None:
    chat = ChatDriver(conversation, 13)
    await chat.send("/quiz")
    await chat.press("劳动合同法")
    # move to the multiple-choice question
    for _ in range(3):
        q = question_in(small_bank, chat.last_with_buttons())
        if q.type == "multiple":
            break
        await answer(chat, small_bank, right=True)
    message = chat.last_with_buttons()
    assert question_in(small_bank, message).type == "multiple"
    await chat.press("提交", message)
    assert chat.last_toast() == "请至少勾选一个选项再提交"
    await chat.press("☐ A", chat.messages[message.id])
    assert any(b.text == "☑ A" for b in chat.messages[message.id].buttons)
    await chat.press("☑ A", chat.messages[message.id])  # untick
    assert any(b.text == "☐ A" for b in chat.messages[message.id].buttons)
    await chat.press("☐ A", chat.messages[message.id])
    await chat.press("☐ B", chat.messages[message.id])
    await chat.press("提交", chat.messages[message.id])
    assert chat.last_toast() == "✅ 回答正确"
    async with sessions() as s:
        rows = (
            await s.exec(
                select(AttemptAnswer).where(AttemptAnswer.question_id == "t-lcl-no-probation")
            )
        ).all()
    assert [r.chosen for r in rows] == [[0, 1]]


async def test_stale_and_forged_buttons_change_nothing(conversation, small_bank, sessions) -> None:
    chat = ChatDriver(conversation, 14)
    intruder = ChatDriver(conversation, 15)
    await chat.send("/quiz")
    await chat.press("劳动合同法")
    question = chat.last_with_buttons()
    data = question.buttons[0].data

    # another user presses (or forges) the first user's button
    await intruder.press_data(data, question.id)
    assert intruder.last_toast() == "这个按钮已过期 ⌛"

    await answer(chat, small_bank, right=True)
    # the same button again (double tap / replay) and nonsense data
    for forged in (
        data,
        "qans:999999:0:0",
        "qans:x:y:z",
        "zz",
        "qlaw:nope:0",
        "qscope:martian_law",
        "qtick:1:2",
    ):
        before = len(chat.messages)
        await chat.press_data(forged, question.id)
        assert chat.last_toast() == "这个按钮已过期 ⌛", forged
        assert len(chat.messages) == before
    async with sessions() as s:
        answers = (await s.exec(select(AttemptAnswer))).all()
        attempt = (await s.exec(select(PracticeAttempt))).one()
    assert len(answers) == 1 and attempt.position == 1


async def count_answers(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as s:
        return len((await s.exec(select(AttemptAnswer))).all())


async def skip_multiple(chat: ChatDriver, bank: Bank) -> Shown:
    """Answer multiple-choice questions until a one-tap question is on screen."""
    while question_in(bank, chat.last_with_buttons()).type == "multiple":
        await answer(chat, bank, right=True)
    return chat.last_with_buttons()


async def test_simultaneous_taps_record_one_answer(conversation, small_bank, sessions) -> None:
    chat = ChatDriver(conversation, 16)
    await chat.send("/quiz")
    await chat.press("劳动合同法")
    question = await skip_multiple(chat, small_bank)
    before = await count_answers(sessions)
    taps = [chat.press_data(b.data, question.id) for b in question.buttons] * 3
    await asyncio.gather(*taps)
    assert await count_answers(sessions) == before + 1


async def test_two_processes_racing_record_one_answer(sessions, small_bank, clock) -> None:
    """Two conversation instances (two bot processes) share the database."""
    services = Services(bank=small_bank, library=StatuteLibrary(), practice_size=5)
    first = Conversation(sessions, services, clock)
    second = Conversation(sessions, services, clock)
    chat = ChatDriver(first, 17)
    await chat.send("/quiz")
    await chat.press("劳动合同法")
    question = await skip_multiple(chat, small_bank)
    before = await count_answers(sessions)
    user = User(17)
    events = [
        Event.button(user, 17, b.data, f"race{i}{j}", question.id)
        for i, b in enumerate(question.buttons)
        for j in range(2)
    ]
    results = await asyncio.gather(
        *[(first if k % 2 else second).process(e) for k, e in enumerate(events)]
    )
    accepted = [
        r for r in results if any(isinstance(a, AnswerCallback) and "回答" in a.text for a in r)
    ]
    assert len(accepted) == 1
    assert await count_answers(sessions) == before + 1


async def test_restart_mid_round_resumes(sessions, small_bank, clock) -> None:
    services = Services(bank=small_bank, library=StatuteLibrary(), practice_size=5)
    chat = ChatDriver(Conversation(sessions, services, clock), 18)
    await chat.send("/quiz")
    await chat.press("综合练习")
    await answer(chat, small_bank, right=True)
    await answer(chat, small_bank, right=False)
    waiting = chat.last_with_buttons()

    chat.conversation = Conversation(sessions, services, clock)  # the bot restarted
    q = await answer(chat, small_bank, right=True)  # the old message's buttons still work
    assert chat.last_toast() == "✅ 回答正确"
    assert question_in(small_bank, waiting) == q
    await chat.send("/quiz")
    assert "已答 3/5 题" in chat.last().text
    await chat.press("继续答题")
    assert "第 4/5 题" in chat.last_with_buttons().text


async def test_cancel_leaves_the_round(conversation, small_bank, sessions) -> None:
    chat = ChatDriver(conversation, 19)
    await chat.send("/cancel")
    assert "没有进行中" in chat.last().text
    await chat.send("/quiz")
    await chat.press("综合练习")
    question = chat.last_with_buttons()
    await chat.send("/cancel")
    assert "已退出本轮练习" in chat.last().text
    await chat.press_data(question.buttons[0].data, question.id)
    assert chat.last_toast() == "这个按钮已过期 ⌛"
    async with sessions() as s:
        attempt = (await s.exec(select(PracticeAttempt))).one()
    assert attempt.status == "cancelled"


async def test_wrong_book_replays_mistakes_and_clears_on_right(
    conversation, small_bank, sessions
) -> None:
    chat = ChatDriver(conversation, 20)
    await chat.send("/wrong")
    assert "错题本是空的" in chat.last().text
    await chat.send("/quiz")
    await chat.press("综合练习")
    missed = set()
    for n in range(5):
        q = await answer(chat, small_bank, right=n >= 2)
        if n < 2:
            missed.add(q.id)
    await chat.send("/wrong")
    assert "错题复习" in chat.last("开始").text
    seen = set()
    for _ in range(2):
        seen.add((await answer(chat, small_bank, right=True)).id)
    assert seen == missed
    async with sessions() as s:
        records = (await s.exec(select(QuestionRecord).where(QuestionRecord.user_id == 20))).all()
    assert not any(r.in_wrong_book for r in records)
    await chat.send("/wrong")
    assert "错题本是空的" in chat.last().text


async def test_article_button_shows_statute_text(conversation, small_bank) -> None:
    chat = ChatDriver(conversation, 21)
    await chat.send("/quiz")
    await chat.press("女职工")
    q = await answer(chat, small_bank, right=True)
    await chat.press("法条原文", chat.last("正确答案"))
    shown = chat.last("📖")
    library = StatuteLibrary()
    law = small_bank.laws[q.law]
    text = library.article(law.source(q.refs[0].source), q.refs[0].article)
    assert text and text in shown.text
    assert "《女职工劳动保护特别规定》第" in shown.text


async def test_article_we_do_not_hold_is_not_invented(conversation, small_bank) -> None:
    from bot.conversation.articles import article_text
    from bot.conversation.context import Ctx
    from question_bank import Citation

    class NoTexts(StatuteLibrary):
        def article(self, source, number):  # type: ignore[no-untyped-def]
            return None

    services = Services(bank=small_bank, library=NoTexts(), practice_size=5)
    ctx = Ctx(Event.message(User(1), 1, "x"), None, None, services, None)  # type: ignore[arg-type]
    citation = Citation("labour_contract_law", "中华人民共和国劳动合同法", "劳动合同法", 19, 1, "x")
    assert "暂未收录" in article_text(ctx, citation)


async def test_non_text_and_long_messages_get_friendly_replies(conversation) -> None:
    chat = ChatDriver(conversation, 22)
    for content, word in (
        ("sticker", "表情贴纸"),
        ("photo", "图片"),
        ("voice", "语音"),
        ("location", "位置"),
        ("weird", "这类消息"),
    ):
        await chat.send_event(Event.unsupported(chat.user, 22, content))
        assert word in chat.last().text
    await chat.send("长" * 4000)
    assert "4000 字" in chat.last().text
    await chat.send("😀🎉")
    assert chat.last().text
    await chat.send("/nosuchthing")
    assert "/help" in chat.last().text


async def test_text_during_a_round_points_at_the_buttons(conversation) -> None:
    chat = ChatDriver(conversation, 23)
    await chat.send("/quiz")
    await chat.press("综合练习")
    await chat.send("我选B")
    assert "请直接点题目下方的按钮" in chat.last().text


async def test_every_button_fits_telegram_limits(conversation, small_bank) -> None:
    chat = ChatDriver(conversation, 24)
    actions = await chat.send("/start")
    actions += await chat.send("/quiz")
    actions += await chat.press("综合练习")
    for _ in range(5):
        actions += chat.last_actions
        await answer(chat, small_bank, right=False)
        actions += chat.last_actions
    for a in actions:
        if isinstance(a, SendMessage):
            assert 1 <= len(a.text) <= 4096
            for row in a.buttons:
                for b in row:
                    assert len(b.data.encode()) <= 64


async def test_a_failing_handler_gets_a_friendly_reply_and_changes_nothing(
    conversation, sessions, monkeypatch, caplog
) -> None:
    from bot.conversation import quiz as quiz_flow

    chat = ChatDriver(conversation, 25)
    await chat.send("/quiz")
    await chat.press("综合练习")

    async def broken(ctx) -> None:  # type: ignore[no-untyped-def]
        await quiz_flow.cancel_round(ctx.session, ctx.user_id, ctx.now)  # a write, then a crash
        raise RuntimeError("boom")

    monkeypatch.setitem(conversation.routes.commands, "quiz", Command("quiz", broken))
    await chat.send("/quiz")
    assert "出了点问题" in chat.last().text
    async with sessions() as s:
        attempt = (await s.exec(select(PracticeAttempt).where(PracticeAttempt.user_id == 25))).one()
    assert attempt.status == "active"  # the half-done write was rolled back
    assert "boom" not in chat.last().text


async def test_forget_deletes_everything_about_the_user_after_confirmation(
    conversation, small_bank, sessions
) -> None:
    from bot.conversation.state import ConversationState

    chat = ChatDriver(conversation, 26)
    other = ChatDriver(conversation, 27)
    for c in (chat, other):
        await c.send("/quiz")
        await c.press("综合练习")
        await answer(c, small_bank, right=False)
    await chat.send("/forget")
    await chat.press("取消")
    assert "什么都没有删除" in chat.last().text
    async with sessions() as s:
        assert (await s.exec(select(PracticeAttempt).where(PracticeAttempt.user_id == 26))).all()
    await chat.send("/forget")
    await chat.press("确认删除")
    assert "已删除" in chat.last().text
    async with sessions() as s:
        for model in (PracticeAttempt, QuestionRecord):
            assert not (await s.exec(select(model).where(model.user_id == 26))).all()
        assert await s.get(ConversationState, 26) is None
        assert (await s.exec(select(PracticeAttempt).where(PracticeAttempt.user_id == 27))).all()
        assert len((await s.exec(select(AttemptAnswer))).all()) == 1  # only the other user's
    await chat.send("/wrong")
    assert "错题本是空的" in chat.last().text


async def test_a_round_after_forget_is_judged_by_its_own_questions(
    conversation: Conversation, small_bank: Bank, sessions
) -> None:  # type: ignore[no-untyped-def]
    """SQLite hands a deleted round's id to the next round: the cached plan of the deleted
    round must not judge it (it refused another user's answers, or judged the same user's by
    the old round's questions)."""
    first, second = ChatDriver(conversation, 31), ChatDriver(conversation, 32)
    await first.send("/quiz")
    await first.press("综合练习")
    await answer(first, small_bank, right=True)  # the round's plan is cached now
    await first.send("/forget")
    await first.press("确认删除")
    for chat in (second, first):
        await chat.send("/quiz")
        await chat.press("综合练习")
        for _ in range(2):
            await answer(chat, small_bank, right=True)
            assert chat.last_toast() == say("right_toast"), chat.last_toast()
        await chat.send("/cancel")
    async with sessions() as session:
        rounds = {r.id: r for r in (await session.exec(select(PracticeAttempt))).all()}
        answers = (await session.exec(select(AttemptAnswer))).all()
    assert len(answers) == 4
    for a in answers:
        assert a.question_id == rounds[a.attempt_id].question_ids[a.position] and a.correct


async def test_an_old_round_button_after_forget_never_answers_a_new_round(
    conversation: Conversation, small_bank: Bank, sessions
) -> None:  # type: ignore[no-untyped-def]
    """/forget empties the round rows instead of deleting them, so their ids are never given
    to a new round: a button kept from before /forget stays expired."""
    chat = ChatDriver(conversation, 33)
    await chat.send("/quiz")
    await chat.press("综合练习")
    old_question = chat.last_with_buttons()
    await chat.send("/forget")
    await chat.press("确认删除")
    await chat.send("/quiz")
    await chat.press("综合练习")
    for button in old_question.buttons:
        await chat.press_data(button.data, old_question.id)
        assert chat.last_toast() == say("expired")
    async with sessions() as session:
        assert (await session.exec(select(AttemptAnswer))).all() == []
        forgotten = (
            await session.exec(select(PracticeAttempt).where(PracticeAttempt.user_id == 0))
        ).all()
        assert [(r.status, r.question_ids) for r in forgotten] == [("forgotten", [])]
