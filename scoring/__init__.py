"""Scoring: practice rounds, answers recorded once, the wrong-question book.

Public surface: `start_round`, `active_round`, `record_answer`, `cancel_round`,
`round_summary`, `wrong_book_size`, and the tables `PracticeAttempt`, `AttemptAnswer`,
`QuestionRecord`.
"""

from scoring.models import AttemptAnswer, PracticeAttempt, QuestionRecord
from scoring.practice import (
    AnswerOutcome,
    PlanCache,
    RoundSummary,
    active_round,
    cancel_round,
    forget_user,
    record_answer,
    round_summary,
    start_round,
    wrong_book_size,
)

__all__ = [
    "AnswerOutcome",
    "AttemptAnswer",
    "PlanCache",
    "PracticeAttempt",
    "QuestionRecord",
    "RoundSummary",
    "active_round",
    "cancel_round",
    "forget_user",
    "record_answer",
    "round_summary",
    "start_round",
    "wrong_book_size",
]
