"""Event files: a competition as data, read and checked like the question bank.

```yaml
code: demo-2026                 # the event's id in commands (letters, digits, - and _)
name: “尊法守法·携手筑梦”职工法律知识网上答题
opens: now                      # now, +3d, +12h, +30m (from the import), or "2026-12-01 09:00"
closes: +7d                     # the same forms; local times are in PUFA_TZ
blueprint: online_competition   # an exam of question_bank/data/blueprint.yaml, or one inline
time_limit_minutes: 30          # optional: the blueprint's by default
attempts: 1                     # optional, 1 by default
points: {single: 2, multiple: 3, judge: 1}
ranking: {rule: average, best_n: 3, participation_weight: 1.0}
awards:
  - {name: 一等奖, share: 0.05}  # the best 5 % of those who took part
  - {name: 二等奖, share: 0.10}  # the next 10 %
group_quizzes:                  # optional: members' group-quiz points count for units/teams
  count: true                   # false: keep the setting, count nothing
  chats: [-1001234567890]       # only these groups (negative ids); every group if left out
  weight: 0.001                 # bonus = weight × the members' points ÷ joined (rankings.py)
quizmasters: [100000001]        # Telegram ids, besides PUFA_QUIZMASTERS
final:                          # optional: the live final (scoring/final/rules.py)
  teams: [sf-riders, …]         # finalist team codes; contestants join them with /join CODE
  judges: [100000002]
  rounds: [{kind: 必答, mode: together, questions: 3}, {kind: 抢答}, {kind: 风险}, {kind: 加赛}]
units:
  - code: sf-union
    name: 顺丰速运基层工会
    teams:
      - {code: sf-riders, name: 骑手一队}
```

`read_event` checks the file against the bank (every problem as `file:line: message`, the
relative times resolved against `now`); `import_event` writes it, refusing join codes another
event already uses. Importing again updates the event, its units and teams; a unit or team
left out of the file is removed unless workers have joined it. A team the file now lists
under another unit moves there with its members (their unit follows their team, so the
unit rankings count them in the new unit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.models import MAX_CODE_CHARS, Competition, JoinCode, Member, Team, Unit
from question_bank import Bank, Problem
from question_bank.blueprint import KINDS, Blueprint, check_blueprint
from question_bank.laws import DATA_DIR
from question_bank.yamlsource import SourceDoc, load_yaml, pydantic_problems
from scoring.final.rules import FinalIn
from scoring.final.setup import check_final, install_final

CODE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_CODE_CHARS - 1}}}")
RELATIVE = re.compile(r"\+(\d{1,4})([dhm])")
RULES = ("average", "best_n", "weighted")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    code: str
    name: str = Field(min_length=1, max_length=100)


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    code: str
    name: str = Field(min_length=1, max_length=100)
    teams: list[TeamIn] = Field(default_factory=list)


class RankingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    rule: str = "average"
    best_n: int = Field(default=3, ge=1, le=1000)
    participation_weight: float = Field(default=1.0, ge=0, le=1)


class GroupQuizzesIn(BaseModel):
    """`group_quizzes:` — members' group-quiz points count in the unit and team rankings."""

    model_config = ConfigDict(extra="forbid", strict=True)
    count: bool = True  # false keeps the section but leaves the rankings exam-only
    chats: list[int] | None = None  # only quizzes in these group chats; None: every group
    weight: float = Field(default=0.001, ge=0, le=1000)


class AwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(min_length=1, max_length=20)
    share: float = Field(gt=0, le=1)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str = Field(min_length=1, max_length=100)
    opens: str | datetime | date
    closes: str | datetime | date
    blueprint: str | dict[str, Any]
    time_limit_minutes: int | None = Field(default=None, ge=1, le=600, strict=True)
    attempts: int = Field(default=1, ge=1, le=10, strict=True)
    points: dict[str, int] = Field(default_factory=lambda: {k: 1 for k in KINDS})
    ranking: RankingIn = Field(default_factory=RankingIn)
    group_quizzes: GroupQuizzesIn | None = None
    awards: list[AwardIn] = Field(default_factory=list)
    quizmasters: list[int] = Field(default_factory=list)
    final: FinalIn | None = None
    units: list[UnitIn] = Field(min_length=1)


@dataclass(frozen=True)
class EventPlan:
    """A checked event file, ready to import."""

    event: EventIn
    opens_at: datetime
    closes_at: datetime
    blueprint: Blueprint
    lines: dict[str, int]  # join code → its line, to locate clashes found in the database
    file: str
    now: datetime  # when the file was read (the import's time)


class EventInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the event file")
        self.problems = problems


def blueprint_to_json(bp: Blueprint) -> dict[str, Any]:
    return {
        "id": bp.id,
        "title": bp.title,
        "time_limit_minutes": bp.time_limit_minutes,
        "difficulty": [list(pair) for pair in bp.difficulty],
        "sections": [{"law": s.law, "counts": [list(c) for c in s.counts]} for s in bp.sections],
    }


def blueprint_from_json(data: dict[str, Any]) -> Blueprint:
    from question_bank.blueprint import Section

    return Blueprint(
        data["id"],
        data["title"],
        data["time_limit_minutes"],
        tuple((int(lv), float(share)) for lv, share in data["difficulty"]),
        tuple(
            Section(s["law"], tuple((k, int(n)) for k, n in s["counts"])) for s in data["sections"]
        ),
    )


def _when(value: str | datetime | date, now: datetime, tz: ZoneInfo) -> datetime | None:
    """`now`, `+Nd` / `+Nh` / `+Nm` from now, or a local date-time; None if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tz)
    text = value.strip()
    if text == "now":
        return now
    relative = RELATIVE.fullmatch(text)
    if relative:
        return now + timedelta(**{UNITS[relative[2]]: int(relative[1])})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def read_event(
    path: Path, bank: Bank, now: datetime, tz: ZoneInfo, blueprints: Path | None = None
) -> EventPlan:
    """Parse and check an event file; EventInvalid lists every problem."""
    doc = load_yaml(path)
    problems = list(doc.problems)
    event: EventIn | None = None
    if doc.data is not None:
        try:
            event = EventIn.model_validate(doc.data)
        except ValidationError as exc:
            problems += pydantic_problems(doc, (), exc)
    if event is None or problems:
        raise EventInvalid(problems or [doc.problem((), "empty event file")])
    problems += _check_codes(doc, event)
    times = {}
    for key in ("opens", "closes"):
        times[key] = _when(getattr(event, key), now, tz)
        if times[key] is None:
            problems.append(
                doc.problem((key,), f"{key}: not a time (now, +7d, +12h, +30m or 2026-12-01 09:00)")
            )
    opens_at, closes_at = times["opens"], times["closes"]
    if opens_at and closes_at and closes_at <= opens_at:
        problems.append(doc.problem(("closes",), "closes must be after opens"))
    blueprint, found = _blueprint(doc, event, bank, blueprints)
    problems += found
    for kind in event.points:
        if kind not in KINDS:
            problems.append(doc.problem(("points", kind), f"unknown question kind '{kind}'"))
    for kind, value in event.points.items():
        if not 0 <= value <= 100:
            problems.append(doc.problem(("points", kind), "points are 0-100"))
    if event.ranking.rule not in RULES:
        problems.append(doc.problem(("ranking", "rule"), f"rule is one of {', '.join(RULES)}"))
    if sum(a.share for a in event.awards) > 1 + 1e-9:
        problems.append(doc.problem(("awards",), "award shares add up to more than 100 %"))
    problems += _check_group_quizzes(doc, event.group_quizzes)
    for i, qm in enumerate(event.quizmasters):
        if not 0 < qm < 2**52:
            problems.append(doc.problem(("quizmasters", i), "not a Telegram user id"))
    if event.final is not None:
        codes = {team.code for u in event.units for team in u.teams}
        problems += check_final(event.final, codes, bank, doc.problem)
    if problems or blueprint is None or opens_at is None or closes_at is None:
        raise EventInvalid(problems)
    lines = {u.code: doc.line_of(("units", i, "code")) for i, u in enumerate(event.units)}
    for i, u in enumerate(event.units):
        for j, team in enumerate(u.teams):
            lines[team.code] = doc.line_of(("units", i, "teams", j, "code"))
    return EventPlan(event, opens_at, closes_at, blueprint, lines, doc.file, now)


def _check_group_quizzes(doc: SourceDoc, gq: GroupQuizzesIn | None) -> list[Problem]:
    """Group chats are negative ids (-100… for supergroups), each named once."""
    if gq is None or gq.chats is None:
        return []
    if not gq.chats:
        return [doc.problem(("group_quizzes", "chats"), "chats: name a group, or leave it out")]
    problems = []
    for i, chat in enumerate(gq.chats):
        if not -(2**52) < chat < 0:
            problems.append(
                doc.problem(("group_quizzes", "chats", i), f"{chat} is not a group chat id")
            )
        elif chat in gq.chats[:i]:
            problems.append(doc.problem(("group_quizzes", "chats", i), f"chat {chat} twice"))
    return problems


def group_quiz_rule(ranking: dict[str, Any]) -> dict[str, Any] | None:
    """The stored `group_quizzes` setting of an event if its group quizzes count, else None."""
    found = ranking.get("group_quizzes")
    return found if isinstance(found, dict) and found.get("count") else None


def _check_codes(doc: SourceDoc, event: EventIn) -> list[Problem]:
    problems = []
    if not CODE.fullmatch(event.code):
        problems.append(doc.problem(("code",), "code: letters, digits, - and _ (at most 32)"))
    seen: dict[str, int] = {}
    names: set[str] = set()
    for i, unit in enumerate(event.units):
        places: list[tuple[tuple[str | int, ...], str]] = [(("units", i), unit.code)]
        places += [(("units", i, "teams", j), t.code) for j, t in enumerate(unit.teams)]
        if unit.name in names:
            problems.append(doc.problem(("units", i, "name"), f"unit '{unit.name}' twice"))
        names.add(unit.name)
        for where, code in places:
            line = doc.line_of((*where, "code"))
            if not CODE.fullmatch(code):
                problems.append(doc.problem((*where, "code"), "code: letters, digits, - and _"))
            elif code.lower() in seen:
                problems.append(
                    doc.problem(
                        (*where, "code"), f"duplicate code '{code}' (line {seen[code.lower()]})"
                    )
                )
            seen.setdefault(code.lower(), line)
    teams = [t.name for u in event.units for t in u.teams]
    for name in {n for n in teams if teams.count(n) > 1}:
        problems.append(doc.problem(("units",), f"team '{name}' twice"))
    return problems


def _blueprint(
    doc: SourceDoc, event: EventIn, bank: Bank, path: Path | None
) -> tuple[Blueprint | None, list[Problem]]:
    if isinstance(event.blueprint, dict):
        return check_blueprint(doc, ("blueprint",), event.code, event.blueprint, bank)
    source = load_yaml(path or DATA_DIR / "blueprint.yaml")
    exams = source.data.get("exams") if isinstance(source.data, dict) else None
    if source.problems or not isinstance(exams, dict):
        why = "; ".join(str(p) for p in source.problems[:3]) or "no 'exams' mapping"
        return None, [doc.problem(("blueprint",), f"the blueprint file cannot be read: {why}")]
    if event.blueprint not in exams:
        names = ", ".join(sorted(map(str, exams)))
        return None, [
            doc.problem(("blueprint",), f"unknown blueprint '{event.blueprint}' ({names})")
        ]
    found, problems = check_blueprint(
        source, ("exams", event.blueprint), event.blueprint, exams[event.blueprint], bank
    )
    if problems:  # the named blueprint exists but this bank cannot fill it
        why = "; ".join(p.message for p in problems[:3])
        return None, [doc.problem(("blueprint",), f"blueprint '{event.blueprint}': {why}")]
    return found, []


async def import_event(session: AsyncSession, plan: EventPlan) -> Competition:
    """Write the event (new or updated); EventInvalid before any write if a join code
    belongs to another event or a unit or team with members was left out."""
    event = plan.event
    comp = (
        await session.exec(select(Competition).where(col(Competition.code) == event.code))
    ).first()
    taken = await session.exec(
        select(JoinCode).where(func.lower(col(JoinCode.code)).in_([c.lower() for c in plan.lines]))
    )
    problems = [
        Problem(
            plan.file, plan.lines.get(row.code, 1), f"code '{row.code}' is used by another event"
        )
        for row in taken
        if comp is None or row.competition_id != comp.id
    ]
    if problems:
        raise EventInvalid(problems)
    bp = plan.blueprint
    values: dict[str, Any] = {
        "name": event.name,
        "opens_at": plan.opens_at,
        "closes_at": plan.closes_at,
        "time_limit_minutes": event.time_limit_minutes or bp.time_limit_minutes,
        "attempts": event.attempts,
        "blueprint": blueprint_to_json(bp),
        "points": {k: event.points.get(k, 1) for k in KINDS},
        "ranking": {
            **event.ranking.model_dump(),
            "group_quizzes": event.group_quizzes.model_dump() if event.group_quizzes else None,
        },
        "awards": [a.model_dump() for a in event.awards],
        "quizmasters": list(event.quizmasters),
    }
    if comp is None:
        comp = Competition(code=event.code, **values)
    else:
        for key, value in values.items():
            setattr(comp, key, value)
    session.add(comp)
    await session.flush()
    assert comp.id is not None
    await _sync_groups(session, comp.id, plan)
    if event.final is not None:
        rows = await session.exec(select(Team).where(col(Team.competition_id) == comp.id))
        teams = {t.code: (t.id, t.name) for t in rows if t.id is not None}
        await install_final(session, comp.id, event.final, teams, plan.now)
    return comp


async def _sync_groups(session: AsyncSession, comp_id: int, plan: EventPlan) -> None:
    """Units, teams and their join codes as the file says (matched by code)."""
    units = {
        u.code: u for u in await session.exec(select(Unit).where(Unit.competition_id == comp_id))
    }
    teams = {
        t.code: t for t in await session.exec(select(Team).where(Team.competition_id == comp_id))
    }
    wanted_units = {u.code for u in plan.event.units}
    wanted_teams = {t.code for u in plan.event.units for t in u.teams}
    joined_units = set(
        (await session.exec(select(Member.unit_id).where(Member.competition_id == comp_id))).all()
    )
    joined_teams = set(
        (await session.exec(select(Member.team_id).where(Member.competition_id == comp_id))).all()
    )
    problems = [
        Problem(plan.file, 1, f"unit '{code}' has members: keep it in the file")
        for code, unit in units.items()
        if code not in wanted_units and unit.id in joined_units
    ] + [
        Problem(plan.file, 1, f"team '{code}' has members: keep it in the file")
        for code, team in teams.items()
        if code not in wanted_teams and team.id in joined_teams
    ]
    if problems:
        raise EventInvalid(problems)
    await session.exec(delete(JoinCode).where(col(JoinCode.competition_id) == comp_id))
    for code in set(teams) - wanted_teams:
        await session.delete(teams.pop(code))
    await session.flush()
    for code in set(units) - wanted_units:
        await session.delete(units.pop(code))
    # Names are unique per event: park the kept rows' names so a swap cannot collide.
    kept: list[Unit | Team] = [*units.values(), *teams.values()]
    for row in kept:
        row.name = f"~{row.id}"
        session.add(row)
    await session.flush()
    for unit_in in plan.event.units:
        unit = units.get(unit_in.code) or Unit(competition_id=comp_id, code=unit_in.code, name="")
        unit.name = unit_in.name
        session.add(unit)
        await session.flush()
        assert unit.id is not None
        session.add(JoinCode(code=unit_in.code, competition_id=comp_id, unit_id=unit.id))
        for team_in in unit_in.teams:
            team = teams.get(team_in.code) or Team(
                competition_id=comp_id, unit_id=unit.id, code=team_in.code, name=""
            )
            moved = team.id is not None and team.unit_id != unit.id
            team.name, team.unit_id = team_in.name, unit.id
            session.add(team)
            await session.flush()
            if moved:  # the team's members follow it into its new unit
                await session.exec(
                    update(Member).where(col(Member.team_id) == team.id).values(unit_id=unit.id)
                )
            session.add(
                JoinCode(
                    code=team_in.code, competition_id=comp_id, unit_id=unit.id, team_id=team.id
                )
            )
    await session.flush()
