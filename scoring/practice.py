"""Practice rounds: draw questions, record each answer once, summarise.

Use cases, each taking the caller's session (the caller commits) and the current time:
`start_round`, `active_round`, `record_answer`, `cancel_round`, `round_summary`.
Mistakes go into the user's wrong-question book; a question in the book is drawn more often
in later rounds, and `/wrong` rounds replay the book (a right answer there takes it out).
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from question_bank import Bank, Question
from scoring.models import AttemptAnswer, PracticeAttempt, QuestionRecord

WRONG_BOOK_WEIGHT = 4.0  # a question in the wrong book is this many times likelier to be drawn
PER_MISS_WEIGHT = 0.5  # and a little likelier still for every past miss


def _aware(ts: datetime) -> datetime:
    """Timestamps are stored timezone-aware (SQLModel keeps them in UTC on both databases)."""
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return ts


async def _records(session: AsyncSession, user_id: int) -> dict[str, QuestionRecord]:
    rows = await session.exec(select(QuestionRecord).where(QuestionRecord.user_id == user_id))
    return {r.question_id: r for r in rows}


def draw_questions(
    pool: Sequence[Question],
    records: dict[str, QuestionRecord],
    size: int,
    rng: random.Random,
    spread_laws: bool,
) -> list[str]:
    """Weighted draw without replacement; with `spread_laws`, laws take turns."""

    def weight(q: Question) -> float:
        rec = records.get(q.id)
        if rec is None:
            return 1.0
        w = 1.0 + PER_MISS_WEIGHT * min(rec.wrong_count, 6)
        return w * (WRONG_BOOK_WEIGHT if rec.in_wrong_book else 1.0)

    def weighted_sample(items: list[Question], k: int) -> list[Question]:
        # Efraimidis–Spirakis: key = u^(1/w); the k largest keys are a weighted sample.
        keyed = sorted(items, key=lambda q: rng.random() ** (1.0 / weight(q)), reverse=True)
        return keyed[:k]

    if not spread_laws:
        return [q.id for q in weighted_sample(list(pool), size)]
    by_law: dict[str, list[Question]] = {}
    for q in pool:
        by_law.setdefault(q.law, []).append(q)
    laws = sorted(by_law)
    rng.shuffle(laws)
    per_law = {law: weighted_sample(qs, size) for law, qs in by_law.items()}
    picked: list[Question] = []
    turn = 0
    while len(picked) < size and any(per_law.values()):
        law = laws[turn % len(laws)]
        if per_law[law]:
            picked.append(per_law[law].pop(0))
        turn += 1
    rng.shuffle(picked)
    return [q.id for q in picked]


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
    records = await _records(session, user_id)
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
        started_at=_aware(now),
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
        .values(status="cancelled", finished_at=_aware(now))
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
_RECORD = insert(AttemptAnswer.__table__)  # type: ignore[attr-defined]


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
    conn = await session.connection()
    moved = await conn.execute(
        _ADVANCE,
        {
            "a_id": attempt_id,
            "u_id": user_id,
            "pos": position,
            "next_pos": position + 1,
            "inc": int(correct),
            "new_status": "finished" if finished else "active",
            "fin": _aware(now) if finished else None,
        },
    )
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
            "answered_at": _aware(now),
        },
    )
    await _note_result(session, user_id, question.id, correct, now, review=plan.kind == "wrong")
    return AnswerOutcome(True, correct, question, finished, position + 1, plan.question_ids)


_UPSERTS: dict[tuple[str, str], Any] = {}


def _record_upsert(dialect: str, outcome: str) -> Any:
    """The prebuilt upsert of a user's question record (built once per dialect and outcome)."""
    key = (dialect, outcome)
    if key not in _UPSERTS:
        table = QuestionRecord.__table__  # type: ignore[attr-defined]
        make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = make_insert(table).values(
            user_id=bindparam("u_id"),
            question_id=bindparam("q_id"),
            right_count=bindparam("right"),
            wrong_count=bindparam("wrong"),
            in_wrong_book=bindparam("in_book"),
            last_answered_at=bindparam("at", type_=table.c.last_answered_at.type),
        )
        changes: dict[str, Any] = {
            "right_count": table.c.right_count + stmt.excluded.right_count,
            "wrong_count": table.c.wrong_count + stmt.excluded.wrong_count,
            "last_answered_at": stmt.excluded.last_answered_at,
        }
        if outcome == "wrong":
            changes["in_wrong_book"] = True
        elif outcome == "reviewed":
            changes["in_wrong_book"] = False
        _UPSERTS[key] = stmt.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.question_id], set_=changes
        )
    return _UPSERTS[key]


async def _note_result(
    session: AsyncSession,
    user_id: int,
    question_id: str,
    correct: bool,
    now: datetime,
    review: bool,
) -> None:
    """Upsert the user's record for the question in one statement.

    A miss puts the question in the wrong book; a right answer in a /wrong review takes it out.
    """
    connection = await session.connection()
    outcome = "wrong" if not correct else ("reviewed" if review else "right")
    await connection.execute(
        _record_upsert(connection.dialect.name, outcome),
        {
            "u_id": user_id,
            "q_id": question_id,
            "right": int(correct),
            "wrong": int(not correct),
            "in_book": not correct,
            "at": _aware(now),
        },
    )


async def wrong_book_size(session: AsyncSession, user_id: int) -> int:
    rows = await session.exec(
        select(QuestionRecord).where(
            QuestionRecord.user_id == user_id, col(QuestionRecord.in_wrong_book).is_(True)
        )
    )
    return len(rows.all())


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


async def round_summary(session: AsyncSession, attempt: PracticeAttempt) -> RoundSummary:
    rows = (
        await session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    ).all()
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
        attempt.finished_at = _aware(now)
    session.add(attempt)


async def forget_user(session: AsyncSession, user_id: int) -> int:
    """Delete every round, answer and question record of a user; returns rows deleted."""
    connection = await session.connection()
    rounds = core_select(PracticeAttempt.__table__.c.id).where(  # type: ignore[attr-defined]
        PracticeAttempt.__table__.c.user_id == user_id  # type: ignore[attr-defined]
    )
    deleted = 0
    for stmt in (
        delete(AttemptAnswer).where(col(AttemptAnswer.attempt_id).in_(rounds)),
        delete(PracticeAttempt).where(col(PracticeAttempt.user_id) == user_id),
        delete(QuestionRecord).where(col(QuestionRecord.user_id) == user_id),
    ):
        deleted += (await connection.execute(stmt)).rowcount or 0
    return deleted
