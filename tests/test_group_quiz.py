"""Group quiz scoring (scoring/group_quiz.py): the speed bonus with known numbers, answers
counted once, late and retracted votes, closing, stopping, standings — on both databases."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from question_bank import Bank
from scoring.group_quiz import (
    LATE_GRACE,
    close_question,
    draw_group_questions,
    group_quiz_points,
    podium,
    record_answer,
    running_quiz,
    speed_points,
    standings,
    start,
    stop,
)
from scoring.group_quiz_models import GroupQuiz
from tests.conftest import FakeClock

GROUP = -1001
QM = 42


@pytest.mark.parametrize(
    ("elapsed", "seconds", "points"),
    [
        (0, 20, 1000),  # at once: everything
        (5, 20, 875),  # 1000 × (1 − 5/20/2)
        (10, 20, 750),
        (20, 20, 500),  # at the last second: half
        (7, 30, 883),  # 1000 × (1 − 7/60) = 883.33…
        (25, 20, 500),  # within the grace after the poll's time: never below half
        (-1, 20, 1000),  # clocks a little apart: never above the full points
    ],
)
def test_speed_bonus(elapsed: float, seconds: int, points: int) -> None:
    assert speed_points(1000, elapsed, seconds) == points


def test_draw_takes_only_questions_a_quiz_poll_can_ask(small_bank: Bank) -> None:
    drawn = draw_group_questions(
        small_bank.by_law(), 10, random.Random(1), lambda q: q.id != "t-wp-maternity"
    )
    ids = {q.id for q in drawn}
    assert "t-lcl-no-probation" not in ids  # two right options: a quiz poll has one
    assert "t-wp-maternity" not in ids  # does not fit
    assert ids == {"t-lcl-probation", "t-lcl-double-wage", "t-wp-pregnancy-dismissal"}
    assert len(draw_group_questions(small_bank.by_law(), 2, random.Random(1), bool)) == 2


async def _quiz(sessions, small_bank: Bank, clock: FakeClock, seconds: int = 20) -> GroupQuiz:  # type: ignore[no-untyped-def]
    questions = [small_bank.questions["t-lcl-probation"], small_bank.questions["t-wp-maternity"]]
    async with sessions() as session:
        quiz = await start(session, GROUP, QM, questions, seconds, clock())
        await session.commit()
    assert quiz is not None and quiz.correct_options == [1, 1]
    return quiz


async def test_a_right_answer_scores_by_speed_and_counts_once(sessions, small_bank, clock) -> None:
    quiz = await _quiz(sessions, small_bank, clock)
    sent = clock()
    async with sessions() as session:
        first = await record_answer(
            session, quiz.id, 0, 7, "小王", [1], sent, sent + timedelta(seconds=5)
        )
        again = await record_answer(
            session, quiz.id, 0, 7, "小王", [0], sent, sent + timedelta(seconds=6)
        )
        wrong = await record_answer(
            session, quiz.id, 0, 8, "老张", [2], sent, sent + timedelta(seconds=1)
        )
        await session.commit()
    assert (first.status, first.correct, first.points) == ("counted", True, 875)
    assert again.status == "twice"
    assert (wrong.status, wrong.correct, wrong.points) == ("counted", False, 0)
    async with sessions() as session:
        board = await standings(session, quiz.id)
    assert [(s.user_id, s.points, s.correct, s.answered) for s in board] == [
        (7, 875, 1, 1),
        (8, 0, 0, 1),
    ]


async def test_the_unique_key_holds_when_the_check_is_raced(sessions, small_bank, clock) -> None:
    """Two processes both pass the "answered already?" check: the database refuses one."""
    from scoring.group_quiz_models import GroupQuizAnswer

    quiz = await _quiz(sessions, small_bank, clock)
    async with sessions() as session:
        await record_answer(session, quiz.id, 0, 7, "小王", [1], clock(), clock())
        await session.commit()
    async with sessions() as session:
        session.add(
            GroupQuizAnswer(
                quiz_id=quiz.id,
                position=0,
                user_id=7,
                option=1,
                correct=True,
                points=1000,
                elapsed_ms=0,
                answered_at=clock(),
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_retracted_late_and_closed_votes_change_nothing(sessions, small_bank, clock) -> None:
    quiz = await _quiz(sessions, small_bank, clock, seconds=20)
    sent = clock()
    deadline = sent + timedelta(seconds=20) + LATE_GRACE
    async with sessions() as session:
        retracted = await record_answer(session, quiz.id, 0, 7, "小王", [], sent, sent)
        in_grace = await record_answer(session, quiz.id, 0, 8, "老张", [1], sent, deadline)
        late = await record_answer(
            session, quiz.id, 0, 9, "小李", [1], sent, deadline + timedelta(milliseconds=1)
        )
        wrong_question = await record_answer(session, quiz.id, 1, 10, "小赵", [1], sent, sent)
        await session.commit()
    assert retracted.status == "retracted"
    assert (in_grace.status, in_grace.points) == ("counted", 500)
    assert late.status == "late"
    assert wrong_question.status == "closed"  # question 2 is not open yet

    clock.advance(22)
    async with sessions() as session:
        closed = await close_question(session, quiz.id, 0, clock())
        twice = await close_question(session, quiz.id, 0, clock())
        after_close = await record_answer(session, quiz.id, 0, 7, "小王", [1], sent, sent)
        await session.commit()
    assert closed is not None and closed.next_position == 1 and twice is None
    assert after_close.status == "closed"
    async with sessions() as session:
        assert [s.user_id for s in await standings(session, quiz.id)] == [8]


async def test_closing_the_last_question_finishes_the_quiz(sessions, small_bank, clock) -> None:
    quiz = await _quiz(sessions, small_bank, clock)
    t0 = clock()
    async with sessions() as session:
        # 7: fast and right twice; 8 and 9 tie on points, 9 was faster on the right answers
        for user, name, pos, option, secs in (
            (7, "小王", 0, 1, 0),
            (8, "老张", 0, 1, 10),
            (9, "小李", 0, 0, 1),
        ):
            await record_answer(
                session, quiz.id, pos, user, name, [option], t0, t0 + timedelta(seconds=secs)
            )
        await close_question(session, quiz.id, 0, t0 + timedelta(seconds=22))
        t1 = t0 + timedelta(seconds=23)
        for user, name, option, secs in (
            (7, "小王", 1, 2),
            (9, "小李", 1, 9.99),
            (10, "小赵", 0, 1),
        ):
            await record_answer(
                session, quiz.id, 1, user, name, [option], t1, t1 + timedelta(seconds=secs)
            )
        closed = await close_question(session, quiz.id, 1, t1 + timedelta(seconds=22))
        await session.commit()
    assert closed is not None and closed.next_position is None
    async with sessions() as session:
        finished = await session.get(GroupQuiz, quiz.id)
        assert finished is not None and finished.status == "finished"
        assert await running_quiz(session, GROUP) is None
        board = await standings(session, quiz.id)
        top = await podium(session, quiz.id)
        totals = await group_quiz_points(session, t0 - timedelta(hours=1), t0 + timedelta(hours=1))
        elsewhere = await group_quiz_points(
            session, t0 - timedelta(hours=1), t0 + timedelta(hours=1), chat_ids=[-5]
        )
    assert [(s.user_id, s.points) for s in board] == [(7, 1950), (9, 750), (8, 750), (10, 0)]
    assert [s.user_id for s in top] == [7, 9, 8]  # 10 scored nothing: not on the podium
    assert totals == {7: 1950, 8: 750, 9: 750, 10: 0} and elsewhere == {}


async def test_one_running_quiz_per_group_and_stop(sessions, small_bank, clock) -> None:
    quiz = await _quiz(sessions, small_bank, clock)
    questions = [small_bank.questions["t-lcl-probation"]]
    async with sessions() as session:
        assert await start(session, GROUP, QM, questions, 20, clock()) is None
        other = await start(session, -2002, QM, questions, 20, clock())
        assert other is not None
        await session.commit()
    async with sessions() as session:
        stopped = await stop(session, GROUP, clock())
        assert stopped is not None and stopped.id == quiz.id and stopped.status == "stopped"
        assert await stop(session, GROUP, clock()) is None
        late = await record_answer(session, quiz.id, 0, 7, "小王", [1], clock(), clock())
        assert late.status == "closed"
        await session.commit()
    async with sessions() as session:
        assert await start(session, GROUP, QM, questions, 20, clock()) is not None
        await session.commit()


async def test_the_database_refuses_a_second_running_quiz(sessions, small_bank, clock) -> None:
    """Two processes starting at once: the partial unique index lets one through."""
    await _quiz(sessions, small_bank, clock)
    async with sessions() as session:
        session.add(
            GroupQuiz(
                chat_id=GROUP,
                started_by=QM,
                question_ids=["t-lcl-probation"],
                correct_options=[1],
                seconds=20,
                points=1000,
                started_at=clock(),
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_forget_deletes_a_users_group_quiz_answers(sessions, small_bank, clock) -> None:
    from scoring import forget_user

    quiz = await _quiz(sessions, small_bank, clock)
    async with sessions() as session:
        for user in (7, 8):
            await record_answer(session, quiz.id, 0, user, "小王", [1], clock(), clock())
        await session.commit()
    async with sessions() as session:
        assert await forget_user(session, 7) == 1
        await session.commit()
    async with sessions() as session:
        assert [s.user_id for s in await standings(session, quiz.id)] == [8]
