"""Group quizzes: a series of questions asked to a whole group, scored for right and fast.

One function per action: `start` (draw and open the first question), `record_answer` (a
participant's vote, counted once), `close_question` (close the open question and open the
next, or end the quiz), `stop` (a quiz master ends it early), and the views `standings`
and `podium`. The transport and the message texts are not known here: the caller says when
a question was sent (`sent_at`) and when an answer reached the server (`arrived`).

Scoring (Kahoot-style): a right answer is worth `round(points × (1 − t/T/2))`, where t is
the time from sending the question to the answer's arrival and T the time a question is
open; so an instant answer gets all the points and one at the last second half of them. A
wrong answer scores 0. Ties are broken by more right answers, then by less time spent on
them.

Competitions: `group_quiz_points` gives each user's total over a time span, and
`group_quiz_points_query` the same as a query, through which an event whose file says so
(`group_quizzes:`) counts its members' group-quiz points for their teams and units.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from question_bank import Question
from scoring.group_quiz_models import RUNNING, GroupQuiz, GroupQuizAnswer
from scoring.models import aware

POINTS = 1000  # a right answer given at once
LATE_GRACE = timedelta(seconds=2)  # network delay allowed after a poll's own closing time
PODIUM_PLACES = 3

AnswerStatus = Literal["counted", "retracted", "closed", "late", "twice"]


def speed_points(points: int, elapsed: float, seconds: int) -> int:
    """What a right answer after `elapsed` seconds of a `seconds`-long question is worth:
    round(points × (1 − t/T/2)), with t kept within 0..T.

    >>> speed_points(1000, 5, 20)
    875
    """
    t = min(max(elapsed, 0.0), float(seconds))
    return round(points * (1 - t / seconds / 2))


def draw_group_questions(
    pool: Sequence[Question], size: int, rng: random.Random, fits: Callable[[Question], bool]
) -> list[Question]:
    """Up to `size` questions in random order that have one right option (what a quiz poll
    can ask) and that `fits` (the caller's limits, e.g. a poll's text lengths)."""
    usable = [q for q in pool if len(q.answer) == 1 and fits(q)]
    rng.shuffle(usable)
    return usable[:size]


async def running_quiz(session: AsyncSession, chat_id: int) -> GroupQuiz | None:
    """The group's running quiz, if any."""
    stmt = select(GroupQuiz).where(
        col(GroupQuiz.chat_id) == chat_id, col(GroupQuiz.status) == RUNNING
    )
    return (await session.exec(stmt)).first()


async def start(
    session: AsyncSession,
    chat_id: int,
    started_by: int,
    questions: Sequence[Question],
    seconds: int,
    now: datetime,
    law: str | None = None,
    points: int = POINTS,
) -> GroupQuiz | None:
    """Open a quiz with its first question; None if the group already has one running (the
    unique index on running quizzes also refuses a second one from another process)."""
    if not questions or await running_quiz(session, chat_id) is not None:
        return None
    quiz = GroupQuiz(
        chat_id=chat_id,
        started_by=started_by,
        law=law,
        question_ids=[q.id for q in questions],
        correct_options=[min(q.answer) for q in questions],
        seconds=seconds,
        points=points,
        started_at=aware(now),
    )
    session.add(quiz)
    await session.flush()
    return quiz


async def _locked(session: AsyncSession, quiz_id: int, shared: bool) -> GroupQuiz | None:
    """The quiz row, locked against a concurrent close (PostgreSQL; SQLite has one writer):
    an answer takes a shared lock, closing and stopping an exclusive one."""
    stmt = select(GroupQuiz).where(col(GroupQuiz.id) == quiz_id).with_for_update(read=shared)
    return (await session.exec(stmt)).first()


def _is_open(quiz: GroupQuiz, position: int) -> bool:
    """Whether question `position` is the one the running quiz has open."""
    return quiz.status == RUNNING and quiz.position == position and quiz.question_open


@dataclass(frozen=True)
class AnswerOutcome:
    """What became of a vote: counted (with its points), or why not."""

    status: AnswerStatus
    correct: bool = False
    points: int = 0


async def record_answer(
    session: AsyncSession,
    quiz_id: int,
    position: int,
    user_id: int,
    name: str,
    option_ids: Sequence[int],
    sent_at: datetime,
    arrived: datetime,
) -> AnswerOutcome:
    """Count a participant's vote on question `position`, once.

    Not counted: a retracted vote (no options), a vote on a question that is closed (or
    not the open one), a vote arriving after the question's time (plus LATE_GRACE), and a
    second vote by the same person (the unique key `uq_group_answer_once` makes this hold
    across processes: the loser of a race gets IntegrityError, and on retry, "twice").
    """
    if not option_ids:
        return AnswerOutcome("retracted")
    quiz = await _locked(session, quiz_id, shared=True)
    if quiz is None or not _is_open(quiz, position):
        return AnswerOutcome("closed")
    elapsed = arrived - sent_at
    if elapsed > timedelta(seconds=quiz.seconds) + LATE_GRACE:
        return AnswerOutcome("late")
    earlier = select(GroupQuizAnswer.id).where(
        col(GroupQuizAnswer.quiz_id) == quiz_id,
        col(GroupQuizAnswer.position) == position,
        col(GroupQuizAnswer.user_id) == user_id,
    )
    if (await session.exec(earlier)).first() is not None:
        return AnswerOutcome("twice")
    option = option_ids[0]
    correct = option == quiz.correct_options[position]
    seconds = elapsed.total_seconds()
    points = speed_points(quiz.points, seconds, quiz.seconds) if correct else 0
    session.add(
        GroupQuizAnswer(
            quiz_id=quiz_id,
            position=position,
            user_id=user_id,
            name=name[:64],
            option=option,
            correct=correct,
            points=points,
            elapsed_ms=max(0, round(seconds * 1000)),
            answered_at=aware(arrived),
        )
    )
    await session.flush()
    return AnswerOutcome("counted", correct, points)


@dataclass(frozen=True)
class Closed:
    """A question just closed: the quiz, which question, and the one now open (None: the
    quiz is over)."""

    quiz: GroupQuiz
    position: int
    next_position: int | None


async def close_question(
    session: AsyncSession, quiz_id: int, position: int, now: datetime
) -> Closed | None:
    """Close question `position` and open the next one, or finish the quiz after the last;
    None if that question is not the open one (already closed, or the quiz was stopped)."""
    quiz = await _locked(session, quiz_id, shared=False)
    if quiz is None or not _is_open(quiz, position):
        return None
    following: int | None = position + 1
    if position + 1 < len(quiz.question_ids):
        quiz.position = position + 1
    else:
        following = None
        quiz.question_open = False
        quiz.status = "finished"
        quiz.finished_at = aware(now)
    session.add(quiz)
    await session.flush()
    return Closed(quiz, position, following)


async def stop(session: AsyncSession, chat_id: int, now: datetime) -> GroupQuiz | None:
    """End the group's running quiz early (the open question does not count any more);
    None if none is running."""
    found = await running_quiz(session, chat_id)
    if found is None or found.id is None:
        return None
    quiz = await _locked(session, found.id, shared=False)
    if quiz is None or quiz.status != RUNNING:
        return None
    quiz.status = "stopped"
    quiz.question_open = False
    quiz.finished_at = aware(now)
    session.add(quiz)
    await session.flush()
    return quiz


@dataclass(frozen=True)
class Standing:
    """One participant's place in a quiz."""

    user_id: int
    name: str
    points: int
    correct: int  # right answers
    answered: int  # answers counted, right or wrong
    elapsed_ms: int  # time spent on the right answers (the second tie-break)


async def standings(session: AsyncSession, quiz_id: int) -> list[Standing]:
    """Everyone who answered, best first: points, then right answers, then less time."""
    stmt = (
        select(GroupQuizAnswer)
        .where(col(GroupQuizAnswer.quiz_id) == quiz_id)
        .order_by(col(GroupQuizAnswer.id))
    )
    totals: dict[int, Standing] = {}
    for a in (await session.exec(stmt)).all():
        s = totals.get(a.user_id) or Standing(a.user_id, a.name, 0, 0, 0, 0)
        totals[a.user_id] = Standing(
            a.user_id,
            a.name or s.name,  # the latest name the person used
            s.points + a.points,
            s.correct + int(a.correct),
            s.answered + 1,
            s.elapsed_ms + (a.elapsed_ms if a.correct else 0),
        )
    return sorted(totals.values(), key=lambda s: (-s.points, -s.correct, s.elapsed_ms, s.user_id))


async def podium(
    session: AsyncSession, quiz_id: int, places: int = PODIUM_PLACES
) -> list[Standing]:
    """The best `places` participants who scored at all."""
    return [s for s in await standings(session, quiz_id) if s.points > 0][:places]


def group_quiz_points_query(
    since: datetime, until: datetime, chat_ids: Sequence[int] | None = None
) -> Select[Any, int]:
    """SELECT user_id, points: each user's points from group quizzes started in
    [since, until) (optionally only in some groups), one row per user who answered. The
    competition rankings join it to an event's members (see competition.rankings)."""
    points = func.sum(col(GroupQuizAnswer.points))
    stmt: Select[Any, int] = (
        sa_select(col(GroupQuizAnswer.user_id).label("user_id"), points.label("points"))
        .join(GroupQuiz, col(GroupQuiz.id) == col(GroupQuizAnswer.quiz_id))
        .where(col(GroupQuiz.started_at) >= aware(since), col(GroupQuiz.started_at) < aware(until))
        .group_by(col(GroupQuizAnswer.user_id))
    )
    if chat_ids is not None:
        stmt = stmt.where(col(GroupQuiz.chat_id).in_(list(chat_ids)))
    return stmt


async def group_quiz_points(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    chat_ids: Sequence[int] | None = None,
) -> dict[int, int]:
    """Each user's points from group quizzes started in [since, until) (optionally only in
    some groups)."""
    conn = await session.connection()
    rows = (await conn.execute(group_quiz_points_query(since, until, chat_ids))).all()
    return {int(r.user_id): int(r.points or 0) for r in rows}
