"""Helpers for live-final tests: an event with eight finalist teams of three contestants on
the small test bank, and the people who play it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from competition import Competition, import_event, join, read_event, set_real_name
from question_bank import Bank

TZ = ZoneInfo("Asia/Shanghai")
QUIZMASTER = 900
JUDGE = 901
TEAMS = [f"f{i}" for i in range(1, 9)]
ROUNDS = """\
    - {kind: 必答, mode: together, questions: 2, seconds: 20, ids: [t-lcl-probation, t-wp-maternity]}
    - {kind: 抢答, questions: 2, seconds: 15, buzz_seconds: 10, ids: [t-lcl-double-wage, t-wp-maternity]}
    - {kind: 风险, tiers: [10, 20, 30], seconds: 20, choose_seconds: 15, ids: [t-wp-pregnancy-dismissal]}
    - {kind: 加赛, points: 10, seconds: 15, ids: [t-lcl-probation, t-wp-maternity]}
"""
EVENT = """\
code: final-cup
name: 决赛杯
opens: now
closes: +7d
blueprint:
  title: 小测验
  time_limit_minutes: 10
  difficulty: {{1: 1.0}}
  sections:
    - {{law: labour_contract_law, single: 1}}
quizmasters: [{qm}]
final:
  start_score: 100
  judges: [{judge}]
  contestants: 3
  teams: [{teams}]
  rounds:
{rounds}units:
  - code: u-a
    name: 甲工会
    teams:
{teams_a}
  - code: u-b
    name: 乙工会
    teams:
{teams_b}
"""


def event_text(rounds: str = ROUNDS) -> str:
    lines = [f"      - {{code: {c}, name: 第{i + 1}队}}" for i, c in enumerate(TEAMS)]
    return EVENT.format(
        qm=QUIZMASTER,
        judge=JUDGE,
        teams=", ".join(TEAMS),
        rounds=rounds,
        teams_a="\n".join(lines[:4]),
        teams_b="\n".join(lines[4:]),
    )


def contestant(team: int, seat: int) -> int:
    """The Telegram id of seat 0–2 of team 0–7."""
    return 5000 + 10 * team + seat


async def make_final(
    sessions: async_sessionmaker[AsyncSession],
    bank: Bank,
    now: datetime,
    folder: Path,
    rounds: str = ROUNDS,
    seats: int = 3,
) -> Competition:
    """Import the event and let `seats` contestants per team join with the team's code."""
    path = folder / "final.yaml"
    path.write_text(event_text(rounds), encoding="utf-8")
    plan = read_event(path, bank, now, TZ)
    async with sessions() as session:
        comp = await import_event(session, plan)
        for team, code in enumerate(TEAMS):
            for seat in range(seats):
                user = contestant(team, seat)
                await join(session, code, user, now)
                await set_real_name(session, user, f"选手{chr(0x4E00 + 10 * team + seat)}")
        await session.commit()
    return comp
