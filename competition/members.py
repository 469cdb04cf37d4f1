"""Joining an event and giving one's real name: one use-case function per user action."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.models import (
    MAX_NAME_CHARS,
    Competition,
    ExamAnswer,
    ExamAttempt,
    JoinCode,
    Member,
    Team,
    Unit,
)

# 2–20 characters: Chinese characters and Latin letters, with the middle dot of transcribed
# names (阿卜杜·热合曼) and one space between Latin parts (John Smith) — between letters only.
LETTER = r"[\u3400-\u9fffA-Za-z]"
REAL_NAME = re.compile(
    rf"(?=.{{2,{MAX_NAME_CHARS}}}$){LETTER}(?:{LETTER}|·(?={LETTER})| (?=[A-Za-z]))*"
)
DOTS = re.compile(r"\s*[·•・‧]\s*")  # the middle dots people type, kept as one kind: ·
SPACES = re.compile(r"(?P<latin>(?<=[A-Za-z])\s+(?=[A-Za-z]))|\s+")


@dataclass(frozen=True)
class Membership:
    """A worker's place in an event, with the names shown to them."""

    member: Member
    competition: Competition
    unit: Unit
    team: Team | None


JoinStatus = Literal["joined", "already", "other_team", "unknown", "closed"]


@dataclass(frozen=True)
class JoinOutcome:
    status: JoinStatus
    membership: Membership | None = None


async def join(session: AsyncSession, code: str, user_id: int, now: datetime) -> JoinOutcome:
    """Join the unit or team a code names. One membership per event (a unique key): a second
    code of the same event changes nothing. A closed event takes no one."""
    row = (
        await session.exec(
            select(JoinCode).where(func.lower(col(JoinCode.code)) == code.strip().lower())
        )
    ).first()
    if row is None:
        return JoinOutcome("unknown")
    comp = await session.get(Competition, row.competition_id)
    assert comp is not None
    existing = await _member(session, comp.id, user_id)
    if existing is not None:
        same = existing.unit_id == row.unit_id and existing.team_id == row.team_id
        return JoinOutcome("already" if same else "other_team", await _describe(session, existing))
    if now >= comp.closes_at:
        return JoinOutcome("closed")
    member = Member(
        competition_id=row.competition_id,
        user_id=user_id,
        unit_id=row.unit_id,
        team_id=row.team_id,
        real_name=await known_name(session, user_id),
        joined_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(member)
    except IntegrityError:  # joined at the same moment from another process
        existing = await _member(session, comp.id, user_id)
        assert existing is not None
        return JoinOutcome("already", await _describe(session, existing))
    return JoinOutcome("joined", await _describe(session, member))


async def known_name(session: AsyncSession, user_id: int) -> str | None:
    """The real name the worker gave in any event (asked once, not per event)."""
    stmt = select(Member.real_name).where(
        col(Member.user_id) == user_id, col(Member.real_name).is_not(None)
    )
    return (await session.exec(stmt)).first()


def valid_real_name(text: str) -> str | None:
    """The name as kept, or None if it is not 2–20 letters (Chinese or Latin) and ·.

    Middle dots (· • ・ ‧) become ·; a run of spaces between two Latin letters becomes one
    space (John Smith); every other space goes (张 三 → 张三). Digits, emoji and other signs
    are refused."""
    name = DOTS.sub("·", text.strip())
    name = SPACES.sub(lambda m: " " if m.group("latin") else "", name)
    return name if REAL_NAME.fullmatch(name) else None


async def set_real_name(session: AsyncSession, user_id: int, text: str) -> str | None:
    """Keep the worker's real name on all their memberships; None if it is not valid."""
    name = valid_real_name(text)
    if name is None:
        return None
    for member in await session.exec(select(Member).where(col(Member.user_id) == user_id)):
        member.real_name = name
        session.add(member)
    return name


async def membership(session: AsyncSession, user_id: int) -> Membership | None:
    """The worker's current event: of their memberships, the one closing last."""
    stmt = (
        select(Member)
        .join(Competition, col(Competition.id) == col(Member.competition_id))
        .where(col(Member.user_id) == user_id)
        .order_by(col(Competition.closes_at).desc(), col(Member.id).desc())
    )
    member = (await session.exec(stmt)).first()
    return None if member is None else await _describe(session, member)


async def member_by_id(session: AsyncSession, member_id: int) -> Membership | None:
    member = await session.get(Member, member_id)
    return None if member is None else await _describe(session, member)


async def _member(session: AsyncSession, comp_id: int | None, user_id: int) -> Member | None:
    stmt = select(Member).where(Member.competition_id == comp_id, Member.user_id == user_id)
    return (await session.exec(stmt)).first()


async def _describe(session: AsyncSession, member: Member) -> Membership:
    comp = await session.get(Competition, member.competition_id)
    unit = await session.get(Unit, member.unit_id)
    team = await session.get(Team, member.team_id) if member.team_id is not None else None
    assert comp is not None and unit is not None
    return Membership(member, comp, unit, team)


async def competition_by_code(session: AsyncSession, code: str) -> Competition | None:
    stmt = select(Competition).where(func.lower(col(Competition.code)) == code.strip().lower())
    return (await session.exec(stmt)).first()


async def latest_competition(session: AsyncSession) -> Competition | None:
    """The event closing last (what /export means without a code)."""
    stmt = select(Competition).order_by(
        col(Competition.closes_at).desc(), col(Competition.id).desc()
    )
    return (await session.exec(stmt)).first()


async def member_user_ids(
    session: AsyncSession, comp_id: int, unfinished_only: bool = False
) -> list[int]:
    """Telegram ids of an event's members (optionally: those with no closed attempt)."""
    stmt = select(Member.user_id).where(col(Member.competition_id) == comp_id)
    if unfinished_only:
        closed = select(ExamAttempt.member_id).where(
            col(ExamAttempt.competition_id) == comp_id, col(ExamAttempt.status) != "active"
        )
        stmt = stmt.where(col(Member.id).not_in(closed))
    return list((await session.exec(stmt.order_by(col(Member.id)))).all())


async def join_codes(session: AsyncSession, comp_id: int) -> list[tuple[str, str, str]]:
    """(code, unit name, team name or "") of every join code of an event, units first."""
    stmt = (
        select(JoinCode.code, Unit.name, Team.name)
        .join(Unit, col(Unit.id) == col(JoinCode.unit_id))
        .outerjoin(Team, col(Team.id) == col(JoinCode.team_id))
        .where(col(JoinCode.competition_id) == comp_id)
        .order_by(col(Unit.id), col(JoinCode.team_id).is_not(None), col(Team.id))
    )
    return [(code, unit, team or "") for code, unit, team in await session.exec(stmt)]


async def forget_member(session: AsyncSession, user_id: int) -> int:
    """/forget: delete the worker's memberships (their real name), exam attempts and answers
    in every event; returns rows deleted. Rankings simply no longer count them."""
    attempts = select(ExamAttempt.id).where(col(ExamAttempt.user_id) == user_id)
    deleted = 0
    connection = await session.connection()
    for stmt in (
        delete(ExamAnswer).where(col(ExamAnswer.attempt_id).in_(attempts)),
        delete(ExamAttempt).where(col(ExamAttempt.user_id) == user_id),
        delete(Member).where(col(Member.user_id) == user_id),
    ):
        deleted += (await connection.execute(stmt)).rowcount or 0
    return deleted
