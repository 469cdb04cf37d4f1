"""Tables for group quizzes: one row per quiz in a group, one per counted answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

RUNNING = "running"


class GroupQuiz(SQLModel, table=True):
    """A series of quiz polls in one group chat, run by a quiz master.

    `position` is the question now open (or, once the quiz is over, the last one asked);
    `question_open` turns false when that question closes. The partial unique index keeps
    one running quiz per group, also across bot processes.
    """

    __tablename__ = "group_quiz"
    __table_args__ = (
        Index(
            "uq_group_quiz_running",
            "chat_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    started_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    law: str | None = Field(default=None, max_length=64)  # None = all laws
    question_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    correct_options: list[int] = Field(sa_column=Column(JSON, nullable=False))
    seconds: int  # how long each poll is open (the poll's open_period)
    points: int  # what a right answer is worth before the speed bonus is taken off
    position: int = 0
    question_open: bool = True
    status: str = Field(default=RUNNING, max_length=16)  # running | finished | stopped
    started_at: datetime
    finished_at: datetime | None = None


class GroupQuizAnswer(SQLModel, table=True):
    """A counted answer to one question of a group quiz; the unique key counts it once."""

    __tablename__ = "group_quiz_answer"
    __table_args__ = (
        UniqueConstraint("quiz_id", "position", "user_id", name="uq_group_answer_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    quiz_id: int = Field(foreign_key="group_quiz.id", index=True)
    position: int
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    name: str = Field(default="", max_length=64)  # shown on the group's leaderboard
    option: int
    correct: bool
    points: int
    elapsed_ms: int  # from the poll's sending to the answer's arrival, on the server's clock
    answered_at: datetime
