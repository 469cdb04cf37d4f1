"""Scoring: practice rounds, answers recorded once, the wrong-question book.

Modules, one job each: `draw` (which questions a round asks), `rounds` (the round engine:
start, answer, skip, cancel, summary), `wrong_book` (each user's record per question),
`forget` (deleting a user's data), `models` (the tables), and `group_quiz` with its tables in
`group_quiz_models` (quiz polls in a group: start, record_answer, close_question, stop,
standings, podium, and `group_quiz_points`, the per-user totals for competitions; imported by
module path, as its `record_answer` is not the practice one).

Public surface: `start_round`, `active_round`, `record_answer`, `skip_missing`,
`cancel_round`, `round_summary`, `wrong_book_size`, `draw_questions`, `forget_user`, and the
tables `PracticeAttempt`, `AttemptAnswer`, `QuestionRecord`.
"""

from scoring.draw import draw_questions
from scoring.forget import forget_user
from scoring.models import AttemptAnswer, PracticeAttempt, QuestionRecord
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
    "AttemptAnswer",
    "PlanCache",
    "PracticeAttempt",
    "QuestionRecord",
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
