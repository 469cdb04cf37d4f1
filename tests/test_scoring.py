"""Unit tests for practice rounds: drawing, recording once, the wrong-question book."""

from __future__ import annotations

import random
from collections import Counter

from question_bank import load_bank
from scoring import (
    QuestionRecord,
    active_round,
    draw_questions,
    record_answer,
    round_summary,
    start_round,
)


def test_all_law_rounds_spread_across_laws() -> None:
    bank = load_bank()
    ids = draw_questions(bank.by_law(None), {}, 10, random.Random(1), spread_laws=True)
    laws = Counter(bank.questions[i].law for i in ids)
    assert len(ids) == 10 and len(set(ids)) == 10
    assert set(laws) == set(bank.quiz_laws) and max(laws.values()) - min(laws.values()) <= 1


def test_wrong_questions_come_back_more_often() -> None:
    bank = load_bank()
    pool = bank.by_law("labour_contract_law")
    missed = pool[0].id
    records = {
        missed: QuestionRecord(user_id=1, question_id=missed, wrong_count=2, in_wrong_book=True)
    }
    rng = random.Random(7)
    trials = 2000
    with_record = sum(
        missed in draw_questions(pool, records, 10, rng, False) for _ in range(trials)
    )
    without = sum(missed in draw_questions(pool, {}, 10, rng, False) for _ in range(trials))
    # 10 of ~150: about 7 % of rounds without a record; several times more with one
    assert with_record > 3 * without


async def test_answer_recorded_once_and_summary(sessions, small_bank, clock) -> None:
    async with sessions() as s:
        attempt = await start_round(s, small_bank, 1, clock(), size=5, rng=random.Random(3))
        assert attempt is not None and attempt.id is not None
        await s.commit()
    for pos in range(5):
        clock.advance(10)
        async with sessions() as s:
            q = small_bank.questions[attempt.question_ids[pos]]
            first = await record_answer(s, small_bank, 1, attempt.id, pos, q.answer, clock())
            again = await record_answer(s, small_bank, 1, attempt.id, pos, q.answer, clock())
            stranger = await record_answer(s, small_bank, 2, attempt.id, pos + 1, q.answer, clock())
            await s.commit()
        assert first.accepted and first.correct
        assert not again.accepted and not stranger.accepted
    async with sessions() as s:
        assert await active_round(s, 1) is None
        done = await s.get(type(attempt), attempt.id)
        assert done is not None and done.status == "finished" and done.correct_count == 5
        summary = await round_summary(s, done)
    assert (summary.correct, summary.total, summary.seconds) == (5, 5, 50)
    assert sum(law.total for law in summary.by_law) == 5


async def test_out_of_range_option_is_refused(sessions, small_bank, clock) -> None:
    async with sessions() as s:
        attempt = await start_round(s, small_bank, 3, clock(), size=5)
        assert attempt is not None and attempt.id is not None
        outcome = await record_answer(s, small_bank, 3, attempt.id, 0, frozenset({9}), clock())
    assert not outcome.accepted


def test_the_round_plan_cache_keeps_only_the_most_recent_plans() -> None:
    """The one in-process cache keyed by users' rounds is bounded: however many workers
    practise, it holds `size` plans, the least recently used ones dropped (a round in use
    stays); the conversation layer's default holds 20,000."""
    from scoring.rounds import PlanCache, RoundPlan

    assert PlanCache().size == 20_000
    cache = PlanCache(size=100)
    for attempt in range(1, 100_001):
        cache.put(attempt, RoundPlan(attempt, "practice", ("q",)))
        assert cache.get(1) is not None  # used all along: kept
        assert len(cache._plans) <= 100
    assert cache.get(100_000 - 98) is not None and cache.get(100_000 - 99) is None
