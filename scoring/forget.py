"""Deleting everything scoring keeps about a user (/forget)."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from scoring.group_quiz_models import GroupQuizAnswer
from scoring.models import AttemptAnswer, PracticeAttempt, QuestionRecord
from scoring.rounds import PlanCache


async def forget_user(session: AsyncSession, user_id: int, plans: PlanCache | None = None) -> int:
    """Delete every answer (group quiz votes too) and question record of a user and empty
    their rounds; returns rows touched. Their cached round plans go too: SQLite reuses the largest id after a delete, and a
    stale plan under a reused id would judge another round's answers."""
    if plans is not None:
        plans.drop_user(user_id)
    connection = await session.connection()
    rounds = core_select(PracticeAttempt.__table__.c.id).where(  # type: ignore[attr-defined]
        PracticeAttempt.__table__.c.user_id == user_id  # type: ignore[attr-defined]
    )
    deleted = 0
    for stmt in (
        delete(AttemptAnswer).where(col(AttemptAnswer.attempt_id).in_(rounds)),
        # the round rows stay, emptied (nobody's, no questions): SQLite would otherwise hand
        # a forgotten round's id to the next new round, and an old button to it
        update(PracticeAttempt)
        .where(col(PracticeAttempt.user_id) == user_id)
        .values(user_id=0, status="forgotten", question_ids=[], law=None, position=0),
        delete(QuestionRecord).where(col(QuestionRecord.user_id) == user_id),
        delete(GroupQuizAnswer).where(col(GroupQuizAnswer.user_id) == user_id),
    ):
        deleted += (await connection.execute(stmt)).rowcount or 0
    return deleted
