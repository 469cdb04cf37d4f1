"""Drawing a round's questions: a weighted sample in which missed questions come up more often."""

from __future__ import annotations

import random
from collections.abc import Sequence

from question_bank import Question
from scoring.models import QuestionRecord

WRONG_BOOK_WEIGHT = 4.0  # a question in the wrong book is this many times likelier to be drawn
PER_MISS_WEIGHT = 0.5  # and a little likelier still for every past miss


def draw_questions(
    pool: Sequence[Question],
    records: dict[str, QuestionRecord],
    size: int,
    rng: random.Random,
    spread_laws: bool,
) -> list[str]:
    """Weighted draw without replacement; with `spread_laws`, laws take turns."""

    def weight(q: Question) -> float:
        rec = records.get(q.id)
        if rec is None:
            return 1.0
        w = 1.0 + PER_MISS_WEIGHT * min(rec.wrong_count, 6)
        return w * (WRONG_BOOK_WEIGHT if rec.in_wrong_book else 1.0)

    def weighted_sample(items: list[Question], k: int) -> list[Question]:
        # Efraimidis–Spirakis: key = u^(1/w); the k largest keys are a weighted sample.
        keyed = sorted(items, key=lambda q: rng.random() ** (1.0 / weight(q)), reverse=True)
        return keyed[:k]

    if not spread_laws:
        return [q.id for q in weighted_sample(list(pool), size)]
    by_law: dict[str, list[Question]] = {}
    for q in pool:
        by_law.setdefault(q.law, []).append(q)
    laws = sorted(by_law)
    rng.shuffle(laws)
    per_law = {law: weighted_sample(qs, size) for law, qs in by_law.items()}
    picked: list[Question] = []
    turn = 0
    while len(picked) < size and any(per_law.values()):
        law = laws[turn % len(laws)]
        if per_law[law]:
            picked.append(per_law[law].pop(0))
        turn += 1
    rng.shuffle(picked)
    return [q.id for q in picked]
