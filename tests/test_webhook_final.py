"""The live final's buzzer across two `pufa run --webhook` instances on one PostgreSQL
database, behind the fake Bot API's load balancer.

In every trial contestants of all eight teams press 🔔 within a few milliseconds, their
presses spread over both instances; the first press the servers *received* must win — as the
engine defines it: the earliest `received_at` stamped when an instance stored the update in
the inbox, then Telegram's update id. To make the instances handle presses out of their
order of receipt, the test holds the final's row lock: first every worker of both processes
is kept busy by a press on another question (it waits for the lock, then is refused as
stale); then the press sent first — pushed last, so with the highest update id — is posted
at once and the others 20–40 ms later. When the lock goes, the free workers claim presses in
update-id order, so the first received is handled after others have taken the lead. The
instance that receives it alternates. A press delivered twice (Telegram re-posting after a
lost 200) and a contestant tapping twice change nothing. In the last trial one instance is
killed -9 with its workers waiting: the other decides correctly, and the question's deadline
— a scheduler job — fires exactly once.

And the online exam's deadlines with two instances: every attempt's deadline job, all due at
the same moment, closes its attempt once, and an answer after the deadline is not counted.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.db import make_engine, session_factory, upgrade
from bot.delivery.models import InboxUpdate
from competition import ExamAnswer, ExamAttempt
from scoring.final.models import BuzzPress, FinalAnswer, LedgerEntry, LiveFinal
from tests.conftest import reset_postgres
from tests.e2e_kit import WEBHOOK_SECRET, BotProcess, webhook_instances
from tests.fake_telegram import FakeTelegram, Phone
from tests.final_kit import QUIZMASTER, contestant, make_final

POSTGRES_URL = os.environ.get("PUFA_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PUFA_TEST_POSTGRES_URL")

HOST = Phone(QUIZMASTER, "主持人")
ROUNDS = """\
    - {kind: 抢答, seconds: 5, buzz_seconds: 60, ids: [t-lcl-probation, t-lcl-double-wage, t-wp-maternity]}
    - {kind: 抢答, seconds: 5, buzz_seconds: 60, ids: [t-wp-pregnancy-dismissal, t-lcl-probation]}
"""
WORKERS = 4  # handlers per instance (PUFA_WORKERS)
TRIALS = 5  # the questions of the two rounds; the last one with an instance killed
ROUND_STARTS = {0, 3}
ANSWERED = {0, 3}  # trials where the winner answers; in the others the deadline decides
WON = "🎉 抢到了！"
SLOWER = "慢了一步，已有队伍抢到。"
TWICE = "贵队本题已经作答（或已抢按）。"
REPLACED = "另一队的抢答更早到达服务器"
TIMEOUT = "未在时限内作答"


def phone(team: int, seat: int) -> Phone:
    return Phone(contestant(team, seat), f"选手{team}{seat}")


def team_of(user_id: int) -> int:
    return (user_id - 5000) // 10


class Press:
    """One tap of 🔔 as the fake Bot API holds it."""

    def __init__(self, tg: FakeTelegram, who: Phone) -> None:
        self.who = who
        self.qid = tg.press(who, tg.last(who, "现在开始抢答"), "抢答")
        self.update = tg.updates[-1]
        self.update_id = int(self.update["update_id"])


async def hold_final_lock(engine: Any, comp_id: int) -> Any:
    """A transaction holding the live final's row lock (every press waits for it)."""
    conn = await engine.connect()
    await conn.begin()
    await conn.execute(
        text("SELECT version FROM live_final WHERE competition_id = :c FOR UPDATE"),
        {"c": comp_id},
    )
    return conn


async def stored(engine: Any, update_ids: list[int]) -> dict[int, datetime]:
    """update id → received_at of the inbox rows of these updates."""
    async with session_factory(engine)() as session:
        stmt = select(InboxUpdate).where(col(InboxUpdate.update_id).in_(update_ids))
        return {row.update_id: row.received_at for row in (await session.exec(stmt)).all()}


async def wait_until(predicate: Any, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def repost(target: str, update: dict[str, Any]) -> int:
    """Telegram posting an update again (its 200 was lost): to another instance."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    async with (
        aiohttp.ClientSession() as http,
        http.post(target, json=update, headers=headers) as r,
    ):
        return r.status


def host_messages(tg: FakeTelegram, since: int, containing: str) -> int:
    return sum(1 for m in tg.chat(HOST) if m.message_id > since and containing in m.text)


async def test_the_first_press_received_wins_across_two_instances(
    telegram: FakeTelegram, tmp_path: Path, small_bank, runtime: str
) -> None:
    tg = telegram
    rng = random.Random(15)
    await reset_postgres(POSTGRES_URL)
    engine = make_engine(POSTGRES_URL)
    try:
        await upgrade(engine)
        comp = await make_final(
            session_factory(engine), small_bank, datetime.now(UTC), tmp_path, ROUNDS
        )
        assert comp.id is not None
        everyone = [phone(team, seat) for team in range(8) for seat in range(3)]
        tg.started.update(p.id for p in [HOST, *everyone])  # they have all opened the bot
        tg.webhook_connections = 40  # Telegram's default max_connections
        instances = await webhook_instances(
            tg,
            tmp_path,
            runtime,
            POSTGRES_URL,
            # one update per transaction, so that each of the 2 × WORKERS handlers can be
            # held on one stale press (with group commit one handler may take them all);
            # who wins does not depend on it: the earliest received_at decides
            env={"PUFA_WORKERS": str(WORKERS), "PUFA_HANDLE_BATCH": "1"},
        )
        results = [
            await buzz_trial(tg, engine, comp.id, instances, trial, rng) for trial in range(TRIALS)
        ]
        # the engine had to hand the lead to an earlier-received press (handled later)
        assert sum(replaced >= 1 for replaced, _ in results) >= 3, results
        assert await instances[1].stop(signal.SIGTERM) == 0, instances[1].output.decode()
    finally:
        await engine.dispose()


async def buzz_trial(
    tg: FakeTelegram,
    engine: Any,
    comp_id: int,
    instances: list[BotProcess],
    trial: int,
    rng: random.Random,
) -> tuple[int, bool]:
    """One 抢答 question; returns (how many teams lost a lead they were told they had,
    whether the press sent first was also received first)."""
    killing = trial == TRIALS - 1
    if trial in ROUND_STARTS:
        tg.send_text(HOST, "/round")
        await tg.settle(timeout=30)
    asked = max(m.message_id for m in tg.messages.values())
    tg.send_text(HOST, "/next")
    await tg.settle(timeout=30)
    tg.send_text(HOST, "/open")
    await tg.wait_for(lambda: "已开放抢答" in tg.last(HOST).text, timeout=30)
    # every contestant's question message (sent at /next) now has its 🔔: the edits are paced
    # by the send limiter (Telegram's per-chat and overall rates, right after /next's 24
    # messages), so a pause longer than settle's 0.15 s of quiet is not the end of them
    await tg.wait_for(
        lambda: all(
            any(m.message_id > asked and "现在开始抢答" in m.text for m in tg.chat(who))
            for who in (phone(team, seat) for team in range(8) for seat in range(3))
        ),
        timeout=30,
    )
    await tg.settle(timeout=30)
    mark = max(m.message_id for m in tg.messages.values())

    # the presses: one seat of every team, a second seat of one team, a double tap
    first_team = (3 * trial + 1) % 8
    first_to = trial % 2  # the instance the first press is sent to
    others = [phone(team, rng.randrange(2)) for team in range(8) if team != first_team]
    others.append(others[0])  # a double tap
    rng.shuffle(others)
    hold = await hold_final_lock(engine, comp_id)
    try:
        route: dict[int, tuple[int, float]] = {}
        tg.webhook_route = lambda update: route.get(update["update_id"], (0, 0.0))
        # first every worker of both instances is kept busy: a press on another question waits
        # for the lock like any press (then it is refused as stale)
        busy = [phone(team, 2) for team in range(8) if team != first_team] + [phone(first_team, 1)]
        assert len(busy) == 2 * WORKERS
        for n, who in enumerate(busy):
            tg.press_data(who, tg.last(who), f"finbuzz:{comp_id}:{1000 + trial}")
            route[int(tg.updates[-1]["update_id"])] = (n % 2, 0.0)
        await wait_until(lambda: waiting_for_locks(engine, len(busy)))
        presses = []
        for n, who in enumerate([*others, phone(first_team, 2)]):
            p = Press(tg, who)
            route[p.update_id] = (n % 2, 0.02 + 0.02 * rng.random())  # 20–40 ms after the first
            if killing and n % 2 == 0 and n < 4:
                route[p.update_id] = (0, 3.0)  # posted after the kill: fails over
            presses.append(p)
        first = Press(tg, phone(first_team, 0))  # pushed last: the highest update id
        route[first.update_id] = (first_to, 0.0)
        presses.append(first)
        ids = [p.update_id for p in presses]
        on_time = [u for u in ids if route[u][1] < 1]
        await wait_until(lambda: all_stored(engine, on_time))
        # Telegram posts the first press again, to the other instance: stored once
        assert await repost(tg.webhook_targets[1 - first_to], first.update) == 200
        if killing:  # with its workers waiting for the lock, and the first press received
            await instances[0].stop(signal.SIGKILL)
        await wait_until(lambda: all_stored(engine, ids))
    finally:  # released even when the trial fails: a lock left held would stall the next test
        await hold.rollback()
        await hold.close()

    # every press answered once; the earliest received won
    await tg.wait_for(lambda: all(p.qid in tg.callback_answers for p in presses), timeout=60)
    await tg.settle(timeout=30)
    received = await stored(engine, ids)

    def arrival(p: Press) -> tuple[datetime, int]:
        return received[p.update_id], p.update_id

    earliest = min(presses, key=arrival)
    winner_team = team_of(earliest.who.id)
    async with session_factory(engine)() as session:
        final = await session.get(LiveFinal, comp_id)
        assert final is not None and final.buzz_team_id is not None
        qno = final.question_no
        assert final.buzz_user_id == earliest.who.id
        rows = (await session.exec(of_question(BuzzPress, comp_id, qno))).all()
        assert (await session.exec(of_question(LedgerEntry, comp_id, qno))).all() == []
    # one press per team, each its earliest received
    assert sorted(team_of(r.user_id) for r in rows) == list(range(8))
    for r in rows:
        mine = [p for p in presses if team_of(p.who.id) == team_of(r.user_id)]
        assert r.user_id == min(mine, key=arrival).who.id
    assert {r.team_id: team_of(r.user_id) for r in rows}[final.buzz_team_id] == winner_team
    toasts = {p.qid: tg.callback_answers[p.qid]["text"] for p in presses}
    assert all(toast in (WON, SLOWER, TWICE) for toast in toasts.values()), toasts
    told_won = {team_of(p.who.id) for p in presses if toasts[p.qid] == WON}
    assert winner_team in told_won
    for team in told_won - {winner_team}:  # led for a moment: each seat told it lost the lead
        for seat in range(3):
            chat = tg.chat(phone(team, seat))
            assert any(m.message_id > mark and REPLACED in m.text for m in chat)
    assert tg.refused_callbacks == []  # no press was answered twice

    # the winner answers, or the deadline fires: once, whichever instance runs the job
    if trial in ANSWERED:
        winner = phone(winner_team, 1)
        tg.press(winner, tg.last(winner, "贵队抢答成功"), "")
        await tg.wait_for(
            lambda: host_messages(tg, mark, "：答对") + host_messages(tg, mark, "：答错") > 0,
            timeout=30,
        )
    else:
        await tg.wait_for(lambda: host_messages(tg, mark, TIMEOUT) >= 1, timeout=30)
        await asyncio.sleep(1.5)  # a second firing would show by now
        assert host_messages(tg, mark, TIMEOUT) == 1
    await tg.settle(timeout=30)
    async with session_factory(engine)() as session:
        answers = (await session.exec(of_question(FinalAnswer, comp_id, qno))).all()
        entries = (await session.exec(of_question(LedgerEntry, comp_id, qno))).all()
    assert [a.team_id for a in answers] == [final.buzz_team_id]
    assert answers[0].how == ("buttons" if trial in ANSWERED else "timeout")
    assert len(entries) <= 1 and all(e.team_id == final.buzz_team_id for e in entries)
    assert tg.errors == []
    return len(told_won) - 1, earliest is first


def of_question(table: Any, comp_id: int, qno: int) -> Any:
    return select(table).where(col(table.competition_id) == comp_id, col(table.question_no) == qno)


async def waiting_for_locks(engine: Any, count: int) -> bool:
    async with engine.connect() as conn:
        stmt = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int((await conn.execute(stmt)).scalar_one()) >= count


async def all_stored(engine: Any, ids: list[int]) -> bool:
    return len(await stored(engine, ids)) == len(ids)


EXAM_TIME_UP = "⏰ 答题时间到，已自动交卷。"
EXAM_RESULT = "🏁 答题结束"


async def test_exam_deadlines_hold_and_run_once_with_two_instances(
    telegram: FakeTelegram, tmp_path: Path, small_bank
) -> None:
    """Twelve workers start the exam through two instances; the event closes a few seconds
    later, so all their deadlines — one scheduler job each — fall due at the same moment,
    with both instances' timer loops waiting for it. Four answer in time; the other eight are
    closed by their job exactly once (one "time up", one result each), and four of them
    answering afterwards are not counted."""
    tg = telegram
    await reset_postgres(POSTGRES_URL)
    engine = make_engine(POSTGRES_URL)
    try:
        await upgrade(engine)
        comp = await make_final(session_factory(engine), small_bank, datetime.now(UTC), tmp_path)
        workers = [phone(team, seat) for team in range(4) for seat in range(3)]
        tg.started.update(p.id for p in workers)
        tg.webhook_connections = 40
        instances = await webhook_instances(tg, tmp_path, "aiogram", POSTGRES_URL)
        closes = datetime.now(UTC) + timedelta(seconds=25)
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE competition SET closes_at = :t WHERE id = :c"),
                {"t": closes, "c": comp.id},
            )
        for p in workers:
            tg.send_text(p, "/exam")
        await tg.wait_for(lambda: all(has(tg, p, "开始答题") for p in workers), timeout=30)
        for p in workers:
            tg.press(p, tg.last(p, "开始答题"), "开始答题")
        await tg.wait_for(lambda: all(has(tg, p, "第 1/1 题") for p in workers), timeout=30)
        assert datetime.now(UTC) < closes - timedelta(seconds=3), "too slow to start in time"
        in_time, closed_by_job = workers[:4], workers[4:]
        for p in in_time:
            tg.press(p, tg.last(p, "第 1/1 题"), "")
        await tg.wait_for(lambda: all(has(tg, p, EXAM_RESULT) for p in in_time), timeout=30)
        await tg.wait_for(
            lambda: all(has(tg, p, EXAM_TIME_UP) for p in closed_by_job),
            timeout=(closes - datetime.now(UTC)).total_seconds() + 30,
        )
        late = [tg.press(p, tg.last(p, "第 1/1 题"), "") for p in closed_by_job[:4]]
        await tg.wait_for(lambda: all(q in tg.callback_answers for q in late), timeout=30)
        await asyncio.sleep(1.5)  # a second run of any job would show by now
        await tg.settle(timeout=30)
        for p in in_time:
            assert count_of(tg, p, EXAM_TIME_UP) == 0 and count_of(tg, p, EXAM_RESULT) == 1
        for p in closed_by_job:
            assert count_of(tg, p, EXAM_TIME_UP) == 1 and count_of(tg, p, EXAM_RESULT) == 1
        assert all("已记录" not in tg.callback_answers[q]["text"] for q in late)
        async with session_factory(engine)() as session:
            attempts = (
                await session.exec(
                    select(ExamAttempt).where(col(ExamAttempt.competition_id) == comp.id)
                )
            ).all()
            answered = (await session.exec(select(ExamAnswer))).all()
            jobs = (await session.exec(text("SELECT count(*) FROM scheduled_job"))).one()
        assert len(attempts) == 12 and all(a.status != "active" for a in attempts)
        assert sorted(a.attempt_id for a in answered) == sorted(
            a.id for a in attempts if a.user_id in {p.id for p in in_time}
        )
        assert jobs[0] == 0
        assert tg.refused_callbacks == [] and tg.errors == []
        for bot in instances:
            assert await bot.stop(signal.SIGTERM) == 0, bot.output.decode()
    finally:
        await engine.dispose()


def has(tg: FakeTelegram, who: Phone, containing: str) -> bool:
    return count_of(tg, who, containing) > 0


def count_of(tg: FakeTelegram, who: Phone, containing: str) -> int:
    return sum(
        1
        for m in tg.chat(who)
        if containing in m.text or any(containing in b["text"] for b in m.buttons())
    )
