"""The quiz master's workbook (openpyxl) or plain CSV files, and the join links of an event.

The sheets, each with a frozen header row and fitted column widths: 个人成绩 (participants),
单位排名 and 队伍排名 (all three rules; 群内答题 and its bonus when the event counts group
quizzes), 题目统计 (per question: share right, the wrong answer
chosen most often — what the campaign must teach better), 法律统计 (per law), 获奖名单 (the
award list) and 图表 (a bar chart of unit averages and participation). Column titles are
here, in one table, because the workbook is made outside the bot's message catalogue.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from competition.event_file import group_quiz_rule
from competition.models import Competition
from competition.rankings import GroupRow, Standings
from question_bank import Bank

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

SHEETS: dict[str, tuple[str, ...]] = {
    "个人成绩": ("名次", "姓名", "单位", "队伍", "得分", "答对题数", "用时", "用时（秒）", "奖项"),
    "单位排名": (
        "名次",
        "单位",
        "报名人数",
        "参赛人数",
        "参赛率",
        "平均分",
        "前N名总分",
        "加权分",
        "平均分名次",
        "前N名总分名次",
        "加权分名次",
    ),
    "队伍排名": (
        "名次",
        "队伍",
        "报名人数",
        "参赛人数",
        "参赛率",
        "平均分",
        "前N名总分",
        "加权分",
        "平均分名次",
        "前N名总分名次",
        "加权分名次",
    ),
    "题目统计": ("题号", "法律", "题目", "作答人次", "正确率", "最常选的错误答案", "选它的人次"),
    "法律统计": ("法律", "作答人次", "正确率"),
    "获奖名单": ("奖项", "名次", "姓名", "单位", "队伍", "得分", "用时"),
}
GROUP_SHEETS = ("单位排名", "队伍排名")
GROUP_QUIZ_COLUMNS = ("群内答题", "群内答题加分")  # after 加权分, when the event counts them
CHART_SHEET = "图表"
CHART_HEADER = ("单位", "平均分", "参赛率（%）")
CHART_TITLE = "各单位平均分与参赛率"
CSV_NAMES = {
    "个人成绩": "participants.csv",
    "单位排名": "units.csv",
    "队伍排名": "teams.csv",
    "题目统计": "questions.csv",
    "法律统计": "laws.csv",
    "获奖名单": "awards.csv",
}


def mm_ss(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def headers(comp: Competition) -> dict[str, tuple[str, ...]]:
    """Every sheet's column titles: SHEETS, with 群内答题 and 群内答题加分 in the unit and
    team sheets if the event counts group quizzes (the ranks then include the bonus)."""
    if group_quiz_rule(comp.ranking) is None:
        return SHEETS
    out = dict(SHEETS)
    for title in GROUP_SHEETS:
        at = SHEETS[title].index("加权分") + 1
        out[title] = SHEETS[title][:at] + GROUP_QUIZ_COLUMNS + SHEETS[title][at:]
    return out


def _group_rows(groups: list[GroupRow], rule: str, group_quiz: bool) -> list[tuple[Any, ...]]:
    return [
        (
            getattr(g, f"rank_{rule}"),
            g.name,
            g.joined,
            g.took_part,
            g.rate,
            g.average,
            g.best_n,
            g.weighted,
            *((g.group_quiz, g.bonus) if group_quiz else ()),
            g.rank_average,
            g.rank_best_n,
            g.rank_weighted,
        )
        for g in groups
    ]


def sheet_rows(comp: Competition, data: Standings, bank: Bank) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every sheet (without headers), as the workbook and CSV files show them."""
    rule = str(comp.ranking.get("rule", "average"))
    counted = group_quiz_rule(comp.ranking) is not None

    def law_title(law: str) -> str:
        return bank.laws[law].title if law in bank.laws else law

    def stem(question_id: str) -> str:
        q = bank.get(question_id)
        return q.stem if q is not None else ""

    return {
        "个人成绩": [
            (
                p.rank,
                p.name,
                p.unit,
                p.team,
                p.score,
                p.correct,
                mm_ss(p.seconds),
                p.seconds,
                p.award,
            )
            for p in data.people
        ],
        "单位排名": _group_rows(data.units, rule, counted),
        "队伍排名": _group_rows(data.teams, rule, counted),
        "题目统计": [
            (
                q.question_id,
                law_title(q.law),
                stem(q.question_id),
                q.answered,
                q.right_share,
                q.wrong_answer,
                q.wrong_count,
            )
            for q in data.questions
        ],
        "法律统计": [(law_title(s.law), s.answered, s.right_share) for s in data.laws],
        "获奖名单": [
            (p.award, p.rank, p.name, p.unit, p.team, p.score, mm_ss(p.seconds))
            for p in data.people
            if p.award
        ],
    }


PERCENT_COLUMNS = {"参赛率", "正确率"}


def workbook_bytes(comp: Competition, data: Standings, bank: Bank) -> bytes:
    """The .xlsx file."""
    from openpyxl import Workbook  # imported when a workbook is made (16 MiB)
    from openpyxl.chart import BarChart, Reference

    wb = Workbook()
    wb.remove(wb.active)
    titles = headers(comp)
    for title, rows in sheet_rows(comp, data, bank).items():
        add_sheet(wb, title, titles[title], rows)
    chart_sheet = wb.create_sheet(CHART_SHEET)
    chart_sheet.append(CHART_HEADER)
    for g in data.units:
        chart_sheet.append((g.name, g.average, round(100 * g.rate, 1)))
    chart_sheet.freeze_panes = "A2"
    chart_sheet.column_dimensions["A"].width = min(
        60, max([10] + [_width(g.name) for g in data.units]) + 2
    )
    chart = BarChart()
    chart.type = "col"
    chart.title = CHART_TITLE
    count = len(data.units)
    values = Reference(chart_sheet, min_col=2, max_col=3, min_row=1, max_row=count + 1)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(chart_sheet, min_col=1, min_row=2, max_row=count + 1))
    chart.width, chart.height = 24, 12
    chart_sheet.add_chart(chart, "E2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def add_sheet(
    wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Worksheet:
    """A sheet with a frozen header row, percent columns formatted, columns fitted."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append(tuple(header))
    for row in rows:
        ws.append(tuple(row))
    ws.freeze_panes = "A2"
    for i, name in enumerate(header, 1):
        letter = get_column_letter(i)
        if name in PERCENT_COLUMNS:
            for cell in ws[letter][1:]:
                cell.number_format = "0.0%"
        widest = max([_width(name)] + [_width(r[i - 1]) for r in rows[:2000]])
        ws.column_dimensions[letter].width = min(60, widest + 2)
    return ws


def _width(value: Any) -> int:
    """Display width: CJK characters take two columns."""
    text = str(value)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def write_csv(comp: Competition, data: Standings, bank: Bank, folder: Path) -> list[Path]:
    """One CSV file per sheet (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for title, rows in sheet_rows(comp, data, bank).items():
        path = folder / CSV_NAMES[title]
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers(comp)[title])
            writer.writerows(rows)
        written.append(path)
    return written


def join_link(bot_username: str, code: str) -> str:
    """The deep link that opens the bot with /start CODE."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
