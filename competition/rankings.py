"""Rankings, awards and statistics, computed by SQL aggregates (no Python loop over answers).

- Personal: each member's best closed attempt (score, then less time), ranked by score, then
  time; ties share a rank.
- Team and unit: of the members who took part (closed an attempt), the average score, the sum
  of the best N scores, and average × participation weight, where the weight is
  1 − w + w × participation rate (w = `participation_weight`, 1 by default: average × rate).
  Participation rate = took part / joined. All three are computed and ranked; the event's
  `rule` picks the order shown.
- Group quizzes (only if the event file's `group_quizzes` says they count): 群内答题 = the
  points its members scored in group quizzes started inside the event's window [opens,
  closes) (and, if `chats` is given, in those groups only), whenever they joined; bonus =
  weight × 群内答题 ÷ joined members (per head, so a big unit does not win by size alone).
  Each rule's value plus the bonus is what that rule ranks by; the exam-only values and the
  bonus are shown side by side. Personal rankings and awards are exam-only.
- Awards: by the award rules' shares of those who took part, cumulative: with 一等奖 5 % and
  二等奖 10 %, ranks up to ceil(5 % × N) get 一等奖, ranks up to ceil(15 % × N) 二等奖. Ties
  at a boundary get the better award (they share the rank).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.event_file import group_quiz_rule
from competition.models import Competition, ExamAnswer, Member, Team, Unit
from scoring.group_quiz import group_quiz_points_query

_M = Member.__table__  # type: ignore[attr-defined]
_U = Unit.__table__  # type: ignore[attr-defined]
_T = Team.__table__  # type: ignore[attr-defined]
_ANS = ExamAnswer.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PersonRow:
    """One participant in the personal ranking."""

    rank: int
    member_id: int
    user_id: int
    name: str
    unit: str
    team: str
    score: int
    seconds: int
    correct: int
    award: str = ""


@dataclass(frozen=True)
class GroupRow:
    """One unit or team, under all three rules."""

    id: int
    name: str
    joined: int
    took_part: int
    rate: float  # took part / joined
    average: float
    best_n: int  # sum of the best N scores
    weighted: float
    group_quiz: int = 0  # 群内答题: the members' group-quiz points (0 unless they count)
    bonus: float = 0.0  # weight × group_quiz ÷ joined, added to each rule's value
    rank_average: int = 0
    rank_best_n: int = 0
    rank_weighted: int = 0

    def total(self, rule: str) -> float:
        """What `rule` (average, best_n or weighted) ranks by: its value plus the bonus."""
        return round(float(getattr(self, rule)) + self.bonus, 4)


def _took_part(comp_id: int) -> Any:
    """Members of the event with a closed attempt (their best is kept on the member row)."""
    return and_(_M.c.competition_id == comp_id, _M.c.best_score.is_not(None))


async def personal_ranking(
    session: AsyncSession, comp: Competition, limit: int | None = None
) -> list[PersonRow]:
    """Participants best first (all, or the top `limit`), with their awards."""
    assert comp.id is not None
    rank = func.rank().over(order_by=(_M.c.best_score.desc(), _M.c.best_seconds))
    stmt = (
        select(
            rank.label("rank"),
            _M.c.id.label("member_id"),
            _M.c.user_id,
            func.coalesce(_M.c.real_name, "").label("name"),
            _U.c.name.label("unit"),
            func.coalesce(_T.c.name, "").label("team"),
            _M.c.best_score.label("score"),
            _M.c.best_seconds.label("seconds"),
            _M.c.best_correct.label("correct_count"),
        )
        .select_from(_M)
        .join(_U, _U.c.id == _M.c.unit_id)
        .outerjoin(_T, _T.c.id == _M.c.team_id)
        .where(_took_part(comp.id))
        .order_by(_M.c.best_score.desc(), _M.c.best_seconds, _M.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    conn = await session.connection()
    rows = (await conn.execute(stmt)).all()
    total = await participants(session, comp) if limit is not None else len(rows)
    return [
        PersonRow(
            r.rank,
            r.member_id,
            r.user_id,
            r.name,
            r.unit,
            r.team,
            r.score,
            r.seconds,
            r.correct_count,
            award_for(r.rank, total, comp.awards),
        )
        for r in rows
    ]


async def participants(session: AsyncSession, comp: Competition) -> int:
    """How many members closed at least one attempt."""
    assert comp.id is not None
    stmt = select(func.count()).select_from(_M).where(_took_part(comp.id))
    return int((await (await session.connection()).execute(stmt)).scalar_one())


@dataclass(frozen=True)
class MyRank:
    rank: int
    of: int
    score: int
    seconds: int
    award: str


async def member_rank(session: AsyncSession, comp: Competition, member_id: int) -> MyRank | None:
    """A member's rank (1 + those strictly better), or None if they have not taken part."""
    assert comp.id is not None
    conn = await session.connection()
    mine = (
        await conn.execute(
            select(_M.c.best_score, _M.c.best_seconds).where(
                _M.c.id == member_id, _took_part(comp.id)
            )
        )
    ).first()
    if mine is None:
        return None
    better = (
        select(func.count())
        .select_from(_M)
        .where(
            _took_part(comp.id),
            or_(
                _M.c.best_score > mine.best_score,
                and_(_M.c.best_score == mine.best_score, _M.c.best_seconds < mine.best_seconds),
            ),
        )
    )
    rank = int((await conn.execute(better)).scalar_one()) + 1
    total = await participants(session, comp)
    return MyRank(
        rank, total, mine.best_score, mine.best_seconds, award_for(rank, total, comp.awards)
    )


def award_for(rank: int, participants: int, rules: list[dict[str, Any]]) -> str:
    """The award of a rank among `participants` (see the module docstring); "" for none."""
    share = 0.0
    for rule in rules:
        share += float(rule["share"])
        if rank <= math.ceil(round(share * participants, 9)):
            return str(rule["name"])
    return ""


async def group_ranking(session: AsyncSession, comp: Competition, by: str) -> list[GroupRow]:
    """Units (`by="unit"`) or teams (`by="team"`) under all three rules, in the order of
    the event's rule (ties by name)."""
    assert comp.id is not None
    group_col = _M.c.unit_id if by == "unit" else _M.c.team_id
    table = _U if by == "unit" else _T
    best_n = int(comp.ranking.get("best_n", 3))
    weight = float(comp.ranking.get("participation_weight", 1.0))
    place = func.row_number().over(
        partition_by=group_col,
        order_by=(_M.c.best_score.desc().nulls_last(), _M.c.best_seconds),
    )
    scored = (
        select(group_col.label("gid"), _M.c.best_score.label("score"), place.label("place"))
        .where(_M.c.competition_id == comp.id)
        .subquery("scored")
    )
    # One pass over the event's members: joined, took part (a best score), average, best N
    # (members who did not take part are placed last, so best N sums scores that exist).
    took = (
        select(
            scored.c.gid,
            func.count().label("joined"),
            func.count(scored.c.score).label("took_part"),
            func.avg(scored.c.score).label("average"),
            func.sum(case((scored.c.place <= best_n, scored.c.score), else_=0)).label("best_n"),
        )
        .group_by(scored.c.gid)
        .subquery("took")
    )
    gq_rule = group_quiz_rule(comp.ranking)
    gq_points: Any = literal(0)  # the column 群内答题: 0 unless the event counts group quizzes
    if gq_rule is not None:
        per_user = group_quiz_points_query(
            comp.opens_at, comp.closes_at, gq_rule.get("chats")
        ).subquery("gq_user")
        gq = (
            select(group_col.label("gid"), func.sum(per_user.c.points).label("points"))
            .select_from(_M)
            .join(per_user, per_user.c.user_id == _M.c.user_id)
            .where(_M.c.competition_id == comp.id)
            .group_by(group_col)
            .subquery("gq")
        )
        gq_points = func.coalesce(gq.c.points, 0)
    stmt = (
        select(
            table.c.id,
            table.c.name,
            func.coalesce(took.c.joined, 0).label("joined"),
            func.coalesce(took.c.took_part, 0).label("took_part"),
            func.coalesce(took.c.average, 0).label("average"),
            func.coalesce(took.c.best_n, 0).label("best_n"),
            gq_points.label("group_quiz"),
        )
        .select_from(table)
        .outerjoin(took, took.c.gid == table.c.id)
        .where(table.c.competition_id == comp.id)
    )
    if gq_rule is not None:
        stmt = stmt.outerjoin(gq, gq.c.gid == table.c.id)
    gq_weight = float(gq_rule.get("weight", 0)) if gq_rule is not None else 0.0
    rows = (await (await session.connection()).execute(stmt)).all()
    groups = []
    for r in rows:  # one row per unit or team, not per worker
        rate = r.took_part / r.joined if r.joined else 0.0
        average = round(float(r.average), 4)
        weighted = round(average * (1 - weight + weight * rate), 4)
        points = int(r.group_quiz or 0)
        groups.append(
            GroupRow(
                r.id,
                r.name,
                r.joined,
                r.took_part,
                round(rate, 4),
                average,
                int(r.best_n),
                weighted,
                points,
                round(gq_weight * points / r.joined, 4) if r.joined else 0.0,
            )
        )
    ranks = {
        rule: _ranks(groups, lambda g, rule=rule: g.total(rule))
        for rule in ("average", "best_n", "weighted")
    }
    ranked = [
        GroupRow(
            **{
                **g.__dict__,
                "rank_average": ranks["average"][g.id],
                "rank_best_n": ranks["best_n"][g.id],
                "rank_weighted": ranks["weighted"][g.id],
            }
        )
        for g in groups
    ]
    rule = str(comp.ranking.get("rule", "average"))
    return sorted(ranked, key=lambda g: (getattr(g, f"rank_{rule}"), g.name))


def _ranks(groups: list[GroupRow], value: Any) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) by `value`, highest first."""
    ordered = sorted(groups, key=value, reverse=True)
    out: dict[int, int] = {}
    for i, g in enumerate(ordered):
        same = i > 0 and value(ordered[i - 1]) == value(g)
        out[g.id] = out[ordered[i - 1].id] if same else i + 1
    return out


@dataclass(frozen=True)
class QuestionStat:
    question_id: str
    law: str
    answered: int
    right_share: float
    wrong_answer: str  # the wrong answer chosen most often ("" if none)
    wrong_count: int


async def _choice_counts(session: AsyncSession, comp: Competition) -> list[Any]:
    """How often each answer was given to each question: one pass over the covering index
    ix_exam_answer_stats; both statistics below are sums over these rows."""
    assert comp.id is not None
    stmt = (
        select(
            _ANS.c.question_id,
            _ANS.c.law,
            _ANS.c.correct,
            _ANS.c.chosen,
            func.count().label("n"),
        )
        .where(_ANS.c.competition_id == comp.id)
        .group_by(_ANS.c.question_id, _ANS.c.law, _ANS.c.correct, _ANS.c.chosen)
    )
    return list((await (await session.connection()).execute(stmt)).all())


def _question_stats(counts: list[Any]) -> list[QuestionStat]:
    answered: dict[tuple[str, str], list[int]] = {}  # (question, law) → [answered, right]
    top: dict[str, tuple[int, str]] = {}  # question → (count, chosen) of its top wrong answer
    for c in counts:
        totals = answered.setdefault((c.question_id, c.law), [0, 0])
        totals[0] += c.n
        if c.correct:
            totals[1] += c.n
        elif (c.n, c.chosen) > top.get(c.question_id, (0, "")):
            top[c.question_id] = (c.n, c.chosen)
    stats = [
        QuestionStat(
            question_id,
            law,
            total,
            round(right / total, 4) if total else 0.0,
            top.get(question_id, (0, ""))[1],
            top.get(question_id, (0, ""))[0],
        )
        for (question_id, law), (total, right) in answered.items()
    ]
    return sorted(stats, key=lambda s: (s.right_share, s.question_id))


async def question_stats(session: AsyncSession, comp: Competition) -> list[QuestionStat]:
    """Per question: how many answered, the share right, the most chosen wrong answer;
    hardest first."""
    return _question_stats(await _choice_counts(session, comp))


@dataclass(frozen=True)
class LawStat:
    law: str
    answered: int
    right_share: float


def _law_stats(counts: list[Any]) -> list[LawStat]:
    totals: dict[str, list[int]] = {}  # law → [answered, right]
    for c in counts:
        law = totals.setdefault(c.law, [0, 0])
        law[0] += c.n
        if c.correct:
            law[1] += c.n
    return [
        LawStat(law, total, round(right / total, 4))
        for law, (total, right) in sorted(totals.items())
    ]


async def law_stats(session: AsyncSession, comp: Competition) -> list[LawStat]:
    """Per law: answers given and the share right."""
    return _law_stats(await _choice_counts(session, comp))


@dataclass(frozen=True)
class Standings:
    """Everything a quiz master's workbook shows."""

    people: list[PersonRow]
    units: list[GroupRow]
    teams: list[GroupRow]
    questions: list[QuestionStat]
    laws: list[LawStat]
    joined: int


async def standings(session: AsyncSession, comp: Competition) -> Standings:
    """All rankings and statistics of an event."""
    assert comp.id is not None
    joined = (
        await (await session.connection()).execute(
            select(func.count()).where(_M.c.competition_id == comp.id)
        )
    ).scalar_one()
    counts = await _choice_counts(session, comp)
    return Standings(
        await personal_ranking(session, comp),
        await group_ranking(session, comp, "unit"),
        await group_ranking(session, comp, "team"),
        _question_stats(counts),
        _law_stats(counts),
        int(joined),
    )
