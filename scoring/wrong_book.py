"""The wrong-question book: each user's record per question (right and wrong counts).

A miss puts the question in the book; a right answer in a /wrong review takes it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncConnection
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
    """The prebuilt upsert of a user's question record after an answer with this `outcome`
    (see `record_outcome`), of the values `record_values` gives (built once per dialect and
    outcome; scoring.rounds has the same for PostgreSQL inside its one-statement answer)."""
    key = (dialect, outcome)
    if key in _UPSERTS:
        return _UPSERTS[key]
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


def record_outcome(correct: bool, review: bool) -> str:
    """A miss puts the question in the wrong book; a right answer in a /wrong review takes it
    out; any other right answer leaves the book as it is."""
    return "wrong" if not correct else ("reviewed" if review else "right")


def record_values(correct: bool) -> dict[str, Any]:
    """The counts an answer adds to its question record."""
    return {"right": int(correct), "wrong": int(not correct), "in_book": not correct}


async def note_result(
    session: AsyncSession,
    user_id: int,
    question_id: str,
    correct: bool,
    now: datetime,
    review: bool,
    connection: AsyncConnection | None = None,
) -> None:
    """Upsert the user's record for the question in one statement (on `connection`, the
    session's own, when the caller has it at hand).

    A miss puts the question in the wrong book; a right answer in a /wrong review takes it out.
    """
    if connection is None:
        connection = await session.connection()
    await connection.execute(
        _record_upsert(connection.dialect.name, record_outcome(correct, review)),
        {"u_id": user_id, "q_id": question_id, "at": aware(now), **record_values(correct)},
    )


_BOOK_SIZE = (
    core_select(func.count())
    .select_from(QuestionRecord.__table__)  # type: ignore[attr-defined]
    .where(
        col(QuestionRecord.user_id) == bindparam("u_id"),
        col(QuestionRecord.in_wrong_book).is_(True),
    )
)


async def wrong_book_size(session: AsyncSession, user_id: int) -> int:
    """How many questions are in the user's wrong-question book (counted by the database)."""
    connection = await session.connection()
    return int(await connection.scalar(_BOOK_SIZE, {"u_id": user_id}) or 0)
