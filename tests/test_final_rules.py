"""The live final's rules and state machine, without any transport: each round type, early
buzz, lock-out, timeouts, decline, ties, undo, the snapshot and its version counter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from competition import EventInvalid, read_event
from question_bank import Bank
from scoring import final as live
from scoring.final import rules
from scoring.final.engine import load, team_ids
from tests.conftest import FakeClock
from tests.final_kit import JUDGE, QUIZMASTER, TZ, contestant, event_text, make_final

RNG = random.Random(7)


async def _ids(sessions: Any, comp_id: int) -> list[int]:
    async with sessions() as session:
        final = await load(session, comp_id)
        assert final is not None
        return team_ids(final)


def test_answer_delta_per_round_type() -> None:
    assert rules.answer_delta({"kind": "compulsory", "points": 10}, True) == 10
    assert rules.answer_delta({"kind": "compulsory", "points": 10}, False) == 0
    assert rules.answer_delta({"kind": "compulsory", "points": 10, "wrong": 5}, None) == -5
    assert rules.answer_delta({"kind": "buzzer", "points": 10}, False) == -10
    assert rules.answer_delta({"kind": "buzzer", "points": 10, "timeout": 3}, None) == -3
    assert rules.answer_delta({"kind": "risk"}, True, 30) == 30
    assert rules.answer_delta({"kind": "risk"}, None, 20) == -20
    assert rules.early_penalty({"early": 10}) == -10


def test_ranks_turns_and_ties() -> None:
    scores = {1: 120, 2: 90, 3: 120, 4: 100}
    assert rules.ranks(scores) == {1: 1, 3: 1, 4: 3, 2: 4}
    assert rules.turn_order([1, 2, 3, 4], scores, "low_first") == [2, 4, 1, 3]
    assert rules.turn_order([1, 2, 3, 4], scores, "high_first") == [1, 3, 4, 2]
    assert rules.turn_order([1, 2, 3, 4], scores, "file") == [1, 2, 3, 4]
    assert rules.tied_teams([1, 2, 3, 4], scores) == [1, 3]
    assert rules.tied_teams([1, 2], {1: 5, 2: 6}) == []
    assert rules.tier_difficulty([30, 10, 20], 20) == 2


def _problems(folder: Path, bank: Bank, text: str) -> list[str]:
    path = folder / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventInvalid) as caught:
        read_event(path, bank, FakeClock()(), TZ)
    return [str(p) for p in caught.value.problems]


def _line(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_event_file_final_problems_name_their_lines(tmp_path: Path, small_bank: Bank) -> None:
    text = event_text("    - {kind: 抢答}\n    - {kind: 决斗}\n")
    found = _problems(tmp_path, small_bank, text)
    assert any(f":{_line(text, '决斗')}:" in p and "kind is one of" in p for p in found), found
    text = event_text(
        "    - {kind: 抢答, ids: [no-such-question]}\n"
        "    - {kind: 必答, ids: [t-lcl-no-probation]}\n"
        "    - {kind: 风险, pool: {difficulty: 3}}\n"
    ).replace("teams: [f1,", "teams: [zz,")
    found = _problems(tmp_path, small_bank, text)
    assert any(f":{_line(text, 'teams: [zz')}:" in p and "no team 'zz'" in p for p in found)
    assert any(f":{_line(text, 'no-such-question')}:" in p for p in found), found
    assert any(
        f":{_line(text, 't-lcl-no-probation')}:" in p and "use single or judge" in p for p in found
    ), found
    assert any(
        f":{_line(text, '风险')}:" in p and "no question of difficulty" in p for p in found
    ), found
    assert len(found) == len(set(found)) == 5, found  # 风险 lacks difficulty 2 and 3


def test_example_final_file_is_valid() -> None:
    from question_bank import load_bank

    path = Path(__file__).parent.parent / "examples" / "final.yaml"
    plan = read_event(path, load_bank(), FakeClock()(), TZ)
    assert plan.event.final is not None and len(plan.event.final.teams) == 8
    kinds = [r.kind for r in plan.event.final.rounds]
    assert kinds == ["compulsory", "buzzer", "risk", "tiebreak"]


async def test_snapshot_and_version_follow_every_change(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    comp = await make_final(sessions, small_bank, clock(), tmp_path)
    assert comp.id is not None
    teams = await _ids(sessions, comp.id)
    async with sessions() as session:
        v0 = await live.version(session, comp.id)
        snap = await live.snapshot(session, comp.id, clock())
    assert snap["event"] == "决赛杯" and snap["phase"] == "idle" and snap["round"] is None
    assert [t["score"] for t in snap["teams"]] == [100] * 8
    assert {t["rank"] for t in snap["teams"]} == {1}
    assert snap["question"] is None and snap["podium"] is None and not snap["finished"]

    async with sessions() as session:
        out = await live.start_round(session, comp.id, QUIZMASTER, clock(), small_bank, RNG)
        assert out.status == "started"
        out = await live.next_question(session, comp.id, QUIZMASTER, clock(), small_bank, RNG)
        assert out.status == "asked"
        await session.commit()
    async with sessions() as session:
        v1 = await live.version(session, comp.id)
        snap = await live.snapshot(session, comp.id, clock())
    assert v1 > v0
    assert snap["round"] == {"index": 0, "name": "必答", "kind": "compulsory"}
    assert snap["phase"] == "answering"
    assert snap["question"]["answer"] is None and not snap["question"]["revealed"]
    assert snap["deadline"] == (clock() + timedelta(seconds=20)).isoformat()
    assert "answer" not in str(snap["question"]["options"])  # no secret in the options

    async with sessions() as session:
        out = await live.adjust(session, comp.id, teams[2], 5, "加分", JUDGE, clock())
        assert out.status == "adjusted"
        await session.commit()
    async with sessions() as session:
        assert await live.version(session, comp.id) == v1 + 1
        snap = await live.snapshot(session, comp.id, clock())
    assert snap["teams"][0] == {
        "code": "f3",
        "name": "第3队",
        "score": 105,
        "rank": 1,
        "last_delta": 5,
    }


async def _stage(sessions: Any, bank: Bank, clock: FakeClock, folder: Path, rounds: str) -> Stage:
    """An event with the given rounds, 8 teams × 3 contestants joined."""
    comp = await make_final(sessions, bank, clock(), folder, rounds=rounds)
    assert comp.id is not None
    return Stage(sessions, comp.id, bank, await _ids(sessions, comp.id))


async def _act(sessions: Any, fn: Any, *args: Any) -> live.Outcome:
    async with sessions() as session:
        out: live.Outcome = await fn(session, *args)
        await session.commit()
        return out


class Stage:
    """The final's actions on one event, by team index (0–7) and seat (0–2)."""

    def __init__(self, sessions: Any, cid: int, bank: Bank, teams: list[int]) -> None:
        self.sessions, self.cid, self.bank, self.teams = sessions, cid, bank, teams

    async def round(self, now: datetime) -> live.Outcome:
        return await _act(
            self.sessions, live.start_round, self.cid, QUIZMASTER, now, self.bank, RNG
        )

    async def next(self, now: datetime) -> live.Outcome:
        return await _act(
            self.sessions, live.next_question, self.cid, QUIZMASTER, now, self.bank, RNG
        )

    async def open(self, now: datetime) -> live.Outcome:
        return await _act(self.sessions, live.open_buzzer, self.cid, QUIZMASTER, now)

    async def press(
        self, qno: int, team: int, seat: int, at: datetime, seq: int, now: datetime
    ) -> live.Outcome:
        user = contestant(team, seat)
        return await _act(
            self.sessions, live.press_buzzer, self.cid, qno, self.teams[team], user, at, seq, now
        )

    async def answer(
        self, qno: int, team: int, seat: int, option: int, now: datetime, arrived: datetime
    ) -> live.Outcome:
        user = contestant(team, seat)
        return await _act(
            self.sessions, live.answer, self.cid, qno, self.teams[team], user, option, now, arrived
        )


async def _scores(sessions: Any, comp_id: int) -> dict[str, int]:
    async with sessions() as session:
        final = await load(session, comp_id)
        assert final is not None
        return {s.code: s.score for s in await live.standings(session, final)}


async def test_compulsory_together_scores_answers_and_timeouts(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(
        sessions,
        small_bank,
        clock,
        tmp_path,
        "    - {kind: 必答, questions: 1, seconds: 20, wrong: 5, ids: [t-lcl-probation]}\n",
    )
    cid = stage.cid
    now = clock()
    await stage.round(now)
    asked = await stage.next(now)
    assert asked.final is not None
    qno = asked.final.question_no
    right = await stage.answer(qno, 0, 0, 1, now, now)
    assert (right.status, right.correct, right.delta) == ("answered", True, 10)
    twice = await stage.answer(qno, 0, 1, 1, now, now)
    assert twice.status == "twice"
    wrong = await stage.answer(qno, 1, 0, 0, now, now)
    assert (wrong.correct, wrong.delta, wrong.closed) == (False, -5, False)
    late = now + timedelta(seconds=21)
    refused = await stage.answer(qno, 2, 0, 1, late, late)
    assert refused.status == "late"
    stale = await _act(sessions, live.expire, cid, asked.final.step - 1, late)
    assert stale.status == "stale"
    expired = await _act(sessions, live.expire, cid, asked.final.step, late)
    assert expired.status == "timeout" and expired.closed and len(expired.answers) == 6
    scores = await _scores(sessions, cid)
    assert scores == {"f1": 110, "f2": 95, **{f"f{i}": 95 for i in range(3, 9)}}
    again = await _act(sessions, live.expire, cid, asked.final.step, late)
    assert again.status == "stale"  # a timer runs once; a second one changes nothing
    assert await _scores(sessions, cid) == scores


async def test_compulsory_in_turn_asks_each_team_its_own_question(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(
        sessions,
        small_bank,
        clock,
        tmp_path,
        "    - {kind: 必答, mode: in_turn, questions: 1, ids: [t-lcl-probation]}\n",
    )
    cid, teams = stage.cid, stage.teams
    now = clock()
    await stage.round(now)
    for i, team in enumerate(teams):
        asked = await stage.next(now)
        assert asked.final is not None and asked.final.teams_up == [team]
        other = teams[(i + 1) % len(teams)]
        qno = asked.final.question_no
        refused = await _act(sessions, live.answer, cid, qno, other, contestant(0, 0), 1, now, now)
        assert refused.status == "not_up"
        done = await _act(sessions, live.answer, cid, qno, team, contestant(i, 0), i % 2, now, now)
        assert done.closed
    over = await stage.next(now)
    assert over.status == "round_over"
    scores = await _scores(sessions, cid)
    assert [scores[f"f{i}"] for i in range(1, 9)] == [100, 110] * 4


BUZZ = "    - {kind: 抢答, questions: 3, seconds: 15, buzz_seconds: 10, ids: [t-lcl-double-wage]}\n"


async def test_buzzer_early_press_locks_out_and_first_received_wins(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(sessions, small_bank, clock, tmp_path, BUZZ)
    cid, teams = stage.cid, stage.teams
    now = clock()
    await stage.round(now)
    shown = await stage.next(now)
    assert shown.final is not None and shown.final.phase == "showing"
    qno = shown.final.question_no
    early = await stage.press(qno, 0, 0, now, 1, now)
    assert (early.status, early.delta) == ("early", -10)
    await stage.open(now)
    locked = await stage.press(qno, 0, 1, now, 2, now)
    assert locked.status == "locked"
    t0 = now + timedelta(seconds=1)
    # team 3's press was received first but handled second (another worker was slower)
    second = await stage.press(qno, 1, 0, t0 + timedelta(milliseconds=30), 11, t0)
    assert second.status == "won"
    first = await stage.press(qno, 2, 0, t0 + timedelta(milliseconds=10), 10, t0)
    assert (first.status, first.replaced) == ("won", teams[1])
    slower = await stage.press(qno, 3, 0, t0 + timedelta(milliseconds=20), 12, t0)
    assert slower.status == "slower"
    not_winner = await stage.answer(qno, 1, 0, 0, t0, t0)
    assert not_winner.status == "not_up"
    won = await stage.answer(qno, 2, 0, 0, t0, t0)
    assert (won.correct, won.delta, won.closed) == (True, 10, True)
    async with sessions() as session:
        snap = await live.snapshot(session, cid, t0)
    assert snap["buzz"]["team"] == "f3" and snap["phase"] == "revealed"
    assert snap["question"]["answer"] == ["A"]  # 对 is the first option of a judge question
    scores = await _scores(sessions, cid)
    assert (scores["f1"], scores["f3"], scores["f2"]) == (90, 110, 100)


async def test_buzzer_wrong_timeout_and_void(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(sessions, small_bank, clock, tmp_path, BUZZ)
    cid, teams = stage.cid, stage.teams
    now = clock()
    await stage.round(now)
    # wrong: −10
    shown = await stage.next(now)
    assert shown.final is not None
    await stage.open(now)
    await stage.press(shown.final.question_no, 4, 0, now, 1, now)
    wrong = await stage.answer(shown.final.question_no, 4, 0, 1, now, now)
    assert (wrong.correct, wrong.delta) == (False, -10)
    # the winner lets the time run out: −10 by the timer
    shown = await stage.next(now)
    assert shown.final is not None
    await stage.open(now)
    won = await stage.press(shown.final.question_no, 5, 0, now, 2, now)
    assert won.final is not None
    later = now + timedelta(seconds=16)
    timeout = await _act(sessions, live.expire, cid, won.final.step, later)
    assert timeout.status == "timeout" and [a.team_id for a in timeout.answers] == [teams[5]]
    # nobody buzzes in time: void, nothing changes; a press after the deadline is refused
    shown = await stage.next(later)
    assert shown.final is not None
    opened = await stage.open(later)
    assert opened.final is not None
    after = later + timedelta(seconds=11)
    late = await stage.press(shown.final.question_no, 6, 0, after, 3, after)
    assert late.status == "late"
    void = await _act(sessions, live.expire, cid, opened.final.step, after)
    assert void.status == "void"
    scores = await _scores(sessions, cid)
    assert (scores["f5"], scores["f6"], scores["f7"]) == (90, 90, 100)


async def test_judge_marks_an_answer_given_aloud(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(
        sessions,
        small_bank,
        clock,
        tmp_path,
        "    - {kind: 抢答, answer: judge, questions: 1, ids: [t-wp-maternity]}\n",
    )
    cid = stage.cid
    now = clock()
    await stage.round(now)
    shown = await stage.next(now)
    assert shown.final is not None
    nothing = await _act(sessions, live.judge, cid, JUDGE, True, now)
    assert nothing.status == "not_answering"
    await stage.open(now)
    qno = shown.final.question_no
    await stage.press(qno, 7, 0, now, 1, now)
    aloud = await stage.answer(qno, 7, 0, 1, now, now)
    assert aloud.status == "aloud"
    judged = await _act(sessions, live.judge, cid, JUDGE, False, now)
    assert (judged.status, judged.delta, judged.closed) == ("judged", -10, True)
    async with sessions() as session:
        entries = await live.engine.ledger(session, cid)
    assert [(e.kind, e.delta, e.by_user) for e in entries] == [("wrong", -10, JUDGE)]


RISK = (
    "    - {kind: 风险, tiers: [10, 20, 30], order: low_first, ids: [t-wp-pregnancy-dismissal]}\n"
)


async def test_risk_tiers_in_standing_order_with_decline(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(sessions, small_bank, clock, tmp_path, RISK)
    cid, teams = stage.cid, stage.teams
    now = clock()
    await _act(sessions, live.adjust, cid, teams[0], -20, "测试", QUIZMASTER, now)
    await _act(sessions, live.adjust, cid, teams[1], -10, "测试", QUIZMASTER, now)
    await stage.round(now)
    first = await stage.next(now)
    assert first.final is not None and first.final.teams_up == [teams[0]]  # the last placed
    assert first.final.phase == "choosing"
    qno = first.final.question_no
    forged = await _act(sessions, live.choose_tier, cid, qno, teams[0], 25, now, small_bank, RNG)
    assert forged.status == "stale"
    other = await _act(sessions, live.choose_tier, cid, qno, teams[1], 10, now, small_bank, RNG)
    assert other.status == "not_up"
    chosen = await _act(sessions, live.choose_tier, cid, qno, teams[0], 30, now, small_bank, RNG)
    assert chosen.status == "chosen" and chosen.final is not None
    right = await stage.answer(qno, 0, 0, 1, now, now)
    assert (right.correct, right.delta) == (True, 30)
    second = await stage.next(now)
    assert second.final is not None and second.final.teams_up == [teams[1]]
    declined = await _act(
        sessions,
        live.choose_tier,
        cid,
        second.final.question_no,
        teams[1],
        None,
        now,
        small_bank,
        RNG,
    )
    assert declined.status == "declined"
    third = await stage.next(now)
    assert third.final is not None
    later = now + timedelta(seconds=31)
    timeout = await _act(sessions, live.expire, cid, third.final.step, later)
    assert timeout.status == "declined"  # no tier chosen in time
    fourth = await stage.next(later)
    assert fourth.final is not None
    chosen = await _act(
        sessions,
        live.choose_tier,
        cid,
        fourth.final.question_no,
        fourth.final.teams_up[0],
        20,
        later,
        small_bank,
        RNG,
    )
    assert chosen.final is not None
    missed = await _act(
        sessions, live.expire, cid, chosen.final.step, later + timedelta(seconds=31)
    )
    assert missed.status == "timeout"
    scores = await _scores(sessions, cid)
    assert scores["f1"] == 110 and scores["f2"] == 90
    assert sorted(scores.values()).count(80) == 1  # the fourth team to choose lost its 20


async def test_tiebreak_among_tied_teams_until_one_is_right_then_undo(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(
        sessions,
        small_bank,
        clock,
        tmp_path,
        "    - {kind: 加赛, points: 10, ids: [t-lcl-probation]}\n",
    )
    cid, teams = stage.cid, stage.teams
    now = clock()
    for i, team in enumerate(teams):
        if i not in (2, 5):
            await _act(sessions, live.adjust, cid, team, -10 - i, "初赛", QUIZMASTER, now)
    started = await stage.round(now)
    assert started.final is not None and started.final.contenders == [teams[2], teams[5]]
    shown = await stage.next(now)
    assert shown.final is not None and shown.final.teams_up == [teams[2], teams[5]]
    await stage.open(now)
    outsider = await stage.press(shown.final.question_no, 0, 0, now, 1, now)
    assert outsider.status == "not_up"
    await stage.press(shown.final.question_no, 2, 0, now, 2, now)
    wrong = await stage.answer(shown.final.question_no, 2, 0, 0, now, now)
    assert wrong.delta == 0 and wrong.final is not None and wrong.final.contenders
    shown = await stage.next(now)
    assert shown.final is not None
    await stage.open(now)
    await stage.press(shown.final.question_no, 5, 0, now, 3, now)
    right = await stage.answer(shown.final.question_no, 5, 0, 1, now, now)
    assert right.delta == 10
    over = await stage.next(now)
    assert over.status == "round_over"
    assert (await _scores(sessions, cid))["f6"] == 110
    # undo takes back the latest change by a new entry; a second undo the one before it
    undone = await _act(sessions, live.undo, cid, JUDGE, now)
    assert (undone.status, undone.team_id, undone.delta) == ("undone", teams[5], -10)
    assert (await _scores(sessions, cid))["f6"] == 100
    undone = await _act(sessions, live.undo, cid, JUDGE, now)
    assert undone.team_id == teams[7] and undone.delta == 17
    async with sessions() as session:
        entries = await live.engine.ledger(session, cid)
    assert [e.kind for e in entries[-2:]] == ["undo", "undo"]
    assert entries[-2].undoes_id == entries[-3].id  # never edited: the entry is still there
    finished = await stage.round(now)
    assert finished.status == "finished"
    assert (await stage.round(now)).status == "over"  # once: no second podium
    async with sessions() as session:
        snap = await live.snapshot(session, cid, now)
    assert snap["finished"] and [p["code"] for p in snap["podium"]] == ["f3", "f6", "f8"]


async def test_tiebreak_without_a_tie_is_passed_over(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    stage = await _stage(
        sessions, small_bank, clock, tmp_path, "    - {kind: 加赛, ids: [t-lcl-probation]}\n"
    )
    cid, teams = stage.cid, stage.teams
    for i, team in enumerate(teams):
        await _act(sessions, live.adjust, cid, team, i, "", QUIZMASTER, clock())
    out = await stage.round(clock())
    assert out.status == "finished"


async def test_a_teammates_earlier_press_handled_later_still_counts(
    sessions: Any, small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    """Several workers: team 1's second press reached the server before team 2's, though
    it is handled after both; team 1 leads, and a later teammate press changes nothing."""
    stage = await _stage(sessions, small_bank, clock, tmp_path, BUZZ)
    teams = stage.teams
    now = clock()
    await stage.round(now)
    shown = await stage.next(now)
    assert shown.final is not None
    qno = shown.final.question_no
    await stage.open(now)
    ms = timedelta(milliseconds=1)
    first = await stage.press(qno, 0, 2, now + 40 * ms, 4, now)
    assert first.status == "won"
    second = await stage.press(qno, 1, 0, now + 20 * ms, 2, now)
    assert (second.status, second.replaced) == ("won", teams[0])
    third = await stage.press(qno, 0, 0, now + 10 * ms, 1, now)
    assert (third.status, third.replaced) == ("won", teams[1])
    again = await stage.press(qno, 0, 1, now + 5 * ms, 0, now)
    assert again.status == "twice" and again.final is not None
    assert again.final.buzz_team_id == teams[0] and again.final.buzz_user_id == contestant(0, 1)
    late_mate = await stage.press(qno, 1, 1, now + 30 * ms, 3, now)
    assert late_mate.status == "twice"
