"""What the hall sees: the standing derived from the ledger, and the JSON snapshot of the
whole final that the big screen and the console render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.models import Competition
from scoring.final import rules
from scoring.final.engine import current_rules, ledger, load, team_ids
from scoring.final.models import LiveFinal
from scoring.models import aware

PODIUM_PLACES = 3


@dataclass(frozen=True)
class TeamStanding:
    """One team's place: score = start score + its ledger entries; `last_delta` is its most
    recent change (None: none yet)."""

    id: int
    code: str
    name: str
    score: int
    rank: int
    last_delta: int | None


async def standings(session: AsyncSession, final: LiveFinal) -> list[TeamStanding]:
    """Every finalist team, best first (ties share a rank, then the file's order)."""
    totals = {team: int(final.config["start_score"]) for team in team_ids(final)}
    last: dict[int, int] = {}
    for entry in await ledger(session, final.competition_id):
        if entry.team_id in totals:
            totals[entry.team_id] += entry.delta
            last[entry.team_id] = entry.delta
    place = rules.ranks(totals)
    rows = [
        TeamStanding(
            int(t["id"]),
            str(t["code"]),
            str(t["name"]),
            totals[int(t["id"])],
            place[int(t["id"])],
            last.get(int(t["id"])),
        )
        for t in final.config["teams"]
    ]
    return sorted(rows, key=lambda r: r.rank)  # stable: ties keep the file's order


async def version(session: AsyncSession, competition_id: int) -> int:
    """The final's change counter (0: the event has no final)."""
    stmt = select(LiveFinal.version).where(col(LiveFinal.competition_id) == competition_id)
    found = (await session.exec(stmt)).first()
    return int(found or 0)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else aware(moment).astimezone(UTC).isoformat()


async def snapshot(session: AsyncSession, competition_id: int, now: datetime) -> dict[str, Any]:
    """The final as JSON-ready data (see the package docstring); the right answer only once
    revealed. An event without a final gives {"event": None, "version": 0, …}."""
    final = await load(session, competition_id)
    comp = await session.get(Competition, competition_id)
    if final is None:
        return {
            "event": comp.name if comp else None,
            "version": 0,
            "round": None,
            "phase": "idle",
            "question": None,
            "deadline": None,
            "buzz": None,
            "teams": [],
            "podium": None,
            "finished": False,
        }
    table = await standings(session, final)
    codes = {row.id: row.code for row in table}
    spec = current_rules(final)
    revealed = final.phase in ("revealed", "finished")
    question = None
    if final.question is not None:
        question = {
            "text": final.question["text"],
            "options": [dict(o) for o in final.question["options"]],
            "revealed": revealed,
            "answer": [final.question["options"][i]["label"] for i in final.question["answer"]]
            if revealed
            else None,
        }
    deadline = final.deadline if final.deadline is not None and final.deadline > now else None
    return {
        "event": comp.name if comp else None,
        "version": final.version,
        "round": None
        if spec is None or final.round_index is None
        else {"index": final.round_index, "name": rules.round_name(spec), "kind": spec["kind"]},
        "phase": final.phase,
        "question": question,
        "deadline": _iso(deadline),
        "buzz": None
        if final.buzz_team_id is None
        else {"team": codes.get(final.buzz_team_id), "at": _iso(final.buzz_at)},
        "teams": [
            {
                "code": r.code,
                "name": r.name,
                "score": r.score,
                "rank": r.rank,
                "last_delta": r.last_delta,
            }
            for r in table
        ],
        "podium": [
            {"rank": r.rank, "code": r.code, "name": r.name, "score": r.score}
            for r in table
            if r.rank <= PODIUM_PLACES
        ]
        if final.finished
        else None,
        "finished": final.finished,
    }
