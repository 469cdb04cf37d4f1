"""Helpers for competition tests: a small event on the test bank, and a worker who answers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from competition import (
    Competition,
    ExamAttempt,
    Member,
    finish_attempt,
    import_event,
    read_event,
)
from question_bank import LETTERS, Bank, Question
from scoring.group_quiz_models import GroupQuiz, GroupQuizAnswer
from tests.flowkit import ChatDriver

EVENT = """\
code: test-cup
name: 测试杯
opens: {opens}
closes: {closes}
blueprint:
  title: 小测验
  time_limit_minutes: 10
  difficulty: {{1: 0.6, 2: 0.4}}
  sections:
    - {{law: labour_contract_law, single: 1, multiple: 1, judge: 1}}
    - {{law: women_protection, single: 1, judge: 1}}
attempts: {attempts}
points: {{single: 2, multiple: 3, judge: 1}}
ranking: {{rule: average, best_n: 2}}
awards:
  - {{name: 一等奖, share: 0.33}}
  - {{name: 二等奖, share: 0.33}}
quizmasters: [900]
units:
  - code: u-one
    name: 一厂工会
    teams:
      - {{code: t-red, name: 红队}}
      - {{code: t-blue, name: 蓝队}}
  - code: u-two
    name: 二厂工会
"""
FULL = 2 * 2 + 3 + 1 * 2  # the test exam's full score
TZ = ZoneInfo("Asia/Shanghai")


async def make_event(
    sessions: async_sessionmaker[AsyncSession],
    bank: Bank,
    now: datetime,
    folder: Path,
    opens: str = "now",
    closes: str = "+7d",
    attempts: int = 1,
    extra: str = "",
) -> Competition:
    """The test event; `extra` (YAML lines, e.g. a `group_quizzes:` section) goes before
    `units:`."""
    path = folder / "event.yaml"
    text = EVENT.format(opens=opens, closes=closes, attempts=attempts)
    path.write_text(text.replace("units:\n", f"{extra}units:\n", 1), encoding="utf-8")
    plan = read_event(path, bank, now, TZ)
    async with sessions() as session:
        comp = await import_event(session, plan)
        await session.commit()
    return comp


def question_in(bank: Bank, text: str) -> Question:
    found = [q for q in bank.questions.values() if q.stem in text]
    assert len(found) == 1, text
    return found[0]


def shown_letters(q: Question, text: str, bank_indices: list[int]) -> list[str]:
    """The letters under which the worker sees the given options."""
    shown = dict(re.findall(r"^([A-H])\. (.+)$", text, re.M))
    by_text = {v: k for k, v in shown.items()}
    return [by_text[q.options[i]] for i in bank_indices]


async def answer(driver: ChatDriver, bank: Bank, right: bool = True) -> Question:
    """Answer the current exam question, right or wrong."""
    message = driver.last("剩余")
    q = question_in(bank, message.text)
    wanted = sorted(q.answer) if right else [min(set(range(len(q.options))) - q.answer)]
    if q.type == "judge":
        await driver.press(q.options[wanted[0]], message)
    elif q.type == "single":
        await driver.press(shown_letters(q, message.text, wanted)[0], message)
    else:
        for letter in shown_letters(q, message.text, wanted):
            await driver.press(f"☐ {letter}", driver.messages[message.id])
        await driver.press("提交", driver.messages[message.id])
    assert LETTERS
    return q


async def close_attempt(
    session: AsyncSession,
    comp_id: int,
    member_id: int,
    user_id: int,
    number: int,
    score: int,
    seconds: int,
    now: datetime,
) -> None:
    """A one-question attempt answered for `score` points, closed `seconds` after `now` the
    way the exam closes it (so the member's best is kept)."""
    attempt = ExamAttempt(
        competition_id=comp_id,
        member_id=member_id,
        user_id=user_id,
        number=number,
        question_ids=["q"],
        option_orders=[[0]],
        position=1,
        score=score,
        started_at=now,
        deadline=now + timedelta(minutes=10),
    )
    session.add(attempt)
    await session.flush()
    assert await finish_attempt(session, attempt, now + timedelta(seconds=seconds))


async def add_member(
    session: AsyncSession,
    comp_id: int | None,
    user_id: int,
    unit_id: int | None,
    team_id: int | None,
    name: str,
    now: datetime,
    score: int | None = None,
    seconds: int = 60,
) -> Member:
    """A member, with one finished attempt of `score` points in `seconds` (none if None)."""
    assert comp_id is not None and unit_id is not None
    member = Member(
        competition_id=comp_id,
        user_id=user_id,
        unit_id=unit_id,
        team_id=team_id,
        real_name=name,
        joined_at=now,
    )
    session.add(member)
    await session.flush()
    if score is not None:
        assert member.id is not None
        await close_attempt(session, comp_id, member.id, user_id, 1, score, seconds, now)
    return member


async def add_group_quiz(
    session: AsyncSession, chat_id: int, started_at: datetime, points: dict[int, list[int]]
) -> None:
    """A finished group quiz in `chat_id` whose answers scored `points` (user → per question;
    0 is a wrong answer)."""
    size = max(len(p) for p in points.values())
    quiz = GroupQuiz(
        chat_id=chat_id,
        started_by=1,
        question_ids=[f"q{i}" for i in range(size)],
        correct_options=[0] * size,
        seconds=30,
        points=1000,
        position=size - 1,
        question_open=False,
        status="finished",
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=5),
    )
    session.add(quiz)
    await session.flush()
    assert quiz.id is not None
    for user_id, scores in points.items():
        for position, score in enumerate(scores):
            session.add(
                GroupQuizAnswer(
                    quiz_id=quiz.id,
                    position=position,
                    user_id=user_id,
                    name=f"u{user_id}",
                    option=0 if score else 1,
                    correct=bool(score),
                    points=score,
                    elapsed_ms=1000,
                    answered_at=started_at + timedelta(seconds=30 * position + 1),
                )
            )
    await session.flush()


async def join_and_name(driver: ChatDriver, code: str, name: str) -> None:
    await driver.send(f"/join {code}")
    await driver.send(name)
