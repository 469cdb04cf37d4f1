"""The live final's state machine: one function per thing a host, a judge, a contestant or
a timer does. Each locks the final's row (PostgreSQL; SQLite has one writer), checks that
the action fits the current phase, changes state and ledger, and bumps `version` in the
same transaction. The caller commits. Nothing here knows Telegram, the web or the texts.

Phases: idle (no round yet) → ready (a round began) → per question: showing (抢答/加赛: the
question is up, buzzing not open) → buzz_open → answering; or choosing (风险: a team picks a
tier) → answering; answering → revealed (answers scored, the answer shown) → the next
question, or the next round … → finished (the podium).

Deadlines are stored; a timer job carrying the `step` it was set for calls `expire`, which
does nothing if the phase has moved on. A late answer or press changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from competition.models import Member
from question_bank import LETTERS, Bank, Question
from question_bank.model import JUDGE_OPTIONS
from scoring.final import rules
from scoring.final.models import BuzzPress, FinalAnswer, LedgerEntry, LiveFinal
from scoring.models import aware

BUSY = ("showing", "buzz_open", "answering", "choosing")
ONE_TAP = ("single", "judge")


@dataclass
class Outcome:
    """What an action did: `status` says what happened (or why nothing did)."""

    status: str
    final: LiveFinal | None = None
    team_id: int | None = None
    delta: int = 0
    correct: bool | None = None
    answers: list[FinalAnswer] = field(default_factory=list)  # recorded by this action
    closed: bool = False  # the question is over (phase revealed)
    replaced: int | None = None  # buzz: the team an earlier-received press took the lead from


async def load(session: AsyncSession, comp_id: int, lock: bool = False) -> LiveFinal | None:
    stmt = select(LiveFinal).where(col(LiveFinal.competition_id) == comp_id)
    if lock:
        # fresh values once the lock is ours: the row may be in the session already, read
        # before a concurrent writer committed (PostgreSQL; SQLite has one writer)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.exec(stmt)).first()


async def setup_final(
    session: AsyncSession, comp_id: int, config: dict[str, Any], now: datetime
) -> LiveFinal:
    """Create the event's final, or take new rules for it (its state and ledger stay)."""
    final = await load(session, comp_id, lock=True)
    if final is None:
        final = LiveFinal(competition_id=comp_id, config=config)
    final.config = dict(config)
    _touch(final, now)
    session.add(final)
    await session.flush()
    return final


def _touch(final: LiveFinal, now: datetime, phase: str | None = None) -> None:
    final.version += 1
    final.updated_at = aware(now)
    if phase is not None:
        final.phase = phase
        final.step += 1


def team_ids(final: LiveFinal) -> list[int]:
    return [int(t["id"]) for t in final.config["teams"]]


def current_rules(final: LiveFinal) -> dict[str, Any] | None:
    if final.round_index is None or final.round_index >= len(final.config["rounds"]):
        return None
    found: dict[str, Any] = final.config["rounds"][final.round_index]
    return found


def shown_question(q: Question) -> dict[str, Any]:
    """What the final keeps of a question: enough for every screen, without the bank."""
    options = JUDGE_OPTIONS if q.type == "judge" else q.options
    return {
        "id": q.id,
        "type": q.type,
        "law": q.law,
        "text": q.stem,
        "options": [{"label": LETTERS[i], "text": text} for i, text in enumerate(options)],
        "answer": sorted(q.answer),
    }


def _candidates(spec: dict[str, Any], bank: Bank, difficulty: int | None) -> list[Question]:
    if spec.get("ids"):
        return [q for q in (bank.get(i) for i in spec["ids"]) if q is not None]
    pool = spec.get("pool") or {}
    level = difficulty or pool.get("difficulty")
    return [
        q
        for q in bank.questions.values()
        if q.type in ONE_TAP
        and (pool.get("law") in (None, q.law))
        and (pool.get("kind") in (None, q.type))
        and (level is None or q.difficulty == level)
    ]


def draw(
    spec: dict[str, Any],
    bank: Bank,
    used: Sequence[str],
    count: int,
    rng: random.Random,
    difficulty: int | None = None,
) -> list[str]:
    """`count` question ids for a round: its listed ids in order, or unused questions of its
    pool in random order (used ones again only when the pool runs out)."""
    found = _candidates(spec, bank, difficulty)
    if not found:
        return []
    if spec.get("ids"):
        ids = [q.id for q in found]
        return [ids[i % len(ids)] for i in range(count)]
    fresh = [q.id for q in found if q.id not in used]
    stale = [q.id for q in found if q.id in used]
    rng.shuffle(fresh)
    rng.shuffle(stale)
    order = fresh + stale
    return [order[i % len(order)] for i in range(count)]


# --- the standing ------------------------------------------------------------------------


async def ledger(session: AsyncSession, comp_id: int) -> list[LedgerEntry]:
    stmt = (
        select(LedgerEntry)
        .where(col(LedgerEntry.competition_id) == comp_id)
        .order_by(col(LedgerEntry.id))
    )
    return list((await session.exec(stmt)).all())


async def scores(session: AsyncSession, final: LiveFinal) -> dict[int, int]:
    """Each team's score: the start score plus its ledger entries."""
    totals = {team: int(final.config["start_score"]) for team in team_ids(final)}
    for entry in await ledger(session, final.competition_id):
        if entry.team_id in totals:
            totals[entry.team_id] += entry.delta
    return totals


def _entry(
    final: LiveFinal, team: int, delta: int, kind: str, by: int, now: datetime, note: str = ""
) -> LedgerEntry:
    return LedgerEntry(
        competition_id=final.competition_id,
        team_id=team,
        delta=delta,
        kind=kind,
        note=note[:200],
        round_index=final.round_index,
        question_no=final.question_no or None,
        question_id=final.question_id,
        by_user=by,
        at=aware(now),
    )


# --- rounds and questions ----------------------------------------------------------------


def _refused(status: str, final: LiveFinal | None) -> Outcome:
    return Outcome(status, final)


async def start_round(
    session: AsyncSession, comp_id: int, by: int, now: datetime, bank: Bank, rng: random.Random
) -> Outcome:
    """/round: begin the next round (a 加赛 without a tie is passed over); after the last
    round, the final is finished. Not while a question is open."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.finished:
        return _refused("over" if final else "no_final", final)
    if final.phase in BUSY:
        return _refused("busy", final)
    final.host_id = by
    index = -1 if final.round_index is None else final.round_index
    standing = await scores(session, final)
    while True:
        index += 1
        if index >= len(final.config["rounds"]):
            final.round_index = len(final.config["rounds"])
            final.finished = True
            _clear_question(final)
            _touch(final, now, "finished")
            session.add(final)
            return Outcome("finished", final)
        spec = final.config["rounds"][index]
        if spec["kind"] != "tiebreak":
            break
        contenders = rules.tied_teams(team_ids(final), standing)
        if contenders:
            final.contenders = contenders
            break
    final.round_index = index
    final.plan = _plan(spec, final, standing, bank, rng)
    final.plan_pos = 0
    _clear_question(final)
    _touch(final, now, "ready")
    session.add(final)
    return Outcome("started", final)


def _plan(
    spec: dict[str, Any],
    final: LiveFinal,
    standing: dict[int, int],
    bank: Bank,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """The round's questions and turns, fixed when it begins (风险's questions are drawn at
    the tier choice, 加赛's one at a time)."""
    teams = team_ids(final)
    count = rules.question_count(spec)
    kind = spec["kind"]
    if kind == "risk":
        return [{"team": t} for t in rules.turn_order(teams, standing, spec["order"])]
    if kind == "tiebreak":
        return []
    if kind == "compulsory" and spec["mode"] == "in_turn":
        ids = draw(spec, bank, final.asked, count * len(teams), rng)
        return [{"team": teams[i % len(teams)], "q": q} for i, q in enumerate(ids)]
    return [{"q": q} for q in draw(spec, bank, final.asked, count, rng)]


def _clear_question(final: LiveFinal) -> None:
    final.question_id = None
    final.question = None
    final.teams_up = []
    final.tier = None
    final.deadline = None
    final.buzz_team_id = None
    final.buzz_user_id = None
    final.buzz_at = None
    final.locked_out = []


def _show(final: LiveFinal, q: Question) -> None:
    final.question_no += 1
    final.question_id = q.id
    final.question = shown_question(q)
    final.asked = [*final.asked, q.id]


async def next_question(
    session: AsyncSession, comp_id: int, by: int, now: datetime, bank: Bank, rng: random.Random
) -> Outcome:
    """/next: the round's next question (or 风险's next team's tier choice)."""
    final = await load(session, comp_id, lock=True)
    spec = current_rules(final) if final is not None else None
    if final is None or final.finished or spec is None:
        return _refused("finished" if final and final.finished else "no_round", final)
    if final.phase in BUSY:
        return _refused("busy", final)
    final.host_id = by
    kind = spec["kind"]
    if kind == "tiebreak":
        if not final.contenders:
            return _refused("round_over", final)
        ids = draw(spec, bank, final.asked, 1, rng)
        q = bank.get(ids[0]) if ids else None
        if q is None:
            return _refused("no_questions", final)
        _clear_question(final)
        _show(final, q)
        final.teams_up = list(final.contenders)
        _touch(final, now, "showing")
        session.add(final)
        return Outcome("asked", final)
    if final.plan_pos >= len(final.plan):
        return _refused("round_over", final)
    item = final.plan[final.plan_pos]
    final.plan_pos += 1
    _clear_question(final)
    if kind == "risk":
        final.question_no += 1
        final.teams_up = [int(item["team"])]
        final.deadline = aware(now) + timedelta(seconds=int(spec["choose_seconds"]))
        _touch(final, now, "choosing")
        session.add(final)
        return Outcome("asked", final)
    q = bank.get(str(item["q"]))
    if q is None:
        return _refused("no_questions", final)
    _show(final, q)
    if kind == "buzzer":
        final.teams_up = team_ids(final)
        _touch(final, now, "showing")
    else:
        final.teams_up = [int(item["team"])] if item.get("team") else team_ids(final)
        final.deadline = aware(now) + timedelta(seconds=int(spec["seconds"]))
        _touch(final, now, "answering")
    session.add(final)
    return Outcome("asked", final)


async def open_buzzer(session: AsyncSession, comp_id: int, by: int, now: datetime) -> Outcome:
    """/open: buzzing opens on the question shown, for `buzz_seconds`."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.phase != "showing":
        return _refused("not_showing", final)
    spec = current_rules(final)
    assert spec is not None
    final.host_id = by
    final.deadline = aware(now) + timedelta(seconds=int(spec["buzz_seconds"]))
    _touch(final, now, "buzz_open")
    session.add(final)
    return Outcome("opened", final)


def _earlier(a: tuple[datetime, int], b: tuple[datetime, int]) -> bool:
    return (aware(a[0]), a[1]) < (aware(b[0]), b[1])


async def press_buzzer(
    session: AsyncSession,
    comp_id: int,
    question_no: int,
    team: int,
    user_id: int,
    received_at: datetime,
    seq: int,
    now: datetime,
) -> Outcome:
    """A contestant's BUZZ on question `question_no`, received at `received_at` (then `seq`,
    the arrival order of updates received together).

    Before /open: the team loses `early` points and is locked out of the question. Once
    open: the earliest-received press wins; a press handled after the winner's but received
    before it (several workers) takes the lead, as long as the winner has not answered.
    Too late, locked out, not up, a second press, another question: nothing changes."""
    final = await load(session, comp_id, lock=True)
    spec = current_rules(final) if final is not None else None
    if (
        final is None
        or spec is None
        or spec["kind"] not in rules.BUZZ_KINDS
        or final.question_no != question_no
        or final.phase not in ("showing", "buzz_open", "answering")
    ):
        return _refused("stale", final)
    if team not in final.teams_up:
        return _refused("not_up", final)
    if team in final.locked_out:
        return _refused("locked", final)
    if final.phase == "showing":
        return await _early_press(session, final, spec, team, user_id, received_at, seq, now)
    if final.phase == "buzz_open" and final.deadline and aware(received_at) > aware(final.deadline):
        return _refused("late", final)
    mine = await _press_of(session, final, team)
    arrived = (aware(received_at), seq)
    if mine is not None and not _earlier(arrived, (mine.received_at, mine.seq)):
        return _refused("twice", final)
    if mine is None:
        mine = BuzzPress(
            competition_id=comp_id,
            question_no=question_no,
            team_id=team,
            user_id=user_id,
            received_at=arrived[0],
            seq=seq,
        )
    else:  # a teammate's press received earlier, handled later: the team's press is that one
        mine.user_id, mine.received_at, mine.seq = user_id, arrived[0], seq
    session.add(mine)
    if final.phase == "buzz_open":
        _give_lead(final, mine, spec, now)
        return Outcome("won", final, team)
    leader = await _press_of(session, final, final.buzz_team_id)
    if leader is None or await _answered(session, final):
        _touch(final, now)
        session.add(final)
        return Outcome("slower", final, team)
    if leader.team_id == team:  # the leading team's own earlier press: it keeps the lead
        final.buzz_user_id, final.buzz_at = mine.user_id, mine.received_at
        _touch(final, now)
        session.add(final)
        return Outcome("twice", final, team)
    if not _earlier(arrived, (leader.received_at, leader.seq)):
        _touch(final, now)
        session.add(final)
        return Outcome("slower", final, team)
    replaced = final.buzz_team_id
    _give_lead(final, mine, spec, now)
    return Outcome("won", final, team, replaced=replaced)


async def _early_press(
    session: AsyncSession,
    final: LiveFinal,
    spec: dict[str, Any],
    team: int,
    user_id: int,
    received_at: datetime,
    seq: int,
    now: datetime,
) -> Outcome:
    """A press before /open: the penalty, and the team is out of this question."""
    session.add(
        BuzzPress(
            competition_id=final.competition_id,
            question_no=final.question_no,
            team_id=team,
            user_id=user_id,
            received_at=aware(received_at),
            seq=seq,
            early=True,
        )
    )
    delta = rules.early_penalty(spec)
    if delta:
        session.add(_entry(final, team, delta, "early", user_id, now))
    final.locked_out = [*final.locked_out, team]
    _touch(final, now)
    session.add(final)
    return Outcome("early", final, team, delta)


def _give_lead(final: LiveFinal, press: BuzzPress, spec: dict[str, Any], now: datetime) -> None:
    final.buzz_team_id = press.team_id
    final.buzz_user_id = press.user_id
    final.buzz_at = press.received_at
    final.deadline = aware(now) + timedelta(seconds=int(spec["seconds"]))
    _touch(final, now, "answering")


async def _press_of(session: AsyncSession, final: LiveFinal, team: int | None) -> BuzzPress | None:
    """The team's press on the current question (its earliest received, once all are in)."""
    stmt = select(BuzzPress).where(
        col(BuzzPress.competition_id) == final.competition_id,
        col(BuzzPress.question_no) == final.question_no,
        col(BuzzPress.team_id) == team,
    )
    return (await session.exec(stmt)).first()


async def _answered(session: AsyncSession, final: LiveFinal) -> list[FinalAnswer]:
    stmt = select(FinalAnswer).where(
        col(FinalAnswer.competition_id) == final.competition_id,
        col(FinalAnswer.question_no) == final.question_no,
    )
    return list((await session.exec(stmt)).all())


def answering_teams(final: LiveFinal) -> list[int]:
    """Who may answer now: the buzz winner (抢答/加赛), else the teams up."""
    if final.phase != "answering":
        return []
    if final.buzz_team_id is not None:
        return [final.buzz_team_id]
    return list(final.teams_up)


async def answer(
    session: AsyncSession,
    comp_id: int,
    question_no: int,
    team: int,
    user_id: int,
    option: int,
    now: datetime,
    arrived: datetime,
) -> Outcome:
    """A contestant's answer button: scored at once, once per team; the question closes
    when every team up has answered."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.question_no != question_no or final.phase != "answering":
        return _refused("stale", final)
    if team not in answering_teams(final):
        return _refused("not_up", final)
    spec = current_rules(final)
    assert spec is not None and final.question is not None
    if not 0 <= option < len(final.question["options"]):
        return _refused("stale", final)  # a forged button: the question has no such option
    if spec.get("answer") == "judge" and spec["kind"] in rules.BUZZ_KINDS:
        return _refused("aloud", final)
    if final.deadline is not None and aware(arrived) > aware(final.deadline):
        return _refused("late", final)
    if any(a.team_id == team for a in await _answered(session, final)):
        return _refused("twice", final)
    correct = [option] == list(final.question["answer"])
    recorded = _record(final, spec, team, user_id, option, correct, "buttons", now)
    session.add_all(recorded)
    outcome = Outcome("answered", final, team, _delta(recorded))
    outcome.correct = correct
    outcome.answers = [r for r in recorded if isinstance(r, FinalAnswer)]
    await session.flush()
    done = {a.team_id for a in await _answered(session, final)}
    if set(answering_teams(final)) <= done:
        _close(final, spec, correct if final.buzz_team_id is not None else None, now)
        outcome.closed = True
    else:
        _touch(final, now)
    session.add(final)
    return outcome


def _record(
    final: LiveFinal,
    spec: dict[str, Any],
    team: int,
    user_id: int | None,
    option: int | None,
    correct: bool | None,
    how: str,
    now: datetime,
) -> list[LedgerEntry | FinalAnswer]:
    """An answer row and, if it changes the score, its ledger entry (entry first)."""
    assert final.round_index is not None and final.question_id is not None
    delta = rules.answer_delta(spec, correct, final.tier)
    kind = "correct" if correct else ("timeout" if correct is None else "wrong")
    out: list[LedgerEntry | FinalAnswer] = []
    if delta:
        out.append(_entry(final, team, delta, kind, user_id or 0, now))
    out.append(
        FinalAnswer(
            competition_id=final.competition_id,
            round_index=final.round_index,
            question_no=final.question_no,
            question_id=final.question_id,
            team_id=team,
            user_id=user_id,
            option=option,
            correct=bool(correct),
            how=how,
            tier=final.tier,
            at=aware(now),
        )
    )
    return out


def _delta(recorded: list[LedgerEntry | FinalAnswer]) -> int:
    return sum(r.delta for r in recorded if isinstance(r, LedgerEntry))


def _close(
    final: LiveFinal, spec: dict[str, Any], buzz_correct: bool | None, now: datetime
) -> None:
    """The question is over: the answer is shown; a right answer in 加赛 decides it."""
    if spec["kind"] == "tiebreak" and buzz_correct:
        final.contenders = []
    final.deadline = None
    _touch(final, now, "revealed")


async def judge(
    session: AsyncSession, comp_id: int, by: int, correct: bool, now: datetime
) -> Outcome:
    """A judge's ✓ / ✗ on the answer given aloud by the one team answering."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.phase != "answering":
        return _refused("not_answering", final)
    up = answering_teams(final)
    if len(up) != 1 or await _answered(session, final):
        return _refused("not_answering", final)
    spec = current_rules(final)
    assert spec is not None
    recorded = _record(final, spec, up[0], final.buzz_user_id, None, correct, "judge", now)
    for row in recorded:
        if isinstance(row, LedgerEntry):
            row.by_user = by
    session.add_all(recorded)
    _close(final, spec, correct if final.buzz_team_id is not None else None, now)
    final.host_id = final.host_id or by
    session.add(final)
    outcome = Outcome("judged", final, up[0], _delta(recorded))
    outcome.correct = correct
    outcome.answers = [r for r in recorded if isinstance(r, FinalAnswer)]
    outcome.closed = True
    return outcome


async def choose_tier(
    session: AsyncSession,
    comp_id: int,
    question_no: int,
    team: int,
    tier: int | None,
    now: datetime,
    bank: Bank,
    rng: random.Random,
) -> Outcome:
    """风险: the team up picks a tier (its question follows at once) or declines (None)."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.phase != "choosing" or final.question_no != question_no:
        return _refused("stale", final)
    if final.teams_up != [team]:
        return _refused("not_up", final)
    spec = current_rules(final)
    assert spec is not None
    if tier is None:
        final.deadline = None
        _touch(final, now, "revealed")
        session.add(final)
        return Outcome("declined", final, team)
    if tier not in spec["tiers"]:
        return _refused("stale", final)
    difficulty = rules.tier_difficulty(spec["tiers"], tier)
    ids = draw(spec, bank, final.asked, 1, rng, difficulty) or draw(spec, bank, final.asked, 1, rng)
    q = bank.get(ids[0]) if ids else None
    if q is None:
        return _refused("no_questions", final)
    final.question_id = q.id
    final.question = shown_question(q)
    final.asked = [*final.asked, q.id]
    final.tier = tier
    final.deadline = aware(now) + timedelta(seconds=int(spec["seconds"]))
    _touch(final, now, "answering")
    session.add(final)
    return Outcome("chosen", final, team, tier)


async def expire(session: AsyncSession, comp_id: int, step: int, now: datetime) -> Outcome:
    """A deadline's timer job: if the final is still at that `step`, time is up."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.step != step or final.deadline is None:
        return _refused("stale", final)
    if aware(final.deadline) > aware(now):
        return _refused("early", final)
    return await _time_up(session, final, 0, now)


async def reveal(session: AsyncSession, comp_id: int, by: int, now: datetime) -> Outcome:
    """/reveal: end the question now — teams that have not answered get no points (as if
    their time ran out), a question nobody buzzed is void, a tier not chosen is declined."""
    final = await load(session, comp_id, lock=True)
    if final is None or final.phase not in BUSY:
        return _refused("nothing", final)
    final.host_id = by
    return await _time_up(session, final, by, now)


async def _time_up(session: AsyncSession, final: LiveFinal, by: int, now: datetime) -> Outcome:
    spec = current_rules(final)
    assert spec is not None
    final.deadline = None
    if final.phase == "choosing":
        _touch(final, now, "revealed")
        session.add(final)
        return Outcome("declined", final, final.teams_up[0] if final.teams_up else None)
    if final.phase in ("showing", "buzz_open"):
        _touch(final, now, "revealed")
        session.add(final)
        return Outcome("void", final)
    done = {a.team_id for a in await _answered(session, final)}
    outcome = Outcome("timeout", final, closed=True)
    for team in answering_teams(final):
        if team in done:
            continue
        recorded = _record(final, spec, team, None, None, None, "timeout", now)
        for row in recorded:
            if isinstance(row, LedgerEntry):
                row.by_user = by
        session.add_all(recorded)
        outcome.answers += [r for r in recorded if isinstance(r, FinalAnswer)]
    _close(final, spec, None, now)
    session.add(final)
    return outcome


# --- corrections -------------------------------------------------------------------------


async def adjust(
    session: AsyncSession, comp_id: int, team: int, delta: int, note: str, by: int, now: datetime
) -> Outcome:
    """/adjust: a quiz master's or judge's correction, with its reason, as a new entry."""
    final = await load(session, comp_id, lock=True)
    if final is None:
        return _refused("no_final", final)
    if team not in team_ids(final):
        return _refused("no_team", final)
    session.add(_entry(final, team, delta, "adjust", by, now, note))
    _touch(final, now)
    session.add(final)
    return Outcome("adjusted", final, team, delta)


async def undo(session: AsyncSession, comp_id: int, by: int, now: datetime) -> Outcome:
    """/undo: cancel the latest score change not yet cancelled, by a new opposite entry
    (the unique key cancels each entry once, also across processes)."""
    final = await load(session, comp_id, lock=True)
    if final is None:
        return _refused("no_final", final)
    entries = await ledger(session, comp_id)
    undone = {e.undoes_id for e in entries if e.undoes_id is not None}
    target = next((e for e in reversed(entries) if e.kind != "undo" and e.id not in undone), None)
    if target is None:
        return _refused("nothing", final)
    entry = _entry(final, target.team_id, -target.delta, "undo", by, now, target.note)
    entry.undoes_id = target.id
    entry.round_index, entry.question_no = target.round_index, target.question_no
    entry.question_id = target.question_id
    session.add(entry)
    _touch(final, now)
    session.add(final)
    return Outcome("undone", final, target.team_id, -target.delta)


# --- who plays --------------------------------------------------------------------------


async def contestants(session: AsyncSession, final: LiveFinal) -> dict[int, list[int]]:
    """Each finalist team's contestants: its first `contestants` members to join."""
    teams = team_ids(final)
    stmt = (
        select(Member.team_id, Member.user_id)
        .where(col(Member.competition_id) == final.competition_id, col(Member.team_id).in_(teams))
        .order_by(col(Member.joined_at), col(Member.id))
    )
    out: dict[int, list[int]] = {t: [] for t in teams}
    per_team = int(final.config.get("contestants", 3))
    for team_id, user_id in await session.exec(stmt):
        if team_id is not None and len(out[team_id]) < per_team:
            out[team_id].append(int(user_id))
    return out


async def team_of(session: AsyncSession, final: LiveFinal, user_id: int) -> int | None:
    """The finalist team the user plays for, if any."""
    for team, users in (await contestants(session, final)).items():
        if user_id in users:
            return team
    return None
