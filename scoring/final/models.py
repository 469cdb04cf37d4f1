"""Tables of the live final: its state (one row per event), the score ledger, the answers
given and the buzzer presses received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class LiveFinal(SQLModel, table=True):
    """The live final of one event: its rules (`config`, from the event file) and where it
    stands. `version` goes up in the same transaction as every change of state or of the
    ledger (screens poll it); `step` goes up with every change of phase (a timer job of an
    older step does nothing)."""

    __tablename__ = "live_final"

    competition_id: int = Field(primary_key=True, foreign_key="competition.id")
    config: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    version: int = 1
    step: int = 0
    round_index: int | None = None  # None before the first round
    phase: str = Field(default="idle", max_length=16)
    plan: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_pos: int = 0  # items of `plan` used so far in this round
    question_no: int = 0  # questions shown so far in the whole final (the current one's serial)
    question_id: str | None = Field(default=None, max_length=64)
    # the question as shown (text, options, answer indices), so screens need no bank
    question: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    asked: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    teams_up: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tier: int | None = None  # 风险: the points the answering team chose
    deadline: datetime | None = None
    buzz_team_id: int | None = None
    buzz_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    buzz_at: datetime | None = None
    locked_out: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    contenders: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    host_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    finished: bool = False
    updated_at: datetime | None = None


class LedgerEntry(SQLModel, table=True):
    """One change of one team's score. Never edited: a correction or an undo is a new entry
    (an undo names the entry it cancels; the unique key cancels each entry once)."""

    __tablename__ = "final_ledger"
    __table_args__ = (UniqueConstraint("undoes_id", name="uq_final_undo_once"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    team_id: int
    delta: int
    kind: str = Field(max_length=16)  # correct | wrong | timeout | early | adjust | undo
    note: str = Field(default="", max_length=200)  # the reason a quiz master or judge gave
    round_index: int | None = None
    question_no: int | None = None
    question_id: str | None = Field(default=None, max_length=64)
    by_user: int = Field(sa_column=Column(BigInteger, nullable=False))  # 0: the rules (a timer)
    at: datetime
    undoes_id: int | None = None


class FinalAnswer(SQLModel, table=True):
    """What a team answered to one question (or that its time ran out); once per team."""

    __tablename__ = "final_answer"
    __table_args__ = (
        UniqueConstraint("competition_id", "question_no", "team_id", name="uq_final_answer_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    round_index: int
    question_no: int
    question_id: str = Field(max_length=64)
    team_id: int
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    option: int | None = None  # the option index chosen; None: judged aloud, or no answer
    correct: bool
    how: str = Field(max_length=16)  # buttons | judge | timeout
    tier: int | None = None
    at: datetime


class BuzzPress(SQLModel, table=True):
    """A team's first press of the buzzer on one question, with when it reached the server
    (`received_at`, then the arrival sequence `seq` for presses received in one batch)."""

    __tablename__ = "final_buzz"
    __table_args__ = (
        UniqueConstraint("competition_id", "question_no", "team_id", name="uq_final_buzz_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True)
    question_no: int
    team_id: int
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    received_at: datetime
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    early: bool = False
