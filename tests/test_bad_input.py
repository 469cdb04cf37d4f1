"""Bad input never crashes, hangs or silently lies (issue 9): every case is refused with a
`file:line: message`, quickly, or handled correctly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.cli import main as pufa
from question_bank.yamlsource import load_yaml


def billion_laughs(levels: int, key: str = "lol") -> str:
    """Each level is nine aliases of the one below: 9**levels strings once expanded."""
    lines = [f'{key}0: &{key}0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"{key}{i}: &{key}{i} [" + ", ".join([f"*{key}{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = pufa(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_billion_laughs_yaml_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("questions: []\n" + billion_laughs(9), encoding="utf-8")
    started = time.perf_counter()
    code, out = run_cli(capsys, "bank", "validate", str(bomb))
    assert time.perf_counter() - started < 1.0
    assert code == 1
    assert f"{bomb}:3: YAML aliases (*name) are not allowed" in out


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf 6\ng: 7\n", 6, "could not find expected ':'"),
        ('a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: "abc\ng: 7\n', 6, "unexpected end of stream"),
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: [1, 2\ng: 7\n", 6, "expected ',' or ']'"),
        ("a:\n  b: 1\n  c: 2\n  d: 3\n  e: 4\n f: 5\n", 6, "YAML syntax"),
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: x: y\n", 6, "mapping values are not allowed"),
    ],
)
def test_yaml_syntax_error_is_reported_at_its_own_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in load_yaml(path).problems]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:{line}: "), problems
    assert message in problems[0]


def test_oversized_yaml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" + "#" * 100 + "\n", encoding="utf-8")
    doc = load_yaml(path, max_bytes=64)
    assert doc.data is None
    assert [str(p) for p in doc.problems] == [
        f"{path}:1: file is 106 bytes; the limit is 64 bytes"
    ]


def test_deeply_nested_yaml_loads_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 990 + "]" * 990, encoding="utf-8")
    assert load_yaml(path).problems == []


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01"])
def test_impossible_date_in_a_bank_file_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str
) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(f"law: constitution\nreviewed: {day}\nquestions: []\n", encoding="utf-8")
    code, out = run_cli(capsys, "bank", "validate", str(path))
    assert code == 1
    assert f"{path}:2: YAML: impossible date '{day}'" in out
