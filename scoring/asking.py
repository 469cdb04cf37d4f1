"""Which question a quiz button points at, and a user's round by id (read-only look-ups).

The conversation layer calls these instead of reading `PracticeAttempt` rows itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from question_bank import Bank, Question
from scoring.models import PracticeAttempt


@dataclass(frozen=True)
class QuestionAt:
    """Where a question stands in its round (what its buttons point at)."""

    attempt_id: int
    position: int  # 0-based
    total: int  # questions in the round


async def open_question(
    session: AsyncSession, bank: Bank, user_id: int, attempt_id: int, position: int
) -> tuple[QuestionAt, Question] | None:
    """The question at `position` of the user's round, if the round is still open and waiting
    for exactly that question (so a stale, replayed or forged button gets None)."""
    attempt = await user_round(session, user_id, attempt_id)
    if (
        attempt is None
        or attempt.status != "active"
        or attempt.position != position
        or position >= len(attempt.question_ids)
    ):
        return None
    question = bank.get(attempt.question_ids[position])
    if question is None:
        return None
    return QuestionAt(attempt_id, position, len(attempt.question_ids)), question


async def user_round(
    session: AsyncSession, user_id: int, attempt_id: int
) -> PracticeAttempt | None:
    """The user's round with this id, as the database has it now; None if not theirs."""
    attempt = await session.get(PracticeAttempt, attempt_id, populate_existing=True)
    return attempt if attempt is not None and attempt.user_id == user_id else None
