"""Kept so that `from scoring.practice import ...` goes on working; the code lives in
`scoring.draw`, `scoring.rounds`, `scoring.wrong_book` and `scoring.forget`."""

from scoring.draw import draw_questions
from scoring.forget import forget_user
from scoring.rounds import (
    AnswerOutcome,
    PlanCache,
    RoundSummary,
    active_round,
    cancel_round,
    record_answer,
    round_summary,
    skip_missing,
    start_round,
)
from scoring.wrong_book import wrong_book_size

__all__ = [
    "AnswerOutcome",
    "PlanCache",
    "RoundSummary",
    "active_round",
    "cancel_round",
    "draw_questions",
    "forget_user",
    "record_answer",
    "round_summary",
    "skip_missing",
    "start_round",
    "wrong_book_size",
]
