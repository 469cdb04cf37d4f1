"""Practice rounds: draw questions, record each answer once, summarise.

Use cases, each taking the caller's session (the caller commits) and the current time:
`start_round`, `active_round`, `record_answer`, `cancel_round`, `round_summary`.
Mistakes go into the user's wrong-question book; a question in the book is drawn more often
in later rounds, and `/wrong` rounds replay the book (a right answer there takes it out).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
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
    result = await session.exec(  # type: ignore[call-overload]
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


async def record_answer(
    session: AsyncSession,
    bank: Bank,
    user_id: int,
    attempt_id: int,
    position: int,
    chosen: frozenset[int],
    now: datetime,
) -> AnswerOutcome:
    """Accept the answer to question `position` of a round, once.

    The unique (attempt, position) key and a conditional update of the round's position make
    a double tap, a replayed button or a second process unable to record it twice.
    """
    attempt = await session.get(PracticeAttempt, attempt_id)
    if (
        attempt is None
        or attempt.user_id != user_id
        or attempt.status != "active"
        or attempt.position != position
        or position >= len(attempt.question_ids)
    ):
        return AnswerOutcome(False)
    question = bank.get(attempt.question_ids[position])
    if question is None or not chosen or max(chosen) >= len(question.options):
        return AnswerOutcome(False)
    correct = question.is_correct(chosen)
    finished = position + 1 >= len(attempt.question_ids)
    try:
        async with session.begin_nested():
            session.add(
                AttemptAnswer(
                    attempt_id=attempt_id,
                    position=position,
                    question_id=question.id,
                    law=question.law,
                    chosen=sorted(chosen),
                    correct=correct,
                    answered_at=_aware(now),
                )
            )
            await session.flush()
    except IntegrityError:
        return AnswerOutcome(False)
    moved = await session.exec(  # type: ignore[call-overload]
        update(PracticeAttempt)
        .where(
            col(PracticeAttempt.id) == attempt_id,
            col(PracticeAttempt.position) == position,
            col(PracticeAttempt.status) == "active",
        )
        .values(
            position=position + 1,
            correct_count=PracticeAttempt.correct_count + (1 if correct else 0),
            status="finished" if finished else "active",
            finished_at=_aware(now) if finished else None,
        )
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:
        raise StaleRound(attempt_id)
    await session.refresh(attempt)
    await _note_result(session, user_id, question.id, correct, now, review=attempt.kind == "wrong")
    return AnswerOutcome(True, correct, question, finished)


class StaleRound(Exception):
    """The round moved on under us (another process answered first); roll back."""


async def _note_result(
    session: AsyncSession,
    user_id: int,
    question_id: str,
    correct: bool,
    now: datetime,
    review: bool,
) -> None:
    rec = await session.get(QuestionRecord, (user_id, question_id))
    if rec is None:
        rec = QuestionRecord(user_id=user_id, question_id=question_id)
        session.add(rec)
    if correct:
        rec.right_count += 1
        if review:
            rec.in_wrong_book = False
    else:
        rec.wrong_count += 1
        rec.in_wrong_book = True
    rec.last_answered_at = _aware(now)


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
