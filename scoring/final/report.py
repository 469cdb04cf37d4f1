"""The judges' workbook of a live final (openpyxl): the final standing, every ledger entry
and every answer, and a sheet to sign. Column titles are here, in one table, as the
workbook is made outside the bot's message catalogue (like competition/report.py)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.models import Competition, Member
from competition.report import add_sheet
from question_bank import Bank
from scoring.final import rules
from scoring.final.board import standings
from scoring.final.engine import ledger, load
from scoring.final.models import FinalAnswer

SHEETS: dict[str, tuple[str, ...]] = {
    "最终排名": ("名次", "队伍", "代码", "得分", "最近一次变动"),
    "得分记录": (
        "序号",
        "时间",
        "轮次",
        "题号",
        "题目编号",
        "队伍",
        "分数变动",
        "类别",
        "理由",
        "撤销的记录",
        "操作人",
    ),
    "答题记录": (
        "轮次",
        "题号",
        "题目编号",
        "题目",
        "队伍",
        "选手",
        "所选答案",
        "正确答案",
        "结果",
        "方式",
        "风险分值",
        "时间",
    ),
}
KINDS = {
    "correct": "答对",
    "wrong": "答错",
    "timeout": "超时",
    "early": "提前抢按",
    "adjust": "评委调整",
    "undo": "撤销",
}
HOW = {"buttons": "按键", "judge": "口头（评委判定）", "timeout": "未作答"}
SIGN_SHEET = "评委签字"
SIGN_LINES = ("以上成绩经核对无误。", "", "评委签字：", "", "主持人签字：", "", "日期：")
RULES_BY = "系统（计时）"


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M:%S}"


async def final_workbook(
    session: AsyncSession, comp: Competition, bank: Bank, tz: ZoneInfo
) -> bytes | None:
    """The .xlsx file, or None if the event has no final."""
    assert comp.id is not None
    final = await load(session, comp.id)
    if final is None:
        return None
    names = {int(t["id"]): str(t["name"]) for t in final.config["teams"]}
    rounds = final.config["rounds"]

    def round_title(index: int | None) -> str:
        if index is None or index >= len(rounds):
            return ""
        return f"第{index + 1}轮 {rules.round_name(rounds[index])}"

    table = await standings(session, final)
    rows: dict[str, list[tuple[Any, ...]]] = {
        "最终排名": [
            (r.rank, r.name, r.code, r.score, "" if r.last_delta is None else r.last_delta)
            for r in table
        ]
    }
    entries = await ledger(session, comp.id)
    rows["得分记录"] = [
        (
            e.id,
            _when(e.at, tz),
            round_title(e.round_index),
            e.question_no or "",
            e.question_id or "",
            names.get(e.team_id, str(e.team_id)),
            e.delta,
            KINDS.get(e.kind, e.kind),
            e.note,
            e.undoes_id or "",
            e.by_user or RULES_BY,
        )
        for e in entries
    ]
    people = {
        m.user_id: m.real_name or ""
        for m in await session.exec(select(Member).where(col(Member.competition_id) == comp.id))
    }
    stmt = (
        select(FinalAnswer)
        .where(col(FinalAnswer.competition_id) == comp.id)
        .order_by(col(FinalAnswer.question_no), col(FinalAnswer.id))
    )
    answer_rows = []
    for a in await session.exec(stmt):
        q = bank.get(a.question_id)
        labels = "ABCDEFGH"
        answer_rows.append(
            (
                round_title(a.round_index),
                a.question_no,
                a.question_id,
                q.stem if q else "",
                names.get(a.team_id, str(a.team_id)),
                people.get(a.user_id or 0, ""),
                "" if a.option is None else labels[a.option],
                "、".join(labels[i] for i in sorted(q.answer)) if q else "",
                "正确" if a.correct else ("超时" if a.how == "timeout" else "错误"),
                HOW.get(a.how, a.how),
                a.tier or "",
                _when(a.at, tz),
            )
        )
    rows["答题记录"] = answer_rows
    from openpyxl import Workbook  # imported when a workbook is made (16 MiB)

    wb = Workbook()
    wb.remove(wb.active)
    for title, header in SHEETS.items():
        add_sheet(wb, title, header, rows[title])
    sign = wb.create_sheet(SIGN_SHEET)
    sign.append((comp.name,))
    for line in SIGN_LINES:
        sign.append((line,))
    sign.column_dimensions["A"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
