"""Installing an event file's `final:` section: the rules checked against the bank and the
event's teams (as `file:line` problems), then kept as the final's config."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from question_bank import Bank, Problem
from scoring.final import rules
from scoring.final.engine import ONE_TAP, _candidates, setup_final
from scoring.final.models import LiveFinal

Locate = Callable[[tuple[str | int, ...], str], Problem]


def check_final(
    final: rules.FinalIn, team_codes: set[str], bank: Bank, problem: Locate
) -> list[Problem]:
    """Every problem of a `final:` section: unknown teams, judges that are no Telegram id,
    questions the bank lacks or that take more than one tap, pools with nothing to draw."""
    found: list[Problem] = []
    base: tuple[str | int, ...] = ("final",)
    seen: set[str] = set()
    for i, code in enumerate(final.teams):
        if code not in team_codes:
            found.append(problem((*base, "teams", i), f"no team '{code}' among the units' teams"))
        elif code in seen:
            found.append(problem((*base, "teams", i), f"team '{code}' twice"))
        seen.add(code)
    for i, judge in enumerate(final.judges):
        if not 0 < judge < 2**52:
            found.append(problem((*base, "judges", i), "not a Telegram user id"))
    for r, spec in enumerate(final.rounds):
        where = (*base, "rounds", r)
        for j, qid in enumerate(spec.ids):
            q = bank.get(qid)
            if q is None:
                found.append(problem((*where, "ids", j), f"no question '{qid}' in the bank"))
            elif q.type not in ONE_TAP:
                found.append(
                    problem((*where, "ids", j), f"'{qid}' is {q.type}: use single or judge")
                )
        if spec.pool.law is not None and spec.pool.law not in bank.laws:
            found.append(problem((*where, "pool", "law"), f"unknown law '{spec.pool.law}'"))
        data = spec.model_dump()
        levels = (
            [rules.tier_difficulty(spec.tiers, t) for t in spec.tiers]
            if spec.kind == "risk"
            else [None]
        )
        for level in [] if spec.ids else levels:  # listed ids are checked one by one above
            if not _candidates(data, bank, level):
                what = f" of difficulty {level}" if level else ""
                found.append(problem(where, f"round {r + 1}: no question{what} to draw"))
        if spec.mode == "in_turn" and spec.kind != "compulsory":
            found.append(problem((*where, "mode"), "mode in_turn is for compulsory (必答) rounds"))
    return found


def final_config(final: rules.FinalIn, teams: Mapping[str, tuple[int, str]]) -> dict[str, Any]:
    """The stored rules: the section as data, with each team's id and name."""
    config = final.model_dump()
    config["teams"] = [
        {"id": teams[code][0], "code": code, "name": teams[code][1]} for code in final.teams
    ]
    return config


async def install_final(
    session: AsyncSession,
    comp_id: int,
    final: rules.FinalIn,
    teams: Mapping[str, tuple[int, str]],
    now: datetime,
) -> LiveFinal:
    """Keep the final's rules (new, or updated on a re-import: state and ledger stay)."""
    return await setup_final(session, comp_id, final_config(final, teams), now)
