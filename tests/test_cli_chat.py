"""`pufa chat`: the quiz in a terminal, on a fresh SQLite file, with numbered buttons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import SMALL_BANK


def _chat(tmp_path: Path, script: str, *args: str, **env_extra: str) -> str:
    """`pufa chat ARGS` in tmp_path (its default database under ./var/), fed `script`."""
    env = {**os.environ, "PUFA_LOG_LEVEL": "WARNING"}
    env.pop("PUFA_DATABASE_URL", None)
    env.pop("PUFA_QUIZMASTERS", None)
    env.update(env_extra)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_chat_plays_questions_in_the_terminal(tmp_path: Path) -> None:
    bank = tmp_path / "bank"  # one-tap questions only, so that "1" always answers
    bank.mkdir()
    shutil.copy(SMALL_BANK / "women.yaml", bank / "women.yaml")
    script = "1\n1\n1\n/help\n/exit\n"  # 开始练习 → 综合练习 → first option
    out = _chat(tmp_path, script, PUFA_BANK_DIR=str(bank))
    assert "普法小助手" in out and "[1] 📝 开始练习" in out
    assert "第 1/" in out and ("回答正确" in out or "回答错误" in out)
    assert "第 2/" in out and "/wrong 复习我的错题" in out
    assert (tmp_path / "var" / "pufa.sqlite3").exists()  # the default database under ./var/


def test_chat_as_quizmaster_gets_the_quiz_masters_answers(tmp_path: Path) -> None:
    """--as quizmaster: without PUFA_QUIZMASTERS the terminal user is a quiz master for the
    session; a worker asking the same gets the worker's answer."""
    worker = _chat(tmp_path, "/rank\n/exit\n")
    assert "您还没有加入比赛" in worker
    host = _chat(tmp_path, "/rank\n/exit\n", "--as", "quizmaster")
    assert "quiz master for this terminal session only" in host
    assert "还没有比赛" in host and "您还没有加入比赛" not in host
    named = _chat(tmp_path, "/rank\n/exit\n", "--as", "quizmaster", PUFA_QUIZMASTERS="777")
    assert "you are quiz master 777" in named
