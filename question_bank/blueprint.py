"""Exam blueprints: how many questions of each law, kind and difficulty an exam draws.

Blueprints are data (`data/blueprint.yaml`), validated like the questions (file:line for every
problem, including a blueprint the bank cannot fill), and drawn with `draw_exam`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from question_bank.laws import DATA_DIR
from question_bank.model import Bank, Question
from question_bank.yamlsource import Path_, Problem, SourceDoc, load_yaml, pydantic_problems

KINDS = ("single", "multiple", "judge")


class SectionIn(BaseModel):
    """Questions of one law: a count per kind."""

    model_config = ConfigDict(extra="forbid", strict=True)
    law: str
    single: int = Field(default=0, ge=0)
    multiple: int = Field(default=0, ge=0)
    judge: int = Field(default=0, ge=0)


class ExamIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: str = Field(min_length=1)
    time_limit_minutes: int = Field(ge=1, le=600)
    difficulty: dict[int, float]
    sections: list[SectionIn] = Field(min_length=1)


@dataclass(frozen=True)
class Section:
    law: str
    counts: tuple[tuple[str, int], ...]  # (kind, how many)


@dataclass(frozen=True)
class Blueprint:
    """One exam's recipe."""

    id: str
    title: str
    time_limit_minutes: int
    difficulty: tuple[tuple[int, float], ...]  # (level, share), shares sum to 1
    sections: tuple[Section, ...]

    @property
    def size(self) -> int:
        return sum(n for s in self.sections for _, n in s.counts)


def _split(total: int, shares: tuple[tuple[int, float], ...]) -> dict[int, int]:
    """Largest-remainder split of `total` by shares."""
    raw = {level: total * share for level, share in shares}
    out = {level: int(v) for level, v in raw.items()}
    rest = total - sum(out.values())
    for level in sorted(raw, key=lambda lv: raw[lv] - out[lv], reverse=True)[:rest]:
        out[level] += 1
    return out


def draw_exam(bank: Bank, blueprint: Blueprint, rng: random.Random) -> list[Question]:
    """Draw an exam: each (law, kind) cell split by the difficulty shares; a difficulty that
    runs short is made up from the neighbouring levels. Order: by section, shuffled within."""
    picked: list[Question] = []
    for section in blueprint.sections:
        for kind, n in section.counts:
            if not n:
                continue
            pool = [q for q in bank.by_law(section.law) if q.type == kind]
            by_level = {lv: [q for q in pool if q.difficulty == lv] for lv in (1, 2, 3)}
            for level_pool in by_level.values():
                rng.shuffle(level_pool)
            cell: list[Question] = []
            for level, want in _split(n, blueprint.difficulty).items():
                cell += by_level[level][:want]
                del by_level[level][:want]
            leftovers = [q for lv in (2, 1, 3) for q in by_level[lv]]
            cell += leftovers[: n - len(cell)]
            rng.shuffle(cell)
            picked += cell
    return picked


def load_blueprints(
    bank: Bank, path: Path | None = None
) -> tuple[dict[str, Blueprint], list[Problem]]:
    """Read and check the blueprints against the bank; problems name file:line."""
    path = path or DATA_DIR / "blueprint.yaml"
    doc = load_yaml(path)
    problems = list(doc.problems)
    if doc.data is None and problems:
        return {}, problems
    exams = doc.data.get("exams") if isinstance(doc.data, dict) else None
    if not isinstance(exams, dict) or not exams:
        return {}, [*problems, doc.problem((), "expected a mapping 'exams' of exam blueprints")]
    out: dict[str, Blueprint] = {}
    for exam_id, raw in exams.items():
        blueprint, found = check_blueprint(doc, ("exams", exam_id), str(exam_id), raw, bank)
        problems += found
        if blueprint is not None:
            out[str(exam_id)] = blueprint
    return (out if not problems else {}), problems


def check_blueprint(
    doc: SourceDoc, base: Path_, exam_id: str, raw: object, bank: Bank
) -> tuple[Blueprint | None, list[Problem]]:
    """One blueprint at `base` of `doc`, checked against the bank (also used by event files,
    which may hold their blueprint inline); problems name file:line."""
    try:
        exam = ExamIn.model_validate(raw)
    except ValidationError as exc:
        return None, pydantic_problems(doc, base, exc)
    problems: list[Problem] = []
    shares = tuple(sorted(exam.difficulty.items()))
    if any(lv not in (1, 2, 3) for lv, _ in shares) or any(s < 0 for _, s in shares):
        problems.append(doc.problem((*base, "difficulty"), "levels are 1-3, shares >= 0"))
    elif abs(sum(s for _, s in shares) - 1) > 1e-6:
        problems.append(doc.problem((*base, "difficulty"), "difficulty shares must sum to 1"))
    sections = []
    for i, sec in enumerate(exam.sections):
        where = (*base, "sections", i)
        if sec.law not in bank.quiz_laws:
            problems.append(doc.problem((*where, "law"), f"unknown law id '{sec.law}'"))
            continue
        counts = tuple((k, getattr(sec, k)) for k in KINDS)
        for kind, n in counts:
            have = sum(1 for q in bank.by_law(sec.law) if q.type == kind)
            if n > have:
                problems.append(
                    doc.problem(
                        (*where, kind),
                        f"needs {n} {kind} questions of {sec.law}, the bank has {have}",
                    )
                )
        sections.append(Section(sec.law, counts))
    blueprint = Blueprint(exam_id, exam.title, exam.time_limit_minutes, shares, tuple(sections))
    if blueprint.size == 0:
        problems.append(doc.problem(base, "an exam must draw at least one question"))
    return blueprint, problems
