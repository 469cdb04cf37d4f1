"""The timed exam: start or resume an attempt, record each answer once, close attempts.

The rules, all held here and backed by the database:
- the exam is open from `opens_at` to `closes_at` (the server's clock only);
- a worker has `attempts` attempts (a unique (member, number) key);
- an attempt's deadline is min(start + time limit, close); an answer after it is not counted
  and closes the attempt as expired;
- each question is answered once (a conditional update of the attempt's position, backed by
  the unique (attempt, position) key of `exam_answer`);
- questions are drawn per worker from the event's blueprint and each question's options are
  shuffled per worker; the order shown is stored with the attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import and_, bindparam, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.event_file import blueprint_from_json
from competition.models import Competition, ExamAnswer, ExamAttempt, Member
from question_bank import LETTERS, Bank, Question
from question_bank.blueprint import draw_exam

StartStatus = Literal["started", "resumed", "not_open", "closed", "no_attempts_left"]


@dataclass(frozen=True)
class ExamStart:
    """What /exam found: an attempt to go on with, or why not."""

    status: StartStatus
    attempt: ExamAttempt | None = None
    used: int = 0  # attempts used so far (closed ones)


def deadline_of(comp: Competition, started: datetime) -> datetime:
    return min(started + timedelta(minutes=comp.time_limit_minutes), comp.closes_at)


async def open_attempt(session: AsyncSession, member_id: int) -> ExamAttempt | None:
    stmt = select(ExamAttempt).where(
        col(ExamAttempt.member_id) == member_id, col(ExamAttempt.status) == "active"
    )
    return (await session.exec(stmt)).first()


async def attempts_of(session: AsyncSession, member_id: int) -> list[ExamAttempt]:
    stmt = select(ExamAttempt).where(col(ExamAttempt.member_id) == member_id)
    return list((await session.exec(stmt.order_by(col(ExamAttempt.number)))).all())


async def check_exam(
    session: AsyncSession, comp: Competition, member: Member, now: datetime
) -> ExamStart:
    """Whether the worker may sit the exam now (an open attempt is resumed), without writing."""
    assert member.id is not None
    current = await open_attempt(session, member.id)
    if current is not None and now < current.deadline:
        return ExamStart("resumed", current)
    if current is not None:  # its deadline passed and the timer has not run yet
        await finish_attempt(session, current, now)
    used = len(await attempts_of(session, member.id))
    if now < comp.opens_at:
        return ExamStart("not_open", used=used)
    if now >= comp.closes_at:
        return ExamStart("closed", used=used)
    if used >= comp.attempts:
        return ExamStart("no_attempts_left", used=used)
    return ExamStart("started", used=used)


async def start_or_resume_exam(
    session: AsyncSession,
    bank: Bank,
    comp: Competition,
    member: Member,
    now: datetime,
    rng: random.Random | None = None,
) -> ExamStart:
    """Go on with the open attempt, or draw a new one if the window and attempts allow."""
    found = await check_exam(session, comp, member, now)
    if found.status != "started":
        return found
    rng = rng or random.Random()
    questions = draw_exam(bank, blueprint_from_json(comp.blueprint), rng)
    assert member.id is not None and comp.id is not None
    attempt = ExamAttempt(
        competition_id=comp.id,
        member_id=member.id,
        user_id=member.user_id,
        number=found.used + 1,
        question_ids=[q.id for q in questions],
        option_orders=[shuffled_options(q, rng) for q in questions],
        started_at=now,
        deadline=deadline_of(comp, now),
    )
    session.add(attempt)
    await session.flush()
    return ExamStart("started", attempt, found.used)


def shuffled_options(q: Question, rng: random.Random) -> list[int]:
    """The order the worker sees a question's options in (对 / 错 keep theirs)."""
    order = list(range(len(q.options)))
    if q.type != "judge":
        rng.shuffle(order)
    return order


@dataclass(frozen=True)
class ExamAnswerOutcome:
    """What happened to an answer: counted, refused (stale, duplicate, not the worker's), or
    late (the deadline had passed: not counted, the attempt is closed)."""

    status: Literal["counted", "refused", "late"]
    attempt_closed: bool = False
    position: int = 0  # the next question's position


_ATTEMPTS = ExamAttempt.__table__  # type: ignore[attr-defined]
# Move an attempt on from exactly `pos`, only while open, before its deadline, for its owner.
_ADVANCE = (
    update(_ATTEMPTS)
    .where(
        _ATTEMPTS.c.id == bindparam("a_id"),
        _ATTEMPTS.c.user_id == bindparam("u_id"),
        _ATTEMPTS.c.position == bindparam("pos"),
        _ATTEMPTS.c.status == "active",
        _ATTEMPTS.c.deadline > bindparam("now", type_=_ATTEMPTS.c.deadline.type),
    )
    .values(
        position=bindparam("next_pos"),
        score=_ATTEMPTS.c.score + bindparam("points"),
        correct_count=_ATTEMPTS.c.correct_count + bindparam("inc"),
        status=bindparam("new_status"),
        finished_at=bindparam("fin", type_=_ATTEMPTS.c.finished_at.type),
        seconds=bindparam("secs", type_=_ATTEMPTS.c.seconds.type),
    )
)
_RECORD = insert(ExamAnswer.__table__)  # type: ignore[attr-defined]
_MEMBERS = Member.__table__  # type: ignore[attr-defined]
# Keep a closed attempt on its member if it beats the best so far (score, then less time; on
# a full tie the earlier attempt stays).
_PROMOTE = (
    update(_MEMBERS)
    .where(
        _MEMBERS.c.id == bindparam("m_id"),
        or_(
            _MEMBERS.c.best_score.is_(None),
            _MEMBERS.c.best_score < bindparam("score"),
            and_(
                _MEMBERS.c.best_score == bindparam("score"),
                _MEMBERS.c.best_seconds > bindparam("secs"),
            ),
        ),
    )
    .values(
        best_score=bindparam("score"),
        best_seconds=bindparam("secs"),
        best_correct=bindparam("correct"),
    )
)


async def _promote_best(
    session: AsyncSession, member_id: int, score: int, seconds: int, correct: int
) -> None:
    """Called in the transaction that closes an attempt."""
    await (await session.connection()).execute(
        _PROMOTE, {"m_id": member_id, "score": score, "secs": seconds, "correct": correct}
    )


async def record_exam_answer(
    session: AsyncSession,
    bank: Bank,
    comp: Competition,
    user_id: int,
    attempt_id: int,
    position: int,
    shown: frozenset[int],
    now: datetime,
    multiple: bool,
) -> ExamAnswerOutcome:
    """Count the answer (options as shown to the worker) to question `position`, once.

    `multiple` says which buttons were used (tap vs. tick-and-submit); an answer that does not
    fit the question is refused. Nothing is written for a refused answer.
    """
    attempt = await session.get(ExamAttempt, attempt_id)
    if (
        attempt is None
        or attempt.user_id != user_id
        or attempt.competition_id != comp.id
        or attempt.status != "active"
        or attempt.position != position
        or not 0 <= position < len(attempt.question_ids)
    ):
        return ExamAnswerOutcome("refused")
    if now >= attempt.deadline:
        await finish_attempt(session, attempt, now)
        return ExamAnswerOutcome("late", attempt_closed=True)
    question = bank.get(attempt.question_ids[position])
    order = attempt.option_orders[position]
    if (
        question is None
        or not shown
        or max(shown) >= len(order)
        or (question.type == "multiple") != multiple
    ):
        return ExamAnswerOutcome("refused")
    chosen = frozenset(order[i] for i in shown)
    correct = question.is_correct(chosen)
    points = comp.points.get(question.type, 1) if correct else 0
    finished = position + 1 >= len(attempt.question_ids)
    seconds = _seconds(attempt, now)
    # read before the UPDATE expires the ORM object
    member_id, score, correct_count = attempt.member_id, attempt.score, attempt.correct_count
    conn = await session.connection()
    moved = await conn.execute(
        _ADVANCE,
        {
            "a_id": attempt_id,
            "u_id": user_id,
            "pos": position,
            "now": now,
            "next_pos": position + 1,
            "points": points,
            "inc": int(correct),
            "new_status": "finished" if finished else "active",
            "fin": now if finished else None,
            "secs": seconds if finished else None,
        },
    )
    session.expire(attempt)  # the row changed under the ORM object
    if not moved.rowcount:
        return ExamAnswerOutcome("refused")
    await conn.execute(
        _RECORD,
        {
            "attempt_id": attempt_id,
            "competition_id": comp.id,
            "position": position,
            "question_id": question.id,
            "law": question.law,
            "chosen": "".join(LETTERS[i] for i in sorted(chosen)),
            "correct": correct,
            "points": points,
            "answered_at": now,
        },
    )
    if finished:
        await _promote_best(
            session, member_id, score + points, seconds, correct_count + int(correct)
        )
    return ExamAnswerOutcome("counted", attempt_closed=finished, position=position + 1)


def _seconds(attempt: ExamAttempt, now: datetime) -> int:
    """Time taken: to the last answer, or the whole time to the deadline."""
    end = min(now, attempt.deadline)
    return max(0, int((end - attempt.started_at).total_seconds()))


async def finish_attempt(session: AsyncSession, attempt: ExamAttempt, now: datetime) -> bool:
    """Close an open attempt: finished if every question was answered, else expired once its
    deadline passed (or the worker stops early). False if it was already closed."""
    await session.refresh(attempt)
    if attempt.status != "active":
        return False
    done = attempt.position >= len(attempt.question_ids)
    attempt.status = "finished" if done else "expired"
    attempt.finished_at = min(now, attempt.deadline)
    attempt.seconds = _seconds(attempt, now)
    session.add(attempt)
    await session.flush()
    await _promote_best(
        session, attempt.member_id, attempt.score, attempt.seconds, attempt.correct_count
    )
    return True


async def close_expired_attempts(session: AsyncSession, now: datetime) -> list[int]:
    """Close every open attempt whose deadline has passed (the deadline timer does this one
    by one; this sweep is for exports and rankings that must not wait); their ids."""
    stmt = select(ExamAttempt).where(
        col(ExamAttempt.status) == "active", col(ExamAttempt.deadline) <= now
    )
    closed = []
    for attempt in (await session.exec(stmt)).all():
        if await finish_attempt(session, attempt, now):
            assert attempt.id is not None
            closed.append(attempt.id)
    return closed


async def attempt_answers(session: AsyncSession, attempt_id: int) -> list[ExamAnswer]:
    stmt = select(ExamAnswer).where(col(ExamAnswer.attempt_id) == attempt_id)
    return list((await session.exec(stmt.order_by(col(ExamAnswer.position)))).all())
