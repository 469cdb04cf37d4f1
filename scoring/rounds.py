"""The round engine: start a round, record each answer once, skip, cancel, summarise.

Use cases, each taking the caller's session (the caller commits) and the current time:
`start_round`, `active_round`, `record_answer`, `skip_missing`, `cancel_round`,
`round_summary`. A round is drawn once (`scoring.draw`); every answer also updates the user's
wrong-question book (`scoring.wrong_book`).
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, bindparam, insert, text, update
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from question_bank import Bank, Question
from scoring.draw import draw_questions
from scoring.models import AttemptAnswer, PracticeAttempt, aware
from scoring.wrong_book import (
    note_result,
    question_records,
    record_outcome,
    record_values,
)


async def start_round(
    session: AsyncSession,
    bank: Bank,
    user_id: int,
    now: datetime,
    *,
    law: str | None = None,
    size: int = 10,
    wrong_only: bool = False,
    rng: random.Random | None = None,
) -> PracticeAttempt | None:
    """Start a round (closing any open one). None when there is nothing to ask."""
    rng = rng or random.Random()
    records = await question_records(session, user_id)
    if wrong_only:
        pool = [q for q in bank.by_law(law) if q.id in records and records[q.id].in_wrong_book]
    else:
        pool = bank.by_law(law)
    if not pool:
        return None
    await cancel_round(session, user_id, now)
    ids = draw_questions(pool, records, size, rng, spread_laws=law is None and not wrong_only)
    attempt = PracticeAttempt(
        user_id=user_id,
        kind="wrong" if wrong_only else "practice",
        law=law,
        question_ids=ids,
        started_at=aware(now),
    )
    session.add(attempt)
    await session.flush()
    return attempt


async def active_round(session: AsyncSession, user_id: int) -> PracticeAttempt | None:
    rows = await session.exec(
        select(PracticeAttempt)
        .where(PracticeAttempt.user_id == user_id, PracticeAttempt.status == "active")
        .order_by(col(PracticeAttempt.id).desc())
    )
    return rows.first()


async def cancel_round(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """Close the user's open round; True if there was one."""
    result = await (await session.connection()).execute(
        update(PracticeAttempt)
        .where(
            col(PracticeAttempt.user_id) == user_id,
            col(PracticeAttempt.status) == "active",
        )
        .values(status="cancelled", finished_at=aware(now))
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class AnswerOutcome:
    """What happened to a submitted answer."""

    accepted: bool  # False: stale, duplicate, not the user's, or the round is over
    correct: bool = False
    question: Question | None = None
    finished: bool = False  # this answer completed the round
    position: int = 0  # the next question's position
    question_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundPlan:
    """The parts of a round that never change once it is drawn (safe to cache anywhere)."""

    user_id: int
    kind: str
    question_ids: tuple[str, ...]


class PlanCache:
    """Recently used round plans of one database (a plan never changes once drawn)."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._plans: OrderedDict[int, RoundPlan] = OrderedDict()

    def get(self, attempt_id: int) -> RoundPlan | None:
        plan = self._plans.get(attempt_id)
        if plan is not None:
            self._plans.move_to_end(attempt_id)
        return plan

    def put(self, attempt_id: int, plan: RoundPlan) -> None:
        self._plans[attempt_id] = plan
        if len(self._plans) > self.size:
            self._plans.popitem(last=False)

    def drop_user(self, user_id: int) -> None:
        """Forget the plans of a user's rounds (deleted by /forget: SQLite may hand their
        ids to new rounds, whose plans differ)."""
        for attempt_id in [a for a, plan in self._plans.items() if plan.user_id == user_id]:
            del self._plans[attempt_id]


async def round_plan(
    session: AsyncSession, attempt_id: int, cache: PlanCache | None = None
) -> RoundPlan | None:
    """A round's owner, kind and questions, from `cache` when it has them."""
    plan = cache.get(attempt_id) if cache is not None else None
    if plan is not None:
        return plan
    connection = await session.connection()
    row = (await connection.execute(_PLAN_QUERY, {"a_id": attempt_id})).first()
    if row is None:
        return None
    plan = RoundPlan(row.user_id, row.kind, tuple(row.question_ids))
    if cache is not None:
        cache.put(attempt_id, plan)
    return plan


_ROUNDS = PracticeAttempt.__table__  # type: ignore[attr-defined]
_PLAN_QUERY = core_select(_ROUNDS.c.user_id, _ROUNDS.c.kind, _ROUNDS.c.question_ids).where(
    _ROUNDS.c.id == bindparam("a_id")
)
# Move a round on from exactly `pos`, only while open and only for its owner.
_ADVANCE = (
    update(_ROUNDS)
    .where(
        _ROUNDS.c.id == bindparam("a_id"),
        _ROUNDS.c.user_id == bindparam("u_id"),
        _ROUNDS.c.position == bindparam("pos"),
        _ROUNDS.c.status == "active",
    )
    .values(
        position=bindparam("next_pos"),
        correct_count=_ROUNDS.c.correct_count + bindparam("inc"),
        status=bindparam("new_status"),
        finished_at=bindparam("fin", type_=_ROUNDS.c.finished_at.type),
    )
)
_ANSWERS = AttemptAnswer.__table__  # type: ignore[attr-defined]
_RECORD = insert(_ANSWERS)
_ANSWER_IN_ONE: dict[str, Any] = {}
_IN_BOOK = {"wrong": ", in_wrong_book = true", "reviewed": ", in_wrong_book = false", "right": ""}


def _answer_in_one(outcome: str) -> Any:
    """PostgreSQL: the round's conditional move (as `_ADVANCE`), the answer row and the
    question record's upsert (as `note_result`) in one statement, one round trip instead of
    three: both inserts select from the move's RETURNING, so they write nothing when the move
    matched no row. Its result is the number of rows moved (1: accepted, 0: refused). Built
    once per outcome (see `record_outcome`)."""
    if outcome not in _ANSWER_IN_ONE:
        a, r = _ANSWERS.c, _ROUNDS.c
        _ANSWER_IN_ONE[outcome] = text(
            "WITH moved AS ("
            " UPDATE practice_attempt SET position = :next_pos,"
            " correct_count = practice_attempt.correct_count + :inc,"
            " status = :new_status, finished_at = :fin"
            " WHERE practice_attempt.id = :a_id AND practice_attempt.user_id = :u_id"
            " AND practice_attempt.position = :pos AND practice_attempt.status = 'active'"
            " RETURNING practice_attempt.id),"
            " answer AS ("
            " INSERT INTO attempt_answer"
            " (attempt_id, position, question_id, law, chosen, correct, answered_at)"
            " SELECT moved.id, :pos, :q_id, :law, :chosen, :correct, :at FROM moved),"
            " record AS ("
            " INSERT INTO question_record (user_id, question_id, right_count, wrong_count,"
            " in_wrong_book, last_answered_at)"
            " SELECT :u_id, :q_id, :right, :wrong, :in_book, :at FROM moved"
            " ON CONFLICT (user_id, question_id) DO UPDATE SET"
            " right_count = question_record.right_count + excluded.right_count,"
            " wrong_count = question_record.wrong_count + excluded.wrong_count,"
            f" last_answered_at = excluded.last_answered_at{_IN_BOOK[outcome]})"
            " SELECT count(*) FROM moved"
        ).bindparams(
            bindparam("next_pos", type_=r.position.type),
            bindparam("inc", type_=r.correct_count.type),
            bindparam("new_status", type_=r.status.type),
            bindparam("fin", type_=r.finished_at.type),
            bindparam("a_id", type_=r.id.type),
            bindparam("u_id", type_=r.user_id.type),
            bindparam("pos", type_=a.position.type),
            bindparam("q_id", type_=a.question_id.type),
            bindparam("law", type_=a.law.type),
            bindparam("chosen", type_=a.chosen.type),
            bindparam("correct", type_=a.correct.type),
            bindparam("at", type_=a.answered_at.type),
            bindparam("right", type_=Integer),
            bindparam("wrong", type_=Integer),
            bindparam("in_book", type_=Boolean),
        )
    return _ANSWER_IN_ONE[outcome]


async def record_answer(
    session: AsyncSession,
    bank: Bank,
    user_id: int,
    attempt_id: int,
    position: int,
    chosen: frozenset[int],
    now: datetime,
    expect: Callable[[Question], bool] = lambda q: True,
    plans: PlanCache | None = None,
) -> AnswerOutcome:
    """Accept the answer to question `position` of a round, once.

    The round moves on by a conditional update (only from `position`, only while open, only
    for its owner), so a double tap, a replayed button or a second process cannot record an
    answer twice; the unique (attempt, position) key backs this up. `expect` lets the caller
    refuse an answer that does not fit the question (e.g. a single tap on a multi-choice one).
    Nothing is written when the answer is refused.
    """
    plan = await round_plan(session, attempt_id, plans)
    if plan is None or plan.user_id != user_id or not 0 <= position < len(plan.question_ids):
        return AnswerOutcome(False)
    question = bank.get(plan.question_ids[position])
    if (
        question is None
        or not chosen
        or max(chosen) >= len(question.options)
        or not expect(question)
    ):
        return AnswerOutcome(False)
    correct = question.is_correct(chosen)
    finished = position + 1 >= len(plan.question_ids)
    review = plan.kind == "wrong"
    move = {
        "a_id": attempt_id,
        "u_id": user_id,
        "pos": position,
        "next_pos": position + 1,
        "inc": int(correct),
        "new_status": "finished" if finished else "active",
        "fin": aware(now) if finished else None,
    }
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        accepted = await conn.scalar(
            _answer_in_one(record_outcome(correct, review)),
            {
                **move,
                "q_id": question.id,
                "law": question.law,
                "chosen": sorted(chosen),
                "correct": correct,
                "at": aware(now),
                **record_values(correct),
            },
        )
        if not accepted:
            return AnswerOutcome(False)
        return AnswerOutcome(True, correct, question, finished, position + 1, plan.question_ids)
    moved = await conn.execute(_ADVANCE, move)
    if not moved.rowcount:
        return AnswerOutcome(False)
    await conn.execute(
        _RECORD,
        {
            "attempt_id": attempt_id,
            "position": position,
            "question_id": question.id,
            "law": question.law,
            "chosen": sorted(chosen),
            "correct": correct,
            "answered_at": aware(now),
        },
    )
    await note_result(session, user_id, question.id, correct, now, review=review, connection=conn)
    return AnswerOutcome(True, correct, question, finished, position + 1, plan.question_ids)


@dataclass(frozen=True)
class LawScore:
    law: str
    correct: int
    total: int


@dataclass(frozen=True)
class RoundSummary:
    """Score, time and a per-law breakdown of a finished round."""

    correct: int
    total: int
    seconds: int
    by_law: tuple[LawScore, ...]


_SUMMARY_QUERY = core_select(_ANSWERS.c.law, _ANSWERS.c.correct).where(
    _ANSWERS.c.attempt_id == bindparam("a_id")
)


async def round_summary(session: AsyncSession, attempt: PracticeAttempt) -> RoundSummary:
    connection = await session.connection()  # the two columns it needs, no ORM rows
    rows = (await connection.execute(_SUMMARY_QUERY, {"a_id": attempt.id})).all()
    per: dict[str, list[int]] = {}
    for row in rows:
        score = per.setdefault(row.law, [0, 0])
        score[0] += int(row.correct)
        score[1] += 1
    seconds = 0
    if attempt.finished_at is not None:
        seconds = int((attempt.finished_at - attempt.started_at).total_seconds())
    return RoundSummary(
        correct=sum(int(r.correct) for r in rows),
        total=len(rows),
        seconds=seconds,
        by_law=tuple(LawScore(law, c, t) for law, (c, t) in sorted(per.items())),
    )


async def skip_missing(
    session: AsyncSession, bank: Bank, attempt: PracticeAttempt, now: datetime
) -> None:
    """Move past questions that a bank reload removed, so an old round can still finish."""
    while attempt.position < len(attempt.question_ids) and (
        bank.get(attempt.question_ids[attempt.position]) is None
    ):
        attempt.position += 1
    if attempt.position >= len(attempt.question_ids) and attempt.status == "active":
        attempt.status = "finished"
        attempt.finished_at = aware(now)
    session.add(attempt)
