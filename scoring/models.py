"""Tables for practice rounds and each user's record per question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class PracticeAttempt(SQLModel, table=True):
    """One practice round (or a wrong-question review) of one user."""

    __tablename__ = "practice_attempt"
    # a user's open round is looked up on every text and /quiz: by user and status, so the
    # cost does not grow with the user's past rounds
    __table_args__ = (Index("ix_practice_attempt_user_status", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=16)  # practice | wrong
    law: str | None = Field(default=None, max_length=64)  # None = all laws
    question_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0  # index of the next question to answer
    correct_count: int = 0
    status: str = Field(default="active", max_length=16, index=True)  # active|finished|cancelled
    started_at: datetime
    finished_at: datetime | None = None


class AttemptAnswer(SQLModel, table=True):
    """An accepted answer. The unique key makes each question answerable once per round."""

    __tablename__ = "attempt_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_answer_once"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="practice_attempt.id")  # indexed by uq_answer_once
    position: int
    question_id: str = Field(max_length=64)
    law: str = Field(max_length=64)
    chosen: list[int] = Field(sa_column=Column(JSON, nullable=False))
    correct: bool
    answered_at: datetime


class QuestionRecord(SQLModel, table=True):
    """How one user has done on one question; drives /wrong and repetition of mistakes."""

    __tablename__ = "question_record"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    question_id: str = Field(primary_key=True, max_length=64)
    right_count: int = 0
    wrong_count: int = 0
    in_wrong_book: bool = False
    last_answered_at: datetime | None = None


def aware(ts: datetime) -> datetime:
    """Timestamps are stored timezone-aware (SQLModel keeps them in UTC on both databases)."""
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return ts
