"""Tables of the online competition: events, units, teams, join codes, members, attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

MAX_NAME_CHARS = 20  # a worker's real name (competition_member.real_name)
MAX_CODE_CHARS = 32  # an event's or a join code (Telegram allows 64 in a deep link)


class Competition(SQLModel, table=True):
    """One event: its window, exam recipe and rules, as imported from an event file."""

    __tablename__ = "competition"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=MAX_CODE_CHARS, unique=True)
    name: str = Field(max_length=100)
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int
    attempts: int = 1
    blueprint: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    points: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    ranking: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    awards: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    quizmasters: list[int] = Field(sa_column=Column(JSON, nullable=False))


class Unit(SQLModel, table=True):
    """A 单位 / 基层工会 taking part in an event."""

    __tablename__ = "competition_unit"
    __table_args__ = (UniqueConstraint("competition_id", "name", name="uq_unit_name"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    code: str = Field(max_length=MAX_CODE_CHARS)
    name: str = Field(max_length=100)


class Team(SQLModel, table=True):
    """A team of one unit."""

    __tablename__ = "competition_team"
    __table_args__ = (UniqueConstraint("competition_id", "name", name="uq_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    unit_id: int = Field(foreign_key="competition_unit.id", index=True)
    code: str = Field(max_length=MAX_CODE_CHARS)
    name: str = Field(max_length=100)


class JoinCode(SQLModel, table=True):
    """What a join code (in /join CODE or a deep link) leads to: a unit, or a team of it.
    The primary key keeps every code unique across all events."""

    __tablename__ = "competition_join_code"

    code: str = Field(primary_key=True, max_length=MAX_CODE_CHARS)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    unit_id: int = Field(foreign_key="competition_unit.id")
    team_id: int | None = Field(default=None, foreign_key="competition_team.id")


class Member(SQLModel, table=True):
    """A worker in an event: one membership per event (the unique key)."""

    __tablename__ = "competition_member"
    __table_args__ = (UniqueConstraint("competition_id", "user_id", name="uq_member_once"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    unit_id: int = Field(foreign_key="competition_unit.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="competition_team.id", index=True)
    real_name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    joined_at: datetime
    # The member's best closed attempt (score, then less time), kept in the transaction that
    # closes an attempt, so rankings read one row per member instead of every attempt.
    # NULL: has not taken part.
    best_score: int | None = None
    best_seconds: int | None = None
    best_correct: int | None = None


class ExamAttempt(SQLModel, table=True):
    """One sitting of the exam: the questions drawn for this worker, each question's option
    order as shown (shown position → option index in the bank), and the clock."""

    __tablename__ = "exam_attempt"
    __table_args__ = (
        UniqueConstraint("member_id", "number", name="uq_attempt_number"),
        CheckConstraint("status IN ('active', 'finished', 'expired')", name="ck_attempt_status"),
        Index("ix_attempt_ranking", "competition_id", "status", "score", "seconds"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id")
    member_id: int = Field(foreign_key="competition_member.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    number: int  # 1 for the first attempt, 2 for the second …
    question_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    option_orders: list[list[int]] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0  # the next question to answer
    score: int = 0  # points
    correct_count: int = 0
    status: str = Field(default="active", max_length=16)
    started_at: datetime
    deadline: datetime
    finished_at: datetime | None = None
    seconds: int | None = None  # time taken, set when the attempt closes


class ExamAnswer(SQLModel, table=True):
    """An answer that counted. The unique key makes each question answerable once."""

    __tablename__ = "exam_answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position", name="uq_exam_answer_once"),
        # Covers the per-question and per-law statistics: one index-only pass, no table reads.
        Index("ix_exam_answer_stats", "competition_id", "question_id", "law", "correct", "chosen"),
    )

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="exam_attempt.id")  # the unique key indexes it
    competition_id: int = Field(foreign_key="competition.id")
    position: int
    question_id: str = Field(max_length=64)
    law: str = Field(max_length=64)
    chosen: str = Field(max_length=8)  # the options picked, as bank letters: "B", "AC"
    correct: bool
    points: int
    answered_at: datetime
