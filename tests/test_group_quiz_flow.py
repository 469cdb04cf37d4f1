"""The group quiz flow through the delivery core (inbox → handler → outbox → scheduler), with
a fake clock and an in-memory Telegram, on both databases: who may start and stop it, scoring
measured from the poll's recorded sending, the leaderboard edited in place, the podium, a
restart in the middle, and votes routed by their poll's key."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlmodel import select

from bot.conversation.actions import Action, SendMessage, SendPoll, StopPoll
from bot.conversation.context import Ctx, Services
from bot.conversation.events import Event, User
from bot.conversation.messages import t
from bot.conversation.router import Conversation
from bot.conversation.routing import CompositionError, FeatureRouter, compose
from bot.delivery.models import ScheduledJob
from bot.delivery.runner import Delivery
from bot.transports.base import Fetched, Sent
from question_bank import Bank, StatuteLibrary
from scoring.group_quiz_models import GroupQuiz, GroupQuizAnswer
from tests.conftest import FakeClock
from tests.test_delivery import MemoryApi

GROUP = -100777
QM = 900
ALICE, BOB, CAROL, DAVE, ERIN = 1, 2, 3, 4, 5
NAMES = {QM: "主持人", ALICE: "小王", BOB: "老张", CAROL: "小李", DAVE: "小赵", ERIN: "小钱"}


class PollApi(MemoryApi):
    """Telegram in memory (tests/test_delivery.py) whose polls get poll ids."""

    def __init__(self) -> None:
        super().__init__()
        self.polls: list[tuple[SendPoll, str]] = []
        self.message_ids: dict[str, int] = {}  # a poll's key → its message id

    async def perform(self, action: Action) -> Sent:
        sent = await super().perform(action)
        if isinstance(action, SendPoll):
            poll_id = f"poll{len(self.polls) + 1}"
            self.polls.append((action, poll_id))
            self.message_ids[action.key] = sent.message_id or 0
            return Sent(sent.message_id, poll_id)
        return sent

    def group_texts(self) -> list[str]:
        return self.texts(GROUP)

    def stopped(self) -> list[str]:
        """The keys of the polls stopped (a stop by key goes out with the message id)."""
        keys = {mid: key for key, mid in self.message_ids.items()}
        return [keys[a.message_id] for a in self.of(StopPoll)]

    def of(self, kind: type[Any]) -> list[Any]:
        return [a for a in self.performed if isinstance(a, kind)]


class GroupRun:
    """A group, its members and the bot process (which a test may restart)."""

    def __init__(self, sessions, bank: Bank, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
        self.sessions, self.bank, self.clock = sessions, bank, clock
        self.api = PollApi()
        self.update_ids = itertools.count(1)
        self.restart()

    def restart(self) -> None:
        """A new process over the same database."""
        services = Services(bank=self.bank, library=StatuteLibrary(), quizmasters=frozenset({QM}))
        self.delivery = Delivery(Conversation(self.sessions, services, self.clock), self.api)

    async def drain(self) -> None:
        while await self.delivery.run_due_job():
            pass
        while await self.delivery.handle_next():
            pass
        while await self.delivery.send_round():
            pass

    async def deliver(self, event: Event) -> None:
        await self.delivery.accept([Fetched(next(self.update_ids), event)])
        await self.drain()

    async def say(self, user: int, text: str, chat_id: int = GROUP) -> None:
        chat_type = "private" if chat_id > 0 else "supergroup"
        await self.deliver(Event.message(User(user, NAMES[user]), chat_id, text, chat_type))

    def poll(self, n: int) -> tuple[SendPoll, str]:
        return self.api.polls[n]

    async def vote(self, user: int, n: int, right: bool | None) -> None:
        """Vote in poll n: right, wrong, or (None) retract."""
        poll, poll_id = self.poll(n)
        assert poll.correct_option is not None
        options = (
            () if right is None else ((poll.correct_option if right else 1 - poll.correct_option),)
        )
        await self.deliver(Event.poll_answer(User(user, NAMES[user]), poll_id, options))

    async def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.drain()

    async def rows(self, table: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.exec(select(table))).all())


@pytest.fixture
def run(sessions, small_bank, clock) -> GroupRun:  # type: ignore[no-untyped-def]
    return GroupRun(sessions, small_bank, clock)


async def test_a_whole_group_quiz(run: GroupRun) -> None:
    await run.say(QM, "/groupquiz 2 20 women_protection")
    assert (
        "群答题开始" in run.api.group_texts()[0]
        and "共 2 题，每题 20 秒" in run.api.group_texts()[0]
    )
    first, _ = run.poll(0)
    assert first.chat_id == GROUP and first.open_period == 20 and first.key.startswith("gq:")
    assert first.question.startswith("【1/2】") and "📌 依据：" in first.explanation

    await run.tick(4)
    await run.vote(ALICE, 0, right=True)  # 4 s: 1000 × (1 − 4/40) = 900
    await run.tick(6)
    await run.vote(BOB, 0, right=True)  # 10 s: 750
    await run.vote(CAROL, 0, right=False)
    await run.vote(ALICE, 0, right=False)  # a second vote: the first one stands
    await run.vote(DAVE, 0, right=None)  # retracted: nothing
    await run.tick(10)  # 20 s: the poll's own time is up, the grace is not
    assert len(run.api.polls) == 1
    await run.tick(2.5)  # 22.5 s: the job (due at 22 s) closed it before ERIN's vote came in
    await run.vote(ERIN, 0, right=True)

    assert run.api.stopped() == [first.key]
    board = run.api.group_texts()[-1]
    assert board.splitlines() == [
        "📊 排行榜 · 第 1/2 题后",
        "🥇 小王  900 分",
        "🥈 老张  750 分",
        "……共 3 人参与",
    ]
    second, _ = run.poll(1)
    assert second.question.startswith("【2/2】")

    await run.tick(1)
    await run.vote(BOB, 1, right=True)  # 1 s: 975
    await run.tick(30)
    podium = run.api.group_texts()[-1]
    assert "群答题结束！共 2 题，3 人参与" in podium
    assert "🥇 老张 · 1725 分（答对 2 题）" in podium and "🥈 小王 · 900 分（答对 1 题）" in podium
    assert "🥉" not in podium  # CAROL scored nothing
    assert len(run.api.of(StopPoll)) == 2
    # one leaderboard message, never re-posted (the last question goes straight to the podium)
    assert len([m for m in run.api.of(SendMessage) if m.key.startswith("gqboard:")]) == 1
    assert await run.rows(ScheduledJob) == []
    (quiz,) = await run.rows(GroupQuiz)
    assert quiz.status == "finished"
    assert len(await run.rows(GroupQuizAnswer)) == 4


async def test_a_restart_in_the_middle_loses_nothing(run: GroupRun) -> None:
    await run.say(QM, "/groupquiz 2 20 women_protection")
    await run.tick(2)
    await run.vote(ALICE, 0, right=True)  # 950
    run.restart()
    await run.vote(BOB, 0, right=True)  # still 2 s after sending: 950
    await run.tick(21)
    assert (
        "🥇 小王  950 分" in run.api.group_texts()[-1]
        and "🥈 老张  950 分" in run.api.group_texts()[-1]
    )
    run.restart()
    await run.tick(22)
    assert "群答题结束" in run.api.group_texts()[-1]


async def test_the_speed_counts_from_the_polls_recorded_sending(run: GroupRun) -> None:
    """A poll stuck in the outbox (a busy group) gets its whole time once it is sent."""
    await run.delivery.accept(
        [Fetched(next(run.update_ids), Event.message(User(QM), GROUP, "/groupquiz 1 20", "group"))]
    )
    while await run.delivery.handle_next():
        pass
    run.clock.advance(30)  # the close job is due, the poll not sent yet
    assert await run.delivery.run_due_job()
    assert run.api.polls == [] and len(await run.rows(ScheduledJob)) == 1
    while await run.delivery.send_round():  # sent now, 30 s late
        pass
    await run.tick(5)
    await run.vote(ALICE, 0, right=True)  # 5 s after the sending: 875
    await run.tick(16)  # 21 s after sending: still open (the job moved to 22 s)
    assert run.api.of(StopPoll) == []
    await run.tick(1)
    assert run.api.of(StopPoll) and "🥇 小王 · 875 分" in run.api.group_texts()[-1]


async def test_only_quiz_masters_start_and_stop_one_quiz_per_group(run: GroupRun) -> None:
    await run.say(ALICE, "/groupquiz")
    assert run.api.group_texts() == [t("gq_not_quizmaster")]
    await run.say(ALICE, "/quiz")
    assert run.api.group_texts()[-1] == t("private_only")
    await run.say(QM, "/groupquiz", chat_id=QM)
    assert run.api.texts(QM) == [t("gq_group_only")]
    await run.say(QM, "/groupquiz 5 3")  # 3 seconds is too short
    assert "群答题用法" in run.api.group_texts()[-1]
    await run.say(QM, "/groupquiz 2 20 no_such_law")
    assert "群答题用法" in run.api.group_texts()[-1]
    assert run.api.polls == [] and await run.rows(GroupQuiz) == []

    await run.say(QM, "/quiz")  # a quiz master's /quiz in a group: the defaults
    assert "共 4 题，每题 30 秒" in run.api.group_texts()[-1]  # the small bank has 4 that fit
    await run.say(QM, "/groupquiz")
    assert run.api.group_texts()[-1] == t("gq_already_running")
    await run.say(ALICE, "/stopquiz")
    assert run.api.group_texts()[-1] == t("gq_not_quizmaster")
    await run.vote(ALICE, 0, right=False)
    await run.say(QM, "/stopquiz")
    assert run.api.group_texts()[-2:] == [t("gq_stopped"), t("gq_podium_empty", total=4)]
    assert run.api.stopped() == [run.poll(0)[0].key]
    await run.say(QM, "/stopquiz")
    assert run.api.group_texts()[-1] == t("gq_not_running")
    sent = len(run.api.performed)
    await run.tick(60)  # the stopped quiz's closing job runs and does nothing
    assert len(run.api.performed) == sent and await run.rows(ScheduledJob) == []


async def test_poll_answers_go_by_key_then_by_flow_and_else_nowhere(
    conversation: Conversation, clock: FakeClock
) -> None:
    seen: list[str] = []
    by_flow = FeatureRouter("by_flow")

    @by_flow.poll_answer("survey")
    async def on_survey_vote(ctx: Ctx) -> None:
        seen.append(ctx.event.poll_id)

    routes = compose(by_flow)
    async with conversation.sessions() as session:
        from bot.conversation.state import load_state, save_state

        await save_state(session, await load_state(session, 5), clock(), "survey", {})
        await session.commit()
        for user in (5, 6):
            ctx = Ctx(
                Event.poll_answer(User(user), "unknown-poll", (0,)),
                session,
                clock(),
                conversation.services,
            )
            await routes.dispatch(ctx)
            assert ctx.actions == []
    assert seen == ["unknown-poll"]  # user 5 is in the survey flow; user 6's vote is ignored


def test_a_group_command_must_take_over_a_private_only_command() -> None:
    router = FeatureRouter("x")

    @router.group_command("help")
    async def nothing(ctx: Ctx) -> None:
        pass

    from bot.conversation import core

    with pytest.raises(CompositionError, match="help"):
        compose(core.router, router)
    with pytest.raises(ValueError):
        router.poll_answer_key("a:b")
