"""The wrong-question book: each user's record per question (right and wrong counts).

A miss puts the question in the book; a right answer in a /wrong review takes it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from scoring.models import QuestionRecord, aware
from storage import upsert_insert


async def question_records(session: AsyncSession, user_id: int) -> dict[str, QuestionRecord]:
    """The user's record of every question they have answered, by question id."""
    rows = await session.exec(select(QuestionRecord).where(QuestionRecord.user_id == user_id))
    return {r.question_id: r for r in rows}


_UPSERTS: dict[tuple[str, str], Any] = {}


def _record_upsert(dialect: str, outcome: str) -> Any:
    """The prebuilt upsert of a user's question record (built once per dialect and outcome)."""
    key = (dialect, outcome)
    if key not in _UPSERTS:
        table = QuestionRecord.__table__  # type: ignore[attr-defined]
        stmt = upsert_insert(dialect, table).values(
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


async def note_result(
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
            "at": aware(now),
        },
    )


async def wrong_book_size(session: AsyncSession, user_id: int) -> int:
    rows = await session.exec(
        select(QuestionRecord).where(
            QuestionRecord.user_id == user_id, col(QuestionRecord.in_wrong_book).is_(True)
        )
    )
    return len(rows.all())
