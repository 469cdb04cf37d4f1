"""Which question a quiz button points at, and a user's round by id (read-only look-ups).

The conversation layer calls these instead of reading `PracticeAttempt` rows itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
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
    conn = await session.connection()  # on a submit with nothing ticked: a prebuilt read
    row = (await conn.execute(_OPEN_QUERY, {"a": attempt_id})).first()
    return question_in_row(row, bank, user_id, attempt_id, position)


def question_in_row(
    row: Any, bank: Bank, user_id: int, attempt_id: int, position: int
) -> tuple[QuestionAt, Question] | None:
    """`open_question`'s checks on a row holding OPEN_COLUMNS of round `attempt_id` (None: no
    such round), for a caller that read them beside other columns in one statement."""
    if (
        row is None
        or row.user_id != user_id
        or row.status != "active"
        or row.position != position
        or position >= len(row.question_ids)
    ):
        return None
    question = bank.get(row.question_ids[position])
    if question is None:
        return None
    return QuestionAt(attempt_id, position, len(row.question_ids)), question


_ROUNDS = PracticeAttempt.__table__  # type: ignore[attr-defined]
# what `question_in_row` checks
OPEN_COLUMNS = (_ROUNDS.c.user_id, _ROUNDS.c.status, _ROUNDS.c.position, _ROUNDS.c.question_ids)
_OPEN_QUERY = select(*OPEN_COLUMNS).where(_ROUNDS.c.id == bindparam("a"))


async def user_round(
    session: AsyncSession, user_id: int, attempt_id: int
) -> PracticeAttempt | None:
    """The user's round with this id, as the database has it now; None if not theirs."""
    attempt = await session.get(PracticeAttempt, attempt_id, populate_existing=True)
    return attempt if attempt is not None and attempt.user_id == user_id else None
