"""The rules of the live final as data and pure functions: the event file's `final:` section
(checked by pydantic, stored as JSON), what an answer is worth in each round type, the order
of turns by standing, ranks and ties. No database, no clock.

Round types (`kind`, English or Chinese):
- compulsory / 必答: every team answers; `mode: together` (the same question to all teams at
  once, `questions` of them) or `in_turn` (each team its own `questions` questions, teams
  taking turns); + `points` for right, − `wrong` (default 0) for wrong or no answer.
- buzzer / 抢答: the host shows a question, then opens buzzing; the first press the server
  receives wins; a press before opening costs `early` (default 10) and locks the team out of
  the question; the winner answers (`answer: buttons`, or aloud and a judge marks ✓/✗);
  + `points`, − `wrong` (default 10) for wrong, − `timeout` (default: `wrong`) for no answer.
- risk / 风险: in the order of the standing (`order: low_first` by default, `high_first`,
  or `file`) each team picks a tier of `tiers` (default 10/20/30; tier i gets a question of
  difficulty i+1) or declines; ± the tier.
- tiebreak / 加赛: sudden-death buzzer among the teams tied for the best shared score until
  one answers right (+ `points`, default 10; − `wrong`, default 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

KIND_NAMES = {"compulsory": "必答", "buzzer": "抢答", "risk": "风险", "tiebreak": "加赛"}
KIND_ALIASES = {name: kind for kind, name in KIND_NAMES.items()}
BUZZ_KINDS = ("buzzer", "tiebreak")
DEFAULT_TIERS = (10, 20, 30)
DEFAULT_QUESTIONS = {"compulsory": 3, "buzzer": 10, "risk": 1, "tiebreak": 0}
MAX_TEAMS = 16


class PoolIn(BaseModel):
    """Which bank questions a round draws from (any of them, if left out)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    law: str | None = None
    kind: Literal["single", "judge"] | None = None  # answered with one tap on stage
    difficulty: int | None = Field(default=None, ge=1, le=3)


class RoundIn(BaseModel):
    """One round of the final, in the order of the file."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: str
    name: str | None = Field(default=None, min_length=1, max_length=20)
    points: int = Field(default=10, ge=0, le=1000)
    wrong: int | None = Field(default=None, ge=0, le=1000)
    timeout: int | None = Field(default=None, ge=0, le=1000)
    early: int = Field(default=10, ge=0, le=1000)
    seconds: int = Field(default=30, ge=5, le=600)  # time to answer
    buzz_seconds: int = Field(default=15, ge=3, le=600)  # time to buzz once opened
    choose_seconds: int = Field(default=30, ge=5, le=600)  # 风险: time to pick a tier
    mode: Literal["together", "in_turn"] = "together"
    questions: int | None = Field(default=None, ge=1, le=100)
    ids: list[str] = Field(default_factory=list)
    pool: PoolIn = Field(default_factory=PoolIn)
    tiers: list[int] = Field(
        default_factory=lambda: list(DEFAULT_TIERS), min_length=1, max_length=3
    )
    order: Literal["low_first", "high_first", "file"] = "low_first"
    answer: Literal["buttons", "judge"] = "buttons"

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kind = KIND_ALIASES.get(value, value)
        if kind not in KIND_NAMES:
            raise ValueError(f"kind is one of {', '.join([*KIND_NAMES, *KIND_ALIASES])}")
        return kind

    @field_validator("tiers")
    @classmethod
    def _positive_tiers(cls, value: list[int]) -> list[int]:
        if any(not 1 <= v <= 1000 for v in value) or len(set(value)) != len(value):
            raise ValueError("tiers are different numbers from 1 to 1000")
        return value


class FinalIn(BaseModel):
    """The event file's `final:` section."""

    model_config = ConfigDict(extra="forbid", strict=True)
    start_score: int = Field(default=100, ge=0, le=100000)
    judges: list[int] = Field(default_factory=list)
    teams: list[str] = Field(min_length=2, max_length=MAX_TEAMS)  # team codes of the units
    contestants: int = Field(default=3, ge=1, le=10)  # per team, first to join
    rounds: list[RoundIn] = Field(min_length=1, max_length=20)


def round_name(rules: Mapping[str, Any]) -> str:
    return str(rules.get("name") or KIND_NAMES[str(rules["kind"])])


def question_count(rules: Mapping[str, Any]) -> int:
    """Questions of a round: per team for in-turn 必答, else for the round (0: until decided)."""
    kind = str(rules["kind"])
    if rules.get("questions"):
        return int(rules["questions"])
    if rules.get("ids") and kind != "risk":
        return len(rules["ids"])
    return DEFAULT_QUESTIONS[kind]


def wrong_points(rules: Mapping[str, Any]) -> int:
    """What a wrong answer costs (a positive number)."""
    if rules.get("wrong") is not None:
        return int(rules["wrong"])
    return 10 if rules["kind"] == "buzzer" else 0


def answer_delta(rules: Mapping[str, Any], correct: bool | None, tier: int | None = None) -> int:
    """The change of score for a right (True), wrong (False) or missing (None) answer.

    >>> answer_delta({"kind": "buzzer", "points": 10}, None)
    -10
    """
    if rules["kind"] == "risk":
        stake = int(tier or 0)
        return stake if correct else -stake
    if correct:
        return int(rules.get("points", 10))
    if correct is None and rules.get("timeout") is not None:
        return -int(rules["timeout"])
    return -wrong_points(rules)


def early_penalty(rules: Mapping[str, Any]) -> int:
    return -int(rules.get("early", 10))


def tier_difficulty(tiers: Sequence[int], tier: int) -> int:
    """The difficulty (1–3) of a tier: the lowest tier 1, the next 2, the rest 3."""
    return min(sorted(tiers).index(tier) + 1, 3)


def ranks(scores: Mapping[int, int]) -> dict[int, int]:
    """Competition ranks (1, 1, 3): teams with one score share a rank."""
    ordered = sorted(scores.values(), reverse=True)
    return {team: ordered.index(score) + 1 for team, score in scores.items()}


def turn_order(teams: Sequence[int], scores: Mapping[int, int], order: str) -> list[int]:
    """Teams in the order they take their turn: by standing (`low_first`: the last placed
    first; `high_first`), ties in the file's order; or the file's order."""
    if order == "file":
        return list(teams)
    sign = 1 if order == "low_first" else -1
    place = {team: i for i, team in enumerate(teams)}
    return sorted(teams, key=lambda t: (sign * scores.get(t, 0), place[t]))


def tied_teams(teams: Sequence[int], scores: Mapping[int, int]) -> list[int]:
    """The teams tied on the best score that two or more teams share ([] if none tie)."""
    shared = [s for s in set(scores.values()) if list(scores.values()).count(s) > 1]
    if not shared:
        return []
    best = max(shared)
    return [t for t in teams if scores.get(t) == best]
