"""The shipped question bank: size, mix, topics, no near-duplicates, checked citations,
and the exam blueprints. (Every citation's article and verbatim evidence are verified by
the loader against the statute texts; `load_bank()` fails on any mismatch.)"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from question_bank import Bank, load_bank
from question_bank.blueprint import draw_exam, load_blueprints
from question_bank.laws import DATA_DIR

MINIMUM = {
    "constitution": 80,
    "trade_union_law": 80,
    "labour_contract_law": 140,
    "women_protection": 80,
}
TOPICS = {
    "labour_contract_law": [
        "订立",
        "试用期",
        "服务期与竞业限制",
        "劳动报酬与加班",
        "解除与终止",
        "经济补偿与赔偿金",
        "集体合同",
        "劳务派遣",
        "非全日制用工",
        "法律责任",
    ],
    "trade_union_law": ["工会的性质与组织", "权利和义务", "经费和财产"],
    "constitution": ["公民的基本权利和义务", "国家机构", "宪法实施与宪法日"],
    "women_protection": ["孕期/产期/哺乳期保护", "禁忌从事的劳动", "性骚扰防治", "投诉与救济"],
}


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


def test_size_per_law(bank: Bank) -> None:
    assert len(bank.questions) >= 400
    for law, minimum in MINIMUM.items():
        assert len(bank.by_law(law)) >= minimum, law


@pytest.mark.parametrize("law", sorted(MINIMUM))
def test_mix_of_kinds_and_difficulty(bank: Bank, law: str) -> None:
    qs = bank.by_law(law)
    kinds = Counter(q.type for q in qs)
    assert kinds["single"] >= 0.5 * len(qs)
    assert kinds["multiple"] >= 0.2 * len(qs)
    assert kinds["judge"] >= 0.15 * len(qs)
    levels = Counter(q.difficulty for q in qs)
    for level in (1, 2, 3):
        assert levels[level] >= 0.2 * len(qs), (law, level, levels)


@pytest.mark.parametrize("law", sorted(TOPICS))
def test_every_campaign_topic_is_taught(bank: Bank, law: str) -> None:
    tags = Counter(tag for q in bank.by_law(law) for tag in q.tags)
    for topic in TOPICS[law]:
        assert tags[topic] >= 8, (law, topic, tags[topic])


def test_every_question_is_cited_and_explained(bank: Bank) -> None:
    for q in bank.questions.values():
        assert q.refs and all(0 < len(r.evidence) <= 80 for r in q.refs), q.id
        assert len(q.explanation) >= 10, q.id
        if q.law == "women_protection":
            assert all(
                r.source
                in (
                    "女职工劳动保护特别规定",
                    "中华人民共和国妇女权益保障法",
                    "中华人民共和国劳动合同法",
                )
                for r in q.refs
            ), q.id


def test_judge_answers_are_not_all_one_way(bank: Bank) -> None:
    for law in MINIMUM:
        answers = Counter(min(q.answer) for q in bank.by_law(law) if q.type == "judge")
        assert min(answers.values()) >= 0.3 * sum(answers.values()), (law, answers)


def _plain(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def near_duplicates(bank: Bank) -> list[tuple[str, str, float]]:
    """Pairs with the same stem and answer, or stems at least 90 similar (rapidfuzz ratio)."""
    qs = list(bank.questions.values())
    stems = [_plain(q.stem) for q in qs]
    found = []
    for i, q in enumerate(qs):
        for _, score, j in process.extract(
            stems[i], stems, scorer=fuzz.ratio, score_cutoff=90, limit=None
        ):
            if j > i:
                found.append((q.id, qs[j].id, score))
    seen: dict[tuple[str, frozenset[int], tuple[str, ...]], str] = {}
    for q, stem in zip(qs, stems, strict=True):
        key = (stem, q.answer, q.options)
        if key in seen:
            found.append((seen[key], q.id, 100.0))
        seen[key] = q.id
    return found


def test_no_near_duplicate_questions(bank: Bank) -> None:
    assert near_duplicates(bank) == []


def test_near_duplicate_check_catches_a_reworded_copy(bank: Bank) -> None:
    from dataclasses import replace

    original = next(iter(bank.questions.values()))
    copy = replace(original, id="copy", stem=original.stem + "？")
    doubled = Bank(bank.laws, {**bank.questions, "copy": copy})
    assert any("copy" in pair for pair in near_duplicates(doubled))


def test_blueprints_are_valid_and_drawn_as_written(bank: Bank) -> None:
    blueprints, problems = load_blueprints(bank)
    assert problems == [] and "online_competition" in blueprints
    exam = blueprints["online_competition"]
    drawn = draw_exam(bank, exam, random.Random(5))
    assert len(drawn) == exam.size == len({q.id for q in drawn})
    for section in exam.sections:
        for kind, n in section.counts:
            assert sum(1 for q in drawn if q.law == section.law and q.type == kind) == n
    levels = Counter(q.difficulty for q in drawn)
    assert levels[2] >= levels[3]


def test_blueprint_problems_name_file_and_line(bank: Bank, tmp_path: Path) -> None:
    text = (DATA_DIR / "blueprint.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "blueprint.yaml"
    bad.write_text(
        text.replace("labour_contract_law, single: 9", "labour_contract_law, single: 900").replace(
            "{1: 0.3, 2: 0.5, 3: 0.2}", "{1: 0.3, 2: 0.5, 3: 0.5}"
        ),
        encoding="utf-8",
    )
    _, problems = load_blueprints(bank, bad)
    lines = text.splitlines()
    sum_line = next(i for i, line in enumerate(lines, 1) if "{1: 0.3, 2: 0.5, 3: 0.2}" in line)
    lcl_line = next(
        i for i, line in enumerate(lines, 1) if "labour_contract_law, single: 9" in line
    )
    found = [str(p) for p in problems]
    assert any(f"{bad}:{sum_line}:" in p and "sum to 1" in p for p in found), found
    assert any(f"{bad}:{lcl_line}:" in p and "needs 900 single" in p for p in found), found
