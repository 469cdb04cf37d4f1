"""The live final through the delivery core (inbox → handler → outbox → scheduler) with a
fake clock and Telegram in memory, on both databases: a whole final round by round, who may
run it, stale and forged buttons, and a restart in the middle of a question."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.conversation.actions import AnswerCallback, Button, EditMessage, SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation
from bot.delivery.runner import Delivery
from bot.transports.base import Fetched
from question_bank import Bank, StatuteLibrary
from scoring import final as live
from scoring.final.models import LedgerEntry, LiveFinal
from tests.conftest import FakeClock
from tests.final_kit import JUDGE, QUIZMASTER, contestant, make_final
from tests.test_delivery import MemoryApi


class FinalRun:
    """The hall: a quiz master, a judge, 24 contestants and the bot process (restartable)."""

    def __init__(self, sessions: Any, bank: Bank, clock: FakeClock) -> None:
        self.sessions, self.bank, self.clock = sessions, bank, clock
        self.api = MemoryApi()
        self.update_ids = itertools.count(1)
        self.callbacks = itertools.count(1)
        self.comp_id = 0
        self.restart()

    def restart(self) -> None:
        """A new process over the same database (nothing kept in memory)."""
        services = Services(bank=self.bank, library=StatuteLibrary())
        self.delivery = Delivery(Conversation(self.sessions, services, self.clock), self.api)

    async def drain(self) -> None:
        while await self.delivery.run_due_job():
            pass
        while await self.delivery.handle_next():
            pass
        while await self.delivery.send_round():
            pass

    async def deliver(self, *events: Event) -> None:
        await self.delivery.accept([Fetched(next(self.update_ids), e) for e in events])
        await self.drain()

    async def say(self, user: int, text: str) -> str:
        """A command; returns what the bot answered in that chat."""
        before = len(self.api.performed)
        await self.deliver(Event.message(User(user), user, text))
        return "\n".join(self._texts(user, before))

    def _texts(self, user: int, since: int) -> list[str]:
        return [
            a.text
            for a in self.api.performed[since:]
            if isinstance(a, SendMessage) and a.chat_id == user
        ]

    def buttons(self, user: int) -> list[Button]:
        """The buttons of the latest message to this user that has any."""
        for a in reversed(self.api.performed):
            if isinstance(a, SendMessage | EditMessage) and a.chat_id == user and a.buttons:
                return [b for row in a.buttons for b in row]
        return []

    def press_event(self, user: int, label: str) -> Event:
        found = [b for b in self.buttons(user) if label in b.text]
        assert found, f"no {label!r} in {[b.text for b in self.buttons(user)]}"
        return self.data_event(user, found[0].data)

    def data_event(self, user: int, data: str) -> Event:
        return Event.button(User(user), user, data, f"cb{next(self.callbacks)}", None)

    async def press(self, user: int, label: str) -> str:
        """Press a button; returns the toast."""
        event = self.press_event(user, label)
        await self.deliver(event)
        return self.toast(event)

    def toast(self, event: Event) -> str:
        for a in self.api.performed:
            if isinstance(a, AnswerCallback) and a.callback_id == event.callback_id:
                return a.text
        raise AssertionError("button not answered")

    async def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.drain()

    async def scores(self) -> dict[str, int]:
        async with self.sessions() as session:
            final = await session.get(LiveFinal, self.comp_id)
            assert final is not None
            return {s.code: s.score for s in await live.standings(session, final)}

    async def version(self) -> int:
        async with self.sessions() as session:
            return await live.version(session, self.comp_id)

    async def rows(self, table: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.exec(select(table))).all())


@pytest.fixture
async def hall(sessions, small_bank, clock, tmp_path) -> FinalRun:  # type: ignore[no-untyped-def]
    run = FinalRun(sessions, small_bank, clock)
    comp = await make_final(sessions, small_bank, clock(), tmp_path)
    assert comp.id is not None
    run.comp_id = comp.id
    return run


async def test_a_whole_final_round_by_round(hall: FinalRun) -> None:
    # 必答, all teams at once: t-lcl-probation (B is right)
    started = await hall.say(QUIZMASTER, "/round")
    assert "第1轮 必答 开始" in started
    assert any("第1轮 必答 开始" in x for x in hall.api.texts(contestant(7, 2)))
    asked = await hall.say(QUIZMASTER, "/next")
    assert "正确答案：B" in asked  # the host sees the answer, the phones do not
    assert "正确答案" not in hall.api.texts(contestant(0, 0))[-1]
    for team in range(8):
        if team < 6:
            toast = await hall.press(contestant(team, 0), "B" if team % 2 == 0 else "A")
            assert "已提交" in toast
    assert "已经作答" in await hall.press(contestant(0, 1), "A")  # the team's first answer counts
    await hall.tick(21)  # teams 7 and 8 let the time run out
    host = hall.api.texts(QUIZMASTER)[-1]
    assert "✅ 第1队：答对" in host and "❌ 第2队：答错" in host and "⏱ 第8队" in host
    assert "劳动合同期限" in hall.api.texts(contestant(1, 2))[-1]  # the explanation on the phone
    await hall.say(QUIZMASTER, "/next")
    await hall.say(QUIZMASTER, "/reveal")  # nobody answered: all out of time
    scores = await hall.scores()
    assert [scores[f"f{i}"] for i in range(1, 9)] == [110, 100, 110, 100, 110, 100, 100, 100]
    assert "请先等它结束" not in await hall.say(QUIZMASTER, "/next")
    assert "本轮题目已经全部完成" in hall.api.texts(QUIZMASTER)[-1]

    # 抢答: t-lcl-double-wage (对 is right)
    await hall.say(QUIZMASTER, "/round")
    await hall.say(QUIZMASTER, "/next")
    early = await hall.press(contestant(3, 0), "抢答")
    assert "提前抢按扣 10 分" in early
    assert "提前抢按" in hall.api.texts(QUIZMASTER)[-1]
    await hall.say(QUIZMASTER, "/open")
    assert "本题贵队已被取消" in await hall.press(contestant(3, 1), "抢答")
    # three presses reach the server in one batch: the first received wins
    await hall.deliver(
        hall.press_event(contestant(5, 0), "抢答"),
        hall.press_event(contestant(6, 0), "抢答"),
        hall.press_event(contestant(1, 0), "抢答"),
    )
    assert "抢答成功" in hall.api.texts(contestant(5, 1))[-1]
    assert "第6队抢答成功" in hall.api.texts(QUIZMASTER)[-1]
    winners_button = hall.press_event(contestant(5, 1), "对").data
    intruder = hall.data_event(contestant(6, 0), winners_button)  # team 7 did not win
    await hall.deliver(intruder)
    assert "不是贵队" in hall.toast(intruder)
    await hall.press(contestant(5, 2), "对")
    scores = await hall.scores()
    assert (scores["f4"], scores["f6"]) == (90, 110)
    # the next one: nobody buzzes in time, the question is void
    await hall.say(QUIZMASTER, "/next")
    await hall.say(QUIZMASTER, "/open")
    await hall.tick(11)
    assert "无人抢答，本题作废" in hall.api.texts(QUIZMASTER)[-1]
    assert await hall.scores() == scores

    # 风险: the last placed team chooses first (f4, 90)
    await hall.say(QUIZMASTER, "/round")
    await hall.say(QUIZMASTER, "/next")
    assert "风险题" in hall.api.texts(contestant(3, 0))[-1]
    await hall.press(contestant(3, 0), "30 分")
    assert "选择了 30 分" in hall.api.texts(QUIZMASTER)[-1]
    await hall.press(contestant(3, 1), "错")  # t-wp-pregnancy-dismissal: 错 is right
    assert (await hall.scores())["f4"] == 120
    await hall.say(QUIZMASTER, "/next")  # the next team up declines
    await hall.press(contestant(1, 0), "放弃")
    assert "放弃了本题" in hall.api.texts(QUIZMASTER)[-1]
    await hall.say(QUIZMASTER, "/next")
    assert "/tier" in hall.api.texts(QUIZMASTER)[-1]
    await hall.say(QUIZMASTER, "/tier 10")  # the host chooses for a team whose phone died
    await hall.tick(21)  # and its time runs out: −10
    await hall.say(QUIZMASTER, "/adjust f2 +5 评委复核")
    assert "已调整：第2队 +5 分（理由：评委复核）" in hall.api.texts(QUIZMASTER)[-1]
    await hall.say(JUDGE, "/undo")
    assert "已撤销上一次改分：第2队 -5 分" in hall.api.texts(JUDGE)[-1]
    entries = await hall.rows(LedgerEntry)
    assert [e.kind for e in entries[-2:]] == ["adjust", "undo"]
    board = await hall.say(JUDGE, "/board")
    assert "1. 第4队  120 分（+30）" in board


async def test_only_quiz_masters_and_judges_run_it_and_bad_buttons_change_nothing(
    hall: FinalRun,
) -> None:
    before = await hall.version()
    for text in ("/round", "/next", "/adjust f1 +100 作弊", "/undo", "/board", "/event"):
        assert "只供本场决赛的主持人和评委使用" in await hall.say(contestant(0, 0), text)
    assert await hall.version() == before and not await hall.rows(LedgerEntry)
    await hall.say(QUIZMASTER, "/round")
    await hall.say(QUIZMASTER, "/next")
    assert "用法" in await hall.say(QUIZMASTER, "/adjust nobody +5 x")
    assert "用法" in await hall.say(QUIZMASTER, "/adjust f1 lots")
    button = hall.buttons(contestant(2, 0))[1]
    # a forged option, another question's number, and an outsider pressing a real button
    for user, data in (
        (contestant(2, 0), button.data.rsplit(":", 1)[0] + ":7"),
        (contestant(2, 0), button.data.replace(f":{hall.comp_id}:1:", f":{hall.comp_id}:9:")),
        (77777, button.data),
        (contestant(2, 0), "finans:x:1:1"),
    ):
        event = hall.data_event(user, data)
        await hall.deliver(event)
        assert "过期" in hall.toast(event)
    assert not await hall.rows(live.FinalAnswer)
    await hall.say(QUIZMASTER, "/reveal")
    event = hall.data_event(contestant(2, 0), button.data)  # after the question closed
    await hall.deliver(event)
    assert "过期" in hall.toast(event)
    assert all(a.how == "timeout" for a in await hall.rows(live.FinalAnswer))


async def test_a_restart_in_the_middle_keeps_round_question_deadline_and_ledger(
    hall: FinalRun,
) -> None:
    await hall.say(QUIZMASTER, "/round")
    await hall.say(QUIZMASTER, "/next")
    await hall.press(contestant(0, 0), "B")
    await hall.say(QUIZMASTER, "/adjust 3 -5 提示")
    async with hall.sessions() as session:
        snap_before = await live.snapshot(session, hall.comp_id, hall.clock())
    hall.restart()  # the process dies and starts again: nothing in memory survives
    async with hall.sessions() as session:
        assert await live.snapshot(session, hall.comp_id, hall.clock()) == snap_before
    await hall.press(contestant(1, 0), "B")  # answers still count after the restart
    await hall.tick(10)
    assert snap_before["phase"] == "answering"
    hall.restart()
    await hall.tick(11)  # the stored deadline closes the question by itself
    host = hall.api.texts(QUIZMASTER)[-1]
    assert "✅ 第1队：答对" in host and "✅ 第2队：答对" in host and "⏱ 第3队" in host
    assert (await hall.scores())["f3"] == 95
    await hall.say(QUIZMASTER, "/next")  # the host continues where they were
    async with hall.sessions() as session:
        snap = await live.snapshot(session, hall.comp_id, hall.clock())
    assert snap["round"]["index"] == 0 and snap["phase"] == "answering"
    assert len(await hall.rows(LedgerEntry)) == 3  # +10, +10, −5: none lost, none twice


async def test_console_commands_need_no_message(hall: FinalRun, sessions: Any) -> None:
    """What the web console does: a command event in a transaction, no Telegram message."""
    services = Services(bank=hall.bank, library=StatuteLibrary())
    conversation = Conversation(sessions, services, hall.clock)
    async with sessions() as session:
        for text in ("/round", "/next"):
            event = Event(User(QUIZMASTER), QUIZMASTER, "command", text=text, command=text[1:])
            actions = await conversation.handle(session, event, hall.clock())
            assert actions
        await session.commit()
    async with sessions() as session:
        snap = await live.snapshot(session, hall.comp_id, hall.clock())
    assert snap["phase"] == "answering" and snap["question"]["text"]


async def test_a_quiz_master_without_any_final_is_told_how_to_get_one(
    sessions: Any, small_bank: Bank, clock: FakeClock
) -> None:
    services = Services(bank=small_bank, library=StatuteLibrary(), quizmasters=frozenset({42}))
    conversation = Conversation(sessions, services, clock)
    for user, expected in ((42, "还没有决赛"), (43, "只供本场决赛的主持人和评委")):
        actions = await conversation.process(Event.message(User(user), user, "/next"))
        texts = [a.text for a in actions if isinstance(a, SendMessage)]
        assert len(texts) == 1 and expected in texts[0]


async def test_presses_handled_at_once_go_to_the_first_received(
    hall: FinalRun, sessions: Any
) -> None:
    """24 presses within 50 ms handled concurrently, each in its own transaction, in an
    order unlike their receipt (several workers on PostgreSQL): the first received wins."""
    await hall.say(QUIZMASTER, "/round")
    await hall.say(QUIZMASTER, "/round")  # the 抢答 round
    await hall.say(QUIZMASTER, "/next")
    await hall.say(QUIZMASTER, "/open")
    services = Services(bank=hall.bank, library=StatuteLibrary())
    conversation = Conversation(sessions, services, hall.clock)
    rng = random.Random(5)
    t0 = hall.clock()
    people = [contestant(team, seat) for team in range(8) for seat in range(3)]
    rng.shuffle(people)
    arrivals = sorted(rng.uniform(0, 50) for _ in people)
    presses = [
        (seq, t0 + timedelta(milliseconds=ms), hall.press_event(uid, "抢答"))
        for seq, (ms, uid) in enumerate(zip(arrivals, people, strict=True), 1)
    ]

    async def handle(seq: int, at: datetime, event: Event) -> None:
        async with sessions() as session:
            await conversation.handle(session, event, hall.clock(), at, seq)
            await session.commit()

    await asyncio.gather(*(handle(*p) for p in reversed(presses)))
    async with sessions() as session:
        final = await session.get(LiveFinal, hall.comp_id)
    assert final is not None and final.phase == "answering"
    assert final.buzz_user_id == people[0]
    assert len(await hall.rows(live.BuzzPress)) == 8  # one per team, its earliest
