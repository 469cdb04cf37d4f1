"""`pufa event import` with a final section and `pufa export final EVENT`: the workbook the
judges sign, opened and read back."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main as pufa
from bot.db import make_engine, session_factory
from competition import competition_by_code, join, set_real_name
from question_bank import bank_files, load_bank
from scoring import final as live
from scoring.final.engine import load, team_ids
from tests.conftest import SMALL_BANK
from tests.final_kit import JUDGE, QUIZMASTER, contestant, event_text

ROUNDS = "    - {kind: 必答, questions: 1, seconds: 20, ids: [t-lcl-probation]}\n"


async def _play(url: str) -> None:
    """One question: team 1 right (+10), team 2 wrong, the rest out of time; a correction
    and its undo."""
    bank = load_bank(bank_files(SMALL_BANK))
    engine = make_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    rng = random.Random(1)
    try:
        async with sessions() as session:
            comp = await competition_by_code(session, "final-cup")
            assert comp is not None and comp.id is not None
            await join(session, "f1", contestant(0, 0), now)
            await set_real_name(session, contestant(0, 0), "张三")
            final = await load(session, comp.id)
            assert final is not None
            teams = team_ids(final)
            await live.start_round(session, comp.id, QUIZMASTER, now, bank, rng)
            asked = await live.next_question(session, comp.id, QUIZMASTER, now, bank, rng)
            assert asked.final is not None
            qno = asked.final.question_no
            await live.answer(session, comp.id, qno, teams[0], contestant(0, 0), 1, now, now)
            await live.answer(session, comp.id, qno, teams[1], contestant(1, 0), 0, now, now)
            await live.reveal(session, comp.id, QUIZMASTER, now)
            await live.adjust(session, comp.id, teams[2], -5, "抢答犯规", JUDGE, now)
            await live.undo(session, comp.id, JUDGE, now)
            await session.commit()
    finally:
        await engine.dispose()


def test_export_final_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pufa.sqlite3'}"
    monkeypatch.setenv("PUFA_DATABASE_URL", url)
    monkeypatch.setenv("PUFA_BANK_DIR", str(SMALL_BANK))
    event = tmp_path / "final.yaml"
    event.write_text(event_text(ROUNDS), encoding="utf-8")
    assert pufa(["event", "import", str(event)]) == 0
    assert pufa(["export", "final", "no-such-event"]) == 1
    asyncio.run(_play(url))
    out = tmp_path / "final.xlsx"
    assert pufa(["export", "final", "final-cup", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["最终排名", "得分记录", "答题记录", "评委签字"]
    standing = [tuple(r) for r in wb["最终排名"].iter_rows(min_row=2, values_only=True)]
    assert standing[0] == (1, "第1队", "f1", 110, 10)
    assert [r[3] for r in standing[1:]] == [100] * 7
    ledger = [tuple(r) for r in wb["得分记录"].iter_rows(min_row=2, values_only=True)]
    assert [(r[5], r[6], r[7], r[8]) for r in ledger] == [
        ("第1队", 10, "答对", None),
        ("第3队", -5, "评委调整", "抢答犯规"),
        ("第3队", 5, "撤销", "抢答犯规"),
    ]
    assert ledger[2][9] == ledger[1][0] and ledger[1][10] == JUDGE
    answers = [tuple(r) for r in wb["答题记录"].iter_rows(min_row=2, values_only=True)]
    assert len(answers) == 8
    assert answers[0][4:10] == ("第1队", "张三", "B", "B", "正确", "按键")
    assert answers[1][6:9] == ("A", "B", "错误")
    assert all(r[8] == "超时" for r in answers[2:])
    assert "评委签字：" in [c.value for c in wb["评委签字"]["A"]]
