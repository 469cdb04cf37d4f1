"""`pufa chat`: the quiz in a terminal, on a fresh SQLite file, with numbered buttons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import SMALL_BANK


def test_chat_plays_questions_in_the_terminal(tmp_path: Path) -> None:
    bank = tmp_path / "bank"  # one-tap questions only, so that "1" always answers
    bank.mkdir()
    shutil.copy(SMALL_BANK / "women.yaml", bank / "women.yaml")
    env = {**os.environ, "PUFA_BANK_DIR": str(bank), "PUFA_LOG_LEVEL": "WARNING"}
    env.pop("PUFA_DATABASE_URL", None)
    script = "1\n1\n1\n/help\n/exit\n"  # 开始练习 → 综合练习 → first option
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "普法小助手" in out and "[1] 📝 开始练习" in out
    assert "第 1/" in out and ("回答正确" in out or "回答错误" in out)
    assert "第 2/" in out and "/wrong 复习我的错题" in out
    assert (tmp_path / "var" / "pufa.sqlite3").exists()  # the default database under ./var/
