"""The delivery core without Telegram: inbox, outbox, scheduler, crashes, two processes.

A `MemoryApi` stands in for a Telegram runtime adapter; "a crash" is a Delivery object that
is dropped half-way and a new one over the same database, as a restarted process would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.conversation.actions import (
    Action,
    AnswerCallback,
    EditMessage,
    SendMessage,
    action_from_json,
)
from bot.conversation.context import Ctx, Services
from bot.conversation.events import Event, User
from bot.conversation.messages import t
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from bot.delivery import store
from bot.delivery.models import InboxUpdate, OutboxAction, ScheduledJob
from bot.delivery.runner import Delivery
from bot.scheduler import schedule
from bot.transports.base import Fetched, Rejected, RetryLater, Sent, Unreachable
from question_bank import StatuteLibrary
from tests.conftest import POSTGRES_URL, FakeClock, reset_postgres


class MemoryApi:
    """A Telegram runtime in memory: updates to hand out, actions performed, errors to raise."""

    name = "memory"

    def __init__(self) -> None:
        self.updates: list[Fetched] = []
        self.performed: list[Action] = []
        self.errors: list[Exception] = []  # raised by the next perform calls, in order
        self.closed = False
        self.closed_after = -1
        self._ids = itertools.count(100)

    async def prepare(self, menu: tuple[tuple[str, str], ...], webhook: Any = None) -> str:
        return "pufa_test_bot"

    def parse(self, payload: dict[str, Any]) -> Fetched:
        raise NotImplementedError

    async def fetch(self, offset: int | None, timeout: float) -> list[Fetched]:
        if offset:
            self.updates = [u for u in self.updates if u.update_id >= offset]
        if not self.updates:
            await asyncio.sleep(0.01)
        return list(self.updates)

    async def perform(self, action: Action) -> Sent:
        await asyncio.sleep(0)  # a network call yields
        if self.errors:
            raise self.errors.pop(0)
        self.performed.append(action)
        return Sent(message_id=next(self._ids))

    async def close(self) -> None:
        self.closed = True
        self.closed_after = len(self.performed)

    def texts(self, chat_id: int) -> list[str]:
        return [
            a.text
            for a in self.performed
            if isinstance(a, SendMessage | EditMessage) and a.chat_id == chat_id
        ]


def message(update_id: int, user_id: int, text: str) -> Fetched:
    return Fetched(update_id, Event.message(User(user_id, "小王"), user_id, text))


async def drain(delivery: Delivery) -> None:
    """Handle every stored update, then send every queued action."""
    while await delivery.handle_next():
        pass
    while await delivery.send_round():
        pass


async def count(delivery: Delivery, table: Any) -> int:
    async with delivery.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(table))).one())


@pytest.fixture
def api() -> MemoryApi:
    return MemoryApi()


@pytest.fixture
def delivery(conversation: Conversation, api: MemoryApi) -> Delivery:
    return Delivery(conversation, api)


async def test_an_update_fetched_twice_is_handled_once(delivery, api) -> None:
    await delivery.accept([message(1, 7, "/help")])
    await delivery.accept([message(1, 7, "/help"), message(2, 7, "/help")])
    await drain(delivery)
    assert len(api.texts(7)) == 2
    assert await count(delivery, OutboxAction) == 0


async def test_handled_updates_are_pruned_after_a_day_open_ones_never(
    delivery, clock: FakeClock
) -> None:
    await delivery.accept([message(1, 7, "/help"), message(2, 7, "/help")])
    assert await delivery.handle_next()  # update 1 done, update 2 still open
    clock.advance(store.KEEP_DONE.total_seconds() + 1)
    await delivery.accept([message(3, 8, "/help")])
    async with delivery.sessions() as session:
        await store.prune_inbox(session, clock())
        await session.commit()
        kept = (await session.exec(select(InboxUpdate.update_id))).all()
    assert sorted(kept) == [2, 3]


async def test_stored_updates_survive_a_crash_before_handling(
    conversation, sessions, small_bank, clock
) -> None:
    first = MemoryApi()
    crashed = Delivery(conversation, first)
    await crashed.accept([message(i, 100 + i, "/help") for i in range(1, 21)])
    # the process dies here: nothing handled, nothing sent
    restarted_api = MemoryApi()
    services = Services(bank=small_bank, library=StatuteLibrary(), practice_size=5)
    restarted = Delivery(Conversation(sessions, services, clock), restarted_api)
    await drain(restarted)
    assert first.performed == []
    assert all(len(restarted_api.texts(100 + i)) == 1 for i in range(1, 21))


async def test_committed_effects_are_sent_after_a_crash_before_sending(conversation, api) -> None:
    crashed = Delivery(conversation, api)
    await crashed.accept([message(1, 8, "/quiz")])
    assert await crashed.handle_next()  # handled and committed; the process dies before sending
    assert api.performed == []
    restarted_api = MemoryApi()
    await drain(Delivery(conversation, restarted_api))
    assert any("选择练习范围" in t for t in restarted_api.texts(8))


async def test_a_failing_flow_is_rolled_back_and_answered_kindly(delivery, api) -> None:
    async def broken(ctx: Ctx) -> None:
        await ctx.set_state("quiz", half="done")
        raise RuntimeError("bug")

    routes = delivery.conversation.routes
    routes.commands["help"] = dataclasses.replace(routes.commands["help"], handler=broken)
    await delivery.accept([message(1, 9, "/help")])
    await drain(delivery)
    assert api.texts(9) == [t("error")]
    async with delivery.sessions() as session:
        row = await session.get(InboxUpdate, 1)
        assert row is not None and row.done
        from bot.conversation.state import ConversationState

        assert await session.get(ConversationState, 9) is None  # the half-done state is gone


def break_help_for(delivery: Delivery, user_id: int, error: BaseException) -> Any:
    """/help fails for one user (after writing half its effects); the original handler back."""
    routes = delivery.conversation.routes
    original = routes.commands["help"]

    async def broken(ctx: Ctx) -> None:
        if ctx.user_id != user_id:
            await original.handler(ctx)
            return
        await ctx.set_state("quiz", half="done")
        raise error

    routes.commands["help"] = dataclasses.replace(original, handler=broken)
    return original


async def open_updates(delivery: Delivery) -> dict[int, tuple[bool, int]]:
    async with delivery.sessions() as session:
        rows = (await session.exec(select(InboxUpdate))).all()
    return {r.update_id: (r.done, r.attempts) for r in rows}


async def test_a_failing_handler_in_a_batch_rolls_back_only_itself(delivery, api) -> None:
    break_help_for(delivery, 8, RuntimeError("bug"))
    await delivery.accept([message(1, 7, "/help"), message(2, 8, "/help"), message(3, 9, "/help")])
    assert await delivery.handle_next()  # one batch, one transaction
    assert await open_updates(delivery) == {1: (True, 0), 2: (True, 1), 3: (True, 0)}
    await drain(delivery)
    assert api.texts(8) == [t("error")]
    assert len(api.texts(7)) == len(api.texts(9)) == 1 and api.texts(7) != [t("error")]
    async with delivery.sessions() as session:
        from bot.conversation.state import ConversationState

        assert await session.get(ConversationState, 8) is None  # its savepoint rolled back


async def test_a_race_lost_in_a_batch_is_retried_alone(delivery, api) -> None:
    original = break_help_for(delivery, 8, IntegrityError("INSERT", {}, Exception("race")))
    await delivery.accept([message(1, 7, "/help"), message(2, 8, "/help"), message(3, 9, "/help")])
    assert await delivery.handle_next()
    assert await open_updates(delivery) == {1: (True, 0), 2: (False, 1), 3: (True, 0)}
    delivery.conversation.routes.commands["help"] = original  # the race is over
    await drain(delivery)
    assert await open_updates(delivery) == {1: (True, 0), 2: (True, 1), 3: (True, 0)}
    assert all(len(api.texts(u)) == 1 and api.texts(u) != [t("error")] for u in (7, 8, 9))


async def test_a_failing_handler_leaves_its_neighbours_effects_once(delivery, api) -> None:
    """A batch runs first without savepoints; when one handler fails, the batch's work so far
    is rolled back and the batch handled again with savepoints: the neighbours (before and
    after the failing one) write their effects once, not twice."""
    routes = delivery.conversation.routes
    original = routes.commands["help"]

    async def counting(ctx: Ctx) -> None:
        seen = int((await ctx.state()).data.get("seen", 0))
        await ctx.set_state("counting", seen=seen + 1)
        if ctx.user_id == 8:
            raise RuntimeError("bug")
        await original.handler(ctx)

    routes.commands["help"] = dataclasses.replace(original, handler=counting)
    await delivery.accept([message(1, 7, "/help"), message(2, 8, "/help"), message(3, 9, "/help")])
    assert await delivery.handle_next() == 3
    assert await open_updates(delivery) == {1: (True, 0), 2: (True, 1), 3: (True, 0)}
    async with delivery.sessions() as session:
        from bot.conversation.state import load_state

        assert (await load_state(session, 7)).data == {"seen": 1}
        assert (await load_state(session, 9)).data == {"seen": 1}
        assert (await load_state(session, 8)).flow is None  # its savepoint rolled back
    await drain(delivery)
    assert api.texts(8) == [t("error")]
    assert len(api.texts(7)) == len(api.texts(9)) == 1 and api.texts(7) != [t("error")]


class Killed(BaseException):
    """The process dies here (kill -9): nothing after this line runs."""


async def test_a_crash_mid_batch_loses_and_doubles_nothing(conversation, api) -> None:
    crashed = Delivery(conversation, api)
    original = break_help_for(crashed, 9, Killed())
    await crashed.accept([message(1, 7, "/quiz"), message(2, 8, "/quiz"), message(3, 9, "/help")])
    with pytest.raises(Killed):  # updates 1 and 2 handled, the process dies before the commit
        await crashed.handle_next()
    assert await open_updates(crashed) == {1: (False, 0), 2: (False, 0), 3: (False, 0)}
    assert await count(crashed, OutboxAction) == 0
    conversation.routes.commands["help"] = original
    restarted_api = MemoryApi()
    await drain(Delivery(conversation, restarted_api))
    for user in (7, 8):
        assert [m for m in restarted_api.texts(user) if "选择练习范围" in m] != []
        assert len(restarted_api.texts(user)) == 1
    assert len(restarted_api.texts(9)) == 1 and api.performed == []


async def test_one_chats_messages_keep_their_order_through_retry_after(
    delivery, api, clock
) -> None:
    await delivery.accept([message(1, 10, "/quiz"), message(2, 10, "/help")])
    while await delivery.handle_next():
        pass
    api.errors.append(RetryLater(5))
    await delivery.send_round()  # the first message meets flood control
    assert api.performed == []
    assert await delivery.send_round() == 0  # the chat waits; the later message does not jump
    clock.advance(5)
    while await delivery.send_round():
        pass
    texts = api.texts(10)
    assert len(texts) == 2 and "选择练习范围" in texts[0]


async def queue_for(delivery: Delivery, clock: FakeClock, user: int, actions: list[Action]) -> None:
    """Queue `actions` as the answer to a button press of `user` (one chat's round)."""
    event = Event.button(User(user, "小王"), user, "x", "cb1", 1)
    async with delivery.sessions() as session:
        await store.enqueue(session, actions, event, clock())
        await session.commit()


async def test_a_callback_answer_and_an_edit_go_out_with_the_next_messages_commit(
    delivery, api, clock
) -> None:
    """A repeatable action (callback answer, edit) does not wait for a commit of its own when
    more of its chat's actions follow: one tap's round is one commit, not one per action."""
    actions: list[Action] = [
        AnswerCallback("cb1"),
        EditMessage(13, 5, "已作答"),
        SendMessage(13, "回答正确"),
    ]
    await queue_for(delivery, clock, 13, actions)
    commits: list[int] = []
    finish_all = delivery._finish_all

    async def counting(done: list[Any]) -> None:
        commits.append(len(done))
        await finish_all(done)

    delivery._finish_all = counting  # type: ignore[method-assign]
    assert await delivery.send_round() == 3
    assert api.performed == actions
    assert commits == [3]
    assert await count(delivery, OutboxAction) == 0


async def test_a_repeatable_action_is_committed_when_its_chats_next_one_is_held_back(
    delivery, api, clock
) -> None:
    await queue_for(delivery, clock, 14, [AnswerCallback("cb1"), SendMessage(14, "下一题")])
    perform = api.perform

    async def flooded(action: Action) -> Sent:
        if isinstance(action, SendMessage):
            raise RetryLater(5)
        return await perform(action)

    api.perform = flooded
    await delivery.send_round()
    # the answer went and its row is gone; only the held-back message waits
    assert api.performed == [AnswerCallback("cb1")]
    async with delivery.sessions() as session:
        left = (await session.exec(select(OutboxAction))).all()
    assert [action_from_json(row.action) for row in left] == [SendMessage(14, "下一题")]
    api.perform = perform
    clock.advance(5)
    while await delivery.send_round():
        pass
    assert api.performed == [AnswerCallback("cb1"), SendMessage(14, "下一题")]


async def test_a_rejected_action_is_dropped_and_the_rest_still_go(delivery, api) -> None:
    await delivery.accept([message(1, 11, "/help"), message(2, 11, "/start")])
    while await delivery.handle_next():
        pass
    api.errors.append(Rejected("Bad Request: message is too long"))
    await drain(delivery)
    assert len(api.texts(11)) == 1
    assert await count(delivery, OutboxAction) == 0


async def test_a_user_who_blocked_the_bot_gets_nothing_until_they_write_again(
    delivery, api
) -> None:
    await delivery.accept([message(1, 12, "/help")])
    while await delivery.handle_next():
        pass
    api.errors.append(Unreachable("Forbidden: bot was blocked by the user"))
    await drain(delivery)
    assert api.performed == []
    async with delivery.sessions() as session:
        assert await store.is_unreachable(session, 12)
        # a flow notifying that user meanwhile: dropped without an API call
        await store.enqueue(
            session, [SendMessage(12, "提醒")], Event.timer_due("x", {}), delivery.clock()
        )
        await session.commit()
    await drain(delivery)
    assert api.performed == []
    # the user unblocks the bot (Telegram sends a membership update), then writes
    await delivery.accept(
        [Fetched(2, Event.membership(User(12), 12, "member", "private")), message(3, 12, "/help")]
    )
    await drain(delivery)
    assert len(api.texts(12)) == 1
    # blocking again is recorded from the membership update itself
    await delivery.accept([Fetched(4, Event.membership(User(12), 12, "kicked", "private"))])
    await drain(delivery)
    async with delivery.sessions() as session:
        assert await store.is_unreachable(session, 12)


async def test_a_keyed_message_can_be_edited_by_its_key(delivery, api, clock) -> None:
    async with delivery.sessions() as session:
        event = Event.timer_due("x", {})
        await store.enqueue(session, [SendMessage(13, "排行榜 v1", key="board:1")], event, clock())
        await store.enqueue(
            session, [EditMessage(13, None, "排行榜 v2", key="board:1")], event, clock()
        )
        await session.commit()
    await drain(delivery)
    _sent, edit = api.performed
    assert isinstance(edit, EditMessage) and edit.message_id == 100
    async with delivery.sessions() as session:
        ref = await store.remembered(session, "board:1")
        assert ref is not None and ref.message_id == 100 and ref.chat_id == 13


async def test_a_due_job_runs_once_on_time_and_a_key_moves_it(
    delivery, api, clock: FakeClock
) -> None:
    ran: list[dict[str, Any]] = []

    async def remind(ctx: Ctx) -> None:
        ran.append(ctx.event.payload)
        ctx.notify(int(ctx.event.payload["chat"]), "提醒：咨询快开始了")

    delivery.conversation.routes.timers["remind"] = remind
    async with delivery.sessions() as session:
        await schedule(session, "remind", clock() + timedelta(seconds=60), {"chat": 14}, key="r:1")
        await schedule(session, "remind", clock() + timedelta(seconds=90), {"chat": 14}, key="r:1")
        await session.commit()
    assert not await delivery.run_due_job()
    clock.advance(61)
    assert not await delivery.run_due_job()  # moved to 90 s by its key
    clock.advance(30)
    assert await delivery.run_due_job()
    assert not await delivery.run_due_job()
    await drain(delivery)
    assert len(ran) == 1 and api.texts(14) == ["提醒：咨询快开始了"]
    assert await count(delivery, ScheduledJob) == 0


async def test_a_job_may_schedule_its_own_key_again(delivery, api, clock: FakeClock) -> None:
    """A countdown that re-arms itself: the job row is gone before its handler runs."""
    ticks: list[int] = []

    async def tick(ctx: Ctx) -> None:
        n = int(ctx.event.payload["n"])
        ticks.append(n)
        if n < 3:
            await ctx.schedule("tick", ctx.now + timedelta(seconds=10), {"n": n + 1}, key="t")

    delivery.conversation.routes.timers["tick"] = tick
    async with delivery.sessions() as session:
        await schedule(session, "tick", clock(), {"n": 1}, key="t")
        await session.commit()
    for _ in range(3):
        assert await delivery.run_due_job()
        assert not await delivery.run_due_job()
        clock.advance(10)
    assert ticks == [1, 2, 3]
    assert await count(delivery, ScheduledJob) == 0


async def test_graceful_stop_finishes_stored_updates_and_their_sends(conversation, api) -> None:
    api.updates = [message(i, 200 + i, "/help") for i in range(1, 21)]
    delivery = Delivery(conversation, api, idle_wait=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop, handle_signals=False))
    while await count(delivery, InboxUpdate) < 20:  # noqa: ASYNC110 (polling the database)
        await asyncio.sleep(0.001)
    stop.set()  # SIGTERM with updates stored and not yet handled
    await asyncio.wait_for(task, 10)
    assert all(len(api.texts(200 + i)) == 1 for i in range(1, 21))
    assert api.closed and api.closed_after == len(api.performed)


@contextlib.asynccontextmanager
async def running(delivery: Delivery) -> AsyncIterator[None]:
    """`delivery.run` as `pufa run` runs it, stopped gracefully when the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop, handle_signals=False))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_an_idle_worker_takes_a_users_second_update_without_waiting(
    conversation, api
) -> None:
    """One process counts the open inbox rows so an idle worker need not ask the database
    again after a batch; a user's second update (held back by the first, one per user per
    batch) must still be handled at once, not after the idle wait."""
    delivery = Delivery(conversation, api, idle_wait=30)
    if not delivery.single_process:
        pytest.skip("several processes share PostgreSQL's inbox: nothing is counted there")
    async with running(delivery):
        while delivery._open != 0:  # noqa: ASYNC110 (the worker found the inbox empty)
            await asyncio.sleep(0.001)
        api.updates = [message(1, 16, "/help"), message(2, 16, "/start"), message(3, 17, "/help")]
        async with asyncio.timeout(10):  # far below the 30 s idle wait
            while len(api.texts(16)) < 2 or len(api.texts(17)) < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
    assert await count(delivery, InboxUpdate) == 3


async def test_a_store_wakes_as_many_workers_as_its_updates_fill_batches(conversation, api) -> None:
    """Several workers (PostgreSQL) wait for work; a store wakes as many as its updates fill
    batches, not all of them (each woken worker that found nothing paid an empty claim), and
    every update is still handled at once, not after the idle wait."""
    delivery = Delivery(conversation, api, workers=4, idle_wait=30, batch=4)
    if delivery.single_process:
        pytest.skip("SQLite runs one worker")
    claims = 0
    handle_next = delivery.handle_next

    async def counted() -> int:
        nonlocal claims
        claims += 1
        return await handle_next()

    delivery.handle_next = counted  # type: ignore[method-assign]
    async with running(delivery), asyncio.timeout(10):  # far below the 30 s idle wait
        while len(delivery._idle) < 4:  # noqa: ASYNC110 (every worker found nothing)
            await asyncio.sleep(0.001)
        claims = 0
        api.updates = [message(1, 16, "/help")]
        while len(api.texts(16)) < 1 or len(delivery._idle) < 4:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        assert claims == 2  # the one that took it and its worker's next (finding nothing)
        api.updates = [message(i, 400 + i, "/help") for i in range(2, 12)]  # three batches
        while any(len(api.texts(400 + i)) < 1 for i in range(2, 12)):  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_the_sender_goes_on_at_once_when_more_chats_wait_than_one_round_takes(
    conversation, api
) -> None:
    """After a round the sender of one process waits for new work only if that round took
    every chat that could go; 40 chats (a round takes 32) are all served at once."""
    delivery = Delivery(conversation, api, idle_wait=30)
    await delivery.accept([message(i, 300 + i, "/help") for i in range(1, 41)])
    while await delivery.handle_next():  # 40 chats' replies queued before the sender starts
        pass
    async with running(delivery), asyncio.timeout(10):  # far below the 30 s idle wait
        while any(len(api.texts(300 + i)) < 1 for i in range(1, 41)):  # noqa: ASYNC110
            await asyncio.sleep(0.001)


# --- two processes on one PostgreSQL database -----------------------------------------------


class RecordingConversation:
    """Stands in for the conversation: records (user, n) and takes its time, so that two
    processes really overlap."""

    def __init__(self, conversation: Conversation, seen: list[tuple[int, int]]) -> None:
        self.sessions = conversation.sessions
        self.clock = conversation.clock
        self.seen = seen
        self.timers: dict[str, Any] = {}

    def menu(self) -> tuple[tuple[str, str], ...]:
        return ()

    def failure(self, event: Event) -> list[Action]:
        return []

    async def handle(
        self, session: Any, event: Event, now: Any, received_at: Any = None, arrival: int = 0
    ) -> list[Action]:
        await asyncio.sleep(random.random() / 200)
        self.seen.append((event.user.id, int(event.args or event.payload.get("n", 0))))
        await asyncio.sleep(random.random() / 200)
        return [SendMessage(event.chat_id, f"ok {event.args}")]


@pytest.fixture
async def two_processes(small_bank, clock) -> AsyncIterator[tuple[Delivery, Delivery, list[Any]]]:
    if not POSTGRES_URL:
        pytest.skip("PUFA_TEST_POSTGRES_URL not set")
    await reset_postgres(POSTGRES_URL)
    engines = [make_engine(POSTGRES_URL), make_engine(POSTGRES_URL)]
    await upgrade(engines[0])
    seen: list[tuple[int, int]] = []
    services = Services(bank=small_bank, library=StatuteLibrary())
    deliveries = []
    for engine in engines:
        conv = Conversation(session_factory(engine), services, clock)
        deliveries.append(Delivery(RecordingConversation(conv, seen), MemoryApi(), workers=3))  # type: ignore[arg-type]
    yield deliveries[0], deliveries[1], seen
    for engine in engines:
        await engine.dispose()


async def test_two_processes_share_the_inbox_in_order_and_once(two_processes) -> None:
    one, two, seen = two_processes
    updates = [
        Fetched(n * 10 + user, Event.message(User(user), user, f"/n {n}"))
        for n in range(12)
        for user in range(1, 6)
    ]
    await one.accept(updates[:30])
    await two.accept(updates[20:])  # overlap: 10 updates fetched by both

    async def worker(d: Delivery) -> None:
        while await d.handle_next():
            pass

    await asyncio.gather(*(worker(d) for d in (one, two, one, two, one, two)))
    assert len(seen) == 60  # each handled once
    for user in range(1, 6):
        assert [n for u, n in seen if u == user] == list(range(12))  # in order per user


async def test_two_processes_run_each_due_job_once(two_processes, clock) -> None:
    one, two, seen = two_processes
    async with one.sessions() as session:
        for n in range(30):
            await schedule(session, "tick", clock() - timedelta(seconds=1), {"n": n})
        await session.commit()

    async def worker(d: Delivery) -> None:
        while await d.run_due_job():
            pass

    await asyncio.gather(*(worker(d) for d in (one, two, one, two)))
    assert sorted(n for _, n in seen) == list(range(30))
