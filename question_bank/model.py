"""The question bank as the rest of the program sees it: checked, immutable questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from question_bank.laws import Citation, Law

QuestionType = Literal["single", "multiple", "judge"]

JUDGE_OPTIONS = ("对", "错")
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Question:
    """One checked question. Options are indexed from 0; judge questions have 对 / 错."""

    id: str
    law: str
    type: QuestionType
    stem: str
    options: tuple[str, ...]
    answer: frozenset[int]  # indices into options
    explanation: str
    refs: tuple[Citation, ...]
    difficulty: int
    tags: tuple[str, ...] = ()

    def is_correct(self, chosen: frozenset[int]) -> bool:
        return chosen == self.answer

    def answer_label(self) -> str:
        """The right answer as shown: 'B' / 'A、C' / '对'."""
        if self.type == "judge":
            return JUDGE_OPTIONS[min(self.answer)]
        return "、".join(LETTERS[i] for i in sorted(self.answer))


@dataclass(frozen=True)
class Bank:
    """A whole, valid question bank. Never half-loaded: built only when every file passed."""

    laws: dict[str, Law]
    questions: dict[str, Question]
    files: tuple[str, ...] = field(default=())

    @property
    def quiz_laws(self) -> dict[str, Law]:
        """The laws a quiz can be about (the registry also holds laws that are only cited)."""
        return {law_id: law for law_id, law in self.laws.items() if law.taught}

    def by_law(self, law: str | None = None) -> list[Question]:
        return [q for q in self.questions.values() if law is None or q.law == law]

    def get(self, question_id: str) -> Question | None:
        return self.questions.get(question_id)
